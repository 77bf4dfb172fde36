"""The live lighting page: lamp faults raised and cleared through the real fault service appear
in and leave the open-faults table without a reload; tonight's profile of a chosen zone.

The faults test needs the live kinds `fault.raised` / `fault.cleared` on the `faults` topic,
which devices/services/faults.py publishes once the lighting back end's branch is merged.
"""

import pytest

from cityplatform.roles import Role
from devices.models import Fault
from devices.services.faults import fault_clear, fault_raise
from lighting.models import Calendar, CalendarAssignment, Programme
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in
from tests.lighting.conftest import RESIDENTIAL_STEPS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def open_lighting_page(page, server, make_user) -> None:
    sign_in(page, server, make_user(Role.LIGHTING_OPERATOR).username)
    page.wait_for_function("document.body.dataset.live === 'live'")


def test_lamp_faults_appear_and_clear_live(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=2)
    light = city.lights[1]
    page = browser_page
    open_lighting_page(page, asgi_server, make_user)
    assert page.is_visible("#fault-table tr.no-fault")
    page.evaluate("window.notReloaded = true")  # the rows must come live, not by a reload

    fault, created = off_the_browser_thread(
        fault_raise, asset=light, type="lamp_failure", details={"power_w": 0}
    )
    assert created
    row = page.locator(f'#fault-table tr[data-fault="{fault.pk}"]')
    row.wait_for()
    assert light.device_id in row.inner_text() and "Lamp failure" in row.inner_text()
    assert page.inner_text("#fault-count") == "1"
    assert not page.is_visible("#fault-table tr.no-fault")
    assert page.evaluate("window.notReloaded === true")
    screenshot(page, "lighting-fault-live")

    off_the_browser_thread(fault_clear, asset=light, type="lamp_failure")
    row.wait_for(state="detached")
    assert page.inner_text("#fault-count") == "0"
    assert page.evaluate("window.notReloaded === true")
    assert Fault.objects.get(pk=fault.pk).cleared_at is not None
    assert page.js_errors == []


def test_tonights_profile_of_a_chosen_zone(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=2)
    residential = Programme.objects.create(name="Residential", steps=RESIDENTIAL_STEPS)
    calendar = Calendar.objects.create(name="City streets", default_programme=residential)
    CalendarAssignment.objects.create(calendar=calendar, zone=city.zones[1])
    page = browser_page
    open_lighting_page(page, asgi_server, make_user)
    page.select_option("#zone-profile-zone", str(city.zones[1].pk))
    page.fill("#zone-profile-night", "2026-11-20")
    page.dispatch_event("#zone-profile-night", "change")
    page.wait_for_function(
        "(z) => { const c = document.getElementById('zone-profile-chart');"
        " return c.dataset.zone === z && c.dataset.night === '2026-11-20'; }",
        arg=str(city.zones[1].pk),
    )
    assert "Residential" in page.inner_text("#zone-profile-source")
    levels = page.evaluate(
        "Chart.getChart(document.getElementById('zone-profile-chart'))"
        ".data.datasets[0].data.map((p) => p.y)"
    )
    # noon (off), sunset 100, 23:00 60, 01:00 30, 05:30 100, sunrise off, next noon
    assert levels == [0, 100, 60, 30, 100, 0, 0]
    screenshot(page, "lighting-zone-profile")
    assert page.js_errors == []
