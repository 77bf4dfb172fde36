"""Faults: raised and cleared idempotently, whoever detects them (gateway, lighting, cctv)."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cityplatform.api import ApplicationError
from cityplatform.live import live_publish
from cityplatform.services import Actor, actor_fields, audit_record
from devices.choices import FaultType
from devices.live import FaultCleared, FaultRaised
from devices.models import Asset, Fault


def fault_raise(
    *,
    asset: Asset,
    type: FaultType | str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor: str = "system",
) -> tuple[Fault, bool]:
    """Opens a fault of `type` on `asset` unless one is open already; (fault, created)."""
    type = FaultType(type)
    if open_fault := Fault.objects.filter(asset=asset, type=type, cleared_at__isnull=True).first():
        return open_fault, False
    try:
        with transaction.atomic():
            fault = Fault.objects.create(
                asset=asset, type=type, raised_at=at or timezone.now(), details=details or {}
            )
    except IntegrityError:  # raised concurrently by another process: one open fault it is
        return Fault.objects.get(asset=asset, type=type, cleared_at__isnull=True), False
    audit_record(actor=actor, action="fault.raised", target=fault, details={"type": type.value})
    _publish("fault.raised", FaultRaised, fault, asset)
    return fault, True


def fault_clear(
    *, asset: Asset, type: FaultType | str, at: datetime | None = None, actor: str = "system"
) -> Fault | None:
    """Clears the open fault of `type` on `asset`, if any; returns it."""
    fault = Fault.objects.filter(asset=asset, type=FaultType(type), cleared_at__isnull=True).first()
    if fault is None:
        return None
    fault.cleared_at = at or timezone.now()
    fault.save(update_fields=["cleared_at"])
    audit_record(actor=actor, action="fault.cleared", target=fault, details={"type": fault.type})
    _publish("fault.cleared", FaultCleared, fault, asset)
    return fault


@transaction.atomic
def fault_acknowledge(*, fault: Fault, actor: Actor, at: datetime | None = None) -> Fault:
    """Marks an open fault as seen and owned (it stays open until cleared). Idempotent: a
    second acknowledgement keeps the first one's time and name."""
    fault = Fault.objects.select_for_update().get(pk=fault.pk)
    if fault.cleared_at is not None:
        raise ApplicationError("This fault is cleared already: there is nothing to acknowledge.")
    if fault.acknowledged_at is not None:
        return fault
    fault.acknowledged_at = at or timezone.now()
    fault.acknowledged_by = actor_fields(actor)[1]
    fault.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(
        actor=actor, action="fault.acknowledged", target=fault, details={"type": fault.type}
    )
    return fault


def _publish(kind: str, schema: type[FaultRaised | FaultCleared], fault: Fault, asset: Asset):
    """`fault.raised` / `fault.cleared` to `faults`, the asset's zone and device, on commit."""
    topics = ["faults", f"device:{asset.device_id}"]
    if asset.zone_id:
        topics.append(f"zone:{asset.zone_id}")
    live_publish(
        kind=kind,
        data=schema(
            id=fault.pk,
            device_id=asset.device_id,
            asset_id=asset.pk,
            zone_id=asset.zone_id,
            type=fault.type,
            raised_at=fault.raised_at,
            cleared_at=fault.cleared_at,
            details=fault.details or {},
        ),
        topics=topics,
    )
