"""The night-profile endpoint (a zone's night, and unsaved steps), the field-by-field
validation errors of programmes and calendar rules, and the energy report's estimated part."""

from datetime import date, datetime, timedelta

import pytest
from astral import Observer
from astral import sun as astral_sun

from cityplatform.roles import Role
from devices.choices import LevelSource
from devices.models import LevelChange, Telemetry
from lighting.models import Programme
from tests.lighting.conftest import utc

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 11, 20)  # GMT all night: local is UTC


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def london_sunset(day: date) -> datetime:
    observer = Observer(latitude=51.5, longitude=-0.1)  # the resolver rounds to 0.1°
    return astral_sun.sunset(observer, day)


@pytest.fixture
def operator(api_client, make_user):
    return api_client(make_user(Role.LIGHTING_OPERATOR))


@pytest.fixture
def viewer(api_client, make_user):
    return api_client(make_user(Role.VIEWER))


def test_a_zones_night_follows_its_calendars_programme_from_noon_to_noon(
    viewer, make_zone, residential, calendar_for
):
    zone = make_zone("Cheapside")
    calendar = calendar_for(zone, residential, name="Streets")
    body = viewer.get(f"/api/v1/lighting/profile/?zone={zone.pk}&night={NIGHT}").json()
    assert body["programme"] == {"id": residential.pk, "name": "Residential"}
    assert body["calendar"] == {"id": calendar.pk, "name": "Streets"}
    assert at(body["start"]) == utc(2026, 11, 20, 12) and at(body["end"]) == utc(2026, 11, 21, 12)
    assert abs(at(body["sun"]["sunset"]) - london_sunset(NIGHT)) < timedelta(minutes=1)
    levels = [(at(p["at"]), p["level"]) for p in body["points"]]
    # off from noon (the night before ended at sunrise), 100 % from sunset, then the fixed times
    assert levels[0] == (utc(2026, 11, 20, 12), 0)
    assert levels[1][1] == 100 and levels[1][0] == at(body["sun"]["sunset"])
    assert levels[2:5] == [
        (utc(2026, 11, 20, 23), 60),
        (utc(2026, 11, 21, 1), 30),
        (utc(2026, 11, 21, 5, 30), 100),
    ]
    assert levels[5] == (at(body["sun"]["sunrise"]), 0)
    assert levels[-1] == (utc(2026, 11, 21, 12), 0)


def test_a_zone_without_a_calendar_stays_off(viewer, make_zone):
    zone = make_zone("Unassigned")
    body = viewer.get(f"/api/v1/lighting/profile/?zone={zone.pk}&night={NIGHT}").json()
    assert body["programme"] is None and body["steps"] == []
    assert [p["level"] for p in body["points"]] == [0, 0]


def test_unsaved_steps_are_previewed_with_a_sunset_offset(viewer, make_zone):
    zone = make_zone("Cheapside")
    steps = [
        {"trigger": "sunset", "offset_min": 15, "level": 80},
        {"trigger": "time", "time": "00:30", "level": 0},
    ]
    response = viewer.post(
        "/api/v1/lighting/profile/",
        {"steps": steps, "zone": zone.pk, "night": str(NIGHT)},
        format="json",
    )
    assert response.status_code == 200
    first, second = response.json()["steps"]
    assert at(first["at"]) - at(response.json()["sun"]["sunset"]) == timedelta(minutes=15)
    assert first["text"] == "80 % from sunset +15 min"
    assert at(second["at"]) == utc(2026, 11, 21, 0, 30)
    far = viewer.post(
        "/api/v1/lighting/profile/",
        {"steps": steps, "zone": zone.pk, "night": "0001-01-01"},
        format="json",
    )
    assert far.status_code == 400 and "night" in far.json()["extra"]["fields"]


