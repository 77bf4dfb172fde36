"""The hourly roll-up of telemetry (`TelemetryHourly`), kept up incrementally.

Each run reads the raw samples stored since its watermark (the greatest `devices_telemetry.id`
already rolled up), finds the device-hours they fall in, and recomputes those hours whole from
the raw samples in one set-based statement (INSERT … SELECT … ON CONFLICT DO UPDATE). So:
- it is idempotent: a run over samples already rolled up writes the same figures again, and
  the `IS DISTINCT FROM` guard makes it write nothing at all (the sum is taken in time order,
  so the same samples always give the same float);
- a late sample (its `ts` hours or days back, stored now) has a new id, so the next run
  recomputes the old hour it belongs to;
- a sample whose transaction commits after a later-numbered one was already read would be
  behind the watermark: each run reads `OVERLAP_IDS` ids behind its watermark again (at Kent's
  2,000 samples/s that is 25 s of ingest; the gateway's insert transactions last milliseconds).
PostgreSQL only (date_trunc with a zone, ON CONFLICT, LATERAL VALUES)."""

from django.db import connection, transaction

from devices.models import RollupWatermark

NAME = "telemetry_hourly"
BATCH_IDS = 200_000
OVERLAP_IDS = 50_000

# Each metric of a sample is rolled up on its own (a sample may carry only some).
ROLLUP_SQL = """
WITH touched AS (
    SELECT DISTINCT asset_id, date_trunc('hour', ts, 'UTC') AS hour
    FROM devices_telemetry
    WHERE id > %(low)s AND id <= %(high)s
)
INSERT INTO devices_telemetryhourly AS h (asset_id, metric, hour, count, min, max, sum)
SELECT b.asset_id, s.metric, b.hour, s.n, s.least, s.greatest, s.total
FROM touched b
-- LATERAL: one range scan of the (asset_id, ts) index per device-hour (a plain join lets the
-- planner merge on asset_id alone and filter the whole table)
CROSS JOIN LATERAL (
    SELECT m.metric, count(*) AS n, min(m.v) AS least, max(m.v) AS greatest,
           sum(m.v ORDER BY t.ts) AS total
    FROM devices_telemetry t
    CROSS JOIN LATERAL (VALUES ('level', t.level), ('power_w', t.power_w),
        ('energy_wh', t.energy_wh), ('lux', t.lux), ('temp_c', t.temp_c)) AS m(metric, v)
    WHERE t.asset_id = b.asset_id AND t.ts >= b.hour AND t.ts < b.hour + interval '1 hour'
      AND m.v IS NOT NULL
    GROUP BY m.metric
) s
ON CONFLICT (asset_id, metric, hour) DO UPDATE
SET count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum
WHERE (h.count, h.min, h.max, h.sum)
    IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.min, EXCLUDED.max, EXCLUDED.sum)
"""


def telemetry_rollup(
    *, batch_ids: int = BATCH_IDS, overlap_ids: int = OVERLAP_IDS, max_batches: int = 50
) -> dict[str, int]:
    """Rolls up the samples stored since the watermark, `batch_ids` ids a transaction, until
    caught up (or `max_batches`: the next run goes on). Runs serialise on the watermark's row.
    Returns the hour rows written (new or changed), the batches and the new watermark."""
    written = batches = 0
    RollupWatermark.objects.get_or_create(name=NAME)
    last_id = 0
    while batches < max_batches:
        with transaction.atomic():
            mark = RollupWatermark.objects.select_for_update().get(name=NAME)
            with connection.cursor() as cursor:
                cursor.execute("SELECT coalesce(max(id), 0) FROM devices_telemetry")
                top = cursor.fetchone()[0]
                # The overlap is read again once a run, by its first batch.
                low = max(0, mark.last_id - overlap_ids) if batches == 0 else mark.last_id
                high = min(top, mark.last_id + batch_ids)
                if high <= low:
                    last_id = mark.last_id
                    break
                # The distinct device-hours are overestimated (a sample an hour each), which
                # would have JIT compile the statement: hundreds of ms for nothing.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(ROLLUP_SQL, {"low": low, "high": high})
                written += max(cursor.rowcount, 0)
            if high > mark.last_id:
                mark.last_id = high
                mark.save(update_fields=["last_id", "updated_at"])
            last_id = mark.last_id
        batches += 1
        if high >= top:
            break
    return {"written": written, "batches": batches, "watermark": last_id}


def telemetry_rollup_rebuild() -> dict[str, int]:
    """Recomputes every hour from the raw samples still kept (after a restore, or to mend):
    the watermark goes back to 0 and the roll-up runs until caught up. Hours whose raw samples
    retention has deleted keep their rolled-up figures."""
    RollupWatermark.objects.update_or_create(name=NAME, defaults={"last_id": 0})
    return telemetry_rollup(max_batches=1_000_000)
