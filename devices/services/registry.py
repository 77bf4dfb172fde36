"""Writes of the asset registry: zones, assets, their kind-specific details, zone assignment,
decommissioning and deletion, maintenance work orders. Every change a person makes is audited.

Zone assignment is computed, never typed: an asset belongs to the smallest zone whose boundary
contains it, recomputed when it is created, moved or imported and when a boundary changes.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.db.models.deletion import RestrictedError
from django.utils import timezone
from rest_framework import status as http

from cityplatform.api import ApplicationError
from cityplatform.live import layer_run
from cityplatform.services import Actor, audit_record
from devices.choices import AssetKind, LifecycleStatus, MaintenanceStatus
from devices.geo import ZoneIndex
from devices.models import (
    Asset,
    CameraDetails,
    Command,
    ControllerDetails,
    Fault,
    LevelChange,
    MaintenanceRecord,
    SensorDetails,
    StreetlightDetails,
    Telemetry,
    Zone,
)
from devices.selectors.registry import site_bounds
from devices.services.commands import GATEWAY_GROUP
from devices.services.proximity import proximity_update_for

log = logging.getLogger(__name__)
# What the gateways are told after a registry change is committed (on GATEWAY_GROUP, beside the
# commands' nudge): they reload the devices they know, the Frigate names and their OPC-UA
# controllers at once instead of at their next periodic refresh.
REGISTRY_CHANGED = "registry.changed"

# Kind → (details model, related name on Asset).
DETAILS: dict[str, tuple[type[models.Model], str]] = {
    AssetKind.STREETLIGHT: (StreetlightDetails, "streetlight"),
    AssetKind.CAMERA: (CameraDetails, "camera"),
    AssetKind.SENSOR: (SensorDetails, "sensor"),
    AssetKind.CONTROLLER: (ControllerDetails, "controller"),
}
ASSET_FIELDS = (
    "name",
    "latitude",
    "longitude",
    "status",
    "manufacturer",
    "model",
    "serial",
    "firmware_version",
    "installed_on",
    "warranty_until",
    "attributes",
)
ZONE_FIELDS = ("name", "kind", "parent", "boundary", "lighting_class", "min_level", "time_zone")


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _details_of(asset: Asset) -> models.Model | None:
    spec = DETAILS.get(asset.kind)
    if spec is None:
        return None
    model, related = spec
    try:
        return getattr(asset, related)
    except model.DoesNotExist:
        return model(asset=asset)


def details_build(*, asset: Asset, data: Mapping[str, Any] | None) -> models.Model | None:
    """The kind-specific details of `asset` with `data` applied, validated but not saved."""
    details = _details_of(asset)
    data = dict(data or {})
    if details is None:
        if data:
            raise ValidationError({"details": f"A {asset.kind} has no kind-specific details."})
        return None
    names = {f.name for f in details._meta.concrete_fields} - {"asset"}
    if unknown := set(data) - names - {"controller_id"}:
        raise ValidationError({"details": f"Unknown fields for a {asset.kind}: {sorted(unknown)}"})
    for key, value in data.items():
        setattr(details, key, value)
    try:
        details.full_clean(exclude=["asset"])
    except ValidationError as error:
        raise ValidationError(
            {f"details.{field}": messages for field, messages in error.message_dict.items()}
        ) from None
    return details


def registry_changed_notify(*, device_ids: Iterable[str] = ()) -> None:
    """Tells every gateway, once the transaction commits, that the registry changed (assets,
    their details, zones): a device registered through the API is known to the gateway within
    a second, not at its next refresh. A lost notification only delays (the gateways still
    refresh periodically); a rollback sends none."""
    ids = sorted(set(device_ids))[:100]  # for the gateway's log; it reloads everything anyway
    transaction.on_commit(lambda: _registry_changed_send(ids))


def _registry_changed_send(device_ids: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": REGISTRY_CHANGED, "device_ids": device_ids}
    try:
        layer_run(layer, lambda: layer.group_send(GATEWAY_GROUP, event))
    except Exception:
        log.exception("could not tell the gateways that the registry changed")


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
            changes[key] = _jsonable(value) if key != "boundary" else "changed"
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


# --- assets -------------------------------------------------------------------------------------


def asset_location_check(*, latitude: float, longitude: float) -> None:
    """ValidationError when the point lies outside the site's bounds (the zones' extent with
    SITE_BOUNDS_MARGIN_M): a swapped or mistyped point would land in no zone and pull every
    map out to the whole world."""
    bounds = site_bounds()
    problem = bounds.problem(latitude, longitude) if bounds is not None else None
    if problem:
        raise ValidationError({"latitude": [problem], "longitude": [problem]})


@transaction.atomic
def asset_create(
    *,
    actor: Actor,
    device_id: str,
    kind: AssetKind | str,
    latitude: float,
    longitude: float,
    name: str = "",
    status: LifecycleStatus | str = LifecycleStatus.ACTIVE,
    manufacturer: str = "",
    model: str = "",
    serial: str = "",
    firmware_version: str = "",
    installed_on: date | None = None,
    warranty_until: date | None = None,
    attributes: dict[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Asset:
    """Registers an asset with its kind-specific details; its zone is computed.

    `details` is validated with the kind's rules (a sensor must say what it measures, …);
    None creates the details with their defaults when those are valid, and none otherwise.
    """
    asset = Asset(
        device_id=device_id,
        kind=kind,
        latitude=latitude,
        longitude=longitude,
        name=name,
        status=status,
        manufacturer=manufacturer,
        model=model,
        serial=serial,
        firmware_version=firmware_version,
        installed_on=installed_on,
        warranty_until=warranty_until,
        attributes={} if attributes is None else attributes,
    )
    asset.full_clean()
    asset_location_check(latitude=asset.latitude, longitude=asset.longitude)
    if details is not None:
        detail_row = details_build(asset=asset, data=details)
    else:  # details to be filled in later (the admin's two steps): the defaults, if valid
        try:
            detail_row = details_build(asset=asset, data={})
        except ValidationError:
            detail_row = None
    asset.zone = zone_for_point(latitude=asset.latitude, longitude=asset.longitude)
    asset.save()
    if detail_row is not None:
        detail_row.asset = asset
        detail_row.save()
    proximity_update_for(asset=asset)
    registry_changed_notify(device_ids=[asset.device_id])
    audit_record(
        actor=actor,
        action="asset.created",
        target=asset,
        details={"device_id": asset.device_id, "kind": asset.kind},
    )
    return asset


@transaction.atomic
def asset_update(
    *,
    asset: Asset,
    actor: Actor,
    data: Mapping[str, Any],
    details: Mapping[str, Any] | None = None,
) -> Asset:
    """Changes an asset's fields and details; a move recomputes its zone and camera links.

    The kind and the device id cannot change (devices use the id on the wire): decommission the
    asset and register a new one instead.
    """
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    for frozen in ("kind", "device_id"):
        if frozen in data and data[frozen] != getattr(asset, frozen):
            raise ApplicationError(
                f"The {frozen.replace('_', ' ')} of an asset cannot change; decommission it and "
                "register a new one.",
                extra={"fields": {frozen: ["Cannot change."]}},
            )
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in ASSET_FIELDS and getattr(asset, key) != value:
            changes[key] = {"from": _jsonable(getattr(asset, key)), "to": _jsonable(value)}
            setattr(asset, key, value)
    asset.full_clean()
    detail_row = None
    if details:
        before = {k: _jsonable(getattr(_details_of(asset), k, None)) for k in details}
        detail_row = details_build(asset=asset, data=details)
        for key, value in details.items():
            if before.get(key) != _jsonable(value):
                changes[f"details.{key}"] = {"from": before.get(key), "to": _jsonable(value)}
    if not changes:
        return asset
    moved = "latitude" in changes or "longitude" in changes
    if moved:
        asset_location_check(latitude=asset.latitude, longitude=asset.longitude)
        asset.zone = zone_for_point(latitude=asset.latitude, longitude=asset.longitude)
    asset.save()
    if detail_row is not None:
        detail_row.save()
    if moved or "status" in changes:
        proximity_update_for(asset=asset)
    registry_changed_notify(device_ids=[asset.device_id])
    audit_record(actor=actor, action="asset.updated", target=asset, details={"changes": changes})
    return asset


@transaction.atomic
def asset_decommission(*, asset: Asset, actor: Actor, reason: str = "") -> Asset:
    """Takes an asset out of service for good; its history stays. Idempotent."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.status == LifecycleStatus.DECOMMISSIONED:
        return asset
    previous = asset.status
    asset.status = LifecycleStatus.DECOMMISSIONED
    asset.save(update_fields=["status", "updated_at"])
    proximity_update_for(asset=asset)
    registry_changed_notify(device_ids=[asset.device_id])
    audit_record(
        actor=actor,
        action="asset.decommissioned",
        target=asset,
        details={"from": previous, "reason": reason},
    )
    return asset


