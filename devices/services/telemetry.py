"""What the gateway stores from a batch of device messages, in one transaction.

`ingest_store(batch=...)` writes telemetry samples (the same device and timestamp once), the
assets' reported state, level changes, rejected messages, device events (handed to the event
sinks inside the transaction) and lamp-fault events, and completes acknowledged commands (an
ack naming no command of its device is returned, for the caller to keep as rejected). The
caller acknowledges the broker only after it returns: a crash before that loses nothing, and
what the broker then redelivers is absorbed here.

On PostgreSQL telemetry and state go through `unnest()` array statements: a thousand samples are
two statements, not a thousand.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from django.db import connection, transaction
from django.utils import timezone

from devices.choices import FaultType, LevelSource
from devices.events import DeviceEvent, deliver_events
from devices.models import Asset, AssetState, Command, LevelChange, RejectedMessage, Telemetry
from devices.protocols.messages import Ack, Rejected
from devices.protocols.messages import Telemetry as Sample
from devices.services.commands import CommandUpdate, commands_complete
from devices.services.faults import fault_raise
from devices.services.pg import raw_cursor

log = logging.getLogger(__name__)

LAMP_FAULT_EVENTS = frozenset(
    {
        FaultType.LAMP_FAILURE,
        FaultType.DIMMING_FAILURE,
        FaultType.DAY_BURNING,
        FaultType.SUPPLY_LOSS,
    }
)
# A rejected message repeating on the same topic for the same reason within this window adds
# to the count of the existing row instead of a new row.
REJECT_FOLD_WINDOW = timedelta(minutes=1)


@dataclass
class IngestBatch:
    """A batch of parsed messages, with each device already resolved to its asset pk."""

    samples: list[tuple[int, Sample]] = field(default_factory=list)
    events: list[DeviceEvent] = field(default_factory=list)
    fault_events: list[tuple[int, DeviceEvent]] = field(default_factory=list)
    acks: list[tuple[int, Ack]] = field(default_factory=list)
    readbacks: list[tuple[int, Ack]] = field(default_factory=list)  # OPC-UA ActualLevel
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class StateChange:
    """A light or device whose reported state changed, for the live channel."""

    asset_pk: int
    device_id: str
    level: float | None
    power_w: float | None
    came_online: bool


@dataclass
class IngestResult:
    stored_samples: int = 0
    duplicate_samples: int = 0
    state_changes: list[StateChange] = field(default_factory=list)
    command_updates: list[CommandUpdate] = field(default_factory=list)
    rejected: int = 0
    # Acks naming no command sent to their device (an unknown id, another device's command):
    # nothing was done with them; the caller keeps them as rejected messages.
    unknown_acks: list[tuple[int, Ack]] = field(default_factory=list)


def ingest_store(*, batch: IngestBatch, now: datetime | None = None) -> IngestResult:
    """Stores a batch in one transaction; see the module's docstring."""
    now = now or timezone.now()
    result = IngestResult()
    with transaction.atomic():
        if batch.samples:
            _store_samples(batch.samples, now, result)
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
    return result


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


def _store_samples(samples: list[tuple[int, Sample]], now: datetime, result: IngestResult) -> None:
    if connection.vendor == "postgresql":
        _store_samples_pg(samples, now, result)
        return
    new = _insert_samples_orm(samples)
    result.stored_samples = len(new)
    result.duplicate_samples = len(samples) - len(new)
    if new:
        _update_state(_latest(new), now, result, runs=_level_runs(new))


def _level_runs(samples: list[tuple[int, Sample]]) -> dict[int, list[Sample]]:
    """Per asset, its samples that carry a level, oldest first."""
    runs: dict[int, list[Sample]] = defaultdict(list)
    for asset_pk, sample in samples:
        if sample.level is not None:
            runs[asset_pk].append(sample)
    for run in runs.values():
        if len(run) > 1:
            run.sort(key=lambda s: s.ts)
    return runs


