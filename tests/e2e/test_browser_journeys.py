"""Each demo role's main journey, at 1440 px (a desk) and at 375 px (a phone), moving through
the navigation as a person does; at every step the page is no wider than the window
(document.scrollingElement.scrollWidth <= innerWidth)."""

import pytest

from cctv.models import Alarm
from cityplatform.roles import Role
from devices.models import MaintenanceRecord
from devices.services.faults import fault_raise
from lighting.models import Calendar, CalendarAssignment, Override, Programme
from tests.dashboards.city import alarm_rules, build_city, raise_alarm
from tests.e2e.conftest import PASSWORD, off_the_browser_thread, screenshot, sign_in
from tests.e2e.journeys import WIDTHS, fits, go, settle, size_id
from tests.lighting.conftest import RESIDENTIAL_STEPS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
sizes = pytest.mark.parametrize("size", WIDTHS, ids=size_id)


def _start(page, server, user, size) -> None:
    page.set_viewport_size(size)
    sign_in(page, server, user.username)
    settle(page)
    fits(page, "landing")


@sizes
def test_lighting_operator_views_a_zone_and_its_programme(
    size, make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3)
    residential = Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    streets = Calendar.objects.create(name="City streets", default_programme=residential)
    CalendarAssignment.objects.create(calendar=streets, zone=city.zones[1])
    page = browser_page
    _start(page, asgi_server, make_user(Role.LIGHTING_OPERATOR), size)
    assert page.url.endswith("/lighting/")
    assert "Guildhall Yard" in page.inner_text("#zone-table")

    page.select_option("#zone-profile-zone", str(city.zones[1].pk))
    page.wait_for_function(
        "document.getElementById('zone-profile-source').textContent.includes('Residential')"
    )
    assert "calendar City streets" in page.inner_text("#zone-profile-source")
    # the chart's figures, as a table for whoever cannot see the chart
    figures = page.locator("#zone-profile-chart").locator("xpath=../following-sibling::details")
    figures.locator("summary").click()
    assert "100" in figures.locator("tbody").inner_text()
    fits(page, "zone profile")
    screenshot(page, f"journey-lighting-{size_id(size)}")

    page.locator("nav.tabs a", has_text="Programmes").click()
    settle(page)
    page.locator(f'#programme-list tr[data-id="{residential.pk}"]').click()
    page.wait_for_function("document.getElementById('programme-name').value === 'Residential'")
    assert page.locator("#step-table tbody tr").count() == len(RESIDENTIAL_STEPS)
    fits(page, "programme")
    assert page.js_errors == []


@sizes
def test_security_operator_acknowledges_an_alarm_and_brightens_the_area(
    size, make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3)
    alarm_rules()
    alarm = off_the_browser_thread(raise_alarm, city.cameras[0], f"ev-journey-{size['width']}")
    page = browser_page
    user = make_user(Role.SECURITY_OPERATOR)
    _start(page, asgi_server, user, size)
    assert page.url.endswith("/security/")

    page.click(f'#alarm-queue tr[data-alarm="{alarm.pk}"]')
    page.locator("#detail-pills .pill").wait_for()
    page.click("#alarm-actions button[data-action=acknowledge]")
    page.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"] .pill.acknowledged').wait_for()
    fits(page, "alarm acknowledged")

    page.select_option("#brighten-form select[name=zone]", str(city.zones[0].pk))
    page.fill("#brighten-form input[name=level]", "100")
    page.fill("#brighten-form input[name=duration]", "10")
    page.click("#brighten-submit")
    page.locator("#brighten-confirm").wait_for()  # the confirm step, with how many lights
    assert "Cheapside" in page.inner_text("#brighten-summary")
    fits(page, "brighten confirm")
    page.click("#brighten-go")
    page.locator("#override-list tr[data-override]").wait_for()
    fits(page, "brightened")
    screenshot(page, f"journey-security-{size_id(size)}")

    assert Alarm.objects.get(pk=alarm.pk).state == "acknowledged"
    override = Override.objects.get(ended_at__isnull=True)
    assert (override.zone_id, override.level) == (city.zones[0].pk, 100)
    assert page.js_errors == []


