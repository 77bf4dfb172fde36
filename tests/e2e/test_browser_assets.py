"""The asset pages in a real browser: the CSV import (run by a real worker) shows the bad
rows; the inventory pages; a light's level published on the real live path changes the map
without a reload."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from cityplatform.celery import app as celery_app
from cityplatform.live import live_publish
from cityplatform.roles import Role
from devices.choices import AssetKind
from devices.models import Asset
from tests.dashboards.city import build_city
from tests.e2e.conftest import off_the_browser_thread, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BAD_CSV = (
    "device_id,kind,latitude,longitude,name\n"
    "SL-IMP-1,streetlight,51.5145,-0.0935,Fine\n"
    "SL-IMP-2,streetlight,95,-0.0935,Too far north\n"
    "SL-IMP-3,lamp,51.5146,-0.0936,Unknown kind\n"
    "SL-IMP-1,streetlight,51.5147,-0.0937,Twice\n"
)


def test_csv_import_page_shows_the_bad_rows(make_user, asgi_server, browser_page, tmp_path):
    user = make_user(Role.ASSET_MANAGER)
    file = tmp_path / "assets.csv"
    file.write_text(BAD_CSV)
    sign_in(browser_page, asgi_server, user.username)

    browser_page.click("text=Import CSV")
    browser_page.set_input_files("input[name=file]", str(file))
    browser_page.click("#import-form button[type=submit]")
    browser_page.wait_for_url("**/assets/import/*/")  # the job's page: queued for a worker
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["default"]):
        browser_page.locator("#import-report").wait_for(timeout=60_000)

    errors = browser_page.locator("#row-errors tbody tr")
    assert sorted(set(errors.evaluate_all("rows => rows.map(r => r.dataset.line)"))) == [
        "3",
        "4",
        "5",
    ]
    assert browser_page.locator("#invalid-rows").inner_text() == "3"
    assert "Nothing was imported" in browser_page.content()
    screenshot(browser_page, "assets-import-bad-rows")


def test_inventory_table_pages_and_sorts(make_user, asgi_server, browser_page):
    build_city(lights_per_zone=30)
    user = make_user(Role.ASSET_MANAGER)
    sign_in(browser_page, asgi_server, user.username)

    first = browser_page.locator("#asset-table tbody tr td.device-id").all_inner_texts()
    assert len(first) == 50 and first[0] == "CAM-0"
    browser_page.click("text=Next ›")
    assert "Page 2 of 2" in browser_page.inner_text(".pager")
    browser_page.click("#asset-table th >> text=Device id")  # sorted ascending: now descending
    browser_page.wait_for_url("**/assets/?*sort=-device_id*")
    assert browser_page.locator("#asset-table tbody tr td.device-id").first.inner_text() == (
        "SL-1029"
    )
    screenshot(browser_page, "assets-inventory")


def test_a_light_level_published_live_changes_the_map(make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=6, level=20)
    light = city.lights[0]
    user = make_user(Role.VIEWER)
    sign_in(browser_page, asgi_server, user.username)
    browser_page.wait_for_function("document.body.dataset.live === 'live'")
    browser_page.wait_for_function("document.getElementById('map').dataset.ready === '1'")
    assert browser_page.evaluate(f"cityMap.light('{light.device_id}').level") == 20
    # The subscription is sent on open; wait until the server has taken it.
    browser_page.wait_for_timeout(300)

    def publish():
        with transaction.atomic():
            live_publish(
                kind="light.state",
                data={"device_id": light.device_id, "level": 100, "zone_id": light.zone_id},
                topics=[f"zone:{light.zone_id}"],
            )

    off_the_browser_thread(publish)

    browser_page.wait_for_function(f"cityMap.light('{light.device_id}').level === 100")
    assert browser_page.js_errors == []
    screenshot(browser_page, "overview-live-level")


def test_the_map_fits_the_zones_not_a_stray_asset(make_user, asgi_server, browser_page):
    """An asset registered before the site's bounds were checked, with latitude and longitude
    swapped, zoomed every map out to the whole world; the map fits the city's zones."""
    build_city(lights_per_zone=4)
    Asset.objects.create(
        device_id="SL-STRAY", kind=AssetKind.STREETLIGHT, latitude=-0.1052, longitude=51.514
    )
    sign_in(browser_page, asgi_server, make_user(Role.VIEWER).username)
    browser_page.wait_for_function("document.getElementById('map').dataset.ready === '1'")
    view = browser_page.evaluate(
        "(() => { const b = cityMap.leaflet.getBounds(); "
        "return [cityMap.leaflet.getZoom(), b.getSouth(), b.getWest(), b.getNorth(), b.getEast()];"
        " })()"
    )
    zoom, south, west, north, east = view
    assert zoom >= 14, view  # a few streets, not the world
    assert 51.50 < south < north < 51.53 and -0.12 < west < east < -0.06, view
