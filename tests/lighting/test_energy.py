"""Energy on a known day: metered, from power, estimated; half-hourly zone totals; CSV."""

from datetime import date, timedelta

import pytest

from devices.choices import LevelSource
from devices.models import LevelChange, Telemetry
from lighting.core.energy import from_counter, from_levels, slots_between
from lighting.services.energy import energy_csv_half_hours, energy_csv_lights, energy_report
from tests.lighting.conftest import utc

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 20)  # GMT: the local day is the UTC day


def test_a_level_timeline_gives_rated_power_times_level_times_burn_time():
    slots = slots_between(utc(2026, 11, 20), utc(2026, 11, 21))
    timeline = [(utc(2026, 11, 19, 16), 100), (utc(2026, 11, 20, 7, 30), 0)]
    per_slot = from_levels(timeline, slots, rated_w=60)
    assert sum(per_slot) == pytest.approx(60 * 7.5)  # 00:00–07:30 at 60 W
    assert per_slot[14] == pytest.approx(30)  # 07:00–07:30: a full half hour
    assert per_slot[15] == 0


def test_a_counter_reset_is_skipped_not_counted_negative():
    slots = slots_between(utc(2026, 11, 20), utc(2026, 11, 21))
    readings = [
        (utc(2026, 11, 20, 1), 1000),
        (utc(2026, 11, 20, 2), 1030),
        (utc(2026, 11, 20, 3), 5),
    ]
    assert sum(from_counter(readings, slots)) == pytest.approx(30)


def test_clock_change_days_have_46_and_50_half_hours(make_zone):
    assert len(energy_report(day=date(2026, 3, 29)).slots) == 46
    assert len(energy_report(day=date(2026, 10, 25)).slots) == 50


def test_energy_per_light_and_zone_on_a_known_day(make_zone, make_light):
    zone = make_zone("Cheapside")
    metered = make_light(zone, device_id="SL-M")
    powered = make_light(zone, device_id="SL-P")
    silent = make_light(zone, device_id="SL-S", rated_power_w=40)
    # metered: 120 Wh over the evening
    Telemetry.objects.bulk_create(
        [
            Telemetry(asset=metered, ts=utc(2026, 11, 20, 16), energy_wh=5000),
            Telemetry(asset=metered, ts=utc(2026, 11, 20, 18), energy_wh=5120),
        ]
    )
    # power: 50 W reported every 30 minutes from 16:00 to 17:30 (held up to 30 min)
    Telemetry.objects.bulk_create(
        [
            Telemetry(
                asset=powered, ts=utc(2026, 11, 20, 16) + timedelta(minutes=30 * i), power_w=50
            )
            for i in range(4)
        ]
    )
    # reports nothing but level changes: on at 100 % from 16:00 to 22:00, then 50 % to midnight
    LevelChange.objects.bulk_create(
        [
            LevelChange(asset=silent, at=utc(2026, 11, 20, 16), level=100, source=LevelSource.ACK),
            LevelChange(asset=silent, at=utc(2026, 11, 20, 22), level=50, source=LevelSource.ACK),
        ]
    )
    report = energy_report(day=DAY)
    by_device = {x.device_id: x for x in report.lights}
    assert by_device["SL-M"].wh == pytest.approx(120)
    assert by_device["SL-M"].method == "metered"
    assert by_device["SL-P"].wh == pytest.approx(100)  # 2 h at 50 W
    assert by_device["SL-P"].method == "power"
    assert by_device["SL-S"].wh == pytest.approx(40 * 6 + 20 * 2)
    assert by_device["SL-S"].estimated
    totals = report.zone_totals()[zone.pk]
    assert totals["wh"] == pytest.approx(120 + 100 + 280)
    assert totals["estimated_wh"] == pytest.approx(280)
    assert sum(totals["half_hours"]) == pytest.approx(totals["wh"])
    assert totals["half_hours"][32] == pytest.approx(30 + 25 + 20)  # 16:00–16:30

    lights_csv = energy_csv_lights(report).splitlines()
    assert lights_csv[0] == "date,zone,device_id,energy_wh,method,estimated"
    assert "2026-11-20,Cheapside,SL-S,280.000,estimated,yes" in lights_csv
    half_hours = energy_csv_half_hours(report).splitlines()
    assert len(half_hours) == 1 + 48


def test_energy_api_answers_json_and_csv(make_user, api_client, make_zone, make_light):
    from cityplatform.roles import Role

    zone = make_zone("Ward")
    make_light(zone)
    client = api_client(make_user(Role.VIEWER))
    body = client.get(f"/api/v1/lighting/energy/?date=2026-11-20&zone={zone.pk}").json()
    assert body["zones"][0]["zone_name"] == "Ward"
    csv_response = client.get("/api/v1/lighting/energy/?date=2026-11-20&by=light&export=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert client.get("/api/v1/lighting/energy/?date=20-11-2026").status_code == 400
    assert client.get("/api/v1/lighting/energy/?date=2026-13-45").status_code == 400
    # The first and last days Python knows, and ids that str.isdigit takes but int refuses
    # (found by the full-size schemathesis run: each was a 500)
    for day in ("9999-12-31", "0001-01-01"):
        far = client.get(f"/api/v1/lighting/energy/?date={day}")
        assert far.status_code == 400 and "date" in far.json()["extra"]["fields"]
    for zone_id in ("³", "99999999999999999999"):
        assert client.get(f"/api/v1/lighting/energy/?zone={zone_id}").status_code == 400
