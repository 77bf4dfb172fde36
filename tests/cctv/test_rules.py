"""Alarm rules: time windows at dusk and dawn and fixed hours, the confidence threshold, the
re-trigger interval, and who may configure rules."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from astral import Observer
from astral.sun import sun

from cctv.models import Alarm
from cctv.services.rules import alarm_rule_create
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 22)


def sun_times(camera):
    return sun(Observer(latitude=camera.latitude, longitude=camera.longitude), DAY, tzinfo=UTC)


@pytest.fixture
def night_rule(db):
    return alarm_rule_create(
        actor="test", name="Night intrusion", event_types=["intrusion"], window="dark"
    )


@pytest.mark.parametrize(
    ("moment", "offset_min", "alarmed"),
    [("dusk", -2, False), ("dusk", 2, True), ("dawn", -2, True), ("dawn", 2, False)],
)
def test_a_dusk_to_dawn_rule_fires_only_in_the_dark(
    camera, night_rule, ingest, moment, offset_min, alarmed
):
    at = sun_times(camera)[moment] + timedelta(minutes=offset_min)
    ingest([device_event(camera, ts=at)])
    assert Alarm.objects.exists() is alarmed


def test_a_fixed_hours_rule_wraps_past_midnight_in_local_time(camera, ingest):
    alarm_rule_create(
        actor="test",
        name="Closing hours",
        event_types=["intrusion"],
        window="hours",
        window_start=time(22, 0),
        window_end=time(6, 0),
        retrigger_s=0,
    )
    # 22 November: London is on GMT, local time = UTC.
    ingest([device_event(camera, "in-1", ts=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))])
    ingest([device_event(camera, "in-2", ts=datetime(2026, 11, 23, 5, 59, tzinfo=UTC))])
    ingest([device_event(camera, "out", ts=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))])
    assert Alarm.objects.count() == 2


def test_events_below_the_minimum_confidence_raise_nothing(camera, ingest):
    alarm_rule_create(
        actor="test", name="Sure intrusions", event_types=["intrusion"], min_confidence=0.7
    )
    ingest([device_event(camera, "weak", confidence=0.69)])
    ingest([device_event(camera, "unknown", confidence=None)])
    assert not Alarm.objects.exists()
    ingest([device_event(camera, "sure", confidence=0.7)])
    assert Alarm.objects.count() == 1


def test_repeats_within_the_retrigger_interval_update_the_open_alarm(camera, ingest):
    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"], retrigger_s=120)
    start = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    ingest([device_event(camera, "a", ts=start)])
    ingest([device_event(camera, "b", ts=start + timedelta(seconds=90))])
    ingest([device_event(camera, "c", ts=start + timedelta(seconds=200))])  # within 120 s of b
    alarm = Alarm.objects.get()
    assert alarm.event_count == 3 and alarm.last_event_at == start + timedelta(seconds=200)
    assert alarm.events.count() == 3
    ingest([device_event(camera, "d", ts=start + timedelta(seconds=400))])  # past the interval
    assert Alarm.objects.count() == 2


def test_a_closed_alarm_is_not_retriggered(camera, ingest):
    from cctv.services.alarms import alarm_close

    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"], retrigger_s=600)
    ingest([device_event(camera, "a")])
    alarm_close(alarm=Alarm.objects.get(), actor="test", resolution="false_alarm")
    ingest([device_event(camera, "b")])
    assert Alarm.objects.count() == 2


def test_rules_restricted_to_cameras_or_zones_ignore_others(make_camera, zone, ingest):
    inside, outside = make_camera(), make_camera(zone=None)
    alarm_rule_create(actor="test", name="Cheapside", event_types=["intrusion"], zones=[zone.pk])
    ingest([device_event(inside, "1"), device_event(outside, "2")])
    assert list(Alarm.objects.values_list("camera", flat=True)) == [inside.pk]


def test_supervisors_configure_rules_and_operators_cannot(make_user, api_client, camera):
    rule = {
        "name": "Loitering at night",
        "event_types": ["loitering"],
        "cameras": [camera.device_id],
        "window": "dark",
        "min_confidence": 0.6,
        "priority": 20,
        "retrigger_s": 300,
        "light_scope": "linked",
        "light_level": 100,
        "light_duration_s": 120,
        "light_extend": True,
        "light_max_s": 900,
    }
    operator = api_client(make_user(Role.SECURITY_OPERATOR))
    assert operator.post("/api/v1/cctv/rules/", rule, format="json").status_code == 403
    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR))
    created = supervisor.post("/api/v1/cctv/rules/", rule, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["cameras"] == [camera.device_id]
    assert AuditEntry.objects.filter(action="cctv.rule_created").count() == 1
    bad = supervisor.post(
        "/api/v1/cctv/rules/", {**rule, "name": "x", "light_level": None}, format="json"
    )
    assert bad.status_code == 400 and "light_level" in bad.json()["extra"]["fields"]
    assert operator.get("/api/v1/cctv/rules/").status_code == 200
