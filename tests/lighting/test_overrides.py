"""Overrides on real rows: boosts, expiry, cancellation to the next winner, emergency mode."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cityplatform.api import ApplicationError
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.choices import CommandState
from devices.models import AssetState, Command
from lighting.models import LightGroup, Override
from lighting.services import override_live
from lighting.services import overrides as override_services
from lighting.services.override_boundaries import overrides_sweep
from lighting.services.overrides import (
    OverrideScope,
    emergency_clear,
    emergency_start,
    override_cancel,
    override_create,
    override_extend,
)
from lighting.services.reconcile import reconcile_lights
from lighting.services.resolver import levels_resolve, light_explain
from lighting.visibility import NEUTRAL_END_REASON, NEUTRAL_REASON
from tests.lighting.conftest import utc

WELFARE = "cctv.view_welfare_alarm"

pytestmark = pytest.mark.django_db

NIGHT = utc(2026, 11, 20, 23, 30)  # a Friday in November: the programme gives 60 %


def desired(light) -> float:
    return AssetState.objects.get(pk=light.pk).desired_level


def queued(level) -> int:
    return Command.objects.filter(state=CommandState.QUEUED, level=level).count()


@pytest.fixture
def published(monkeypatch):
    sent = []
    for module in (override_services, override_live):  # override messages, emergency notices
        monkeypatch.setattr(module, "live_publish", lambda **kwargs: sent.append(kwargs))
    return sent


@pytest.fixture
def street(make_zone, make_light, residential, calendar_for):
    zone = make_zone("Cheapside")
    calendar_for(zone, residential)
    lights = [make_light(zone, lon=-0.0922 + i * 0.0003) for i in range(3)]
    reconcile_lights(now=NIGHT)
    return zone, lights


def boost(scope, *, minutes=10, level=100, operation="max", priority=4, **kwargs):
    return override_create(
        scope=scope,
        level=level,
        operation=operation,
        priority=priority,
        expires_at=NIGHT + timedelta(minutes=minutes),
        reason="intrusion at the bank",
        actor=kwargs.pop("actor", "alarm #88"),
        now=kwargs.pop("now", NIGHT),
        **kwargs,
    )


def test_a_security_boost_raises_the_zone_and_its_expiry_returns_to_the_programme(
    street, published
):
    zone, lights = street
    assert {desired(light) for light in lights} == {60}
    override = boost(OverrideScope(zone_id=zone.pk), alarm_id=88)
    assert {desired(light) for light in lights} == {100}
    assert queued(100) == 3
    assert published[-1]["kind"] == "override.started"
    assert published[-1]["data"].light_count == 3

    overrides_sweep(now=NIGHT + timedelta(minutes=10, seconds=1))

    override.refresh_from_db()
    assert override.end_state == "expired"
    assert {desired(light) for light in lights} == {60}
    assert queued(60) == 3
    assert published[-1]["kind"] == "override.ended"
    assert AuditEntry.objects.filter(action="override.expired").count() == 1


def test_the_resolver_ignores_an_expired_override_before_the_sweep_sees_it(street):
    zone, lights = street
    boost(OverrideScope(zone_id=zone.pk))
    after = levels_resolve(at=NIGHT + timedelta(minutes=11))
    assert {after[light.pk].level for light in lights} == {60}


def test_cancelling_goes_straight_to_the_next_winning_override_without_a_gap(street):
    zone, lights = street
    first = lights[0]
    operator = boost(
        OverrideScope(light_ids=(first.pk,)),
        level=80,
        operation="set",
        priority=8,
        minutes=60,
        actor="operator",
    )
    security = boost(OverrideScope(zone_id=zone.pk), now=NIGHT + timedelta(seconds=5))
    assert desired(first) == 100
    Command.objects.all().delete()

    override_cancel(override=security, actor="operator", now=NIGHT + timedelta(minutes=1))

    # one command per light, straight to what now wins: 80 % for the first, 60 % for the rest
    assert sorted(Command.objects.values_list("level", flat=True)) == [60, 60, 80]
    assert desired(first) == 80
    explained = light_explain(light_id=first.pk, at=NIGHT + timedelta(minutes=2))
    assert explained.arbitration.winner.id == operator.pk


def test_a_security_boost_never_dims_a_street(street):
    zone, lights = street
    Command.objects.all().delete()
    boost(OverrideScope(zone_id=zone.pk), level=40)
    assert {desired(light) for light in lights} == {60}
    assert not Command.objects.exists()


def test_scopes_radius_group_and_listed_lights_cover_the_right_lights(street):
    _zone, (a, b, c) = street
    group = LightGroup.objects.create(name="Bank approaches")
    group.lights.set([b, c])
    around_a = boost(OverrideScope(point=(a.latitude, a.longitude), radius_m=10))
    assert (desired(a), desired(b), desired(c)) == (100, 60, 60)
    override_cancel(override=around_a, actor="t", now=NIGHT + timedelta(seconds=1))
    boost(OverrideScope(group_id=group.pk), now=NIGHT + timedelta(seconds=2))
    assert (desired(a), desired(b), desired(c)) == (60, 100, 100)


def test_an_expiry_is_mandatory_except_for_priority_1(street):
    zone, _ = street
    with pytest.raises(ValidationError, match="expiry is required"):
        override_create(
            scope=OverrideScope(zone_id=zone.pk),
            level=100,
            operation="set",
            priority=8,
            expires_at=None,
            reason="x",
            actor="t",
            now=NIGHT,
        )


def test_a_scope_must_be_exactly_one_thing():
    with pytest.raises(ApplicationError, match="exactly one"):
        OverrideScope(zone_id=1, group_id=2)
    with pytest.raises(ApplicationError, match="exactly one"):
        OverrideScope()


def test_extending_keeps_the_boost_past_its_first_expiry(street):
    zone, lights = street
    override = boost(OverrideScope(zone_id=zone.pk))
    override_extend(
        override=override,
        expires_at=NIGHT + timedelta(minutes=30),
        actor="alarm #88",
        now=NIGHT + timedelta(minutes=5),
    )
    overrides_sweep(now=NIGHT + timedelta(minutes=15))
    override.refresh_from_db()
    assert override.ended_at is None
    assert {desired(light) for light in lights} == {100}
    assert AuditEntry.objects.filter(action="override.extended").exists()


def test_extending_an_ended_override_is_refused(street):
    zone, _ = street
    override = boost(OverrideScope(zone_id=zone.pk))
    override_cancel(override=override, actor="t", now=NIGHT + timedelta(minutes=1))
    with pytest.raises(ApplicationError) as error:
        override_extend(
            override=override,
            expires_at=NIGHT + timedelta(minutes=30),
            actor="t",
            now=NIGHT + timedelta(minutes=2),
        )
    assert error.value.status_code == 409


def test_a_future_override_starts_with_the_sweep(street, published):
    zone, lights = street
    boost(OverrideScope(zone_id=zone.pk), starts_at=NIGHT + timedelta(minutes=5))
    assert {desired(light) for light in lights} == {60}
    assert not published
    assert overrides_sweep(now=NIGHT + timedelta(minutes=5, seconds=1)) == {
        "started": 1,
        "ended": 0,
    }
    assert {desired(light) for light in lights} == {100}
    assert published[0]["kind"] == "override.started"


def test_emergency_mode_lights_the_whole_city_until_cleared_and_tells_everyone(
    street, make_light, published
):
    _zone, lights = street
    outside = make_light(None, lat=51.52)
    emergency_start(actor="duty officer", reason="major incident", now=NIGHT)
    assert {desired(light) for light in [*lights, outside]} == {100}
    assert [p["kind"] for p in published] == ["override.started", "system.notice"]
    # still on a day later: emergency overrides do not expire
    later = levels_resolve(at=NIGHT + timedelta(days=1))
    assert {r.level for r in later.values()} == {100}

    emergency_clear(actor="duty officer", now=NIGHT + timedelta(minutes=30))
    assert {desired(light) for light in lights} == {60}
    assert AuditEntry.objects.filter(action="override.cancelled").count() == 1


def test_the_override_is_audited_with_its_author_and_alarm(street):
    zone, _ = street
    override = boost(OverrideScope(zone_id=zone.pk), alarm_id=88)
    entry = AuditEntry.objects.get(action="override.created")
    assert entry.actor_label == "alarm #88"
    assert entry.target_id == str(override.pk)
    assert entry.details["alarm_id"] == 88


# --- Who sees why: the alarm link and a welfare alarm's response --------------------------


@pytest.mark.parametrize("alarm_id", [15, 99999999])
def test_a_caller_cannot_tie_an_override_to_an_alarm(make_user, api_client, street, alarm_id):
    zone, _ = street
    operator = api_client(make_user(Role.LIGHTING_OPERATOR))
    body = {
        "scope": {"zone_id": zone.pk},
        "level": 80,
        "operation": "max",
        "priority": 8,
        "duration_min": 30,
        "reason": "street market",
    }
    refused = operator.post("/api/v1/lighting/overrides/", {**body, "alarm_id": alarm_id}, "json")
    assert refused.status_code == 400
    assert "alarm_id" in refused.json()["extra"]["fields"]
    assert not Override.objects.exists()
    made = operator.post("/api/v1/lighting/overrides/", {**body, "alarm_id": None}, "json")
    assert made.status_code == 201 and made.json()["alarm_id"] is None


def test_a_restricted_override_is_neutral_to_those_without_its_permission(
    street, published, make_user, api_client
):
    zone, lights = street
    override = boost(
        OverrideScope(zone_id=zone.pk),
        alarm_id=88,
        details_permission=WELFARE,
        actor="alarm-rules",
    )
    started = published[-1]
    assert started["permission"] == WELFARE
    assert started["data"].alarm_id == 88 and started["data"].reason == override.reason
    assert started["public_data"].alarm_id is None
    assert started["public_data"].reason == NEUTRAL_REASON
    assert started["public_data"].level == 100  # the lights go up for everyone to see

    at = NIGHT + timedelta(minutes=1)
    hidden = light_explain(light_id=lights[0].pk, at=at)  # nobody named: nothing restricted
    assert hidden.as_dict()["override"]["alarm_id"] is None and "#88" not in hidden.text
    shown = light_explain(light_id=lights[0].pk, at=at, may_see=lambda permission: True)
    assert shown.as_dict()["override"]["alarm_id"] == 88 and "by alarm #88" in shown.text

    override_cancel(override=override, actor="operator-7", reason="Alarm #88 closed", now=at)
    ended = published[-1]
    assert ended["data"].ended_by == "operator-7"
    assert (
        ended["public_data"].ended_by == override.author and ended["public_data"].alarm_id is None
    )

    viewer = api_client(make_user(Role.VIEWER))
    listed = viewer.get("/api/v1/lighting/overrides/", {"alarm_id": 88}).json()
    assert listed["count"] == 0
    detail = viewer.get(f"/api/v1/lighting/overrides/{override.pk}/").json()
    assert (detail["reason"], detail["alarm_id"], detail["end_reason"]) == (
        NEUTRAL_REASON,
        None,
        NEUTRAL_END_REASON,
    )
    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR))
    assert supervisor.get("/api/v1/lighting/overrides/", {"alarm_id": 88}).json()["count"] == 1
    ordering = viewer.get("/api/v1/lighting/overrides/", {"ordering": "alarm_id"})
    assert ordering.status_code == 200  # an unknown ordering is ignored: no sort by alarm


def test_the_override_service_refuses_a_scope_of_no_lights_for_every_caller(make_zone, street):
    empty = make_zone("Nobody's yard")
    with pytest.raises(ApplicationError, match="covers no controlled lights"):
        override_create(
            scope=OverrideScope(zone_id=empty.pk),
            level=100,
            operation="max",
            priority=8,
            expires_at=NIGHT + timedelta(hours=1),
            reason="nothing to light",
            actor="test",
            now=NIGHT,
        )
    with pytest.raises(ApplicationError, match="covers no controlled lights"):
        emergency_start(actor="test", reason="drill", zone_id=empty.pk)
    assert not Override.objects.exists()
