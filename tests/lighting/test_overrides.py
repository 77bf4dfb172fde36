"""Override arbitration and life-cycle: priorities, max/min/set, expiry, cancellation, floor."""

from datetime import timedelta

import pytest

from devices.choices import CommandState
from devices.models import AssetState, Command
from lighting.services.overrides import (
    OverrideScope,
    override_create,
    overrides_sweep,
)
from lighting.services.reconcile import reconcile_lights
from tests.lighting.conftest import utc

pytestmark = pytest.mark.django_db

NIGHT = utc(2026, 11, 20, 23, 30)  # a Friday in November: programme at 60 % (23:00 step)


def desired(light) -> float:
    return AssetState.objects.get(pk=light.pk).desired_level


@pytest.fixture
def street(make_zone, make_light, residential, calendar_for):
    zone = make_zone("Cheapside")
    calendar_for(zone, residential)
    lights = [make_light(zone) for _ in range(3)]
    reconcile_lights(now=NIGHT)
    return zone, lights


def test_a_security_boost_raises_the_zone_and_its_expiry_returns_to_the_programme(street):
    zone, lights = street
    assert {desired(light) for light in lights} == {60}
    boost = override_create(
        scope=OverrideScope(zone_id=zone.pk),
        level=100,
        operation="max",
        priority=4,
        expires_at=NIGHT + timedelta(minutes=10),
        reason="intrusion at the bank",
        actor="alarm #88",
        alarm_id=88,
        now=NIGHT,
    )
    assert {desired(light) for light in lights} == {100}
    assert Command.objects.filter(state=CommandState.QUEUED, level=100).count() == 3

    overrides_sweep(now=NIGHT + timedelta(minutes=10, seconds=1))

    boost.refresh_from_db()
    assert boost.end_state == "expired"
    assert {desired(light) for light in lights} == {60}
    assert Command.objects.filter(state=CommandState.QUEUED, level=60).count() == 3
