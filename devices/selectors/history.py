"""One device's telemetry over a time range, at the resolution the range calls for: the raw
samples for a day or less, the hourly roll-up (`TelemetryHourly`) up to `HOURLY_UP_TO`, and
days summed from the hours beyond (in the site's time zone). Every metric as its mean, least
and greatest in each bucket."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from devices.models import Asset, Telemetry, TelemetryMetric

RAW_UP_TO = timedelta(hours=24)
HOURLY_UP_TO = timedelta(days=31)
MAX_RANGE = timedelta(days=366)
RAW_LIMIT = 10_000  # a sample every 10 s for a day is 8,640
METRICS = [m.value for m in TelemetryMetric]


def _pivot_sql(bucket: str, start: str) -> str:
    """One row per bucket, every metric's mean, least and greatest in its columns, the time as
    ISO text (parsing 2,880 timestamptz values in Python cost more than the query)."""
    columns = []
    for m in METRICS:
        where = f"FILTER (WHERE metric = '{m}')"
        columns.append(f"sum(sum) {where} / sum(count) {where}, min(min) {where}, max(max) {where}")
    counts = ", ".join(f"sum(count) FILTER (WHERE metric = '{m}')" for m in METRICS)
    # Constant names and expressions only; every value is bound.
    head = f"SELECT to_char({bucket} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    return (
        head
        + f"greatest({counts}), {', '.join(columns)} FROM devices_telemetryhourly "
        + f"WHERE asset_id = %(asset)s AND hour >= {start} AND hour < %(end)s "
        + "GROUP BY 1 ORDER BY 1"
    )


# Built once from the constant metric names: nothing of a request is formatted into them.
_HOURLY_SQL = _pivot_sql("hour", "date_trunc('hour', %(start)s::timestamptz, 'UTC')")
_DAILY_SQL = _pivot_sql(
    "date_trunc('day', hour, %(zone)s)", "date_trunc('day', %(start)s::timestamptz, %(zone)s)"
)


def resolution_for(start: datetime, end: datetime) -> str:
    span = end - start
    if span <= RAW_UP_TO:
        return "raw"
    return "hour" if span <= HOURLY_UP_TO else "day"


def telemetry_history(
    *, asset: Asset, start: datetime, end: datetime, resolution: str | None = None
) -> dict[str, Any]:
    """{resolution, from, to, samples, points: [{t, n, <metric>, <metric>_min, <metric>_max}]}
    in time order; `samples` counts the raw samples behind the points (0: no readings)."""
    resolution = resolution or resolution_for(start, end)
    if resolution == "raw":
        points = _raw(asset, start, end)
    else:
        sql = _HOURLY_SQL if resolution == "hour" else _DAILY_SQL
        params = {"asset": asset.pk, "start": start, "end": end, "zone": settings.TIME_ZONE}
        points = _buckets(sql, params)
    return {
        "resolution": resolution,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "samples": sum(p["n"] for p in points),
        "points": points,
    }


def _raw(asset: Asset, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = (
        Telemetry.objects.filter(asset=asset, ts__gte=start, ts__lt=end)
        .order_by("ts")
        .values_list("ts", *METRICS)[:RAW_LIMIT]
    )
    points = []
    for ts, *values in rows:
        point: dict[str, Any] = {"t": ts.isoformat(), "n": 1}
        for metric, value in zip(METRICS, values, strict=True):
            point[metric] = point[f"{metric}_min"] = point[f"{metric}_max"] = value
        points.append(point)
    return points


def _buckets(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One point per bucket; `n` is the most samples of any metric in it (a sample carries
    several metrics, each counted in its own row)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    points = []
    for at, count, *values in rows:
        point: dict[str, Any] = {"t": at, "n": int(count or 0)}
        for i, name in enumerate(METRICS):
            point[name], point[f"{name}_min"], point[f"{name}_max"] = values[3 * i : 3 * i + 3]
        points.append(point)
    return points
