"""The maps in a real browser: the offline street layer under the zones, panels linking a light
to its asset page, the asset page ringing its asset, lights selected by drawing a rectangle or
a polygon and overridden (exactly those lights), and 100,000 lights drawn."""

import time

import pytest

from cityplatform.roles import Role
from lighting.models import Override
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

READY = "document.getElementById('map').dataset.ready === '1'"


def _screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the screen, from the page's own map."""
    box = page.locator("#map").bounding_box()
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.cityMap.leaflet.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    return box["x"] + x, box["y"] + y


def _bounds(lights) -> tuple[float, float, float, float]:
    lats = [light.latitude for light in lights]
    lons = [light.longitude for light in lights]
    return min(lats), min(lons), max(lats), max(lons)


def test_the_street_layer_and_a_light_s_panel_lead_to_its_asset_page(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=4, level=35)
    light = city.lights[1]
    sign_in(browser_page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    browser_page.goto(f"{asgi_server.url}/overview/")
    browser_page.wait_for_function(READY)
    browser_page.wait_for_function("document.getElementById('map').dataset.streets === '1'")
    assert browser_page.locator("#map").get_attribute("data-base") == "streets"
    # Cheapside, the seeded street, is drawn in the streets pane, under the zones.
    label = browser_page.locator(".leaflet-streetLabels-pane .street-label")
    assert label.all_inner_texts() == ["Cheapside"]
    z_streets = browser_page.evaluate(
        "getComputedStyle(document.querySelector('.leaflet-streets-pane')).zIndex"
    )
    z_zones = browser_page.evaluate(
        "getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex"
    )
    assert int(z_streets) < int(z_zones)

    # A click on a light opens its panel; the panel's link opens its asset page.
    x, y = _screen_point(browser_page, light.latitude, light.longitude)
    browser_page.mouse.click(x, y)
    panel = browser_page.locator(f'.leaflet-popup .map-panel[data-device="{light.device_id}"]')
    panel.wait_for()
    assert "35 %" in panel.inner_text() and "Zone: Cheapside" in panel.inner_text()
    screenshot(browser_page, "map-light-panel")
    panel.get_by_role("link", name="Open the asset page").click()
    browser_page.wait_for_url(f"**/assets/{light.device_id}/")
    browser_page.wait_for_function(READY)
    # The asset page's map rings and names its asset, centred on it.
    assert browser_page.locator("#map").get_attribute("data-focus") == light.device_id
    focus = browser_page.locator(".focus-label")
    assert focus.inner_text() == f"This asset: {light.device_id}"
    centre = browser_page.evaluate(
        "(() => { const c = window.cityMap.leaflet.getCenter(); return [c.lat, c.lng]; })()"
    )
    assert centre == pytest.approx([light.latitude, light.longitude], abs=1e-5)
    screenshot(browser_page, "map-asset-focus")

    # A zone's panel: its name, its lights, a link to its assets.
    browser_page.goto(f"{asgi_server.url}/overview/")
    browser_page.wait_for_function(READY)
    zone = city.zones[1]
    corner = zone.boundary["coordinates"][0][0]
    x, y = _screen_point(browser_page, corner[1] + 0.0001, corner[0] + 0.0019)
    browser_page.mouse.click(x, y)
    zone_panel = browser_page.locator(f'.leaflet-popup .map-panel[data-zone="{zone.pk}"]')
    zone_panel.wait_for()
    assert "Guildhall Yard" in zone_panel.inner_text() and "4 lights" in zone_panel.inner_text()
    zone_panel.get_by_role("link", name="The zone's assets").click()
    browser_page.wait_for_url(f"**/assets/?zone={zone.pk}")


def test_a_lighting_operator_overrides_exactly_the_lights_drawn_around(
    make_user, asgi_server, browser_page
):
    city = build_city(lights_per_zone=4, level=35)
    first, second = city.lights[:4], city.lights[4:8]
    sign_in(browser_page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    browser_page.goto(f"{asgi_server.url}/lighting/")
    browser_page.wait_for_function(READY)
    tools = browser_page.locator("#map-select")

    # A rectangle dragged around the first zone's four lights (and no other).
    south, west, north, east = _bounds(first)
    tools.get_by_role("button", name="Select by rectangle").click()
    x0, y0 = _screen_point(browser_page, north + 0.0002, west - 0.0002)
    x1, y1 = _screen_point(browser_page, south - 0.0002, east + 0.0002)
    browser_page.mouse.move(x0, y0)
    browser_page.mouse.down()
    browser_page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    browser_page.mouse.move(x1, y1, steps=4)
    browser_page.mouse.up()
    assert tools.get_attribute("data-selected") == "4"
    assert "4 lights selected." in tools.inner_text()
    assert browser_page.locator(".leaflet-popup").count() == 0  # the drag opened no panel
    tools.locator("input[name=reason]").fill("Road works on Cheapside")
    tools.locator("input[name=level]").fill("90")
    screenshot(browser_page, "map-drawn-selection")
    tools.get_by_role("button", name="Override the selected lights").click()
    browser_page.wait_for_function("document.getElementById('map-select').dataset.override")
    assert "Override made: max 90 % on 4 lights" in tools.inner_text()
    override = Override.objects.get(pk=tools.get_attribute("data-override"))
    assert sorted(override.light_ids) == sorted(light.pk for light in first)
    assert (override.scope_kind, override.level, override.operation) == ("lights", 90, "max")
    assert override.reason == "Road works on Cheapside" and override.expires_at is not None

    # A polygon (five corners clicked, the last one double-clicked) around two lights only.
    chosen = second[:2]
    south, west, north, east = _bounds(chosen)
    pad = 0.0002
    corners = [
        (north + pad, west - pad),
        (north + pad, east + pad),
        (south - pad, east + pad),
        (south - 2 * pad, (west + east) / 2),
        (south - pad, west - pad),
    ]
    tools.get_by_role("button", name="Select by polygon").click()
    for corner in corners[:-1]:
        browser_page.mouse.click(*_screen_point(browser_page, *corner))
    browser_page.mouse.dblclick(*_screen_point(browser_page, *corners[-1]))
    assert sorted(browser_page.evaluate("window.cityMapSelect.selected()")) == sorted(
        light.device_id for light in chosen
    )
    assert "2 lights selected." in tools.inner_text()
    tools.locator("input[name=reason]").fill("Event at the Guildhall")
    tools.locator("select[name=operation]").select_option("set")
    tools.get_by_role("button", name="Override the selected lights").click()
    browser_page.wait_for_function(
        f"document.getElementById('map-select').dataset.override !== '{override.pk}'"
    )
    second_override = Override.objects.get(pk=tools.get_attribute("data-override"))
    assert sorted(second_override.light_ids) == sorted(light.pk for light in chosen)
    assert second_override.operation == "set"
    assert browser_page.js_errors == []


def test_roles_that_may_not_override_any_light_get_no_drawing_tools(
    make_user, asgi_server, browser_page
):
    build_city(lights_per_zone=2)
    sign_in(browser_page, asgi_server, make_user(Role.SECURITY_OPERATOR).username)
    browser_page.goto(f"{asgi_server.url}/security/")
    browser_page.wait_for_function(READY)
    assert browser_page.locator("#map-select").count() == 0
    assert browser_page.locator("button", has_text="Select by rectangle").count() == 0


def test_an_administrator_draws_over_the_console_map(make_user, asgi_server, browser_page):
    """The console shows the drawing tools to whoever may create any override (its security
    roles may boost a zone or a point only, so they get none)."""
    city = build_city(lights_per_zone=3)
    sign_in(browser_page, asgi_server, make_user(Role.ADMINISTRATOR).username)
    browser_page.goto(f"{asgi_server.url}/security/")
    browser_page.wait_for_function(READY)
    tools = browser_page.locator("#map-select")
    south, west, north, east = _bounds(city.lights[3:6])
    tools.get_by_role("button", name="Select by rectangle").click()
    browser_page.mouse.move(*_screen_point(browser_page, north + 0.0002, west - 0.0002))
    browser_page.mouse.down()
    browser_page.mouse.move(*_screen_point(browser_page, south - 0.0002, east + 0.0002), steps=6)
    browser_page.mouse.up()
    assert tools.get_attribute("data-selected") == "3"

    # By keyboard: the map focused and zoomed in on one light, then "The lights in view".
    light = city.lights[4]
    browser_page.evaluate(
        "([lat, lon]) => window.cityMap.leaflet.setView([lat, lon], 20, {animate: false})",
        [light.latitude, light.longitude],
    )
    tools.get_by_role("button", name="The lights in view").focus()
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("window.cityMapSelect.selected()") == [light.device_id]


def _seed_lights(count: int) -> None:
    """`count` lights on a grid over the City of London, written in bulk (a benchmark's city:
    the registry's services would take minutes for this many)."""
    from devices.models import Asset, AssetState

    side = int(count**0.5) + 1
    assets = Asset.objects.bulk_create(
        [
            Asset(
                device_id=f"SL-{n:06d}",
                kind="streetlight",
                name=f"Light {n}",
                latitude=51.505 + 0.02 * (n // side) / side,
                longitude=-0.115 + 0.045 * (n % side) / side,
                status="active",
            )
            for n in range(count)
        ],
        batch_size=10_000,
    )
    AssetState.objects.bulk_create(
        [
            AssetState(asset=a, online=n % 97 != 0, level=(n * 7) % 101)
            for n, a in enumerate(assets)
        ],
        batch_size=10_000,
    )


def test_a_hundred_thousand_lights_are_drawn_and_pan(make_user, asgi_server, browser_page):
    """Gives the figures (printed; timing is measured, not asserted: see `make bench`): the
    real page, its real map data (from the database, compressed) and Chromium's drawing."""
    _seed_lights(100_000)
    sign_in(browser_page, asgi_server, make_user(Role.ASSET_MANAGER).username)
    started = time.monotonic()
    browser_page.goto(f"{asgi_server.url}/overview/")
    browser_page.wait_for_function(READY, timeout=60_000)
    loaded = time.monotonic() - started
    assert browser_page.locator("#map").get_attribute("data-lights") == "100000"
    draw_ms = browser_page.locator("#map").get_attribute("data-draw-ms")
    timing = browser_page.evaluate(
        """() => { const nav = performance.getEntriesByType("navigation")[0];
          const data = performance.getEntriesByType("resource")
            .find(e => e.name.includes("map.json"));
          return { page: nav.responseEnd - nav.startTime, dataStart: data.startTime,
                   data: data.responseEnd - data.startTime, kib: data.encodedBodySize / 1024 }; }"""
    )
    redraw_ms = browser_page.evaluate(  # every light in view (the map fits them all)
        "(() => { const t = performance.now(); window.cityMap.devices._drawAll();"
        " return performance.now() - t; })()"
    )
    screenshot(browser_page, "map-100k")
    # Frames while a person drags the map over the lights and zooms in and out (the rAF gaps).
    browser_page.evaluate(
        """() => { window.frameGaps = []; let last = performance.now();
          const tick = (t) => { window.frameGaps.push(t - last); last = t;
            if (window.frameGaps) requestAnimationFrame(tick); };
          requestAnimationFrame(tick); }"""
    )
    box = browser_page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [(200, 120), (-200, -120)]:
        browser_page.mouse.move(cx, cy)
        browser_page.mouse.down()
        browser_page.mouse.move(cx + dx, cy + dy, steps=30)
        browser_page.mouse.up()
        browser_page.wait_for_timeout(300)
    for delta in (-300, 300):  # the wheel: zoom in, then out (animated)
        browser_page.mouse.wheel(0, delta)
        browser_page.wait_for_timeout(600)
    frames = browser_page.evaluate(
        """() => { const g = window.frameGaps.slice(1).sort((a, b) => a - b);
          window.frameGaps = null;
          return { median: g[Math.floor(g.length / 2)], p95: g[Math.floor(g.length * 0.95)],
                   worst: g[g.length - 1] }; }"""
    )
    print(
        f"\n100,000 lights: page to drawn {loaded:.2f} s (the page {timing['page']:.0f} ms; "
        f"the map data asked at {timing['dataStart']:.0f} ms, read and sent in "
        f"{timing['data']:.0f} ms, {timing['kib']:.0f} KiB compressed), "
        f"drawn in {draw_ms} ms, a redraw {redraw_ms:.0f} ms; while dragging and zooming: "
        f"median frame {frames['median']:.0f} ms, p95 {frames['p95']:.0f} ms, "
        f"worst {frames['worst']:.0f} ms"
    )
    assert browser_page.js_errors == []


def test_the_demo_city_is_drawn_on_its_own_streets(make_user, asgi_server, browser_page):
    from devices.demo_data import BRIDGES, STREETS, seed_demo_city

    seed_demo_city()
    sign_in(browser_page, asgi_server, make_user(Role.VIEWER).username)
    browser_page.goto(f"{asgi_server.url}/overview/")
    browser_page.wait_for_function(READY)
    streets = len(STREETS) + len(BRIDGES)
    browser_page.wait_for_function(
        f"document.getElementById('map').dataset.streets === '{streets}'"
    )
    browser_page.evaluate(
        "window.cityMap.leaflet.setView([51.5138, -0.0955], 16, {animate: false})"
    )
    names = set(browser_page.locator(".street-label").all_inner_texts())
    assert {"Cheapside", "London Bridge"} <= names and len(names) == streets
    screenshot(browser_page, "map-demo-city")
    assert browser_page.evaluate("window.cityMap.lights().length") > 500