@sizes
def test_security_supervisor_closes_a_false_alarm_and_reads_the_insights(
    size, make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3)
    alarm_rules()
    alarm = off_the_browser_thread(raise_alarm, city.cameras[0], f"ev-super-{size['width']}")
    page = browser_page
    _start(page, asgi_server, make_user(Role.SECURITY_SUPERVISOR), size)
    assert page.url.endswith("/security/")

    page.click(f'#alarm-queue tr[data-alarm="{alarm.pk}"]')
    page.locator("#detail-pills .pill").wait_for()
    page.select_option("#close-resolution", "false_alarm")
    page.click("#alarm-actions button[data-action=close]")
    page.wait_for_function("document.getElementById('alarm-count').textContent === '0 open'")
    fits(page, "alarm closed")

    go(page, "Insights")
    assert page.url.endswith("/insights/")
    assert page.locator("h1").first.is_visible()
    fits(page, "insights")
    screenshot(page, f"journey-supervisor-{size_id(size)}")
    assert Alarm.objects.get(pk=alarm.pk).resolution == "false_alarm"
    assert page.js_errors == []


@sizes
def test_asset_manager_opens_an_asset_and_logs_maintenance(
    size, make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3)
    light = city.lights[0]
    fault, _ = fault_raise(asset=light, type="lamp_failure")
    page = browser_page
    _start(page, asgi_server, make_user(Role.ASSET_MANAGER), size)
    assert page.url.endswith("/assets/")

    page.locator("td.device-id a", has_text=light.device_id).click()
    page.wait_for_url(f"**/assets/{light.device_id}/")
    settle(page)
    fits(page, "asset page")
    if not page.locator("#maintenance-form").is_visible():
        page.click("#log-maintenance summary")
    page.select_option("#maintenance-form select[name=kind]", "lamp_change")
    page.select_option("#maintenance-form select[name=fault]", str(fault.pk))
    page.fill("#maintenance-form input[name=assigned_to]", "Crew 3")
    page.click("#maintenance-form button[type=submit]")
    page.locator("#work-orders").wait_for()
    assert "Crew 3" in page.inner_text("#work-orders")
    fits(page, "maintenance logged")
    screenshot(page, f"journey-assets-{size_id(size)}")

    order = MaintenanceRecord.objects.get(asset=light)
    assert (order.assigned_to, order.fault_id) == ("Crew 3", fault.pk)
    assert page.js_errors == []


@sizes
def test_viewer_reads_the_overview_and_is_told_what_it_may_do_elsewhere(
    size, make_user, asgi_server, browser_page
):
    build_city(lights_per_zone=3)
    page = browser_page
    _start(page, asgi_server, make_user(Role.VIEWER), size)
    assert page.url.endswith("/overview/")
    assert page.locator(".kpi").count() >= 3
    page.wait_for_function("document.getElementById('map').dataset.ready === '1'")
    fits(page, "overview")

    response = page.goto(asgi_server.url + "/security/")  # a link shared by a colleague
    assert response.status == 403
    settle(page)
    assert "Overview" in page.inner_text(".error-options")
    fits(page, "refused")
    page.get_by_role("link", name="Back to your start page").click()
    page.wait_for_url("**/overview/")
    screenshot(page, f"journey-viewer-{size_id(size)}")
    assert page.js_errors == []


@sizes
def test_administrator_reads_the_energy_and_changes_its_password(
    size, make_user, asgi_server, browser_page
):
    build_city(lights_per_zone=3)
    page = browser_page
    admin = make_user(superuser=True)
    _start(page, asgi_server, admin, size)

    go(page, "Lighting")
    page.locator("nav.tabs a", has_text="Energy").click()
    settle(page)
    assert page.url.split("?")[0].endswith("/lighting/energy/")
    page.locator("#energy-total").wait_for()
    fits(page, "energy")
    go(page, "Assets")
    assert page.locator("td.device-id a").count() >= 6
    fits(page, "inventory")

    new = "a longer walk to the river 2026"
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible():  # a phone: the account links are behind the menu button
        toggle.click()
    page.get_by_role("link", name="Change password").click()  # from the header, on every page
    page.wait_for_url("**/accounts/password_change/")
    assert page.locator("main h1").inner_text() == "Change your password"
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password confirmation").fill(new)
    fits(page, "password form")
    page.get_by_role("button", name="Change my password").click()
    page.wait_for_url("**/password_change/done/")
    assert "Your password has been changed" in page.inner_text("main")
    fits(page, "password changed")
    screenshot(page, f"journey-admin-{size_id(size)}")
    admin.refresh_from_db()
    assert admin.check_password(new)
    assert page.js_errors == []
