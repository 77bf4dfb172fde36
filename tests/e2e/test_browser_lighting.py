"""The lighting page in a real browser: zones with levels, an active override cancelled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from lighting.models import Override
from lighting.services.overrides import OverrideScope, override_create
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_operator_cancels_an_active_override(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=4, level=35)
    override = override_create(
        scope=OverrideScope(zone_id=city.zones[0].pk),
        level=90,
        operation="max",
        priority=8,
        expires_at=timezone.now() + timedelta(minutes=30),
        reason="Street market",
        actor="tests",
    )
    sign_in(browser_page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    browser_page.wait_for_function("document.getElementById('map').dataset.ready === '1'")
    assert "Cheapside" in browser_page.inner_text("#zone-table")
    row = browser_page.locator(f'#override-table tr[data-override="{override.pk}"]')
    assert "Street market" in row.inner_text()
    screenshot(browser_page, "lighting-page")

    row.locator("button.cancel-override").click()
    row.wait_for(state="detached")
    assert browser_page.inner_text("#override-error") == ""
    assert Override.objects.get(pk=override.pk).ended_at is not None
