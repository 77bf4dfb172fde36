"""Dispatch bookkeeping, the gateway's side of the life-cycle: claim what is due (SENT, with
its attempt and backoff), end what can no longer succeed (EXPIRED, TIMED_OUT), and record a
send that failed at once. Acknowledgements are in `completion`.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from devices.choices import PENDING_COMMAND_STATES, CommandState, ControlProtocol
from devices.models import Asset, Command, StreetlightDetails
from devices.services.commands.records import (
    UNSENT_PREFIX,
    CommandToSend,
    CommandUpdate,
    ack_timeout,
    command_update,
    max_attempts,
)
from devices.services.commands.updates import publish_command_updates


def commands_claim_due(
    *,
    now: datetime | None = None,
    limit: int = 5000,
    ids: Iterable[str] | None = None,
    asset_pks: Collection[int] | None = None,
    opcua_controllers: Collection[str] | None = None,
) -> list[CommandToSend]:
    """Claims the commands due for (re)sending and marks them SENT, in one transaction.

    Due: QUEUED, or SENT whose acknowledgement is overdue and that may be tried again, whose
    `next_attempt_at` has come and that have not expired. Each claim counts an attempt and sets
    the next attempt at `COMMAND_ACK_TIMEOUT_S × 2^(attempt-1)` (backoff). Rows locked by
    another gateway are skipped. The caller sends them after this returns (after the commit):
    a crash in between leaves them SENT, and the sweep re-sends them when the ack is overdue.
    """
    now = now or timezone.now()
    timeout = ack_timeout()
    with transaction.atomic():
        rows = _claim_due_rows(
            now=now,
            limit=limit,
            ids=ids,
            asset_pks=asset_pks,
            opcua_controllers=opcua_controllers,
            timeout=timeout,
        )
        if not rows:
            return []
        updates = [
            CommandUpdate(
                id=str(r[0]),
                asset_pk=r[1],
                device_id=r[2],
                zone_id=r[3],
                level=r[6],
                state=CommandState.SENT,
                attempts=r[9] + 1,
                reason=r[10],
            )
            for r in rows
            if r[11] == CommandState.QUEUED  # a re-send is not news to the pages
        ]
        publish_command_updates(updates)
    return [
        CommandToSend(
            id=str(r[0]),
            asset_pk=r[1],
            device_id=r[2],
            protocol=r[4] or "mqtt",
            controller_device_id=r[5],
            level=r[6],
            fade_s=r[7],
            expires_at=r[8],
            attempt=r[9] + 1,
        )
        for r in rows
    ]


def _claim_due_rows(
    *,
    now: datetime,
    limit: int,
    ids: Iterable[str] | None,
    asset_pks: Collection[int] | None,
    opcua_controllers: Collection[str] | None,
    timeout: float,
) -> list[tuple]:
    """The claim as one statement: lock the due rows (skipping those another gateway
    holds), mark them SENT with their backoff, and return what sending needs. One round trip
    and no query compilation: the gateway claims after every nudge, on the alert path.

    A row: pk, asset pk, device id, zone id, protocol, controller device id, level, fade_s,
    expires_at, attempts before the claim, reason, state before the claim."""
    conditions = [
        "c.state = ANY(%(pending)s)",
        "c.next_attempt_at <= %(now)s",
        "(c.expires_at IS NULL OR c.expires_at > %(now)s)",
        "(c.state = %(queued)s OR c.attempts < %(max_attempts)s)",
    ]
    joins = ""
    params: dict[str, Any] = {
        "pending": [str(state) for state in PENDING_COMMAND_STATES],
        "now": now,
        "queued": CommandState.QUEUED.value,
        "sent": CommandState.SENT.value,
        "max_attempts": max_attempts(),
        "limit": limit,
        "timeout": float(timeout),
        "unsent": UNSENT_PREFIX,
    }
    if ids is not None:
        conditions.append("c.id = ANY(%(ids)s::uuid[])")
        params["ids"] = [str(i) for i in ids]
    if asset_pks is not None:
        conditions.append("c.asset_id = ANY(%(asset_pks)s)")
        params["asset_pks"] = list(asset_pks)
    if opcua_controllers is not None:
        # OPC-UA lights only through the gateway holding their controller's session.
        joins = (
            f"LEFT JOIN {StreetlightDetails._meta.db_table} ds ON ds.asset_id = c.asset_id "
            f"LEFT JOIN {Asset._meta.db_table} dc ON dc.id = ds.controller_id"
        )
        conditions.append(
            "(ds.protocol IS DISTINCT FROM %(opcua)s OR dc.device_id = ANY(%(controllers)s))"
        )
        params["opcua"] = ControlProtocol.OPCUA.value
        params["controllers"] = list(opcua_controllers)
    table, assets = Command._meta.db_table, Asset._meta.db_table
    details = StreetlightDetails._meta.db_table
    sql = f"""
        WITH due AS (
            SELECT c.id, c.attempts AS old_attempts, c.state AS old_state,
                   c.next_attempt_at AS old_next
            FROM {table} c {joins}
            WHERE {" AND ".join(conditions)}
            ORDER BY c.next_attempt_at
            LIMIT %(limit)s
            FOR UPDATE OF c SKIP LOCKED
        ), claimed AS (
            UPDATE {table} c
            SET state = %(sent)s, attempts = due.old_attempts + 1, sent_at = %(now)s,
                next_attempt_at = %(now)s
                    + make_interval(secs => %(timeout)s * power(2, due.old_attempts)),
                error = CASE WHEN starts_with(c.error, %(unsent)s) THEN '' ELSE c.error END
            FROM due
            WHERE c.id = due.id
            RETURNING c.id, c.asset_id, c.level, c.fade_s, c.expires_at, due.old_attempts,
                      c.reason, due.old_state, due.old_next
        )
        SELECT claimed.id, claimed.asset_id, a.device_id, a.zone_id, s.protocol,
               ctl.device_id, claimed.level, claimed.fade_s, claimed.expires_at,
               claimed.old_attempts, claimed.reason, claimed.old_state
        FROM claimed
        JOIN {assets} a ON a.id = claimed.asset_id
        LEFT JOIN {details} s ON s.asset_id = claimed.asset_id
        LEFT JOIN {assets} ctl ON ctl.id = s.controller_id
        ORDER BY claimed.old_next
    """  # noqa: S608 (table names from the models; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def commands_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Ends what can no longer succeed: EXPIRED past `expires_at` (never sent after it),
    TIMED_OUT when the last attempt's acknowledgement is overdue. Idempotent."""
    now = now or timezone.now()
    counts = {}
    with transaction.atomic():
        expired = Command.objects.select_for_update(skip_locked=True).filter(
            state__in=PENDING_COMMAND_STATES, expires_at__lte=now
        )
        # One that was never sent keeps saying why (command_routes.py) in its final error.
        unsent = Command.objects.filter(
            state=CommandState.QUEUED, expires_at__lte=now, error__startswith=UNSENT_PREFIX
        )
        counts[CommandState.EXPIRED] = 0
        for why in unsent.order_by().values_list("error", flat=True).distinct()[:50]:
            counts[CommandState.EXPIRED] += _finish(
                expired.filter(state=CommandState.QUEUED, error=why),
                CommandState.EXPIRED,
                now,
                error=f"expired before it was sent: {why.removeprefix(UNSENT_PREFIX)}",
            )
        counts[CommandState.EXPIRED] += _finish(
            expired, CommandState.EXPIRED, now, error="expired before it was confirmed"
        )
        timed_out = Command.objects.select_for_update(skip_locked=True).filter(
            state=CommandState.SENT, next_attempt_at__lte=now, attempts__gte=max_attempts()
        )
        counts[CommandState.TIMED_OUT] = _finish(
            timed_out, CommandState.TIMED_OUT, now, error="no acknowledgement"
        )
    return counts


