"""The public camera register in a real browser, signed out and with the Content-Security-Policy
in force: the map draws one marker a published camera, a marker's panel gives its public
purpose, and nothing is blocked or fails."""

import pytest

from cctv.services.register import camera_purpose_set, purpose_create, purpose_publish
from devices.choices import AssetKind
from devices.models import Asset, CameraDetails
from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,
    _chromium_path,
    _server_connections_closed,
    asgi_server,
)
from tests.security.test_csp_browser import VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strict_page(tmp_path):
    from playwright.sync_api import sync_playwright  # deferred: only browser tests need it

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=_chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            bypass_csp=False,
        )
        context.set_default_timeout(15_000)
        page = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        try:
            yield page
        finally:
            context.close()


def test_the_public_register_map_shows_the_published_cameras(asgi_server, strict_page):  # noqa: F811
    purpose = purpose_create(
        data={
            "name": "Cheapside",
            "public_description": "Prevention and detection of crime",
            "operator": "City CCTV",
            "contact": "cctv@city.example",
        },
        actor="test",
    )
    for n, (lat, lon) in enumerate([(51.5138, -0.0940), (51.5142, -0.0925)]):
        camera = Asset.objects.create(
            device_id=f"CAM-MAP-{n}", kind=AssetKind.CAMERA, latitude=lat, longitude=lon
        )
        CameraDetails.objects.create(asset=camera)
        camera_purpose_set(camera_id=camera.pk, purpose=purpose, actor="test")
    purpose_publish(purpose=purpose, published=True, actor="test")

    strict_page.add_init_script(f"({VIOLATIONS})()")
    response = strict_page.goto(asgi_server.url + "/cameras/register/")
    assert response.status == 200
    strict_page.wait_for_selector("#register-map[data-ready='1']", state="attached")
    assert strict_page.locator("#register-map").get_attribute("data-cameras") == "2"
    markers = strict_page.locator("#register-map path.leaflet-interactive")
    assert markers.count() == 2
    markers.first.click(force=True)
    popup = strict_page.locator(".leaflet-popup-content")
    assert "Prevention and detection of crime" in popup.inner_text()
    assert strict_page.evaluate("window.cspViolations") == []
    assert strict_page.js_errors == []
