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

_HOURLY_SQL = """
SELECT hour, metric, count, sum / count, min, max
FROM devices_telemetryhourly
WHERE asset_id = %(asset)s AND hour >= date_trunc('hour', %(start)s::timestamptz, 'UTC')
  AND hour < %(end)s
ORDER BY hour
"""

_DAILY_SQL = """
SELECT date_trunc('day', hour, %(zone)s) AS day, metric, sum(count), sum(sum) / sum(count),
       min(min), max(max)
FROM devices_telemetryhourly
WHERE asset_id = %(asset)s AND hour >= date_trunc('day', %(start)s::timestamptz, %(zone)s)
  AND hour < %(end)s
GROUP BY 1, 2
ORDER BY 1
"""


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
    by_time: dict[datetime, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for at, metric, count, avg, least, greatest in cursor.fetchall():
            point = by_time.get(at)
            if point is None:
                point = by_time[at] = {"t": at.isoformat(), "n": 0}
                for name in METRICS:
                    point[name] = point[f"{name}_min"] = point[f"{name}_max"] = None
            point["n"] = max(point["n"], int(count))
            point[metric], point[f"{metric}_min"], point[f"{metric}_max"] = avg, least, greatest
    return list(by_time.values())
