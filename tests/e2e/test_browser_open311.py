"""A resident in a real browser: reports a dark lamp on /report/ without an account, lands on
the page that follows the report, and an asset manager places a report from triage. Each page
is checked with axe-core (no serious WCAG 2.2 A/AA violation) and runs without a script error."""

import pytest

from cityplatform.roles import Role
from devices.models import Fault
from open311.models import ServiceRequest
from tests.devices.registry_factories import make_light
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import off_the_browser_thread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_resident_reports_and_follows_a_dark_lamp(asgi_server, browser_page):
    off_the_browser_thread(make_light, "SL-0042", 51.5155, -0.0922)
    page = browser_page
    page.goto(asgi_server.url + "/report/")
    assert serious_violations(page) == []
    page.check("input[value=streetlight_out]")
    page.fill("input[name=asset_id]", "SL-0042")
    page.fill("textarea[name=description]", "Dark since Monday")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    report = off_the_browser_thread(lambda: ServiceRequest.objects.select_related("asset").get())
    assert page.url.endswith(f"/report/{report.public_id}/")
    assert page.inner_text("#report-stage") == "Open"
    assert "passed to the maintenance team as a fault on SL-0042" in page.inner_text(
        "#report-notes"
    )
    assert serious_violations(page) == []
    assert page.js_errors == []


def test_a_resident_is_told_what_is_missing(asgi_server, browser_page):
    page = browser_page
    page.goto(asgi_server.url + "/report/")
    page.check("input[value=streetlight_day_burning]")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    assert "Say where" in page.inner_text("#report-problem")
    assert page.is_checked("input[value=streetlight_day_burning]")  # what was chosen stays


def test_an_asset_manager_places_a_report_from_triage(make_user, asgi_server, browser_page):
    def setup():
        make_light("SL-1", 51.5155, -0.0922)
        make_light("SL-2", 51.5155, -0.0922 + 0.0004)  # ~28 m east: between them, ambiguous
        ServiceRequest.objects.create(
            public_id="R-TRIAGE01",
            service_code="streetlight_out",
            latitude=51.5155,
            longitude=-0.0920,
            triage_reason="ambiguous",
            candidates={"SL-1": 13.9, "SL-2": 13.9},
        )

    off_the_browser_thread(setup)
    user = make_user(Role.ASSET_MANAGER)
    page = browser_page
    sign_in(page, asgi_server, user.username)
    page.goto(asgi_server.url + "/assets/")
    with page.expect_navigation():
        page.click("text=Residents' reports")
    assert "R-TRIAGE01" in page.inner_text("#triage-table")
    assert serious_violations(page) == []
    row = page.locator("tr[data-report=R-TRIAGE01]")
    row.locator("input[name=device_id]").fill("SL-2")
    with page.expect_navigation():
        row.locator("button", has_text="Place").click()
    assert "R-TRIAGE01 placed" in page.inner_text("#page-messages")
    fault = off_the_browser_thread(lambda: Fault.objects.select_related("asset").get())
    assert fault.asset.device_id == "SL-2"
    assert page.js_errors == []
