"""Zone-hour analytics: reported levels time-weighted, boosts and darkness kept apart, events
split by their lighting context, camera uptime; re-running a period gives the same rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from cctv.analytics.zone_hours import zone_hours_compute
from cctv.models import ZoneHour
from devices.models import Fault, LevelChange
from lighting.models import Override
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)  # London in January: dark until ~07:20


def level(light, at, value):
    LevelChange.objects.create(asset=light, at=at, level=value, source="telemetry")


@pytest.fixture
def night(camera, lights, ingest):
    """Four lights at 20 % all night; the three linked to the camera boosted to 100 % from
    02:00 to 02:30 (an alarm's override); the camera offline 03:00–03:15; events: two dim
    loiterings at 01:10 and 01:20, one during the boost at 02:10, one at 04:05 with the lights
    at 60 %."""
    for light in lights:
        level(light, NIGHT - timedelta(hours=8), 20)
        level(light, NIGHT + timedelta(hours=4), 60)
    linked = [light.pk for light in lights[:3]]
    Override.objects.create(
        scope_kind="lights",
        light_ids=linked,
        level=100,
        operation="max",
        priority=4,
        starts_at=NIGHT + timedelta(hours=2),
        expires_at=NIGHT + timedelta(hours=2, minutes=30),
        reason="Alarm #1",
        author="alarm-rules",
    )
    for light in lights[:3]:
        level(light, NIGHT + timedelta(hours=2, seconds=1), 100)
        level(light, NIGHT + timedelta(hours=2, minutes=30), 20)
    Fault.objects.create(
        asset=camera,
        type="offline",
        raised_at=NIGHT + timedelta(hours=3),
        cleared_at=NIGHT + timedelta(hours=3, minutes=15),
    )
    ingest(
        [
            device_event(camera, "a", type="loitering", ts=NIGHT + timedelta(hours=1, minutes=10)),
            device_event(camera, "b", type="loitering", ts=NIGHT + timedelta(hours=1, minutes=20)),
            device_event(camera, "c", type="loitering", ts=NIGHT + timedelta(hours=2, minutes=10)),
            device_event(camera, "d", type="intrusion", ts=NIGHT + timedelta(hours=4, minutes=5)),
        ]
    )
    return camera


def rows_of(start, end):
    return list(
        ZoneHour.objects.filter(hour__gte=start, hour__lt=end).order_by("zone_id", "hour").values()
    )


def without_run_fields(rows):
    return [{k: v for k, v in row.items() if k not in ("id", "computed_at")} for row in rows]


def test_each_zone_hour_has_its_events_levels_boost_share_and_uptime(night, zone):
    assert zone_hours_compute(start=NIGHT, end=NIGHT + timedelta(hours=6)) == 6
    hours = {row.hour.hour: row for row in ZoneHour.objects.filter(zone=zone)}

    assert hours[1].events == {"loitering": 2} and hours[1].events_dim == {"loitering": 2}
    assert hours[1].mean_level == pytest.approx(20) and hours[1].boost_share == 0
    assert hours[1].dark_fraction == 1 and hours[1].dark_dim_share == 1

    # 02:00: three of four lights boosted for half the hour
    assert hours[2].boost_share == pytest.approx(3 * 1800 / (4 * 3600), abs=1e-3)
    assert hours[2].dark_boost_share == pytest.approx(0.375, abs=1e-3)
    assert hours[2].mean_level == pytest.approx(
        (3 * (1799 * 100 + 1801 * 20) + 3600 * 20) / 14400, abs=0.05
    )

    assert hours[3].camera_uptime == pytest.approx(0.75)
    assert hours[4].events_lit == {"intrusion": 1} and hours[4].mean_level == pytest.approx(60)
    assert hours[1].lights == 4 and hours[1].cameras == 1 and hours[1].footfall is None


def test_boost_lit_events_and_time_are_kept_off_the_dim_side(night, zone):
    zone_hours_compute(start=NIGHT, end=NIGHT + timedelta(hours=6))
    boosted_hour = ZoneHour.objects.get(zone=zone, hour=NIGHT + timedelta(hours=2))
    assert boosted_hour.events == {"loitering": 1}
    assert boosted_hour.events_boosted == {"loitering": 1}
    assert boosted_hour.events_dim == {} and boosted_hour.events_lit == {}
    # the boosted half-hour of three lights is neither dim nor lit time
    assert boosted_hour.dark_dim_share == pytest.approx(1 - 0.375, abs=1e-3)


def test_re_running_a_period_gives_identical_rows(night):
    start, end = NIGHT, NIGHT + timedelta(hours=6)
    zone_hours_compute(start=start, end=end)
    first = rows_of(start, end)
    call_command("cctv_analytics", since=start.isoformat(), until=end.isoformat())
    again = rows_of(start, end)
    assert without_run_fields(again) == without_run_fields(first)
    assert ZoneHour.objects.count() == 6