def _changes_within(runs: dict[int, list[Sample]]) -> list[LevelChange]:
    """Level changes between consecutive samples of one asset in the same batch (a device
    replaying a backlog): each is logged, not only the last."""
    changes = []
    for asset_pk, run in runs.items():
        for before, after in pairwise(run):
            if after.level != before.level:
                changes.append(
                    LevelChange(
                        asset_id=asset_pk,
                        at=after.ts,
                        level=after.level,
                        source=LevelSource.TELEMETRY,
                    )
                )
    return changes


def _latest(samples: list[tuple[int, Sample]]) -> dict[int, Sample]:
    """The newest sample per asset: it sets the reported state."""
    latest: dict[int, Sample] = {}
    for asset_pk, sample in samples:
        seen = latest.get(asset_pk)
        if seen is None or sample.ts > seen.ts:
            latest[asset_pk] = sample
    return latest


# --- PostgreSQL: COPY into temporary tables, then a few set-based statements ---------------------

_TEMP_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS ingest_sample (
    asset_id bigint, ts timestamptz, level float8, power_w float8, energy_wh float8,
    lux float8, temp_c float8
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_first (
    asset_id bigint, ts timestamptz, level float8, power_w float8, energy_wh float8,
    lux float8, temp_c float8
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_latest (
    asset_id bigint, ts timestamptz, level float8, power_w float8, energy_wh float8,
    lux float8, temp_c float8
) ON COMMIT DELETE ROWS;
"""
_EMPTY_TEMP_TABLES = (
    "DELETE FROM ingest_sample; DELETE FROM ingest_first; DELETE FROM ingest_latest;"
)
_COLUMNS = "asset_id, ts, level, power_w, energy_wh, lux, temp_c"


def _copy(cursor, table: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN") as copy:
        for asset_pk, s in rows:
            copy.write_row((asset_pk, s.ts, s.level, s.power_w, s.energy_wh, s.lux, s.temp_c))


def _store_samples_pg(
    samples: list[tuple[int, Sample]], now: datetime, result: IngestResult
) -> None:
    telemetry = Telemetry._meta.db_table
    state = AssetState._meta.db_table
    changes = LevelChange._meta.db_table
    with raw_cursor() as cursor:
        # Created each time (a rolled-back transaction takes a new temporary table with it) and
        # emptied (already empty unless called twice in one transaction: ON COMMIT DELETE ROWS).
        cursor.execute(_TEMP_TABLES + _EMPTY_TEMP_TABLES)
        _copy(cursor, "ingest_sample", samples)
        cursor.execute(
            f"""INSERT INTO {telemetry} ({_COLUMNS}) SELECT {_COLUMNS} FROM ingest_sample
            ON CONFLICT (asset_id, ts) DO NOTHING RETURNING asset_id, ts"""  # noqa: S608
        )
        inserted = set(cursor.fetchall())
        result.stored_samples = len(inserted)
        result.duplicate_samples = len(samples) - len(inserted)
        if not inserted:
            return
        new = []
        for pk, sample in samples:  # the first of duplicates within the batch is the stored one
            if (pk, sample.ts) in inserted:
                inserted.discard((pk, sample.ts))
                new.append((pk, sample))
        latest = _latest(new)
        _copy(cursor, "ingest_latest", sorted(latest.items()))
        cursor.execute(
            f"""INSERT INTO {state} (asset_id, device_status, updated_at)
            SELECT asset_id, '', %s FROM ingest_latest ORDER BY asset_id
            ON CONFLICT (asset_id) DO NOTHING""",  # noqa: S608
            (now,),
        )
        # The switching log: a row where the reported level changes (not for late samples):
        # the batch's first level of each asset against the stored one, then within the batch.
        runs = _level_runs(new)
        _copy(cursor, "ingest_first", sorted((pk, run[0]) for pk, run in runs.items()))
        cursor.execute(
            f"""INSERT INTO {changes} (asset_id, at, level, source)
            SELECT u.asset_id, u.ts, u.level, %s FROM ingest_first u
            JOIN {state} st ON st.asset_id = u.asset_id
            WHERE u.level IS NOT NULL AND st.level IS DISTINCT FROM u.level
              AND (st.reported_at IS NULL OR u.ts >= st.reported_at)
            ON CONFLICT (asset_id, at) DO NOTHING""",  # noqa: S608
            (LevelSource.TELEMETRY.value,),
        )
        if within := _changes_within(runs):
            LevelChange.objects.bulk_create(within, ignore_conflicts=True, batch_size=5000)
        # The rows are locked and read first, in a statement of their own: a FOR UPDATE in a
        # CTE of the UPDATE itself sees the rows that UPDATE changes as already modified by
        # this command and returns none of them, so no change would ever be reported.
        cursor.execute(
            f"""SELECT st.asset_id, st.level, st.online FROM {state} st
            WHERE st.asset_id IN (SELECT asset_id FROM ingest_latest)
            ORDER BY st.asset_id FOR UPDATE"""  # noqa: S608
        )
        old = {asset_id: (level, online) for asset_id, level, online in cursor.fetchall()}
        cursor.execute(
            f"""UPDATE {state} AS st SET
                online = TRUE, last_seen_at = %s, reported_at = u.ts,
                level = COALESCE(u.level, st.level),
                power_w = COALESCE(u.power_w, st.power_w),
                energy_wh = COALESCE(u.energy_wh, st.energy_wh),
                lux = COALESCE(u.lux, st.lux), temp_c = COALESCE(u.temp_c, st.temp_c),
                updated_at = %s
            FROM ingest_latest u
            WHERE st.asset_id = u.asset_id
              AND (st.reported_at IS NULL OR u.ts >= st.reported_at)
            RETURNING st.asset_id, st.level, u.power_w""",  # noqa: S608
            (now, now),
        )
        changed = []
        for asset_id, level, power_w in cursor.fetchall():
            old_level, old_online = old.get(asset_id, (None, None))
            if old_level != level or old_online is not True:
                changed.append((asset_id, level, power_w, old_online is not True))
    device_ids = {pk: sample.device_id for pk, sample in latest.items()}
    result.state_changes = [
        StateChange(pk, device_ids.get(pk, ""), level, power_w, came_online)
        for pk, level, power_w, came_online in changed
    ]
    came_online = [c.asset_pk for c in result.state_changes if c.came_online]
    if came_online:
        from devices.services.status import offline_faults_clear

        offline_faults_clear(asset_pks=came_online, at=now)


def _insert_samples_orm(samples: list[tuple[int, Sample]]) -> list[tuple[int, Sample]]:
    existing = set(
        Telemetry.objects.filter(
            asset_id__in={pk for pk, _ in samples}, ts__in={s.ts for _, s in samples}
        ).values_list("asset_id", "ts")
    )
    new, seen = [], set()
    for pk, s in samples:
        key = (pk, s.ts)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append((pk, s))
    Telemetry.objects.bulk_create(
        [
            Telemetry(
                asset_id=pk,
                ts=s.ts,
                level=s.level,
                power_w=s.power_w,
                energy_wh=s.energy_wh,
                lux=s.lux,
                temp_c=s.temp_c,
            )
            for pk, s in new
        ],
        ignore_conflicts=True,
    )
    return new


def _update_state(
    latest: dict[int, Sample],
    now: datetime,
    result: IngestResult,
    runs: dict[int, list[Sample]],
) -> None:
    pks = list(latest)
    AssetState.objects.bulk_create(
        [AssetState(asset_id=pk) for pk in pks], ignore_conflicts=True, batch_size=5000
    )
    before = {
        row[0]: row[1:]
        for row in AssetState.objects.filter(pk__in=pks).values_list(
            "pk", "level", "online", "reported_at"
        )
    }
    device_ids = {pk: sample.device_id for pk, sample in latest.items()}
    rows = []
    level_changes = []
    for pk, sample in latest.items():
        level, online, reported_at = before.get(pk, (None, None, None))
        if reported_at is not None and sample.ts < reported_at:
            continue  # an older sample arriving late: history only, not the current state
        new_level = sample.level if sample.level is not None else level
        rows.append((pk, sample, new_level))
        changed = sample.level is not None and sample.level != level
        first = runs.get(pk, [None])[0]
        if first is not None and first.level != level:
            level_changes.append(
                LevelChange(
                    asset_id=pk, at=first.ts, level=first.level, source=LevelSource.TELEMETRY
                )
            )
        if changed or online is not True:
            result.state_changes.append(
                StateChange(
                    pk, device_ids.get(pk, ""), new_level, sample.power_w, online is not True
                )
            )
    if not rows:
        return
    states = {s.pk: s for s in AssetState.objects.filter(pk__in=[r[0] for r in rows])}
    for pk, sample, level in rows:
        state = states[pk]
        state.online, state.last_seen_at, state.reported_at = True, now, sample.ts
        state.level = level
        for name in ("power_w", "energy_wh", "lux", "temp_c"):
            if (value := getattr(sample, name)) is not None:
                setattr(state, name, value)
    AssetState.objects.bulk_update(
        list(states.values()),
        [
            "online",
            "last_seen_at",
            "reported_at",
            "level",
            "power_w",
            "energy_wh",
            "lux",
            "temp_c",
            "updated_at",
        ],
        batch_size=2000,
    )
    level_changes += _changes_within(runs)
    if level_changes:
        LevelChange.objects.bulk_create(level_changes, ignore_conflicts=True, batch_size=5000)
    came_online = [c.asset_pk for c in result.state_changes if c.came_online]
    if came_online:
        from devices.services.status import offline_faults_clear

        offline_faults_clear(asset_pks=came_online, at=now)


def _storable(text: str) -> str:
    """PostgreSQL text holds no NUL character: shown escaped, as `\\u0000`."""
    return text.replace("\x00", "\\u0000")


def rejected_store(*, rejected: Sequence[Rejected], now: datetime) -> int:
    """Keeps rejected messages; repeats (same topic and reason within a minute) add to a count.

    One locking read and two bulk statements per batch, whatever the number of topics: with one
    statement pair per topic, 2 % of hostile messages (each on its own device's topic) cost a
    batch twenty round trips."""
    groups: dict[tuple[str, str], list[Rejected]] = defaultdict(list)
    for item in rejected:
        groups[(_storable(item.topic)[:255], item.reason_code)].append(item)
    if not groups:
        return 0
    recent: dict[tuple[str, str], RejectedMessage] = {}
    rows = (
        RejectedMessage.objects.select_for_update()
        .filter(received_at__gte=now - REJECT_FOLD_WINDOW, topic__in={t for t, _ in groups})
        .order_by("pk")
    )
    for row in rows:
        key = (row.topic, row.reason_code)
        if key in groups and (key not in recent or row.received_at >= recent[key].received_at):
            recent[key] = row
    changed, new = [], []
    for (topic, code), items in groups.items():
        last = items[-1]
        payload, reason = _storable(last.payload), _storable(last.reason)
        row = recent.get((topic, code))
        if row is not None:
            row.count += len(items)
            row.received_at, row.payload, row.reason = now, payload, reason
            changed.append(row)
        else:
            new.append(
                RejectedMessage(
                    received_at=now,
                    topic=topic,
                    device_id=_storable(last.device_id)[:64],
                    payload=payload,
                    reason_code=code,
                    reason=reason,
                    count=len(items),
                )
            )
    if changed:
        RejectedMessage.objects.bulk_update(
            changed, ["count", "received_at", "payload", "reason"], batch_size=1000
        )
    if new:
        RejectedMessage.objects.bulk_create(new, batch_size=1000)
    return len(rejected)
