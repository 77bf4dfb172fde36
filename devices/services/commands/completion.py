"""Completion: device acknowledgements (MQTT acks, OPC-UA read-backs) end pending commands,
SUCCEEDED with the level the light reports, or FAILED with the device's reason.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from devices.choices import PENDING_COMMAND_STATES, CommandState, LevelSource
from devices.models import AssetState, Command, LevelChange
from devices.services.commands.records import CommandUpdate, command_update
from devices.services.commands.updates import publish_command_updates


def commands_complete(
    *, acks: Sequence[Any], now: datetime | None = None, source: str = LevelSource.ACK
) -> list[CommandUpdate]:
    """Completes pending commands from device acknowledgements (`Ack`: asset pk, command id,
    ok, reported level). ok → SUCCEEDED (the level is recorded); error → FAILED. An ack for a
    command that is no longer pending (already completed, superseded, expired) changes nothing.
    """
    now = now or timezone.now()
    by_id: dict[str, tuple[int, Any]] = {}
    for asset_pk, ack in acks:
        try:
            by_id[str(uuid.UUID(ack.command_id))] = (asset_pk, ack)
        except ValueError:
            continue
    if not by_id:
        return []
    with transaction.atomic():
        commands = list(
            Command.objects.select_for_update()
            .filter(pk__in=list(by_id), state__in=PENDING_COMMAND_STATES)
            .select_related("asset")
        )
        updates, changes, levels = [], [], {}
        for command in commands:
            asset_pk, ack = by_id[str(command.pk)]
            if asset_pk != command.asset_id:
                continue  # an ack from another device for this id: not its command
            command.completed_at = now
            command.reported_level = ack.level if ack.level is not None else None
            if ack.ok:
                command.state = CommandState.SUCCEEDED
                level = ack.level if ack.level is not None else command.level
                command.reported_level = level
                levels[command.asset_id] = level
                changes.append(
                    LevelChange(
                        asset_id=command.asset_id, at=ack.ts or now, level=level, source=source
                    )
                )
            else:
                command.state = CommandState.FAILED
                command.error = (ack.reason or "the device reported an error")[:1000]
            updates.append(command_update(command, command.asset.device_id, command.asset.zone_id))
        # One UPDATE per distinct outcome (a reconcile sets many lights to the same level):
        # far cheaper than a row-by-row bulk_update.
        outcomes: dict[tuple, list] = defaultdict(list)
        for command in updates_by_pk(commands, updates):
            outcomes[(command.state, command.reported_level, command.error)].append(command.pk)
        for (state, reported, error), pks in outcomes.items():
            Command.objects.filter(pk__in=pks).update(
                state=state, completed_at=now, reported_level=reported, error=error
            )
        if changes:
            LevelChange.objects.bulk_create(changes, ignore_conflicts=True, batch_size=5000)
            by_level: dict[float, list[int]] = defaultdict(list)
            for asset_pk, level in levels.items():
                by_level[level].append(asset_pk)
            for level, asset_pks in by_level.items():
                AssetState.objects.filter(pk__in=asset_pks).update(level=level)
        publish_command_updates(updates)
    return updates


def updates_by_pk(commands: list[Command], updates: list[CommandUpdate]) -> list[Command]:
    """The commands that changed (those with an update)."""
    changed = {u.id for u in updates}
    return [c for c in commands if str(c.pk) in changed]
