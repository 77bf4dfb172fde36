"""Reads of sensors for the correlation of events with lighting: the nearest lux sensor with a
recent sample, and which zones footfall sensors count."""

import math
from datetime import datetime, timedelta

from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, Telemetry
from devices.selectors.lights import EARTH_RADIUS_M, distance_m

LUX_MEASURES = ("lux", "illuminance", "light")
FOOTFALL_MEASURES = ("footfall",)


def lux_nearest(
    *, latitude: float, longitude: float, at: datetime, radius_m: float, max_age: timedelta
) -> dict | None:
    """The nearest lux sensor within `radius_m` that has a sample in (at − max_age, at], and
    that sample: {"sensor", "distance_m", "lux", "ts"}; None when there is none. Two queries."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(latitude)), 1e-6)
    sensors = (
        Asset.objects.filter(
            kind=AssetKind.SENSOR,
            sensor__measures__in=LUX_MEASURES,
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        .exclude(status=LifecycleStatus.DECOMMISSIONED)
        .values_list("pk", "device_id", "latitude", "longitude")
    )
    near = sorted(
        (d, pk, device_id)
        for pk, device_id, lat, lon in sensors
        if (d := distance_m(latitude, longitude, lat, lon)) <= radius_m
    )
    if not near:
        return None
    for distance, pk, device_id in near[:5]:  # an index probe each, nearest first
        sample = (
            Telemetry.objects.filter(
                asset_id=pk, ts__lte=at, ts__gt=at - max_age, lux__isnull=False
            )
            .order_by("-ts")
            .values_list("ts", "lux")
            .first()
        )
        if sample is not None:
            return {
                "sensor": device_id,
                "distance_m": round(distance, 1),
                "lux": sample[1],
                "ts": sample[0].isoformat(),
            }
    return None


def footfall_sensor_zones() -> dict[int, int]:
    """Footfall sensors placed in a zone: sensor pk → zone pk."""
    return dict(
        Asset.objects.filter(
            kind=AssetKind.SENSOR, sensor__measures__in=FOOTFALL_MEASURES, zone__isnull=False
        ).values_list("pk", "zone_id")
    )


SENSOR_METRICS = ("level_cm", "rain_mm_h", "wind_m_s", "pm25_ug_m3", "no2_ug_m3", "lux", "temp_c")


def sensors_for_rule(*, asset_id: int | None, measures: str) -> list[dict]:
    """The sensors a threshold rule watches: the one asset, or every sensor measuring
    `measures` (decommissioned ones left out): {"pk", "device_id", "name", "zone_id"}."""
    sensors = Asset.objects.filter(kind=AssetKind.SENSOR).exclude(
        status=LifecycleStatus.DECOMMISSIONED
    )
    sensors = sensors.filter(pk=asset_id) if asset_id else sensors.filter(sensor__measures=measures)
    return list(sensors.values("pk", "device_id", "name", "zone_id").order_by("pk"))


def sensor_samples(*, asset_id: int, metric: str, since: datetime) -> list[tuple[datetime, float]]:
    """A sensor's samples of `metric` after `since`, oldest first (at most 5,000)."""
    if metric not in SENSOR_METRICS:
        raise ValueError(f"not a sensor metric: {metric}")
    rows = (
        Telemetry.objects.filter(asset_id=asset_id, ts__gt=since, **{f"{metric}__isnull": False})
        .order_by("ts")
        .values_list("ts", metric)[:5000]
    )
    return [(ts, float(value)) for ts, value in rows]
