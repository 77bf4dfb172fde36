"""Energy on a known day: metered, from power, estimated; half-hourly zone totals; CSV."""

import csv
import io
from datetime import date, timedelta

import pytest

from devices.choices import LevelSource
from devices.models import LevelChange, Telemetry
from lighting.core.energy import from_counter, from_levels, slots_between
from lighting.services.energy import (
    energy_csv_bscp520,
    energy_csv_half_hours,
    energy_csv_lights,
    energy_month,
    energy_report,
)
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


def _lit(light, *changes):
    LevelChange.objects.bulk_create(
        [
            LevelChange(asset=light, at=at, level=level, source=LevelSource.ACK)
            for at, level in changes
        ]
    )


def test_a_city_is_the_sum_of_its_wards_and_their_streets(make_zone, make_light, settings):
    settings.ENERGY_TARIFF_GBP_PER_KWH = 0.30
    settings.ENERGY_CO2_KG_PER_KWH = 0.2
    city = make_zone("City of London")
    ward_a = make_zone("Cheap", parent=city)
    ward_b = make_zone("Bassishaw", parent=city)
    street = make_zone("Cheapside", parent=ward_a)
    empty_ward = make_zone("Aldgate", parent=city)
    on_street = make_light(street, device_id="SL-A", rated_power_w=100)
    in_ward = make_light(ward_b, device_id="SL-B", rated_power_w=50)
    make_light(ward_b, device_id="SL-C")  # nothing reported or commanded
    # SL-A: 100 % from 16:00 to 20:00, then dimmed to 50 % until midnight: 400 + 200 Wh,
    # against an undimmed 800 Wh; SL-B: 100 % for 2 hours from 18:00: 100 Wh, no saving.
    _lit(on_street, (utc(2026, 11, 20, 16), 100), (utc(2026, 11, 20, 20), 50))
    _lit(in_ward, (utc(2026, 11, 20, 18), 100), (utc(2026, 11, 20, 20), 0))

    report = energy_report(day=DAY)
    totals = report.zone_totals()

    assert totals[street.pk]["wh"] == pytest.approx(600)
    assert totals[ward_a.pk]["wh"] == pytest.approx(600)  # its street's
    assert totals[ward_b.pk]["wh"] == pytest.approx(100)
    assert totals[city.pk]["wh"] == pytest.approx(
        sum(totals[w.pk]["wh"] for w in (ward_a, ward_b, empty_ward))
    )
    assert totals[city.pk]["lights"] == 3 and totals[city.pk]["lights_with_data"] == 2
    assert sum(totals[city.pk]["half_hours"]) == pytest.approx(700)
    assert totals[city.pk]["kwh"] == pytest.approx(0.7)
    assert totals[city.pk]["cost_gbp"] == pytest.approx(0.21)
    assert totals[city.pk]["co2_kg"] == pytest.approx(0.14)
    assert totals[city.pk]["baseline_kwh"] == pytest.approx(0.9)
    assert totals[city.pk]["saved_kwh"] == pytest.approx(0.2)
    assert totals[city.pk]["saved_gbp"] == pytest.approx(0.06)
    assert report.total()["wh"] == pytest.approx(700)
    # A ward without lights has no data, and says so rather than 0 kWh
    assert totals[empty_ward.pk]["lights"] == 0 and not totals[empty_ward.pk]["has_data"]
    by_device = {x.device_id: x for x in report.lights}
    assert by_device["SL-C"].method == "no_data" and not by_device["SL-C"].has_data
    # Asked for one ward: the ward and what is within it, rolled up the same way
    ward_only = energy_report(day=DAY, zone_id=ward_a.pk).zone_totals()
    assert set(ward_only) == {ward_a.pk, street.pk}
    assert ward_only[ward_a.pk]["wh"] == pytest.approx(600)


def test_a_night_without_data_is_no_data_not_zero(make_zone, make_light):
    ward = make_zone("Cheap")
    make_light(ward)
    row = energy_report(day=DAY).zone_totals()[ward.pk]
    assert row["lights"] == 1 and row["lights_with_data"] == 0
    assert row["has_data"] is False
    assert "2026-11-20,Cheap,SL-" in energy_csv_lights(energy_report(day=DAY))
    assert ",no_data," in energy_csv_lights(energy_report(day=DAY))


