"""Each lighting fault detector: raised from reported state, cleared when it recovers, once."""

from datetime import timedelta

import pytest

from devices.models import AssetState, Fault
from lighting.services.faults import lighting_faults_detect
from tests.lighting.conftest import utc

pytestmark = pytest.mark.django_db

NIGHT = utc(2026, 11, 20, 23, 30)
NOON = utc(2026, 11, 20, 12, 0)
LONG_AGO = NIGHT - timedelta(hours=2)


def open_faults():
    return set(
        Fault.objects.filter(cleared_at__isnull=True).values_list("asset__device_id", "type")
    )


def test_lamp_failure_commanded_on_but_drawing_no_power_then_cleared(make_light):
    light = make_light(
        device_id="SL-1",
        state={
            "online": True,
            "desired_level": 100,
            "desired_since": LONG_AGO,
            "power_w": 0.0,
            "level": 100,
        },
    )
    assert lighting_faults_detect(now=NIGHT) == {"raised": 1, "cleared": 0}
    assert open_faults() == {("SL-1", "lamp_failure")}
    assert lighting_faults_detect(now=NIGHT + timedelta(minutes=5)) == {"raised": 0, "cleared": 0}
    AssetState.objects.filter(pk=light.pk).update(power_w=58.0)
    assert lighting_faults_detect(now=NIGHT + timedelta(minutes=10)) == {"raised": 0, "cleared": 1}
    assert open_faults() == set()


def test_a_lamp_just_commanded_is_given_the_grace_period(make_light):
    make_light(
        state={
            "online": True,
            "desired_level": 100,
            "desired_since": NIGHT - timedelta(minutes=1),
            "power_w": 0.0,
        }
    )
    assert lighting_faults_detect(now=NIGHT)["raised"] == 0


def test_day_burning_lit_at_midday_when_nothing_asks_for_light(make_light):
    make_light(
        device_id="SL-2",
        state={
            "online": True,
            "desired_level": 0,
            "desired_since": NOON - timedelta(hours=5),
            "level": 100,
            "power_w": 60,
        },
    )
    lighting_faults_detect(now=NOON)
    assert open_faults() == {("SL-2", "day_burning")}


def test_lit_at_night_is_not_day_burning(make_light):
    make_light(
        state={
            "online": True,
            "desired_level": 0,
            "desired_since": LONG_AGO,
            "level": 0,
            "power_w": 0,
        }
    )
    assert lighting_faults_detect(now=NIGHT)["raised"] == 0


def test_dimming_failure_reported_level_off_the_commanded_one(make_light):
    make_light(
        device_id="SL-3",
        state={
            "online": True,
            "desired_level": 30,
            "desired_since": LONG_AGO,
            "level": 100,
            "power_w": 60,
        },
    )
    lighting_faults_detect(now=NIGHT)
    assert open_faults() == {("SL-3", "dimming_failure")}


def test_an_offline_lamp_raises_no_lighting_fault(make_light):
    make_light(
        state={"online": False, "desired_level": 100, "desired_since": LONG_AGO, "power_w": 0.0}
    )
    assert lighting_faults_detect(now=NIGHT)["raised"] == 0