def asset_history(*, asset: Asset) -> list[str]:
    """What history an asset has (telemetry, level changes, commands, faults, maintenance)."""
    checks = [
        ("telemetry", Telemetry.objects.filter(asset=asset)),
        ("level changes", LevelChange.objects.filter(asset=asset)),
        ("commands", Command.objects.filter(asset=asset)),
        ("faults", Fault.objects.filter(asset=asset)),
        ("maintenance records", MaintenanceRecord.objects.filter(asset=asset)),
    ]
    return [name for name, queryset in checks if queryset.exists()]


@transaction.atomic
def asset_delete(*, asset: Asset, actor: Actor) -> None:
    """Deletes an asset that has no history; one with history must be decommissioned."""
    if history := asset_history(asset=asset):
        raise ApplicationError(
            f"{asset.device_id} has history ({', '.join(history)}): decommission it instead of "
            "deleting it.",
            extra={"history": history},
            status_code=http.HTTP_409_CONFLICT,
        )
    pk, device_id, kind = asset.pk, asset.device_id, asset.kind
    try:
        with transaction.atomic():
            asset.delete()
    except (ProtectedError, RestrictedError) as error:
        raise ApplicationError(
            f"{device_id} is referenced elsewhere: decommission it instead of deleting it.",
            extra={"referenced_by": sorted({o._meta.label for o in error.protected_objects})}
            if isinstance(error, ProtectedError)
            else {},
            status_code=http.HTTP_409_CONFLICT,
        ) from None
    registry_changed_notify(device_ids=[device_id])
    audit_record(
        actor=actor,
        action="asset.deleted",
        target_type="devices.asset",
        target_id=pk,
        details={"device_id": device_id, "kind": kind},
    )


