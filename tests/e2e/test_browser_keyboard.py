"""The keyboard alone: on each role's main page every Tab stop shows where the focus is (an
outline or a ring); a row of the alarm queue and of the programme list is chosen with Enter or
Space, the arrow keys move between rows, and the chosen row says so (aria-selected)."""

import pytest

from cityplatform.roles import Role
from lighting.models import Programme
from tests.dashboards.city import alarm_rules, build_city, raise_alarm
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in
from tests.e2e.journeys import FOCUS, settle
from tests.lighting.conftest import RESIDENTIAL_STEPS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROLES = [
    None,
    Role.LIGHTING_OPERATOR,
    Role.SECURITY_OPERATOR,
    Role.SECURITY_SUPERVISOR,
    Role.ASSET_MANAGER,
    Role.VIEWER,
]
MAX_STOPS = 80


def _tab_to(page, selector: str) -> None:
    """Presses Tab until the focus is on `selector` (as a person would, from the top)."""
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reached by Tab in {MAX_STOPS} stops")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name.lower() if r else "administrator")
def test_every_tab_stop_of_the_main_page_shows_its_focus(
    role, make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3)
    alarm_rules()
    off_the_browser_thread(raise_alarm, city.cameras[0], "ev-keys-1")
    user = make_user(role) if role else make_user(superuser=True)
    page = browser_page
    sign_in(page, asgi_server, user.username)
    settle(page)

    stops, unseen = [], []
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None or (stops and focus == stops[0]):
            break  # round to the start: every stop seen
        stops.append(focus)
        if not focus["visible"]:
            unseen.append(focus)
    assert len(stops) >= 5, stops  # the skip link, the navigation, Sign out, the page's own
    assert stops[0]["text"] == "Skip to content"
    assert not unseen, unseen
    assert page.js_errors == []


def test_an_alarm_is_chosen_from_the_queue_with_the_keyboard(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=3)
    alarm_rules()
    first = off_the_browser_thread(raise_alarm, city.cameras[0], "ev-keys-a")
    second = off_the_browser_thread(raise_alarm, city.cameras[1], "ev-keys-b")
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.SECURITY_OPERATOR).username)
    page.wait_for_function("document.body.dataset.live === 'live'")
    rows = page.locator("#alarm-queue tbody tr[data-alarm]")
    assert rows.count() == 2
    assert rows.first.get_attribute("aria-selected") == "false"

    _tab_to(page, "#alarm-queue tbody tr[data-alarm]")
    key = page.evaluate("() => document.activeElement.dataset.alarm")
    page.keyboard.press("Enter")
    page.locator("#alarm-detail").wait_for()
    chosen = page.locator(f'#alarm-queue tr[data-alarm="{key}"]')
    assert chosen.get_attribute("aria-selected") == "true"
    assert "selected" in chosen.get_attribute("class")
    # the queue was drawn again: the focus is still on the chosen row, drawn as focused
    focus = page.evaluate(FOCUS)
    assert focus["tag"] == "tr" and focus["visible"], focus
    assert page.evaluate("() => document.activeElement.dataset.alarm") == key

    page.keyboard.press(
        "ArrowDown" if key == str(rows.first.get_attribute("data-alarm")) else "ArrowUp"
    )
    other = page.evaluate("() => document.activeElement.dataset.alarm")
    assert other != key and other in {str(first.pk), str(second.pk)}
    page.keyboard.press(" ")
    page.wait_for_function(
        f"""document.querySelector('#alarm-queue tr[data-alarm="{other}"]')
            .getAttribute('aria-selected') === 'true'"""
    )
    assert chosen.get_attribute("aria-selected") == "false"
    page.locator("#detail-pills .pill").wait_for()
    screenshot(page, "keyboard-alarm-chosen")
    assert page.js_errors == []


def test_a_programme_is_opened_from_the_list_with_the_keyboard(
    make_user, asgi_server, browser_page
):
    build_city(lights_per_zone=2)
    Programme.objects.create(name="Aaa residential", steps=RESIDENTIAL_STEPS)
    late = Programme.objects.create(name="Late nights", steps=RESIDENTIAL_STEPS[:2])
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(asgi_server.url + "/lighting/programmes/")
    settle(page)

    _tab_to(page, "#programme-list tr[data-id]")
    for _ in range(3):
        if page.evaluate("() => document.activeElement.dataset.id") == str(late.pk):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('programme-name').value === 'Late nights'")
    row = page.locator(f'#programme-list tr[data-id="{late.pk}"]')
    assert row.get_attribute("aria-selected") == "true"
    assert page.locator("#step-table tbody tr").count() == 2
    assert page.js_errors == []
