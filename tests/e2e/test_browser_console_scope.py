"""Brighten says how many lights its scope covers before it is confirmed, and refuses a scope
of none (issue #19, item 5): the form once defaulted to a zone with 0 lights and confirming
made an override of nothing."""

import pytest

from cityplatform.roles import Role
from devices.services.registry import zone_create
from lighting.models import Override
from tests.dashboards.city import build_city, square
from tests.e2e.test_browser_console import open_console

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_brighten_counts_the_lights_and_refuses_a_zone_without_any(
    make_user, asgi_server, browser_page
):
    # Given Cheapside with 5 lights and a street with none
    city = build_city(lights_per_zone=5)
    empty = zone_create(
        actor="tests",
        data={"name": "Empty Court", "kind": "street", "boundary": square(51.52, -0.09)},
    )
    page = browser_page
    open_console(page, asgi_server, make_user)
    form = "#brighten-form"

    # When the operator picks the empty street: the form says so, and will not confirm
    page.select_option(f"{form} select[name=zone]", str(empty.pk))
    page.wait_for_function(
        "document.getElementById('brighten-count').textContent === 'This covers no lights.'"
    )
    page.click("#brighten-submit")
    page.wait_for_function("document.getElementById('brighten-error').textContent !== ''")
    assert "Empty Court has no lights to brighten" in page.inner_text("#brighten-error")
    assert page.locator("#brighten-confirm").is_hidden()

    # When they pick Cheapside: 5 lights, said before and in the confirmation
    page.select_option(f"{form} select[name=zone]", str(city.zones[0].pk))
    page.wait_for_function(
        "document.getElementById('brighten-count').textContent === 'This covers 5 lights.'"
    )
    page.click("#brighten-submit")
    page.locator("#brighten-confirm").wait_for()
    assert "Cheapside (5 lights)" in page.inner_text("#brighten-summary")
    page.click("#brighten-go")
    page.locator("#override-list tr[data-override]").wait_for()

    assert Override.objects.get().zone_id == city.zones[0].pk
    assert page.js_errors == []


def test_the_count_endpoint_is_the_consoles_only(make_user, client):
    build_city(lights_per_zone=2)
    client.force_login(make_user(Role.ASSET_MANAGER))
    assert client.get("/pages/scope-count.json?zone=1").status_code == 403
