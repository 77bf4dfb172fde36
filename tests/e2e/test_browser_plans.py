"""The emergency plans page in a real browser: a proposal appears live, a supervisor starts it
(after confirming), the lights' priority-1 overrides are made, and Stop ends them."""

import pytest

from cityplatform.roles import Role
from emergency.choices import PlanRunState, PlanTrigger
from emergency.models import PlanRun
from emergency.services.plan_runs import plan_run_propose
from emergency.services.plans import plan_create
from lighting.models import Override
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_starts_a_proposed_plan_live_and_stops_it(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=2)
    street = city.zones[0]
    plan = plan_create(
        actor="tests", name="Storm on Cheapside", hazard="storm", zone_ids=[street.pk],
        steps=[{"label": "evacuation route", "level": 100, "zone": street.pk}],
        partners=["city-police"],
    )  # fmt: skip
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.SECURITY_SUPERVISOR).username)
    page.goto(f"{asgi_server.url}/security/plans/")
    page.wait_for_function("document.body.dataset.live === 'live'")
    assert "No plan proposed." in page.locator("#proposed-runs").inner_text()

    run = off_the_browser_thread(
        plan_run_propose, plan=plan, trigger=PlanTrigger.CAP, reason="Gale warning", actor="t"
    )
    start = page.locator(f'#proposed-runs button[data-action="start"][data-run="{run.pk}"]')
    start.wait_for()  # the proposal arrived live
    assert Override.objects.count() == 0  # proposed only: nothing lit
    page.once("dialog", lambda dialog: dialog.accept())
    start.click()
    page.locator(f'#running-runs button[data-action="stop"][data-run="{run.pk}"]').wait_for()
    override = Override.objects.get()
    assert (override.priority, override.level, override.expires_at) == (1, 100, None)
    screenshot(page, "plans-running")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f'#running-runs button[data-action="stop"][data-run="{run.pk}"]')
    page.locator("#running-runs", has_text="No plan running.").wait_for()
    assert PlanRun.objects.get().state == PlanRunState.STOPPED
    override.refresh_from_db()
    assert override.end_state == "cancelled"
    assert page.js_errors == []
