"""Telemetry samples into storage: the samples themselves, the assets' reported state and the
switching log, for a batch already resolved to asset pks (`devices/services/ingest.py` calls it
inside the batch's transaction).

A thousand samples are a few statements, not a thousand: COPY into temporary tables, then
set-based INSERT … ON CONFLICT and UPDATE statements (PostgreSQL is the only engine).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from devices.choices import LevelSource
from devices.models import AssetState, LevelChange, Telemetry
from devices.services.pg import raw_cursor
from devices.services.status import offline_faults_clear
from devices.wire import TELEMETRY_METRICS
from devices.wire import Telemetry as Sample


@dataclass
class StateChange:
    """A light or device whose reported state changed, for the live channel."""

    asset_pk: int
    device_id: str
    level: float | None
    power_w: float | None
    came_online: bool


@dataclass
class SamplesStored:
    stored: int = 0
    duplicates: int = 0  # already stored (a redelivery) or twice in the batch
    state_changes: list[StateChange] = field(default_factory=list)


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
    lux float8, temp_c float8, level_cm float8, rain_mm_h float8, wind_m_s float8,
    pm25_ug_m3 float8, no2_ug_m3 float8
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_first (
    asset_id bigint, ts timestamptz, level float8, power_w float8, energy_wh float8,
    lux float8, temp_c float8, level_cm float8, rain_mm_h float8, wind_m_s float8,
    pm25_ug_m3 float8, no2_ug_m3 float8
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_latest (
    asset_id bigint, ts timestamptz, level float8, power_w float8, energy_wh float8,
    lux float8, temp_c float8, level_cm float8, rain_mm_h float8, wind_m_s float8,
    pm25_ug_m3 float8, no2_ug_m3 float8
) ON COMMIT DELETE ROWS;
"""
_EMPTY_TEMP_TABLES = (
    "DELETE FROM ingest_sample; DELETE FROM ingest_first; DELETE FROM ingest_latest;"
)

_COLUMNS = "asset_id, ts, " + ", ".join(TELEMETRY_METRICS)


def _copy(cursor, table: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN") as copy:
        for asset_pk, s in rows:
            copy.write_row((asset_pk, s.ts, *(getattr(s, name) for name in TELEMETRY_METRICS)))


def samples_store(*, samples: list[tuple[int, Sample]], now: datetime) -> SamplesStored:
    """Stores samples (the same asset and timestamp once: a redelivered message is absorbed),
    sets each asset's reported state from its newest sample (a late sample is history only),
    logs level changes, and clears the offline fault of an asset heard from again."""
    result = SamplesStored()
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
        result.stored = len(inserted)
        result.duplicates = len(samples) - len(inserted)
        if not inserted:
            return result
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
        offline_faults_clear(asset_pks=came_online, at=now)
    return result
