"""The lighting context of an event (the reported levels at the camera at the event's instant,
boosts, lux, darkness), stored once, shown on the event and the alarm; rules that brighten only
dark, dim scenes; the latency record of each alarm."""

from datetime import UTC, datetime, timedelta

import pytest

from cctv.models import Alarm, AlarmLatency, Event
from cctv.services.evaluation import alarms_evaluate
from cctv.services.rules import alarm_rule_create
from cityplatform.roles import Role
from devices.choices import AssetKind
from devices.models import Asset, LevelChange, SensorDetails, Telemetry
from lighting.models import Override
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)  # London, 02:00: dark
NOON = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def level(light, at, value):
    LevelChange.objects.create(asset=light, at=at, level=value, source="telemetry")


def boost(light_ids, *, start, minutes=5, level_=100, operation="max"):
    return Override.objects.create(
        scope_kind="lights",
        light_ids=list(light_ids),
        level=level_,
        operation=operation,
        priority=4,
        starts_at=start,
        expires_at=start + timedelta(minutes=minutes),
        reason="Alarm",
        author="test",
    )


def lux_sensor(device_id, *, latitude, longitude, zone):
    sensor = Asset.objects.create(
        device_id=device_id,
        kind=AssetKind.SENSOR,
        latitude=latitude,
        longitude=longitude,
        zone=zone,
    )
    SensorDetails.objects.create(asset=sensor, measures="lux", unit="lx")
    return sensor


def test_the_context_is_exactly_the_levels_in_force_at_the_events_instant(
    camera, lights, zone, ingest
):
    near, middle, far = lights[:3]
    # near: dimmed to 30 at dusk, boosted to 100 one second before the event
    level(near, NIGHT - timedelta(hours=6), 30)
    level(near, NIGHT - timedelta(seconds=1), 100)
    boost([near.pk], start=NIGHT - timedelta(seconds=1))
    # middle: 30, raised a second *after* the event (not in force then)
    level(middle, NIGHT - timedelta(hours=6), 30)
    level(middle, NIGHT + timedelta(seconds=1), 60)
    # far: never reported
    # a boost that ended before the event, and one on another light
    boost([middle.pk], start=NIGHT - timedelta(minutes=30), minutes=10)
    boost([lights[3].pk], start=NIGHT - timedelta(seconds=5))
    sensor = lux_sensor("LUX-1", latitude=51.5139, longitude=-0.0940, zone=zone)
    Telemetry.objects.create(asset=sensor, ts=NIGHT - timedelta(minutes=2), lux=4.5)
    Telemetry.objects.create(asset=sensor, ts=NIGHT + timedelta(seconds=30), lux=90)

    ingest([device_event(camera, "ev-1", ts=NIGHT)])

    context = Event.objects.get().lighting_context
    assert [(r["device_id"], r["level"], r["boosted"]) for r in context["lights"]] == [
        (near.device_id, 100, True),
        (middle.device_id, 30, False),
        (far.device_id, None, False),
    ]
    assert context["mean"] == 65 and context["min"] == 30 and context["max"] == 100
    assert context["known"] == 2 and context["boosted"] == 1
    assert context["unboosted_mean"] == 30
    assert context["lux"]["sensor"] == "LUX-1" and context["lux"]["lux"] == 4.5
    assert context["dark"] is True and context["sun_elevation"] < -6


def test_an_event_at_a_camera_without_linked_lights_gets_an_empty_context(make_camera, ingest):
    lonely = make_camera("CAM-LONE")
    ingest([device_event(lonely, "ev-1", ts=NIGHT)])
    context = Event.objects.get().lighting_context
    assert context["lights"] == [] and context["light_count"] == 0
    assert context["mean"] is None and context["boosted"] == 0 and context["lux"] is None
    assert context["dim"] is False


def test_processing_the_same_event_twice_stores_one_context(camera, lights, ingest):
    level(lights[0], NIGHT - timedelta(hours=1), 30)
    ingest([device_event(camera, "ev-1", ts=NIGHT)])
    event = Event.objects.get()
    first = event.lighting_context
    level(lights[1], NIGHT - timedelta(minutes=1), 80)  # a late-arriving change
    alarms_evaluate(event_ids=[event.pk])
    event.refresh_from_db()
    assert event.lighting_context == first
    assert first["lights"][0]["level"] == 30


def dim_rule(**more):
    fields = {
        "name": "Brighten dim scenes",
        "event_types": ["intrusion"],
        "light_scope": "linked",
        "light_level": 100,
        "light_duration_s": 120,
        "respond_only_when_dim": True,
        "dim_level": 40,
    }
    return alarm_rule_create(actor="test", **{**fields, **more})


def test_a_dim_only_rule_brightens_a_dark_dim_scene_and_not_a_lit_one(
    camera, lights, ingest, make_user, api_client
):
    dim_rule()
    for light in lights[:3]:
        level(light, NIGHT - timedelta(hours=3), 20)
        level(light, NIGHT + timedelta(minutes=30), 80)
    ingest([device_event(camera, "dim", ts=NIGHT)])
    ingest([device_event(camera, "lit", ts=NIGHT + timedelta(hours=1))])

    dim_alarm, lit_alarm = Alarm.objects.order_by("last_event_at")
    assert dim_alarm.override_id is not None and dim_alarm.lighting["state"] == "active"
    assert lit_alarm.override_id is None
    assert "scene lit: mean 80 %" in lit_alarm.lighting["skipped"]
    assert dim_alarm.lighting_context["dim"] is True

    body = api_client(make_user(Role.SECURITY_OPERATOR)).get(f"/api/v1/cctv/alarms/{dim_alarm.pk}/")
    assert body.json()["lighting_context"]["mean"] == 20


