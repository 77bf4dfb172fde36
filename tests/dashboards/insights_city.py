"""A constructed data set for the insights page: two street zones with three nights of zone-hour
analytics. Cheapside is kept dim (30 %) and has 30 loitering events in dim light between 01:00
and 05:00 (plus two under a security boost at 23:00 and one in daylight); Poultry, its matched
control, has 3. Cheapside follows a calendar whose default programme a draft can copy."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cctv.models import ZoneHour
from devices.choices import ZoneKind
from devices.models import Zone
from lighting.models import Calendar, CalendarAssignment, Programme

NIGHTS = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
# The page's filter in whole local days (Europe/London is UTC in January).
PERIOD = {"since": "2026-01-10", "until": "2026-01-13"}


@dataclass
class InsightsCity:
    cheapside: Zone
    poultry: Zone
    programme: Programme
    calendar: Calendar


def _rows(zone: Zone, *, dim_events: int, boosted_at_23: int = 0, daylight_at_12: int = 0):
    per_hour = dict.fromkeys(range(24), 0)
    for i in range(dim_events):
        per_hour[1 + i % 4] += 1
    rows = []
    for night in range(3):
        for h in range(24):
            hour = NIGHTS + timedelta(days=night, hours=h)
            dark = hour.hour >= 17 or hour.hour < 7
            dim = per_hour[hour.hour] // 3 + (1 if night < per_hour[hour.hour] % 3 else 0)
            boosted = boosted_at_23 if hour.hour == 23 and night == 0 else 0
            daylight = daylight_at_12 if hour.hour == 12 and night == 0 else 0
            total = dim + boosted + daylight
            rows.append(
                ZoneHour(
                    zone=zone,
                    hour=hour,
                    events={"loitering": total} if total else {},
                    events_dim={"loitering": dim} if dim and dark else {},
                    events_boosted={"loitering": boosted} if boosted else {},
                    lights=10,
                    cameras=1,
                    mean_level=(60.0 if boosted else 30.0) if dark else 0.0,
                    boost_share=0.2 if boosted else 0.0,
                    dark_fraction=1.0 if dark else 0.0,
                    dark_dim_share=(0.8 if boosted else 1.0) if dark else None,
                    dark_lit_share=0.0 if dark else None,
                    dark_boost_share=(0.2 if boosted else 0.0) if dark else None,
                    camera_uptime=1.0,
                    dim_level=40,
                    computed_at=NIGHTS,
                )
            )
    ZoneHour.objects.bulk_create(rows)


def build_insights_city() -> InsightsCity:
    cheapside = Zone.objects.create(name="Cheapside", kind=ZoneKind.STREET)
    poultry = Zone.objects.create(name="Poultry", kind=ZoneKind.STREET)
    _rows(cheapside, dim_events=30, boosted_at_23=2, daylight_at_12=1)
    _rows(poultry, dim_events=3)
    night = Programme.objects.create(
        name="Part-night",
        steps=[
            {"trigger": "sunset", "offset_min": 0, "level": 100},
            {"trigger": "time", "time": "00:00", "level": 30},
            {"trigger": "sunrise", "offset_min": 0, "level": 0},
        ],
    )
    calendar = Calendar.objects.create(name="Streets", default_programme=night)
    CalendarAssignment.objects.create(calendar=calendar, zone=cheapside)
    return InsightsCity(cheapside=cheapside, poultry=poultry, programme=night, calendar=calendar)
