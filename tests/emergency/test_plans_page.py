"""The emergency plans page and the runs' live topic: security roles open it, only those who may
run plans get Start / Stop / Dismiss; a proposal reaches a subscriber live; a welfare alarm
never shows there (it proposes no plan, and nothing of it is on the page or in the runs)."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from cctv.models import Alarm
from cityplatform.celery import app as celery_app
from cityplatform.roles import Role
from emergency.choices import PlanTrigger
from emergency.models import PlanRun
from emergency.services.plan_runs import plan_run_propose, plan_run_start
from emergency.services.plans import plan_create
from tests.dashboards.city import build_city, raise_alarm
from tests.security.test_welfare import leaks, live_connect, received, welfare_rule

PAGE = "/security/plans/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, status, buttons",
    [
        (Role.SECURITY_SUPERVISOR, 200, True),
        (Role.SECURITY_OPERATOR, 200, False),
        (Role.LIGHTING_OPERATOR, 403, False),
        (Role.VIEWER, 403, False),
    ],
)
def test_who_opens_the_page_and_who_gets_the_buttons(make_user, flood_plan, role, status, buttons):
    proposed = plan_run_propose(plan=flood_plan, trigger=PlanTrigger.CAP, reason="r", actor="t")
    page = browser(make_user(role)).get(PAGE)
    assert page.status_code == status
    if status != 200:
        return
    html = page.content.decode()
    assert "Riverside flood" in html
    assert "evacuation route: Cheap at 100 %" in html
    assert "flooded underpass marked: 1 light at 20 %" in html
    assert "city-police, red-cross" in html and "Open the rest centre at Guildhall" in html
    assert f'data-run="{proposed.pk}"' in html
    assert ('data-action="start"' in html) is buttons
    assert ('data-action="dismiss"' in html) is buttons
    assert 'href="/security/plans/"' in html  # in the navigation


@pytest.mark.django_db
def test_a_running_plan_shows_its_stop_button(make_user, flood_plan):
    supervisor = make_user(Role.SECURITY_SUPERVISOR)
    run = plan_run_propose(plan=flood_plan, trigger=PlanTrigger.CAP, reason="r", actor="t")
    plan_run_start(run=run, actor=supervisor)
    html = browser(supervisor).get(PAGE).content.decode()
    assert 'data-action="stop"' in html and 'data-action="start"' not in html
    assert "data-plan-start" not in html  # the running plan cannot be started again


@pytest.mark.django_db
def test_a_welfare_alarm_proposes_no_plan_and_shows_nowhere_on_the_page(
    make_user, flood_plan, django_capture_on_commit_callbacks
):
    city = build_city(lights_per_zone=1)
    welfare_rule()
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
    try:  # the alarm task runs in-process, after the commit
        with django_capture_on_commit_callbacks(execute=True):
            raise_alarm(city.cameras[1], "w-plans-1", type="vulnerable_person")
    finally:
        celery_app.conf.task_always_eager = eager
    alarm = Alarm.objects.get(category="welfare")
    assert PlanRun.objects.count() == 0
    for role in (Role.SECURITY_OPERATOR, Role.SECURITY_SUPERVISOR):
        user = make_user(role)
        page = browser(user).get(PAGE).content.decode()
        runs = browser(user).get("/api/v1/emergency/plan-runs/").content.decode()
        assert leaks(page, alarm.pk) == [] and leaks(runs, alarm.pk) == []


@pytest.mark.django_db(transaction=True)
async def test_a_proposal_reaches_the_page_live_and_not_a_viewer(make_user, wards, lit_wards):
    supervisor = await sync_to_async(make_user)(Role.SECURITY_SUPERVISOR)
    page = await live_connect(supervisor)
    await page.send_json_to({"action": "subscribe", "topics": ["emergency_plans"]})
    await received(page, "subscribed")

    def propose():
        plan = plan_create(
            actor="t", name="Live flood", hazard="flood", zone_ids=[wards["Cheap"].pk],
            steps=[{"label": "evacuation route", "level": 100, "zone": wards["Cheap"].pk}],
        )  # fmt: skip
        return plan_run_propose(plan=plan, trigger=PlanTrigger.CAP, reason="warning", actor="t")

    run = await sync_to_async(propose)()
    message = (await received(page, "plan_run.proposed"))[-1]
    await page.disconnect()
    assert message["data"]["id"] == run.pk and message["data"]["plan"] == "Live flood"
    assert message["data"]["state"] == "proposed"

    viewer = await sync_to_async(make_user)(Role.VIEWER)
    other = await live_connect(viewer)
    await other.send_json_to({"action": "subscribe", "topics": ["emergency_plans"]})
    answer = await other.receive_json_from(timeout=5)
    await other.disconnect()
    assert answer["type"] == "error"
