"""The security console in a real browser: an alarm raised through the real path appears in
the open console without a reload; "brighten this area" changes the levels on the map once the
simulated lamps report."""

import pytest

from cityplatform.roles import Role
from tests.dashboards.city import alarm_rules, build_city, lamps_report, raise_alarm
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def open_console(page, server, make_user, role=Role.SECURITY_OPERATOR):
    user = make_user(role)
    sign_in(page, server, user.username)
    assert page.url == server.url + "/security/"
    page.wait_for_function("document.body.dataset.live === 'live'")
    page.wait_for_function("document.getElementById('map').dataset.ready === '1'")
    page.wait_for_timeout(300)  # the subscription sent on open reaches the server
    return user


def test_an_alarm_appears_in_the_open_console_without_a_reload(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=4)
    alarm_rules()
    open_console(browser_page, asgi_server, make_user)
    assert "No open alarms." in browser_page.inner_text("#alarm-queue")
    browser_page.evaluate("window.__notReloaded = true")

    alarm = off_the_browser_thread(raise_alarm, city.cameras[0], "ev-console-1")

    row = browser_page.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"]')
    row.wait_for()
    assert "CAM-0" in row.inner_text() and "Cheapside" in row.inner_text()
    assert browser_page.evaluate("window.__notReloaded") is True
    assert browser_page.inner_text("#alarm-count") == "1 open"

    row.click()
    browser_page.locator("#alarm-detail").wait_for()
    browser_page.click("#alarm-actions button[data-action=acknowledge]")
    browser_page.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"] .pill.acknowledged').wait_for()
    assert browser_page.js_errors == []
    screenshot(browser_page, "console-alarm-live")


def test_brighten_this_area_changes_the_levels_on_the_map(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=5, level=30)
    zone = city.zones[0]
    lights = [light.device_id for light in city.lights if light.zone_id == zone.pk]
    open_console(browser_page, asgi_server, make_user)
    assert {browser_page.evaluate(f"cityMap.light('{d}').level") for d in lights} == {30}

    browser_page.select_option("#brighten-form select[name=zone]", str(zone.pk))
    browser_page.fill("#brighten-form input[name=level]", "100")
    browser_page.fill("#brighten-form input[name=duration]", "10")
    browser_page.click("#brighten-submit")
    browser_page.locator("#brighten-confirm").wait_for()  # after the light count came back
    assert "Cheapside" in browser_page.inner_text("#brighten-summary")
    browser_page.click("#brighten-go")
    browser_page.locator("#override-list tr[data-override]").wait_for()
    assert browser_page.inner_text("#brighten-error") == ""

    # The commands are out: the map shows them pending until the lamps confirm.
    first = f"cityMap.light('{lights[0]}')"
    browser_page.wait_for_function(f"{first}.desired === 100 || {first}.level === 100")
    reported = off_the_browser_thread(lamps_report)
    assert reported == len(lights)

    for device_id in lights:
        browser_page.wait_for_function(f"cityMap.light('{device_id}').level === 100")
    other = next(light.device_id for light in city.lights if light.zone_id != zone.pk)
    assert browser_page.evaluate(f"cityMap.light('{other}').level") == 30
    assert browser_page.js_errors == []
    screenshot(browser_page, "console-brighten")
