"""The asset page's telemetry chart in a real browser: it opens on the last 24 hours of raw
samples, 7 d redraws it from the hourly roll-up, a range without readings says so in words,
and a range the API refuses says why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.models import Telemetry
from devices.services.rollup import telemetry_rollup
from tests.devices.gateway_helpers import make_light
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHART = "document.getElementById('telemetry-chart')"
HISTORY = "document.getElementById('telemetry-history')"


def drawn(page) -> int:
    return page.evaluate(f"Chart.getChart({CHART}).data.datasets[0].data.length")


def test_picking_7_days_redraws_the_chart_and_an_empty_range_says_so(
    make_user, asgi_server, browser_page
):
    light = make_light("SL-HIST")
    now = timezone.now()
    Telemetry.objects.bulk_create(
        Telemetry(asset=light, ts=now - timedelta(minutes=20 * i), level=40 + i % 50, power_w=30)
        for i in range(1, 7 * 72)  # a week, three samples an hour
    )
    telemetry_rollup()
    sign_in(browser_page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    browser_page.goto(f"{asgi_server.url}/assets/SL-HIST/")

    browser_page.wait_for_function(f"{HISTORY}.dataset.state === 'ready'")
    assert browser_page.evaluate(f"{CHART}.dataset.range") == "24h"
    assert 71 <= drawn(browser_page) <= 72  # every raw sample of the day
    assert "readings in the last 24 hours, shown as each reading" in browser_page.inner_text(
        "#telemetry-history"
    )

    browser_page.click("#telemetry-history button[data-range='7d']")
    browser_page.wait_for_function(
        f"{CHART}.dataset.range === '7d' && {HISTORY}.dataset.state === 'ready'"
    )
    assert 7 * 24 - 1 <= drawn(browser_page) <= 7 * 24 + 1  # hourly means
    assert browser_page.get_attribute("button[data-range='7d']", "aria-pressed") == "true"
    assert browser_page.get_attribute("button[data-range='24h']", "aria-pressed") == "false"
    assert "shown as hourly means" in browser_page.inner_text("#telemetry-history")
    screenshot(browser_page, "asset-history-7d")

    # A week long before the light reported: no readings, in words, and no chart.
    browser_page.fill("form.range-custom input[name=from]", "2025-01-01T00:00")
    browser_page.fill("form.range-custom input[name=to]", "2025-01-08T00:00")
    browser_page.click("form.range-custom button[type=submit]")
    browser_page.wait_for_function(f"{HISTORY}.dataset.state === 'empty'")
    assert browser_page.locator(".history-empty").is_visible()
    assert "No readings in this range" in browser_page.inner_text(".history-empty")
    assert not browser_page.locator("#telemetry-history .chart-box").is_visible()
    screenshot(browser_page, "asset-history-empty")

    # Two years: refused by the API, and the page says why.
    browser_page.fill("form.range-custom input[name=from]", "2024-01-01T00:00")
    browser_page.fill("form.range-custom input[name=to]", "2026-01-01T00:00")
    browser_page.click("form.range-custom button[type=submit]")
    browser_page.wait_for_function(f"{HISTORY}.dataset.state === 'error'")
    assert "longer than 366 days" in browser_page.inner_text(".history-status")
    assert browser_page.js_errors == []


def test_a_light_that_never_reported_says_so(make_user, asgi_server, browser_page):
    make_light("SL-QUIET")
    sign_in(browser_page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    browser_page.goto(f"{asgi_server.url}/assets/SL-QUIET/")
    browser_page.wait_for_function(f"{HISTORY}.dataset.state === 'empty'")
    assert "No readings in this range (the last 24 hours)." in browser_page.inner_text(
        ".history-empty"
    )
