"""What one batch of device messages writes, in one transaction: the gateway's storage service.

`ingest_store(batch=...)` writes telemetry samples and the assets' reported state
(`telemetry.py`), completes acknowledged commands (an ack naming no command of its device is
kept as a rejected message), hands device events to the event sinks, raises lamp faults, keeps
rejected messages (`rejected.py`), applies online/offline reports (`status.py`) and audits the
identity fields stripped at the edge. The caller acknowledges the broker only after it returns:
a crash before that loses nothing, and what the broker then redelivers is absorbed here.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cityplatform.services import audit_record
from devices.choices import CommandState, FaultType, LevelSource
from devices.events import DeviceEvent, deliver_events, deliver_state_changes
from devices.models import Asset, Command
from devices.services.commands import CommandUpdate, commands_complete
from devices.services.faults import fault_raise
from devices.services.rejected import rejected_store
from devices.services.status import StatusChange, status_apply
from devices.services.telemetry import StateChange, samples_store
from devices.wire import Ack, Rejected
from devices.wire import Telemetry as Sample

LAMP_FAULT_EVENTS = frozenset(
    {
        FaultType.LAMP_FAILURE,
        FaultType.DIMMING_FAILURE,
        FaultType.DAY_BURNING,
        FaultType.SUPPLY_LOSS,
    }
)


@dataclass
class IngestBatch:
    """A batch of parsed messages, with each device already resolved to its asset pk."""

    samples: list[tuple[int, Sample]] = field(default_factory=list)
    events: list[DeviceEvent] = field(default_factory=list)
    fault_events: list[tuple[int, DeviceEvent]] = field(default_factory=list)
    acks: list[tuple[int, Ack]] = field(default_factory=list)
    readbacks: list[tuple[int, Ack]] = field(default_factory=list)  # OPC-UA ActualLevel
    rejected: list[Rejected] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    # (where: a device id or a topic, the identity fields removed there), for the audit log.
    identity_stripped: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


@dataclass
class IngestResult:
    stored_samples: int = 0
    duplicate_samples: int = 0
    state_changes: list[StateChange] = field(default_factory=list)
    command_updates: list[CommandUpdate] = field(default_factory=list)
    rejected: int = 0
    # Acks naming no command sent to their device (an unknown id, another device's command):
    # nothing was done with them but keep them as rejected messages (`unknown_ack_rejected`).
    unknown_acks: list[tuple[int, Ack]] = field(default_factory=list)


def ingest_store(
    *,
    batch: IngestBatch,
    now: datetime | None = None,
    unknown_ack_rejected: Callable[[Ack], Rejected] | None = None,
) -> IngestResult:
    """Stores a batch in one transaction; see the module's docstring. `unknown_ack_rejected`
    renders an ack naming no command of its device as the rejected message to keep (the caller
    holds the raw message); without it such acks are only returned."""
    now = now or timezone.now()
    result = IngestResult()
    with transaction.atomic():
        if batch.samples:
            stored = samples_store(samples=batch.samples, now=now)
            result.stored_samples = stored.stored
            result.duplicate_samples = stored.duplicates
            result.state_changes = stored.state_changes
        if batch.acks:
            acks, result.unknown_acks = acks_by_command(acks=batch.acks)
            if acks:
                result.command_updates = commands_complete(acks=acks, now=now)
        if batch.readbacks:
            result.command_updates += commands_complete(
                acks=batch.readbacks, now=now, source=LevelSource.READBACK
            )
        if batch.events:
            deliver_events(batch.events)
        for asset_pk, event in batch.fault_events:
            asset = Asset.objects.filter(pk=asset_pk).first()
            if asset is not None:
                fault_raise(
                    asset=asset,
                    type=event.type,
                    at=event.ts,
                    details={"event_id": event.event_id, "attributes": event.attributes},
                    actor=f"device:{event.device_id}",
                )
        if batch.rejected:
            result.rejected = rejected_store(rejected=batch.rejected, now=now)
        if result.unknown_acks and unknown_ack_rejected is not None:
            late = [unknown_ack_rejected(ack) for _, ack in result.unknown_acks]
            result.rejected += rejected_store(rejected=late, now=now)
        if batch.statuses:
            status_apply(changes=batch.statuses, now=now)
        deliver_state_changes(_changed(result, batch.statuses))
        for where, removed in batch.identity_stripped:
            audit_record(
                actor="gateway",
                action="privacy.identity_stripped",
                target_type="device_message",
                target_id=where[:64],
                details={"removed": list(removed)},
            )
    return result


def _changed(result: IngestResult, statuses: Sequence[StatusChange]) -> dict[int, set[str]]:
    """What the batch changed, per asset pk, for the state sinks (NGSI-LD notifications)."""
    changed: dict[int, set[str]] = {}
    for change in result.state_changes:
        changed.setdefault(change.asset_pk, set()).add("level")
        if change.came_online:
            changed[change.asset_pk].add("online")
    for update in result.command_updates:
        if update.state == CommandState.SUCCEEDED:
            changed.setdefault(update.asset_pk, set()).add("level")
    for status in statuses:
        changed.setdefault(status.asset_pk, set()).add("online")
    return changed


def acks_by_command(
    *, acks: Sequence[tuple[int, Ack]]
) -> tuple[list[tuple[int, Ack]], list[tuple[int, Ack]]]:
    """The acks naming a command sent to their device (whatever its state: a repeated ack of
    a completed command is a duplicate, absorbed), and the others."""
    ids = set()
    for _, ack in acks:
        try:
            ids.add(uuid.UUID(ack.command_id))
        except ValueError:
            continue
    owners = {
        str(pk): asset_pk
        for pk, asset_pk in Command.objects.filter(pk__in=ids).values_list("pk", "asset_id")
    }
    known, unknown = [], []
    for asset_pk, ack in acks:
        (known if owners.get(ack.command_id) == asset_pk else unknown).append((asset_pk, ack))
    return known, unknown
