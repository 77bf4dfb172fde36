"""Reads that the correlation of events with lighting needs from devices: lux sensors near a
camera and their samples, cameras and footfall sensors per zone, cameras' offline spells.

(They read devices' models directly, read-only; they are candidates for devices/selectors.)
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q, Sum

from devices.choices import AssetKind, FaultType, LifecycleStatus
from devices.models import Asset, Fault, Telemetry
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


def cameras_by_zone(
    *, zone_ids: Iterable[int] | None = None
) -> dict[int, list[tuple[int, float, float]]]:
    """zone pk → [(camera pk, latitude, longitude)] (cameras not decommissioned)."""
    qs = Asset.objects.filter(kind=AssetKind.CAMERA, zone__isnull=False).exclude(
        status=LifecycleStatus.DECOMMISSIONED
    )
    if zone_ids is not None:
        qs = qs.filter(zone_id__in=list(zone_ids))
    found: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for pk, zone_id, lat, lon in qs.values_list("pk", "zone_id", "latitude", "longitude"):
        found[zone_id].append((pk, lat, lon))
    return dict(found)


def camera_offline_spells(
    *, camera_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """camera pk → [(from, to)] of its offline faults overlapping [start, end), clipped."""
    rows = (
        Fault.objects.filter(asset_id__in=list(camera_ids), type=FaultType.OFFLINE)
        .filter(raised_at__lt=end)
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gt=start))
        .values_list("asset_id", "raised_at", "cleared_at")
    )
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for pk, raised, cleared in rows:
        found[pk].append((max(raised, start), min(cleared or end, end)))
    return dict(found)


def footfall_by_zone_hour(*, start: datetime, end: datetime) -> dict[tuple[int, datetime], float]:
    """(zone pk, hour) → people counted by footfall sensors, from their events' `count`; zones
    with a footfall sensor get 0 for hours without a count (absent zones have no sensor)."""
    from django.db.models.functions import TruncHour

    from cctv.models import Event

    sensors = dict(
        Asset.objects.filter(
            kind=AssetKind.SENSOR, sensor__measures__in=FOOTFALL_MEASURES, zone__isnull=False
        ).values_list("pk", "zone_id")
    )
    found: dict[tuple[int, datetime], float] = {}
    if not sensors:
        return found
    rows = (
        Event.objects.filter(device_id__in=list(sensors), ts__gte=start, ts__lt=end)
        .annotate(hour=TruncHour("ts"))
        .values_list("device_id", "hour")
        .annotate(n=Sum("count"))
    )
    hour = start
    while hour < end:
        for zone_id in set(sensors.values()):
            found[(zone_id, hour)] = 0.0
        hour += timedelta(hours=1)
    for device_id, hour, n in rows:
        key = (sensors[device_id], hour)
        found[key] = found.get(key, 0.0) + float(n or 0)
    return found


def footfall_zones() -> set[int]:
    return set(
        Asset.objects.filter(
            kind=AssetKind.SENSOR, sensor__measures__in=FOOTFALL_MEASURES, zone__isnull=False
        ).values_list("zone_id", flat=True)
    )