def test_a_dim_only_rule_does_not_brighten_in_daylight(camera, lights, ingest):
    dim_rule()
    level(lights[0], NOON - timedelta(hours=3), 0)
    ingest([device_event(camera, "day", ts=NOON)])
    alarm = Alarm.objects.get()
    assert alarm.override_id is None and "daylight" in alarm.lighting["skipped"]


def test_an_ordinary_rule_brightens_whatever_the_context(camera, lights, ingest):
    dim_rule(respond_only_when_dim=False)
    for light in lights[:3]:
        level(light, NIGHT - timedelta(hours=3), 90)
    ingest([device_event(camera, "lit", ts=NIGHT)])
    assert Alarm.objects.get().override_id is not None


def test_each_alarm_keeps_the_instants_of_its_alert_path(
    camera, lights, ingest, make_user, api_client
):
    dim_rule(respond_only_when_dim=False)
    ingest([device_event(camera, "ev-1", ts=NIGHT)])
    alarm = Alarm.objects.get()
    latency = AlarmLatency.objects.get(alarm=alarm)
    assert latency.event.event_id == "ev-1"
    assert (
        latency.received_at
        <= latency.context_at
        <= latency.raised_at
        <= latency.override_at
        <= latency.commands_queued_at
    )
    assert latency.commands_published_at is None  # until the gateway marks them sent
    body = api_client(make_user(Role.SECURITY_OPERATOR)).get(f"/api/v1/cctv/alarms/{alarm.pk}/")
    assert body.json()["latency"]["total_queued_ms"] >= 0


def test_the_latency_record_is_completed_when_the_gateway_has_sent_every_command(
    camera, lights, ingest
):
    from django.utils import timezone

    from cctv.tasks import latency_published
    from devices.models import Command

    dim_rule(respond_only_when_dim=False)
    ingest([device_event(camera, "ev-1", ts=NIGHT)])
    latency = AlarmLatency.objects.get()
    commands = Command.objects.filter(context__override_id=latency.alarm.override_id)
    first = commands.first()
    Command.objects.filter(pk=first.pk).update(sent_at=timezone.now())
    assert latency_published() == 0  # not every command sent yet
    sent = timezone.now()
    commands.update(sent_at=sent)
    assert latency_published() == 1
    latency.refresh_from_db()
    assert latency.commands_published_at == sent and latency.commands == 3


def test_a_zone_boost_counts_for_the_lights_inside_the_zone(camera, lights, zone, ingest):
    for light in lights[:3]:
        level(light, NIGHT - timedelta(hours=1), 100)
    Override.objects.create(
        scope_kind="zone",
        zone=zone,
        level=100,
        operation="max",
        priority=8,
        starts_at=NIGHT - timedelta(minutes=1),
        expires_at=NIGHT + timedelta(minutes=1),
        reason="Event on Cheapside",
        author="operator",
    )
    ingest([device_event(camera, "ev-1", ts=NIGHT)])
    context = Event.objects.get().lighting_context
    assert context["boosted"] == 3 and context["unboosted_mean"] is None


def test_supervisors_set_the_dim_only_option_through_the_rule_api(make_user, api_client):
    client = api_client(make_user(Role.SECURITY_SUPERVISOR))
    created = client.post(
        "/api/v1/cctv/rules/",
        {
            "name": "Dim loitering",
            "event_types": ["loitering"],
            "light_scope": "linked",
            "light_level": 80,
            "light_duration_s": 60,
            "respond_only_when_dim": True,
            "dim_level": 35,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["respond_only_when_dim"] is True and created.json()["dim_level"] == 35
    bad = client.patch(
        f"/api/v1/cctv/rules/{created.json()['id']}/", {"dim_level": 140}, format="json"
    )
    assert bad.status_code == 400 and "dim_level" in str(bad.json())


def test_the_latency_summary_gives_percentiles_of_each_stage(
    camera, lights, ingest, make_user, api_client
):
    dim_rule(respond_only_when_dim=False)
    for index in range(3):
        ingest([device_event(camera, f"ev-{index}", ts=NIGHT + timedelta(hours=index))])
    client = api_client(make_user(Role.SECURITY_SUPERVISOR))
    body = client.get(
        "/api/v1/cctv/analytics/latency/",
        {"since": "2020-01-01T00:00:00Z", "until": "2099-01-01T00:00:00Z"},
    )
    assert body.status_code == 400  # more than 92 days
    summary = client.get("/api/v1/cctv/analytics/latency/").json()
    assert summary["alarms"] == 3
    stage = summary["stages"]["stored_to_commands"]
    assert stage["count"] == 3 and 0 <= stage["p50"] <= stage["p95"] <= stage["p99"]
    assert summary["stages"]["stored_to_published"]["count"] == 0
