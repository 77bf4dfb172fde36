"""The resolver's explanations, assignments, and a reconcile that issues exactly what is needed."""

from datetime import timedelta

import pytest
from django.conf import settings

from cityplatform import timefmt
from devices.choices import CommandState
from devices.models import AssetState, Command
from lighting.models import LightGroup, Programme
from lighting.services.overrides import OverrideScope, override_create
from lighting.services.reconcile import reconcile_lights
from lighting.services.resolver import levels_resolve, light_explain
from tests.lighting.conftest import utc

pytestmark = pytest.mark.django_db

NIGHT = utc(2026, 11, 20, 23, 30)  # the Residential programme gives 60 %
DUSK = utc(2026, 11, 20, 16, 30)  # 100 %


@pytest.fixture
def ward(make_zone, make_light, residential, calendar_for):
    city = make_zone("City")
    ward = make_zone("Cheap", parent=city, min_level=30)
    calendar_for(city, residential, name="City streets")
    return ward, [make_light(ward) for _ in range(4)]


def test_the_explanation_says_which_override_what_the_programme_would_give_and_the_floor(ward):
    zone, lights = ward
    light = lights[0]
    override_create(
        scope=OverrideScope(zone_id=zone.pk),
        level=100,
        operation="max",
        priority=4,
        expires_at=utc(2026, 11, 20, 23, 44),
        reason="intrusion",
        actor="alarm #88",
        alarm_id=88,
        now=NIGHT,
    )
    explained = light_explain(light_id=light.pk, at=NIGHT)
    assert explained.level == 100
    assert explained.text.startswith(
        f"{light.device_id} at 100 %: an override raising the light to at least 100 % "
        "(priority 4), by alarm #88, until 20 Nov 2026, 23:44 GMT; "
        "programme 'Residential' would give 60 %"
    )
    assert "calendar assigned to zone 'City'" in explained.text
    assert "zone floor 30 %" in explained.text
    data = explained.as_dict()
    assert data["decided_by"] == "override"
    assert data["programme"]["level"] == 60


def test_the_zone_floor_holds_a_dimmed_programme_up(ward):
    _zone, lights = ward
    at = utc(2026, 11, 21, 2, 0)  # the programme gives 30 %, the floor is 30 %
    Programme.objects.filter(name="Residential").update(
        steps=[
            {"trigger": "sunset", "level": 100},
            {"trigger": "time", "time": "01:00", "level": 10},
        ]
    )
    explained = light_explain(light_id=lights[0].pk, at=at)
    assert explained.level == 30
    assert "held at the zone floor" in explained.text


def test_a_group_assignment_is_more_specific_than_the_zone_one(ward, calendar_for):
    _zone, lights = ward
    quiet = Programme.objects.create(
        name="Quiet lane",
        steps=[{"trigger": "sunset", "level": 40}, {"trigger": "sunrise", "level": 0}],
    )
    group = LightGroup.objects.create(name="Lane")
    group.lights.set(lights[:1])
    calendar_for(group, quiet, name="Lanes")
    levels = levels_resolve(at=NIGHT)
    assert levels[lights[0].pk].level == 40
    assert levels[lights[1].pk].level == 60
    assert (
        "calendar assigned to group 'Lane'" in light_explain(light_id=lights[0].pk, at=NIGHT).text
    )


def test_a_light_without_any_calendar_is_explained_as_off(make_light):
    light = make_light(None)
    explained = light_explain(light_id=light.pk, at=NIGHT)
    assert explained.level == 0
    assert "no calendar assigned" in explained.text


def test_reconcile_issues_exactly_the_needed_commands_and_none_on_a_second_run(ward):
    _zone, _lights = ward
    first = reconcile_lights(now=DUSK)
    assert first.changed == 4
    assert set(Command.objects.values_list("level", flat=True)) == {100}
    assert reconcile_lights(now=DUSK + timedelta(seconds=30)).issued == 0
    # 23:00: the programme steps down to 60 %
    later = reconcile_lights(now=NIGHT)
    assert later.changed == 4
    assert Command.objects.filter(level=60, state=CommandState.QUEUED).count() == 4
    assert Command.objects.filter(state=CommandState.CANCELLED).count() == 4  # superseded
    assert reconcile_lights(now=NIGHT + timedelta(seconds=30)).issued == 0
    assert Command.objects.count() == 8


def test_a_lamp_that_reports_another_level_is_recommanded_once_after_the_grace_period(ward):
    _zone, lights = ward
    reconcile_lights(now=DUSK)
    Command.objects.update(state=CommandState.SUCCEEDED)
    AssetState.objects.filter(pk=lights[0].pk).update(level=0, online=True)
    AssetState.objects.filter(pk__in=[light.pk for light in lights[1:]]).update(level=100)

    assert reconcile_lights(now=DUSK + timedelta(seconds=60)).issued == 0  # within the grace
    result = reconcile_lights(now=DUSK + timedelta(minutes=3))
    assert (result.changed, result.resent) == (0, 1)
    assert "re-sent" in Command.objects.get(state=CommandState.QUEUED).reason
    # the re-sent command is pending: no duplicate on the next run
    assert reconcile_lights(now=DUSK + timedelta(minutes=6)).issued == 0


def test_an_offline_lamp_is_not_re_commanded_for_a_stale_report(ward):
    _zone, lights = ward
    reconcile_lights(now=DUSK)
    Command.objects.update(state=CommandState.SUCCEEDED)
    AssetState.objects.filter(pk=lights[0].pk).update(level=0, online=False)
    assert reconcile_lights(now=DUSK + timedelta(minutes=10)).issued == 0


def test_commands_carry_the_reason_a_person_can_read(ward):
    zone, _lights = ward
    reconcile_lights(now=NIGHT)
    assert set(Command.objects.values_list("reason", flat=True)) == {"programme 'Residential'"}
    override = override_create(
        scope=OverrideScope(zone_id=zone.pk),
        level=100,
        operation="max",
        priority=4,
        expires_at=NIGHT + timedelta(minutes=5),
        reason="x",
        actor="alarm #1",
        now=NIGHT,
    )
    boosted = Command.objects.filter(state=CommandState.QUEUED)
    # In words, without the override's id or reason: its priority and end in the city's time.
    until = timefmt.clock(override.expires_at, settings.TIME_ZONE)
    assert {c.reason for c in boosted} == {f"override at priority 4 until {until}"}
    assert {c.context["override_id"] for c in boosted} == {override.pk}


def test_two_whole_city_reconciles_never_run_at_once(ward):
    from django.core.cache import cache

    from lighting.services.reconcile import RECONCILE_LOCK, reconcile_all

    cache.add(RECONCILE_LOCK, "1", timeout=60)
    try:
        assert reconcile_all(now=DUSK) is None
        assert not Command.objects.exists()
    finally:
        cache.delete(RECONCILE_LOCK)
    assert reconcile_all(now=DUSK).changed == 4
