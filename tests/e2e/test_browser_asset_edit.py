"""The asset pages edit in a real browser (issue #19, item 3): an asset manager edits a light
from its page, raises a work order for its fault and closes it, and changes the status of two
lights ticked in the inventory after a preview."""

import pytest

from cityplatform.roles import Role
from devices.models import Asset, Fault, MaintenanceRecord
from devices.services.faults import fault_raise
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_page(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=3)
    user = make_user(Role.ASSET_MANAGER)
    sign_in(browser_page, asgi_server, user.username)
    return city, user, browser_page


def test_an_asset_is_edited_and_its_fault_mended_through_a_work_order(manager_page, asgi_server):
    city, user, page = manager_page
    light = city.lights[0]
    fault, _ = fault_raise(asset=light, type="lamp_failure")
    page.goto(f"{asgi_server.url}/assets/{light.device_id}/")

    # Edit: a new serial and a wattage the import got wrong
    page.click("#edit-asset")
    page.fill("#asset-form input[name=serial]", "CHS-0001")
    page.fill("#asset-form input[name=rated_power_w]", "36")
    screenshot(page, "asset-edit-form")
    page.click("#asset-form button[type=submit]")
    page.locator("#page-messages").wait_for()
    assert f"{light.device_id} saved." in page.inner_text("#page-messages")
    assert "CHS-0001" in page.inner_text(".facts")

    # A work order for the fault: raised, assigned, done
    page.locator("#fault-table [data-action=acknowledge]").click()
    page.locator("#page-messages").wait_for()
    assert user.username in page.inner_text("#fault-table")
    if not page.locator("#maintenance-form").is_visible():
        page.click("#log-maintenance summary")
    page.select_option("#maintenance-form select[name=kind]", "lamp_change")
    page.select_option("#maintenance-form select[name=fault]", str(fault.pk))
    page.fill("#maintenance-form input[name=assigned_to]", "Crew 3")
    page.click("#maintenance-form button[type=submit]")
    page.locator("#work-orders").wait_for()
    assert "Crew 3" in page.inner_text("#work-orders")
    page.select_option(".progress-form select[name=status]", "done")
    page.click(".progress-form button[type=submit]")
    page.wait_for_function("document.querySelector('#work-orders .pill.done') !== null")

    light.refresh_from_db()
    assert light.serial == "CHS-0001" and light.streetlight.rated_power_w == 36
    order = MaintenanceRecord.objects.get(asset=light)
    assert (order.status, order.assigned_to, order.fault_id) == ("done", "Crew 3", fault.pk)
    assert Fault.objects.get(pk=fault.pk).cleared_at is not None
    assert "open" not in page.inner_text("#fault-table")
    assert page.js_errors == []
    screenshot(page, "asset-edit-work-order")


def test_a_selection_changes_status_after_a_preview(manager_page, asgi_server):
    city, _user, page = manager_page
    a, b = city.lights[:2]
    page.goto(f"{asgi_server.url}/assets/")
    page.check("#select-page")  # every asset on the page: 3 lights and a camera per zone
    assert page.inner_text("#ticked") == "8 ticked"
    page.uncheck("#select-page")
    page.check(f"input[name=device_id][value='{a.device_id}']")
    page.check(f"input[name=device_id][value='{b.device_id}']")
    page.select_option("#bulk-form select[name=status]", "maintenance")
    page.click("#bulk-form button[type=submit]")

    page.locator("#bulk-preview").wait_for()
    assert "2 of 2 will change" in page.inner_text("#bulk-summary")
    screenshot(page, "assets-bulk-preview")
    assert Asset.objects.filter(status="maintenance").count() == 0
    page.click("#bulk-confirm button[type=submit]")

    page.wait_for_url(f"{asgi_server.url}/assets/**")
    assert "2 assets now in maintenance." in page.inner_text("#page-messages")
    assert Asset.objects.filter(pk__in=[a.pk, b.pk], status="maintenance").count() == 2
    assert page.js_errors == []
    screenshot(page, "assets-bulk-status")
