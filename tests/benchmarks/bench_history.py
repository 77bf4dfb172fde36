"""History charts: one light's 30-day chart read from the hourly roll-up against the same chart
aggregated from raw telemetry, in the same run (the ratio), and what the roll-up costs: its
catch-up over the whole history and an incremental run after five minutes of new samples.
Full size: 100 lights with a sample a minute for 30 days (4.3 million rows); quick: 10 lights,
a sample every 5 minutes.

    DATABASE_URL=… python -m tests.benchmarks --only history
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.benchmarks.common import figure, percentile

FULL = (100, 1)  # lights, minutes between samples
QUICK = (10, 5)
READS = 30
END = datetime(2026, 11, 30, tzinfo=UTC)
START = END - timedelta(days=30)

# The chart's 720 hourly points straight from the raw samples (what the page read before).
RAW_SQL = """
SELECT date_trunc('hour', ts, 'UTC') AS hour, count(*), avg(level), min(level), max(level),
       avg(power_w), min(power_w), max(power_w), avg(energy_wh), avg(lux), avg(temp_c)
FROM devices_telemetry
WHERE asset_id = %(asset)s AND ts >= %(start)s AND ts < %(end)s
GROUP BY 1 ORDER BY 1
"""

FILL_SQL = """
INSERT INTO devices_telemetry (asset_id, ts, level, power_w, energy_wh, lux, temp_c)
SELECT a.id, g, (extract(hour FROM g)::int * 7) %% 101, 20 + (a.id %% 17),
       extract(epoch FROM g - %(start)s) / 120, NULL, 8 + (extract(hour FROM g)::int %% 6)
FROM devices_asset a
CROSS JOIN generate_series(%(start)s::timestamptz, %(end)s::timestamptz - interval '1 second',
                           %(step)s * interval '1 minute') AS g
WHERE a.device_id LIKE 'HB-%%'
"""


def _lights(n: int) -> list:
    from devices.choices import AssetKind
    from devices.models import Asset

    Asset.objects.bulk_create(
        Asset(device_id=f"HB-{i:05d}", kind=AssetKind.STREETLIGHT, latitude=51.51, longitude=-0.09)
        for i in range(n)
    )
    return list(Asset.objects.filter(device_id__startswith="HB-").order_by("pk"))


def _fill(start: datetime, end: datetime, step: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL, {"start": start, "end": end, "step": step})
        cursor.execute("ANALYZE devices_telemetry")


def _timed(call, lights) -> list[float]:
    times = []
    for i in range(READS):
        t0 = time.perf_counter()
        call(lights[i % len(lights)])
        times.append((time.perf_counter() - t0) * 1000)
    return times


def run(*, quick: bool = False) -> list[dict]:
    from django.db import connection

    from devices.models import Telemetry, TelemetryHourly
    from devices.selectors.history import telemetry_history
    from devices.services.rollup import telemetry_rollup

    n, step = QUICK if quick else FULL
    lights = _lights(n)
    _fill(START, END, step)
    rows = Telemetry.objects.count()

    t0 = time.perf_counter()
    telemetry_rollup(max_batches=1_000_000)
    catch_up_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE devices_telemetryhourly")
    hours = TelemetryHourly.objects.count()

    def from_rollup(light):
        body = telemetry_history(asset=light, start=START, end=END, resolution="hour")
        assert len(body["points"]) == 720

    def from_raw(light):
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, {"asset": light.pk, "start": START, "end": END})
            assert len(cursor.fetchall()) == 720

    # Interleaved rounds, so both reads see the same cache and machine load.
    rollup_ms, raw_ms = [], []
    for _ in range(3):
        rollup_ms += _timed(from_rollup, lights)
        raw_ms += _timed(from_raw, lights)
    rollup_p50, raw_p50 = percentile(rollup_ms, 50), percentile(raw_ms, 50)

    # Five more minutes of every light, then the beat task's incremental run.
    _fill(END, END + timedelta(minutes=5), step)
    t0 = time.perf_counter()
    incremental = telemetry_rollup()
    incremental_ms = (time.perf_counter() - t0) * 1000

    size = f"{n} lights × 30 days, {rows:,} samples"
    return [
        figure(
            f"30-day chart of one light from the hourly roll-up, p50 ({size})",
            rollup_p50,
            "ms",
            limit=raw_p50,
            limit_name="the same chart aggregated from raw telemetry, p50",
        ),
        figure(
            "30-day chart from the roll-up, p95",
            percentile(rollup_ms, 95),
            "ms",
            goal="≤ 50 ms (#20)",
            ok=percentile(rollup_ms, 95) <= 50,
        ),
        figure("30-day chart from raw telemetry, p95", percentile(raw_ms, 95), "ms"),
        figure(
            f"roll-up catch-up, {rows:,} samples → {hours:,} hour rows",
            rows / catch_up_s,
            "samples/s",
        ),
        figure(
            f"roll-up incremental run after 5 min of {n} lights "
            f"({incremental['written']:,} hour rows written)",
            incremental_ms,
            "ms",
            goal="< 5 min (the beat interval)",
            ok=incremental_ms < 300_000,
        ),
    ]
