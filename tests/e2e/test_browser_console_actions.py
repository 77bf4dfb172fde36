"""The security console's hold, close and note actions, each through the page: the operator's
own console shows the result, a second console window open on the same queue sees the state
change live (no reload), the note appears in the alarm's history, and each action leaves its
audit entry."""

import pytest

from cctv.models import Alarm
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.dashboards.city import alarm_rules, build_city, raise_alarm
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _live(page) -> None:
    page.wait_for_function("document.body.dataset.live === 'live'")
    page.wait_for_timeout(300)  # the subscription sent on open reaches the server
    page.evaluate("window.__notReloaded = true")


@pytest.fixture
def consoles(make_user, asgi_server, browser_context, browser_page):
    """An alarm in the queue; the operator's console with the alarm opened, and a second console
    window (the control room's wall screen) watching the same queue."""
    city = build_city(lights_per_zone=2)
    alarm_rules()
    alarm = off_the_browser_thread(raise_alarm, city.cameras[0], "ev-actions-1")
    user = make_user(Role.SECURITY_OPERATOR)
    sign_in(browser_page, asgi_server, user.username)
    assert browser_page.url == asgi_server.url + "/security/"
    _live(browser_page)
    wall = browser_context.new_page()
    wall.goto(asgi_server.url + "/security/")
    _live(wall)
    browser_page.click(f'#alarm-queue tr[data-alarm="{alarm.pk}"]')
    browser_page.locator("#detail-pills .pill").wait_for()
    return browser_page, wall, alarm, user


def _audit(action: str, alarm: Alarm) -> AuditEntry:
    return AuditEntry.objects.get(action=action, target_type="cctv.alarm", target_id=str(alarm.pk))


def _history(page) -> list[str]:
    return page.locator("#detail-timeline li").all_inner_texts()


def test_hold_shows_on_hold_here_and_live_on_the_other_console(consoles):
    page, wall, alarm, user = consoles

    page.click("#alarm-actions button[data-action=hold]")

    page.locator("#detail-pills .pill.on_hold").wait_for()
    assert page.inner_text("#detail-pills .pill") == "On hold"
    page.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"] .pill.on_hold').wait_for()
    wall.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"] .pill.on_hold').wait_for()
    assert wall.evaluate("window.__notReloaded") is True
    page.wait_for_function(
        "[...document.querySelectorAll('#detail-timeline li')]"
        ".some(li => li.textContent.includes('held by'))"
    )
    assert any(f"held by {user.username}" in line for line in _history(page))
    assert page.inner_text("#detail-error") == ""

    assert Alarm.objects.get(pk=alarm.pk).state == "on_hold"
    entry = _audit("cctv.alarm_held", alarm)
    assert entry.actor == user
    assert page.js_errors == []
    screenshot(page, "console-action-hold")


def test_a_note_appears_in_the_history_with_its_author(consoles):
    page, wall, alarm, user = consoles
    text = "Two people by the bins, moved on towards Bank"
    wall.click(f'#alarm-queue tr[data-alarm="{alarm.pk}"]')  # the wall screen has it open too
    wall.locator("#detail-pills .pill").wait_for()

    page.fill("#note-form input[name=text]", text)
    page.click("#note-form button[type=submit]")

    page.wait_for_function(
        "[...document.querySelectorAll('#detail-timeline li')]"
        f".some(li => li.textContent.includes({text!r}))"
    )
    line = next(line for line in _history(page) if text in line)
    assert f"note by {user.username}: {text}" in line
    assert page.input_value("#note-form input[name=text]") == ""  # ready for the next note
    # The other console, with the same alarm open, shows the note live (it stays new).
    wall.wait_for_function(
        "[...document.querySelectorAll('#detail-timeline li')]"
        f".some(li => li.textContent.includes({text!r}))"
    )
    assert wall.evaluate("window.__notReloaded") is True
    assert wall.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"] .pill.new').count() == 1

    entry = _audit("cctv.alarm_note_added", alarm)
    assert entry.actor == user and entry.details == {"text": text}
    assert page.js_errors == []
    screenshot(page, "console-action-note")


def test_close_takes_the_alarm_off_both_queues_with_its_resolution(consoles):
    page, wall, alarm, user = consoles
    assert wall.inner_text("#alarm-count") == "1 open"

    page.select_option("#close-resolution", "false_alarm")
    page.click("#alarm-actions button[data-action=close]")

    page.locator("#detail-pills .pill.closed").wait_for()
    page.wait_for_function("document.getElementById('alarm-count').textContent === '0 open'")
    assert page.locator(f'#alarm-queue tr[data-alarm="{alarm.pk}"]').count() == 0
    wall.wait_for_function("document.getElementById('alarm-count').textContent === '0 open'")
    assert "No open alarms." in wall.inner_text("#alarm-queue")
    assert wall.evaluate("window.__notReloaded") is True
    assert "false alarm" in page.inner_text("#detail-facts")
    assert page.locator("#alarm-actions").is_hidden()  # nothing more to do on a closed alarm
    page.wait_for_function(
        "[...document.querySelectorAll('#detail-timeline li')]"
        ".some(li => li.textContent.includes('closed by'))"
    )

    closed = Alarm.objects.get(pk=alarm.pk)
    assert closed.state == "closed" and closed.resolution == "false_alarm"
    entry = _audit("cctv.alarm_closed", alarm)
    assert entry.actor == user and entry.details["resolution"] == "false_alarm"
    assert page.js_errors == []
    screenshot(page, "console-action-close")
