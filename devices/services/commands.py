"""The command life-cycle: issue (with supersession), and the notification of the gateway.

Sending, acknowledgement, read-back, time-outs and retries are added beside `commands_issue`
by the gateway (devices/protocols); lighting and cctv only ever call `commands_issue`.
"""

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from devices.choices import PENDING_COMMAND_STATES, AssetKind, CommandState
from devices.models import Asset, AssetState, Command

log = logging.getLogger(__name__)

# The Channels group every gateway listens on for "new commands are due".
GATEWAY_GROUP = "gateway.commands"
DEFAULT_COMMAND_TTL = timedelta(minutes=10)


class CommandError(ValueError):
    pass


def commands_issue(
    *,
    levels: Mapping[int, float],
    reason: str,
    issued_by: str,
    context: dict[str, Any] | None = None,
    fade_s: float = 0,
    ttl: timedelta = DEFAULT_COMMAND_TTL,
    now: datetime | None = None,
) -> list[Command]:
    """Queues one `set_level` command per light (asset pk → level 0–100), in bulk.

    A pending command for the same light is superseded (CANCELLED, pointing at the new one).
    The lights' desired level is set. After the commit the gateway is told and the pages get
    `command.updated`. Returns the new commands.
    """
    if not levels:
        return []
    bad = {pk: level for pk, level in levels.items() if not 0 <= level <= 100}
    if bad:
        raise CommandError(f"levels must be within 0–100: {bad}")
    now = now or timezone.now()
    context = context or {}
    with transaction.atomic():
        lights = set(
            Asset.objects.filter(pk__in=levels.keys(), kind=AssetKind.STREETLIGHT).values_list(
                "pk", flat=True
            )
        )
        if missing := set(levels) - lights:
            raise CommandError(f"not streetlights: {sorted(missing)}")
        new = [
            Command(
                asset_id=pk,
                level=float(level),
                fade_s=fade_s,
                reason=reason[:300],
                issued_by=issued_by[:150],
                context=context,
                created_at=now,
                next_attempt_at=now,
                expires_at=now + ttl,
            )
            for pk, level in levels.items()
        ]
        pending = Command.objects.select_for_update().filter(
            asset_id__in=levels.keys(), state__in=PENDING_COMMAND_STATES
        )
        superseded = {c.asset_id: c for c in pending}
        if superseded:
            Command.objects.filter(pk__in=[c.pk for c in superseded.values()]).update(
                state=CommandState.CANCELLED, completed_at=now, error="superseded"
            )
        Command.objects.bulk_create(new, batch_size=2000)
        for command in new:
            if old := superseded.get(command.asset_id):
                old.superseded_by_id = command.pk
        if superseded:
            Command.objects.bulk_update(
                list(superseded.values()), ["superseded_by"], batch_size=2000
            )
        _set_desired(levels, now)
        transaction.on_commit(lambda: notify_gateway([str(c.pk) for c in new]))
    return new


def _set_desired(levels: Mapping[int, float], now: datetime) -> None:
    existing = set(AssetState.objects.filter(pk__in=levels.keys()).values_list("pk", flat=True))
    AssetState.objects.bulk_create(
        [AssetState(asset_id=pk) for pk in levels.keys() - existing], ignore_conflicts=True
    )
    states = list(AssetState.objects.filter(pk__in=levels.keys()))
    for state in states:
        state.desired_level = float(levels[state.pk])
        state.desired_since = now
    AssetState.objects.bulk_update(states, ["desired_level", "desired_since"], batch_size=2000)


def notify_gateway(command_ids: list[str]) -> None:
    """Tells every gateway that commands are due (they also sweep, so a lost nudge only delays)."""
    layer = get_channel_layer()
    if layer is None or not command_ids:
        return
    try:
        async_to_sync(layer.group_send)(GATEWAY_GROUP, {"type": "commands.due", "ids": command_ids})
    except Exception:
        log.exception("could not notify the gateway of %d commands", len(command_ids))