def _finish(queryset: QuerySet[Command], state: str, now: datetime, *, error: str = "") -> int:
    """Ends the commands of `queryset` (at most 20,000 a call) in `state`, with their updates."""
    commands = list(queryset.select_related("asset")[:20_000])
    if not commands:
        return 0
    Command.objects.filter(pk__in=[c.pk for c in commands]).update(
        state=state, completed_at=now, error=error
    )
    updates = []
    for command in commands:
        command.state, command.error, command.completed_at = state, error, now
        updates.append(command_update(command, command.asset.device_id, command.asset.zone_id))
    publish_command_updates(updates)
    return len(commands)


def commands_send_failed(
    *, command_ids: Sequence[str], error: str, now: datetime | None = None
) -> None:
    """A send that failed at once (broker refused, OPC-UA write error): the next attempt keeps
    its backoff; after the last attempt the command FAILED."""
    now = now or timezone.now()
    with transaction.atomic():
        last = Command.objects.select_for_update().filter(
            pk__in=list(command_ids), state=CommandState.SENT, attempts__gte=max_attempts()
        )
        _finish(last, CommandState.FAILED, now, error=error[:1000])
        Command.objects.filter(pk__in=list(command_ids), state=CommandState.SENT).update(
            error=error[:1000]
        )


def commands_send_later(
    *, command_ids: Sequence[str], reason: str, delay_s: float = 1.0, now: datetime | None = None
) -> int:
    """Claimed commands that cannot be sent for a reason of the moment (a luminaire the registry
    has just put on its controller, whose session is restarting with it): the claim's attempt is
    given back and they are due again in `delay_s`, not after the ack time-out; the reason is
    kept as a "not sent" error until the next claim clears it. Their expiry still ends them."""
    now = now or timezone.now()
    return Command.objects.filter(
        pk__in=list(command_ids), state=CommandState.SENT, attempts__gt=0
    ).update(
        attempts=F("attempts") - 1,
        next_attempt_at=now + timedelta(seconds=delay_s),
        error=(UNSENT_PREFIX + reason)[:1000],
    )