# --- maintenance --------------------------------------------------------------------------------

MAINTENANCE_FIELDS = ("kind", "status", "fault", "notes", "assigned_to", "opened_at", "closed_at")


@transaction.atomic
def maintenance_open(
    *,
    actor: Actor,
    asset: Asset,
    kind: str,
    notes: str = "",
    assigned_to: str = "",
    fault: Fault | None = None,
    opened_at: datetime | None = None,
) -> MaintenanceRecord:
    user = actor if isinstance(actor, models.Model) else None
    record = MaintenanceRecord(
        asset=asset,
        kind=kind,
        notes=notes,
        assigned_to=assigned_to,
        fault=fault,
        opened_at=opened_at or timezone.now(),
        opened_by=user,
    )
    record.full_clean()
    if fault is not None and fault.asset_id != asset.pk:
        raise ValidationError({"fault": "The fault belongs to another asset."})
    record.save()
    audit_record(
        actor=actor,
        action="maintenance.opened",
        target=record,
        details={"device_id": asset.device_id, "kind": kind},
    )
    return record


@transaction.atomic
def maintenance_update(
    *, record: MaintenanceRecord, actor: Actor, data: Mapping[str, Any]
) -> MaintenanceRecord:
    record = MaintenanceRecord.objects.select_for_update().get(pk=record.pk)
    changes = {}
    for key, value in data.items():
        if key in MAINTENANCE_FIELDS and getattr(record, key) != value:
            changes[key] = {"from": _jsonable(getattr(record, key)), "to": _jsonable(value)}
            setattr(record, key, value)
    closing = record.status in (MaintenanceStatus.DONE, MaintenanceStatus.CANCELLED)
    if closing and record.closed_at is None:
        record.closed_at = timezone.now()
    elif not closing and "status" in changes:
        record.closed_at = None
    if not changes:
        return record
    record.full_clean()
    record.save()
    audit_record(
        actor=actor, action="maintenance.updated", target=record, details={"changes": changes}
    )
    return record
