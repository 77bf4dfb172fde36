"""Reads of the correlation that combine cctv's events with devices' sensors: people counted
per zone and hour. What it reads of devices comes through devices.selectors (the lux sensors
near a camera: devices.selectors.sensors; cameras per zone and their offline spells:
devices.selectors.cameras)."""

from datetime import datetime, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncHour

from cctv.models import Event
from devices.selectors.sensors import footfall_sensor_zones


def footfall_by_zone_hour(*, start: datetime, end: datetime) -> dict[tuple[int, datetime], float]:
    """(zone pk, hour) → people counted by footfall sensors, from their events' `count`; zones
    with a footfall sensor get 0 for hours without a count (absent zones have no sensor)."""
    sensors = footfall_sensor_zones()
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
    return set(footfall_sensor_zones().values())