def test_a_month_is_its_days_each_rolled_up(make_zone, make_light):
    city = make_zone("City")
    ward = make_zone("Ward", parent=city)
    light = make_light(ward, rated_power_w=100)
    _lit(light, (utc(2026, 11, 20, 16), 100), (utc(2026, 11, 21, 7), 0))

    month = energy_month(year=2026, month=11, zone_id=city.pk)

    assert [d["date"] for d in month["days"]][:2] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert len(month["days"]) == 30
    days = {d["date"]: d for d in month["days"]}
    assert not days[date(2026, 11, 19)]["has_data"]
    assert days[date(2026, 11, 20)]["wh"] == pytest.approx(800)  # 16:00 to midnight
    assert days[date(2026, 11, 21)]["wh"] == pytest.approx(700)  # midnight to 07:00
    # after 07:00 on the 21st the lamp is off: an off lamp is data (0 Wh), not "no data"
    assert days[date(2026, 11, 22)]["has_data"] and days[date(2026, 11, 22)]["wh"] == 0
    assert month["total"]["wh"] == pytest.approx(1500)
    assert month["total"]["days_with_data"] == 11  # the 20th to the 30th


def test_the_bscp520_file_has_a_row_per_half_hour_and_charge_code(make_zone, make_light, settings):
    settings.ENERGY_CHARGE_CODES = {"LED 28W": "5010280000000"}
    zone = make_zone("Cheapside")
    small = [make_light(zone, rated_power_w=28) for _ in range(2)]
    large = make_light(zone, rated_power_w=90)
    for light in [*small, large]:
        _lit(light, (utc(2026, 11, 20, 16), 100))
    rows = list(csv.DictReader(io.StringIO(energy_csv_bscp520(energy_report(day=DAY)))))

    assert len(rows) == 48 * 2  # 48 settlement periods × 2 lamp types
    at_1600 = [r for r in rows if r["settlement_period"] == "33"]  # 16:00–16:30
    assert {r["charge_code"] for r in at_1600} == {"5010280000000", "LED 90W"}
    small_row = next(r for r in at_1600 if r["lamp_type"] == "LED 28W")
    assert small_row["items"] == "2"
    assert float(small_row["energy_kwh"]) == pytest.approx(2 * 28 * 0.5 / 1000)
    assert small_row["period_start_utc"] == "2026-11-20T16:00:00+00:00"
    assert sum(float(r["energy_kwh"]) for r in rows) == pytest.approx((2 * 28 + 90) * 8 / 1000)


def test_the_energy_api_answers_a_month_and_the_bscp520_file(
    make_user, api_client, make_zone, make_light
):
    from cityplatform.roles import Role

    city = make_zone("City")
    ward = make_zone("Ward", parent=city)
    light = make_light(ward)
    _lit(light, (utc(2026, 11, 20, 16), 100))
    client = api_client(make_user(Role.VIEWER))
    body = client.get(f"/api/v1/lighting/energy/?date=2026-11-20&zone={city.pk}").json()
    rows = {z["zone_id"]: z for z in body["zones"]}
    assert rows[city.pk]["wh"] == rows[ward.pk]["wh"] == pytest.approx(480)
    assert body["total"]["kwh"] == pytest.approx(0.48)
    month = client.get(f"/api/v1/lighting/energy/?by=day&month=2026-11&zone={city.pk}").json()
    assert len(month["days"]) == 30 and month["total"]["kwh"] == pytest.approx(
        0.48 + 24 * 0.06 * 10
    )
    assert client.get("/api/v1/lighting/energy/?by=day&month=2026-13").status_code == 400
    nowhere = client.get("/api/v1/lighting/energy/?by=day&month=2026-11&zone=999999")
    assert nowhere.status_code == 200 and not nowhere.json()["total"]["has_data"]
    bscp = client.get("/api/v1/lighting/energy/?date=2026-11-20&by=charge_code&export=csv")
    assert bscp.content.decode().startswith("settlement_date,settlement_period,")
    assert client.get("/api/v1/lighting/energy/?by=charge_code").status_code == 400


def test_the_energy_api_answers_a_range_of_days_and_says_what_is_wrong_with_one(
    make_user, api_client, make_zone, make_light
):
    from cityplatform.roles import Role

    city = make_zone("City")
    light = make_light(make_zone("Ward", parent=city))
    _lit(light, (utc(2026, 11, 20, 16), 100), (utc(2026, 11, 21, 7), 0))
    client = api_client(make_user(Role.VIEWER))
    base = f"/api/v1/lighting/energy/?by=day&zone={city.pk}"
    body = client.get(f"{base}&from=2026-11-14&to=2026-11-20").json()
    assert [d["date"] for d in body["days"]] == [f"2026-11-{n}" for n in range(14, 21)]
    assert body["total"]["days_with_data"] == 1 and body["total"]["wh"] == pytest.approx(480)
    assert (body["from"], body["to"]) == ("2026-11-14", "2026-11-20")
    for query, words in (
        ("&from=2026-11-21&to=2026-11-20", "The end is before the start."),
        ("&from=2026-01-01&to=2026-12-31", "at most 62 days"),
        ("&from=2026-11-14", "to must be YYYY-MM-DD"),
        ("&from=2026-02-30&to=2026-03-01", "from must be YYYY-MM-DD"),
    ):
        answer = client.get(base + query)
        assert answer.status_code == 400, query
        assert words in answer.json()["message"], query
