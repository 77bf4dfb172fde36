"""Zones and the assignment of assets to them.

Zone assignment is computed, never typed: an asset belongs to the smallest zone whose boundary
contains it, recomputed when it is created, moved or imported and when a boundary changes.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from rest_framework import status as http

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from devices.geo import ZoneIndex
from devices.models import Asset, Zone
from devices.services.registry.changes import audit_value, registry_changed_notify

ZONE_FIELDS = ("name", "kind", "parent", "boundary", "lighting_class", "min_level", "time_zone")


# --- zone assignment ----------------------------------------------------------------------------


def zone_for_point(*, latitude: float, longitude: float) -> Zone | None:
    """The smallest zone whose boundary contains the point, or None."""
    candidates = Zone.objects.filter(
        min_latitude__lte=latitude,
        max_latitude__gte=latitude,
        min_longitude__lte=longitude,
        max_longitude__gte=longitude,
    ).only("pk", "boundary")
    index = ZoneIndex((z.pk, z.boundary) for z in candidates)
    zone_id = index.locate(latitude, longitude)
    return Zone.objects.get(pk=zone_id) if zone_id else None


def zone_index_build() -> ZoneIndex:
    return ZoneIndex(Zone.objects.exclude(boundary=None).values_list("pk", "boundary"))


def _bounds(zone: Zone) -> tuple | None:
    if zone.min_latitude is None:
        return None
    return (zone.min_latitude, zone.max_latitude, zone.min_longitude, zone.max_longitude)


def assets_zone_reassign(
    *,
    bounds: Iterable[tuple | None] = (),
    zone_ids: Iterable[int] = (),
    asset_ids: Iterable[int] = (),
    everything: bool = False,
) -> int:
    """Recomputes the zone of assets: those within any of `bounds` (min_lat, max_lat, min_lon,
    max_lon), in `zone_ids` or in `asset_ids`, or all of them; returns how many changed."""
    assets = Asset.objects.all()
    if not everything:
        which = Q(pk__in=list(asset_ids)) | Q(zone_id__in=list(zone_ids))
        for box in bounds:
            if box is not None:
                which |= Q(latitude__range=box[:2], longitude__range=box[2:])
        assets = assets.filter(which)
    index = zone_index_build()
    rows = list(assets.values_list("pk", "latitude", "longitude", "zone_id"))
    located = index.locate_many([r[1] for r in rows], [r[2] for r in rows])
    changed = [
        Asset(pk=pk, zone_id=new)
        for (pk, _lat, _lon, old), new in zip(rows, located, strict=True)
        if old != new
    ]
    Asset.objects.bulk_update(changed, ["zone"], batch_size=2000)
    return len(changed)


# --- zones --------------------------------------------------------------------------------------


@transaction.atomic
def zone_create(*, actor: Actor, data: Mapping[str, Any]) -> Zone:
    zone = Zone(**{k: v for k, v in data.items() if k in ZONE_FIELDS})
    zone.full_clean()
    zone.save()
    if zone.boundary:
        assets_zone_reassign(bounds=[_bounds(zone)])
    registry_changed_notify()
    audit_record(
        actor=actor,
        action="zone.created",
        target=zone,
        details={"name": zone.name, "kind": zone.kind},
    )
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, actor: Actor, data: Mapping[str, Any]) -> Zone:
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    old_bounds = _bounds(zone)
    changes = {}
    for key, value in data.items():
        if key in ZONE_FIELDS and getattr(zone, key) != value:
            changes[key] = audit_value(value) if key != "boundary" else "changed"
            setattr(zone, key, value)
    if not changes:
        return zone
    zone.full_clean()
    zone.save()
    if "boundary" in changes:
        assets_zone_reassign(bounds=[old_bounds, _bounds(zone)], zone_ids=[zone.pk])
    registry_changed_notify()
    audit_record(actor=actor, action="zone.updated", target=zone, details={"changes": changes})
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone, actor: Actor) -> None:
    if zone.children.exists():
        raise ApplicationError(
            f"Zone {zone.name} has zones inside it; move or delete them first.",
            status_code=http.HTTP_409_CONFLICT,
        )
    bounds = _bounds(zone)
    pk, name = zone.pk, zone.name
    affected = list(Asset.objects.filter(zone=zone).values_list("pk", flat=True))
    zone.delete()
    assets_zone_reassign(bounds=[bounds], asset_ids=affected)
    registry_changed_notify()
    audit_record(
        actor=actor,
        action="zone.deleted",
        target_type="devices.zone",
        target_id=pk,
        details={"name": name, "assets": len(affected)},
    )
