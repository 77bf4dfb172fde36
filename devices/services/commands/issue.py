"""Issue: one `set_level` command per light, in bulk, superseding the light's pending one.

The levels are COPYed into a temporary table, then a few set-based statements (check,
supersede, insert, link, desired level) do the rest, so that a dusk reconcile of 100,000 lights
costs seconds, not minutes, and an alarm's five lights a few milliseconds. One pending command
per light: the older pending one is CANCELLED ("superseded") and points at the new one, the
light's desired level is set, and after the commit `command.updated` goes out for both and the
gateways get one nudge. Lighting's reconcile is the only caller outside devices.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb

from devices.choices import PENDING_COMMAND_STATES, AssetKind, CommandState
from devices.models import Asset, AssetState, Command
from devices.services.commands.notify import notify_gateway
from devices.services.commands.records import DEFAULT_COMMAND_TTL, CommandError, CommandUpdate
from devices.services.commands.updates import publish_command_updates
from devices.services.pg import raw_cursor

_TEMP_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS issue_level (
    asset_id bigint PRIMARY KEY, level float8, new_id uuid DEFAULT gen_random_uuid()
) ON COMMIT DELETE ROWS;
DELETE FROM issue_level;
"""


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
    `command.updated`. Returns the new commands. Raises `CommandError` (nothing written) for a
    level out of range or an asset that is not a streetlight.
    """
    if not levels:
        return []
    bad = {pk: level for pk, level in levels.items() if not 0 <= level <= 100}
    if bad:
        raise CommandError(f"levels must be within 0–100: {bad}")
    now = now or timezone.now()
    with transaction.atomic():
        new, updates = _issue_rows(
            levels={pk: float(level) for pk, level in levels.items()},
            reason=reason[:300],
            issued_by=issued_by[:150],
            context=context or {},
            fade_s=fade_s,
            now=now,
            expires_at=now + ttl,
        )
        publish_command_updates(updates)
        ids = [u.id for u in updates if u.state == CommandState.QUEUED]
        transaction.on_commit(lambda: notify_gateway(ids))
    return new


def _issue_rows(
    *,
    levels: dict[int, float],
    reason: str,
    issued_by: str,
    context: dict[str, Any],
    fade_s: float,
    now: datetime,
    expires_at: datetime,
) -> tuple[list[Command], list[CommandUpdate]]:
    """Writes the commands (inside the caller's transaction). Returns the new commands and the
    changes to publish as `command.updated` (the superseded ones first, then the new ones).
    Raises `CommandError` (nothing written once the caller's transaction rolls back)."""
    command = Command._meta.db_table
    asset = Asset._meta.db_table
    state = AssetState._meta.db_table
    pending = ", ".join(f"'{s}'" for s in PENDING_COMMAND_STATES)  # literal: the partial index
    op = Command._meta.get_field("op").get_default()
    with raw_cursor() as cursor:
        # Created each time (a rolled-back transaction takes a new temporary table with it);
        # ANALYZE so that the planner knows its size (it has no statistics otherwise).
        cursor.execute(_TEMP_TABLE)
        with cursor.copy("COPY issue_level (asset_id, level) FROM STDIN") as copy:
            for pk, level in levels.items():
                copy.write_row((pk, level))
        if len(levels) > 500:  # a handful of lights (an alert) is planned well without
            cursor.execute("ANALYZE issue_level")
        # One index probe per light (OFFSET 0 keeps the planner from scanning every asset).
        cursor.execute(
            f"""SELECT l.asset_id, l.new_id, l.new_id::text, a.kind, a.device_id, a.zone_id
            FROM issue_level l LEFT JOIN LATERAL (
                SELECT kind, device_id, zone_id FROM {asset} WHERE id = l.asset_id OFFSET 0
            ) a ON TRUE"""  # noqa: S608
        )
        lights = cursor.fetchall()
        missing = sorted(pk for pk, _, _, kind, _, _ in lights if kind != AssetKind.STREETLIGHT)
        if missing:
            raise CommandError(f"not streetlights: {missing}")
        # Supersede: each light's pending command (at most one) is CANCELLED, locked in asset
        # order, and remembered beside the new command that supersedes it.
        cursor.execute(
            f"""WITH locked AS (
                SELECT p.id FROM issue_level l CROSS JOIN LATERAL (
                    SELECT id FROM {command} c
                    WHERE c.asset_id = l.asset_id AND c.state IN ({pending})
                    LIMIT 1 FOR UPDATE
                ) p ORDER BY l.asset_id
            ), old AS (
                UPDATE {command} c SET state = %s, completed_at = %s, error = 'superseded'
                FROM locked WHERE c.id = locked.id AND c.state IN ({pending})
                RETURNING c.id, c.asset_id, c.level, c.attempts, c.reason
            )
            SELECT id::text, asset_id, level, attempts, reason FROM old""",  # noqa: S608
            (CommandState.CANCELLED.value, now),
        )
        cancelled = cursor.fetchall()
        cursor.execute(
            f"""INSERT INTO {command} (id, asset_id, level, op, fade_s, state, reason,
                issued_by, context, attempts, created_at, next_attempt_at, expires_at, error)
            SELECT l.new_id, l.asset_id, l.level, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, ''
            FROM issue_level l ORDER BY l.asset_id""",  # noqa: S608
            (
                op,
                fade_s,
                CommandState.QUEUED.value,
                reason,
                issued_by,
                Jsonb(context),
                now,
                now,
                expires_at,
            ),
        )
        if cancelled:
            # The pairs as arrays, not a join with the temporary table: the planner knows an
            # array's length, while it takes the unanalysed table for a thousand rows and
            # hashes the whole command table (25 ms for an alarm's five lights).
            new_of = {asset_pk: new_id for asset_pk, new_id, *_ in lights}
            cursor.execute(
                f"""UPDATE {command} o SET superseded_by_id = v.new_id
                FROM unnest(%s::uuid[], %s::uuid[]) AS v(old_id, new_id)
                WHERE o.id = v.old_id""",  # noqa: S608
                (
                    [old_id for old_id, *_ in cancelled],
                    [new_of[asset_pk] for _, asset_pk, *_ in cancelled],
                ),
            )
        # The desired level on each light's state row (created if missing), in asset order.
        cursor.execute(
            f"""INSERT INTO {state} (asset_id, device_status, updated_at, desired_level,
                desired_since)
            SELECT asset_id, '', %s, level, %s FROM issue_level ORDER BY asset_id
            ON CONFLICT (asset_id) DO UPDATE SET desired_level = EXCLUDED.desired_level,
                desired_since = EXCLUDED.desired_since""",  # noqa: S608
            (now, now),
        )
    common = {
        "op": op,
        "fade_s": fade_s,
        "state": CommandState.QUEUED.value,
        "reason": reason,
        "issued_by": issued_by,
        "context": context,
        "attempts": 0,
        "created_at": now,
        "sent_at": None,
        "completed_at": None,
        "next_attempt_at": now,
        "expires_at": expires_at,
        "reported_level": None,
        "error": "",
        "superseded_by_id": None,
    }
    where = {pk: (device_id, zone_id) for pk, _, _, _, device_id, zone_id in lights}
    updates = []
    for pk, asset_pk, level, attempts, old_reason in cancelled:
        device_id, zone_id = where[asset_pk]
        updates.append(
            CommandUpdate(
                id=pk,
                asset_pk=asset_pk,
                device_id=device_id,
                zone_id=zone_id,
                level=level,
                state=CommandState.CANCELLED.value,
                attempts=attempts,
                reason=old_reason,
                error="superseded",
            )
        )
    new_commands = []
    for asset_pk, new_id, new_id_text, _kind, device_id, zone_id in lights:
        level = levels[asset_pk]
        new_commands.append(_loaded(common, new_id, asset_pk, level))
        updates.append(
            CommandUpdate(
                id=new_id_text,
                asset_pk=asset_pk,
                device_id=device_id,
                zone_id=zone_id,
                level=level,
                state=CommandState.QUEUED.value,
                attempts=0,
                reason=reason,
            )
        )
    return new_commands, updates


def _loaded(common: dict, pk, asset_pk: int, level: float) -> Command:
    """A Command as if loaded from the database, without Model.__init__'s per-field work
    (100,000 of them at dusk): every concrete field set, so nothing is deferred."""
    command = Command.__new__(Command)
    command.__dict__.update(common)
    command.__dict__.update(id=pk, asset_id=asset_pk, level=level)
    command._state = ModelState()
    command._state.adding, command._state.db = False, "default"
    return command