def test_profile_errors_name_the_step_and_field(viewer):
    response = viewer.post(
        "/api/v1/lighting/profile/",
        {"steps": [{"trigger": "sunset", "level": 50}, {"trigger": "time", "level": 120}]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["extra"]["fields"]["steps"]
    assert errors[0] == {}
    assert "level" in errors[1] and "0 to 100" in errors[1]["level"][0]


def test_profile_refuses_a_bad_zone_or_night(viewer):
    assert viewer.get("/api/v1/lighting/profile/?zone=x").status_code == 400
    assert viewer.get("/api/v1/lighting/profile/?zone=999999").status_code == 404
    assert viewer.get("/api/v1/lighting/profile/?zone=³").status_code == 400
    for night in ("tonight", "2026-13-45", "0001-01-01", "9999-12-31"):
        bad = viewer.get(f"/api/v1/lighting/profile/?zone=1&night={night}")
        assert bad.status_code == 400 and "night" in bad.json()["extra"]["fields"]


def test_programme_errors_are_reported_per_step_and_nothing_is_saved(operator):
    response = operator.post(
        "/api/v1/lighting/programmes/",
        {
            "name": "Broken",
            "steps": [
                {"trigger": "sunset", "level": 100},
                {"trigger": "time", "time": "25:00", "level": 50},
                {"trigger": "sunrise", "offset_min": 900, "level": 0},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    steps = response.json()["extra"]["fields"]["steps"]
    assert steps[0] == {}
    assert list(steps[1]) == ["time"] and list(steps[2]) == ["offset_min"]
    assert not Programme.objects.filter(name="Broken").exists()


def test_calendar_rule_errors_are_reported_on_the_rule_and_field(operator, residential):
    response = operator.post(
        "/api/v1/lighting/calendars/",
        {
            "name": "Holidays",
            "default_programme_id": residential.pk,
            "rules": [
                {"kind": "weekdays", "weekdays": [4], "programme_id": residential.pk},
                {
                    "kind": "date_range",
                    "date_from": "2026-12-24",
                    "date_to": "2026-12-20",
                    "programme_id": residential.pk,
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    rules = response.json()["extra"]["fields"]["rules"]
    assert list(rules) == ["1"]  # the second rule, by its index
    assert rules["1"]["date_to"] == ["The end date is before the start."]


def test_a_yearly_rule_saved_through_the_api_gives_its_programme_every_year(
    operator, viewer, make_zone, residential, calendar_for
):
    """Bonfire night, 5 November every year, whatever the year the rule was written in."""
    zone = make_zone("Cheapside")
    bonfire = Programme.objects.create(
        name="Bonfire night", steps=[{"trigger": "sunset", "level": 100}]
    )
    calendar = calendar_for(zone, residential, name="Streets")
    response = operator.put(
        f"/api/v1/lighting/calendars/{calendar.pk}/",
        {
            "name": "Streets",
            "default_programme_id": residential.pk,
            "rules": [{"kind": "yearly", "date_from": "2026-11-05", "programme_id": bonfire.pk}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rules"][0]["kind"] == "yearly"
    for night, programme in (
        ("2026-11-05", bonfire),
        ("2031-11-05", bonfire),
        ("2031-11-06", residential),
    ):
        body = viewer.get(f"/api/v1/lighting/profile/?zone={zone.pk}&night={night}").json()
        assert body["programme"]["name"] == programme.name, night


def test_the_half_hourly_energy_report_marks_its_estimated_part(viewer, make_zone, make_light):
    zone = make_zone("Cheapside")
    metered = make_light(zone, device_id="SL-M")
    silent = make_light(zone, device_id="SL-S", rated_power_w=40)
    Telemetry.objects.bulk_create(
        [
            Telemetry(asset=metered, ts=utc(2026, 11, 20, 16), energy_wh=5000),
            Telemetry(asset=metered, ts=utc(2026, 11, 20, 17), energy_wh=5060),
        ]
    )
    LevelChange.objects.create(
        asset=silent, at=utc(2026, 11, 20, 16), level=100, source=LevelSource.ACK
    )
    body = viewer.get(f"/api/v1/lighting/energy/?date={NIGHT}&zone={zone.pk}&by=half_hour").json()
    (row,) = body["zones"]
    slot_16 = 32  # 16:00–16:30
    assert row["estimated_half_hours"][slot_16] == pytest.approx(20)  # 40 W for 30 min
    assert row["half_hours"][slot_16] == pytest.approx(20 + 30)
    assert sum(row["estimated_half_hours"]) == pytest.approx(row["estimated_wh"])


def test_the_profile_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/lighting/profile/" in schema
