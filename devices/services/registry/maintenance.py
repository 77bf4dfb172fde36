"""Maintenance work orders of assets, opened and updated by people; every change audited."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from cityplatform.services import Actor, actor_fields, audit_record
from devices.choices import MaintenanceStatus
from devices.models import Asset, Fault, MaintenanceRecord
from devices.services.faults import fault_clear
from devices.services.registry.changes import audit_value

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
            changes[key] = {"from": audit_value(getattr(record, key)), "to": audit_value(value)}
            setattr(record, key, value)
    closing = record.status in (MaintenanceStatus.DONE, MaintenanceStatus.CANCELLED)
    if closing and record.closed_at is None:
        record.closed_at = timezone.now()
    elif not closing and "status" in changes:
        record.closed_at = None
    if not changes:
        return record
    record.full_clean()
    if record.fault_id is not None and record.fault.asset_id != record.asset_id:
        raise ValidationError({"fault": "The fault belongs to another asset."})
    record.save()
    audit_record(
        actor=actor, action="maintenance.updated", target=record, details={"changes": changes}
    )
    if record.status == MaintenanceStatus.DONE and record.fault_id is not None:
        # A work order done closes the fault it was raised for (its audit names the actor).
        fault = record.fault
        if fault.cleared_at is None:
            fault_clear(asset=record.asset, type=fault.type, actor=actor_fields(actor)[1])
    return record
