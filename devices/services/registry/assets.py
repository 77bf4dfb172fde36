"""Writes of assets: registration with their kind-specific details, changes, decommissioning
and deletion. Every change a person makes is audited; the zone and the camera links follow the
asset's point.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.db.models.deletion import RestrictedError
from rest_framework import status as http

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from devices.asset_fields import ASSET_EDITABLE_FIELDS, ASSET_IDENTITY_FIELDS, DETAILS
from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, Command, Fault, LevelChange, MaintenanceRecord, Telemetry
from devices.selectors.registry import site_bounds
from devices.services.proximity import proximity_update_for
from devices.services.registry.changes import audit_value, registry_changed_notify
from devices.services.registry.zones import zone_for_point


def details_of(asset: Asset) -> models.Model | None:
    """The asset's details row (a new, unsaved one when it has none yet); None for a kind
    without details."""
    spec = DETAILS.get(asset.kind)
    if spec is None:
        return None
    try:
        return getattr(asset, spec.related)
    except spec.model.DoesNotExist:
        return spec.model(asset=asset)


def details_build(*, asset: Asset, data: Mapping[str, Any] | None) -> models.Model | None:
    """The kind-specific details of `asset` with `data` applied, validated but not saved."""
    details = details_of(asset)
    data = dict(data or {})
    if details is None:
        if data:
            raise ValidationError({"details": f"A {asset.kind} has no kind-specific details."})
        return None
    spec = DETAILS[asset.kind]
    known = {*spec.fields, *(f"{name}_id" for name in spec.references)}
    if unknown := set(data) - known:
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
    for frozen in ASSET_IDENTITY_FIELDS:
        if frozen in data and data[frozen] != getattr(asset, frozen):
            raise ApplicationError(
                f"The {frozen.replace('_', ' ')} of an asset cannot change; decommission it and "
                "register a new one.",
                extra={"fields": {frozen: ["Cannot change."]}},
            )
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in ASSET_EDITABLE_FIELDS and getattr(asset, key) != value:
            changes[key] = {"from": audit_value(getattr(asset, key)), "to": audit_value(value)}
            setattr(asset, key, value)
    asset.full_clean()
    detail_row = None
    if details:
        before = {k: audit_value(getattr(details_of(asset), k, None)) for k in details}
        detail_row = details_build(asset=asset, data=details)
        secrets = DETAILS[asset.kind].secrets
        for key, value in details.items():
            if key in secrets:  # write-only (TALQ keys): the audit says it changed, not to what
                changes[f"details.{key}"] = {"from": "(secret)", "to": "(secret, changed)"}
            elif before.get(key) != audit_value(value):
                changes[f"details.{key}"] = {"from": before.get(key), "to": audit_value(value)}
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
