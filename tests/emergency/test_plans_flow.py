"""An emergency plan from warning to all-clear, on real rows: a signed CAP flood warning over
two demo wards raises an alarm and *proposes* the flood plan of one of them (nothing lit); a
supervisor starts it (priority-1 overrides without expiry, the lights commanded at the steps'
levels); the sender's Cancel stops it (the overrides cancelled, the lights back to programme).
A threshold alarm proposes the plans that answer its rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cctv.choices import AlarmState
from cctv.models import Alarm
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.choices import CommandState
from devices.models import AssetState, Command, Telemetry
from emergency.choices import PlanRunState, PlanTrigger
from emergency.models import CapAlert, PlanRun, ThresholdRule
from emergency.services import plan_runs
from emergency.services.inbound import alerts_expire
from emergency.services.plans import plan_create
from emergency.services.thresholds import thresholds_judge
from emergency.signals import plan_started, plan_stopped
from lighting.choices import OverrideState
from lighting.models import Override
from tests.devices.registry_factories import make_sensor
from tests.emergency.conftest import cap_xml, reference
from tests.emergency.plans_city import PROGRAMME_LEVEL

pytestmark = pytest.mark.django_db


def desired(light) -> float:
    return AssetState.objects.get(pk=light.pk).desired_level


def last_command(light) -> Command:
    return Command.objects.filter(asset=light).order_by("-created_at").first()


@pytest.fixture
def told():
    """The plan signals received (as partner notifications would receive them)."""
    heard = []

    def hear(signal_name):
        return lambda sender, plan_run, **kw: heard.append((signal_name, plan_run.pk))

    started, stopped = hear("started"), hear("stopped")
    plan_started.connect(started, weak=False)
    plan_stopped.connect(stopped, weak=False)
    yield heard
    plan_started.disconnect(started)
    plan_stopped.disconnect(stopped)


@pytest.fixture
def live(monkeypatch):
    sent = []
    monkeypatch.setattr(plan_runs, "live_publish", lambda **kwargs: sent.append(kwargs))
    return sent


def test_warning_proposes_supervisor_starts_cancel_stops(
    push, wards, lit_wards, flood_plan, make_user, api_client, told, live,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    cheap, bassishaw = lit_wards["cheap"], lit_wards["bassishaw"]
    warning = cap_xml("EA-2026-101")
    with django_capture_on_commit_callbacks(execute=True):
        assert push(warning).status_code == 201
    alert = CapAlert.objects.get()
    run = PlanRun.objects.get()
    # Proposed, never started by itself: no override, the lights still at their programme.
    assert (run.state, run.trigger, run.alert_id, run.alarm_id) == (
        PlanRunState.PROPOSED, PlanTrigger.CAP, alert.pk, alert.alarm_id,
    )  # fmt: skip
    assert Override.objects.count() == 0
    assert [desired(light) for light in cheap] == [PROGRAMME_LEVEL] * 2
    assert [m["kind"] for m in live] == ["plan_run.proposed"]
    assert live[0]["topics"] == ["emergency_plans"] and live[0]["data"]["state"] == "proposed"

    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR, username="sup"))
    with django_capture_on_commit_callbacks(execute=True):
        started = supervisor.post(f"/api/v1/emergency/plan-runs/{run.pk}/start/")
    assert started.status_code == 200, started.json()
    assert started.json()["state"] == "running" and started.json()["started_by"] == "sup"
    overrides = list(Override.objects.order_by("pk"))
    assert [(o.priority, o.expires_at, o.level) for o in overrides] == [
        (1, None, 100),
        (1, None, 20),
    ]
    assert all("Riverside flood" in o.reason for o in overrides)
    assert [desired(light) for light in cheap] == [100, 100]
    assert desired(bassishaw[0]) == 20
    for light in cheap:
        command = last_command(light)
        assert (command.level, command.state) == (100, CommandState.QUEUED)
    assert last_command(bassishaw[0]).level == 20
    assert told == [("started", run.pk)]

    again = supervisor.post(f"/api/v1/emergency/plan-runs/{run.pk}/start/")
    assert again.status_code == 409 and "already running" in again.json()["message"]
    by_hand = supervisor.post(f"/api/v1/emergency/plans/{flood_plan.pk}/start/")
    assert by_hand.status_code == 409 and Override.objects.count() == 2

    # The sender cancels: the run stops, its overrides end, the lights go back to programme.
    cancel = cap_xml("EA-2026-102", msg_type="Cancel", references=reference(warning))
    with django_capture_on_commit_callbacks(execute=True):
        assert push(cancel).status_code == 201
    run.refresh_from_db()
    assert run.state == PlanRunState.STOPPED and run.stop_reason == "its alert was cancelled"
    assert run.stopped_by == "cap:ea-push"
    assert all(
        o.state_at(timezone.now()) == OverrideState.CANCELLED for o in Override.objects.all()
    )
    assert [desired(light) for light in [*cheap, *bassishaw]] == [PROGRAMME_LEVEL] * 3
    assert [last_command(light).level for light in [*cheap, *bassishaw]] == [PROGRAMME_LEVEL] * 3
    assert Alarm.objects.get().state == AlarmState.CLOSED
    assert told == [("started", run.pk), ("stopped", run.pk)]
    stopped = supervisor.post(f"/api/v1/emergency/plan-runs/{run.pk}/stop/")
    assert stopped.status_code == 409 and "has been stopped" in stopped.json()["message"]
    actions = set(AuditEntry.objects.filter(target_id=str(run.pk)).values_list("action", flat=True))
    assert {
        "emergency.plan_proposed",
        "emergency.plan_started",
        "emergency.plan_stopped",
    } <= actions


def test_a_warning_elsewhere_or_of_another_hazard_proposes_nothing(
    push, wards, flood_plan, django_capture_on_commit_callbacks
):
    other_ward = next(n for n in wards if n not in ("City of London", "Cheap", "Bassishaw"))
    plan_create(
        actor="test", name="Storm elsewhere", hazard="storm", zone_ids=[wards[other_ward].pk],
        steps=[{"label": "rest centre", "level": 100, "zone": wards["Cheap"].pk}],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        push(cap_xml("EA-2026-201", headline="Gale force winds"))  # a "Flood warning" event
    assert list(PlanRun.objects.values_list("plan__name", flat=True)) == ["Riverside flood"]


def test_an_expired_warning_dismisses_its_proposal(
    push, wards, flood_plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        push(cap_xml("EA-2026-301", expires=timezone.now() + timedelta(minutes=5)))
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_expire(now=timezone.now() + timedelta(minutes=6)) == 1
    run = PlanRun.objects.get()
    assert (run.state, run.stop_reason) == (PlanRunState.DISMISSED, "its alert expired")
    assert Override.objects.count() == 0


def test_an_update_carries_the_running_plan_on(
    push, wards, flood_plan, make_user, django_capture_on_commit_callbacks
):
    warning = cap_xml("EA-2026-401")
    with django_capture_on_commit_callbacks(execute=True):
        push(warning)
    run = PlanRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        plan_runs.plan_run_start(run=run, actor=make_user(Role.SECURITY_SUPERVISOR))
    update = cap_xml("EA-2026-402", msg_type="Update", references=reference(warning))
    with django_capture_on_commit_callbacks(execute=True):
        push(update)
    run.refresh_from_db()
    newest = CapAlert.objects.get(identifier="EA-2026-402")
    assert (run.state, run.alert_id) == (PlanRunState.RUNNING, newest.pk)
    assert PlanRun.objects.count() == 1  # the update proposes no second run
    cancel = cap_xml("EA-2026-403", msg_type="Cancel", references=reference(update))
    with django_capture_on_commit_callbacks(execute=True):
        push(cancel)
    run.refresh_from_db()
    assert run.state == PlanRunState.STOPPED


def test_a_threshold_alarm_proposes_the_plans_answering_its_rule(
    wards, flood_plan, django_capture_on_commit_callbacks
):
    gauge = make_sensor(
        "FG-P01", 51.5160, -0.0930, name="River gauge", details={"measures": "flood_level"}
    )
    rule = ThresholdRule.objects.create(
        name="River high", measures="flood_level", metric="level_cm", kind="above", level=150,
    )  # fmt: skip
    ThresholdRule.objects.create(
        name="Rain", measures="flood_level", metric="rain_mm_h", kind="above", level=30,
    )  # fmt: skip
    flood_plan.threshold_rules.set([rule])
    now = timezone.now()
    for minutes, level in ((3, 120), (2, 155), (1, 160)):
        Telemetry.objects.create(
            asset=gauge, ts=now - timedelta(minutes=minutes), level_cm=level, rain_mm_h=50
        )
    with django_capture_on_commit_callbacks(execute=True):
        thresholds_judge(now=now)
    assert Alarm.objects.count() == 2  # both rules raised an alarm; one plan answers one
    run = PlanRun.objects.get()
    assert (run.state, run.trigger) == (PlanRunState.PROPOSED, PlanTrigger.THRESHOLD)
    assert run.alarm.title.startswith("River gauge FG-P01: water level 155 cm")
    assert Override.objects.count() == 0
