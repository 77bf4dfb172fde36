"""A page whose socket drops reconnects, subscribes again and catches up on what it missed."""

import pytest
from django.db import transaction

from cityplatform.live import live_publish
from cityplatform.roles import Role
from devices.models import AssetState
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_dropped_socket_reconnects_resubscribes_and_catches_up(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=3, level=20)
    missed, later = city.lights[0], city.lights[1]
    sign_in(browser_page, asgi_server, make_user(Role.VIEWER).username)
    browser_page.wait_for_function("document.body.dataset.live === 'live'")
    browser_page.wait_for_function("document.getElementById('map').dataset.ready === '1'")

    # While the socket is down, a light changes and its live message is missed.
    AssetState.objects.filter(asset=missed).update(level=80)
    browser_page.evaluate("cityLive.drop()")
    browser_page.wait_for_function("document.body.dataset.live === 'reconnecting'")

    browser_page.wait_for_function("document.body.dataset.live === 'live'")
    browser_page.wait_for_function(f"cityMap.light('{missed.device_id}').level === 80")
    browser_page.wait_for_timeout(300)  # the new subscription reaches the server

    def publish():
        with transaction.atomic():
            live_publish(
                kind="light.state",
                data={"device_id": later.device_id, "level": 65, "zone_id": later.zone_id},
                topics=[f"zone:{later.zone_id}"],
            )

    off_the_browser_thread(publish)
    browser_page.wait_for_function(f"cityMap.light('{later.device_id}').level === 65")
    assert browser_page.js_errors == []
    screenshot(browser_page, "overview-after-reconnect")
