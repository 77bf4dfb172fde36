"""An alarm's lighting response: exactly one `max` override with the rule's scope and expiry,
kept up while the alarm stays open (never past its bound), ended when the alarm closes; welfare
alarms get no light effect unless their own rule asks for it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cctv.models import Alarm
from cctv.services.alarms import alarm_close
from cctv.services.lighting import lighting_extend_open
from cctv.services.rules import alarm_rule_create
from cityplatform.roles import Role
from devices.choices import AssetKind
from devices.models import Asset, Command
from lighting.models import Override
from lighting.services.overrides import override_cancel
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db


def boost_rule(**more):
    fields = {
        "name": "Boost on intrusion",
        "event_types": ["intrusion"],
        "retrigger_s": 300,
        "light_scope": "linked",
        "light_level": 100,
        "light_duration_s": 120,
        "light_extend": True,
        "light_max_s": 600,
    }
    return alarm_rule_create(actor="test", **{**fields, **more})


def test_an_alarm_creates_exactly_one_max_override_on_the_linked_lights(
    camera, lights, ingest, make_user, api_client
):
    boost_rule()
    before = timezone.now()
    ingest([device_event(camera, "a")])
    ingest([device_event(camera, "b")])  # a re-trigger: the same alarm, no second override
    after = timezone.now()
    alarm = Alarm.objects.get()
    override = Override.objects.get()
    assert override.alarm_id == alarm.pk and alarm.override_id == override.pk
    assert override.operation == "max" and override.level == 100 and override.priority == 4
    assert sorted(override.light_ids) == sorted(light.pk for light in lights[:3])
    assert before + timedelta(seconds=120) <= override.expires_at <= after + timedelta(seconds=120)
    assert alarm.event_count == 2 and alarm.lighting["state"] == "active"
    commands = Command.objects.filter(context__override_id=override.pk)
    linked = sorted(light.pk for light in lights[:3])
    assert sorted(commands.values_list("asset_id", flat=True)) == linked
    assert set(commands.values_list("level", flat=True)) == {100.0}
    detail = api_client(make_user(Role.SECURITY_OPERATOR)).get(f"/api/v1/cctv/alarms/{alarm.pk}/")
    assert len(detail.json()["commands"]) == 3


def test_an_override_ended_by_hand_is_not_extended_and_the_alarm_says_it_ended(
    camera, lights, ingest
):
    boost_rule()
    ingest([device_event(camera, "a")])
    alarm = Alarm.objects.get()
    override_cancel(override=Override.objects.get(), actor="operator", reason="not needed")
    started = timezone.now()
    assert lighting_extend_open(now=started + timedelta(seconds=100)) == 0  # no 409 raised
    alarm.refresh_from_db()
    assert alarm.lighting["state"] == "ended"
    assert lighting_extend_open(now=started + timedelta(seconds=160)) == 0
    assert Override.objects.count() == 1


def test_the_response_is_extended_while_open_within_its_bound_and_ended_on_close(
    camera, lights, ingest
):
    boost_rule()
    ingest([device_event(camera, "a")])
    alarm = Alarm.objects.get()
    started = timezone.now()
    assert lighting_extend_open(now=started + timedelta(seconds=100)) == 1
    override = Override.objects.get()
    assert override.expires_at >= started + timedelta(seconds=220)
    lighting_extend_open(now=started + timedelta(seconds=590))
    override.refresh_from_db()
    bound = alarm.raised_at + timedelta(seconds=600)
    assert abs((override.expires_at - bound).total_seconds()) < 1
    assert lighting_extend_open(now=started + timedelta(seconds=700)) == 0  # bounded
    alarm_close(alarm=alarm, actor="test", resolution="resolved")
    override.refresh_from_db()
    assert override.ended_at is not None and override.end_state == "cancelled"
    alarm.refresh_from_db()
    assert alarm.lighting["state"] == "ended"
    assert Override.objects.count() == 1


def test_a_radius_response_is_centred_on_the_camera(camera, lights, ingest):
    boost_rule(light_scope="radius", light_radius_m=50, light_extend=False, light_max_s=None)
    ingest([device_event(camera, "a")])
    override = Override.objects.get()
    assert (override.latitude, override.longitude, override.radius_m) == (
        camera.latitude,
        camera.longitude,
        50,
    )


def test_a_zone_response_covers_the_cameras_zone(camera, lights, ingest, zone):
    boost_rule(light_scope="zone", light_extend=False, light_max_s=None)
    ingest([device_event(camera, "a")])
    assert Override.objects.get().zone_id == zone.pk


def test_welfare_alarms_get_no_light_effect_from_a_security_rule(
    make_camera, high_risk_zone, ingest
):
    camera = make_camera(zone=high_risk_zone)
    boost_rule(event_types=["vulnerable_person"], light_scope="zone")
    ingest([device_event(camera, "w", type="vulnerable_person")])
    alarm = Alarm.objects.get()
    assert alarm.category == "welfare" and not Override.objects.exists()
    assert "welfare" in alarm.lighting["skipped"]


def test_a_welfare_rule_may_ask_for_gentle_brightening(make_camera, high_risk_zone, ingest):
    camera = make_camera(zone=high_risk_zone)
    # a light on the site: an override of no lights is refused (issue #19, item 5)
    Asset.objects.create(
        device_id="SL-BB-1",
        kind=AssetKind.STREETLIGHT,
        latitude=51.5138,
        longitude=-0.0940,
        zone=high_risk_zone,
    )
    boost_rule(
        name="Gentle",
        category="welfare",
        event_types=["vulnerable_person"],
        light_scope="zone",
        light_level=60,
    )
    ingest([device_event(camera, "w", type="vulnerable_person")])
    override = Override.objects.get()
    assert override.operation == "max" and override.level == 60


def test_no_linked_lights_means_no_override_and_the_alarm_stands(camera, ingest):
    boost_rule()
    ingest([device_event(camera, "a")])
    alarm = Alarm.objects.get()
    assert not Override.objects.exists() and "skipped" in alarm.lighting
