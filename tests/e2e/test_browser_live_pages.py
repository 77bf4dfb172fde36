"""Issue #19, item 2: the lighting page follows overrides live (made, cancelled and expired
through the real services, without a reload: the override table and the zones' desired
levels), and a page that does not update says so."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from dashboards.selectors import zone_light_levels
from lighting.services.override_boundaries import overrides_sweep
from lighting.services.overrides import OverrideScope, override_cancel, override_create
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _boost(zone, *, level: float, reason: str, minutes: float):
    return override_create(
        scope=OverrideScope(zone_id=zone.pk),
        level=level,
        operation="max",
        priority=8,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        reason=reason,
        actor="tests",
    )


def test_overrides_made_cancelled_and_expired_show_on_the_lighting_page_live(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3, level=35)
    zone = city.zones[0]
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.wait_for_function("document.body.dataset.live === 'live'")
    assert "No active override" in page.inner_text("#override-table")
    assert not page.is_visible("#not-live")  # this page is live: it does not say otherwise
    page.evaluate("window.notReloaded = true")

    market = off_the_browser_thread(_boost, zone, level=90, reason="Street market", minutes=30)
    row = page.locator(f'#override-table tr[data-override="{market.pk}"]')
    row.wait_for()
    assert "Street market" in row.inner_text()
    page.wait_for_function(
        "(z) => document.querySelector(`#zone-table tr[data-zone='${z}'] td[data-col=desired]`)"
        ".textContent.trim() === '90 %'",
        arg=str(zone.pk),
    )
    assert page.inner_text("#override-panel h2 .count") == "1"
    screenshot(page, "lighting-override-live")

    # A short one, ended by the sweep at its expiry (as the every-10-s task does).
    brief = off_the_browser_thread(_boost, zone, level=95, reason="Short event", minutes=0.03)
    short_row = page.locator(f'#override-table tr[data-override="{brief.pk}"]')
    short_row.wait_for()
    time.sleep(2.2)
    counts = off_the_browser_thread(overrides_sweep)
    assert counts["ended"] == 1
    short_row.wait_for(state="detached")
    assert row.is_visible()

    off_the_browser_thread(override_cancel, override=market, actor="tests", reason="Market over")
    row.wait_for(state="detached")
    # Back to the programme (none here: off), as the server renders it now.
    level = next(z for z in zone_light_levels() if z["pk"] == zone.pk)["desired"]
    now_desired = "—" if level is None else f"{level:.0f} %"
    assert now_desired != "90 %"
    page.wait_for_function(
        "([z, d]) => document.querySelector("
        "`#zone-table tr[data-zone='${z}'] td[data-col=desired]`).textContent.trim() === d",
        arg=[str(zone.pk), now_desired],
    )
    assert "No active override" in page.inner_text("#override-table")
    # The cancel button of a row rendered live still works.
    again = off_the_browser_thread(_boost, zone, level=80, reason="Concert", minutes=30)
    fresh = page.locator(f'#override-table tr[data-override="{again.pk}"]')
    fresh.locator("button.cancel-override").click()
    fresh.wait_for(state="detached")
    again.refresh_from_db()
    assert again.ended_at is not None
    assert page.evaluate("window.notReloaded === true")
    assert page.js_errors == []


def test_a_page_that_does_not_update_says_so(make_user, asgi_server, browser_page):
    build_city(lights_per_zone=1)
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    page.goto(f"{asgi_server.url}/assets/")
    note = page.locator("#not-live")
    assert note.is_visible()
    assert note.inner_text() == "Not live — reload for the latest"
    assert page.get_attribute("#not-live a", "href") == ""
    screenshot(page, "assets-not-live")
    assert page.js_errors == []
