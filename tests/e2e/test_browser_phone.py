"""Every page at 375 px (a phone) for each demo role: nothing wider than the screen, the
navigation behind a menu button with Sign out in reach; a skip link; a real favicon."""

import json

import pytest

from cityplatform.roles import Role
from tests.dashboards.city import build_city
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
# Every page of the site; a role that may not open one gets the 403 page, which must fit too.
PAGES = [
    "/overview/",
    "/security/",
    "/lighting/",
    "/lighting/programmes/",
    "/lighting/calendars/",
    "/lighting/energy/",
    "/assets/",
    "/assets/?kind=streetlight&sort=-level",
    "/assets/import/",
    "/assets/rejected/",
    "/assets/SL-0000/",
    "/assets/CAM-0/",
    "/insights/",
    "/accounts/password_change/",
    "/no-such-page/",
]
# The demo's accounts: its administrator (a superuser, None here) and one account per role
ROLES = [
    None,
    Role.LIGHTING_OPERATOR,
    Role.SECURITY_OPERATOR,
    Role.SECURITY_SUPERVISOR,
    Role.ASSET_MANAGER,
    Role.VIEWER,
]

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const box = el.getBoundingClientRect();
        if (!box.width || getComputedStyle(el).position === 'fixed') return false;
        // inside an element that scrolls by itself (a table, the tabs) it may be wider
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            const style = getComputedStyle(p);
            if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) return false;
        }
        return box.right > width + 1 || box.left < -1;
    }).slice(0, 4).map(
        (el) => el.outerHTML.slice(0, 90) + ' ' + Math.round(el.getBoundingClientRect().right));
    return {scroll: document.documentElement.scrollWidth, width: width, wide: wide};
}"""


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)  # the pages' scripts draw their tables and charts


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name.lower() if r else "administrator")
def test_every_page_fits_a_phone_for_each_role(role, make_user, asgi_server, browser_page):
    build_city(lights_per_zone=3)
    user = make_user(role) if role else make_user(superuser=True)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(asgi_server.url + "/accounts/login/")  # the sign-in page, before signing in
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and not found["wide"], found
    sign_in(page, asgi_server, user.username)

    too_wide = {}
    for address in PAGES:
        response = page.goto(asgi_server.url + address)
        assert response.status in (200, 403, 404), (address, response.status)
        _settle(page)
        found = page.evaluate(OVERFLOW)
        slug = address.strip("/").replace("/", "-").replace("?", "-") or "home"
        screenshot(page, f"phone-{user.username}-{slug}")
        if found["scroll"] > found["width"] or found["wide"]:
            too_wide[address] = found
    assert not too_wide, json.dumps(too_wide, indent=1)
    assert page.js_errors == []


def test_the_menu_button_opens_the_navigation_and_sign_out_on_a_phone(
    make_user, asgi_server, browser_page
):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, asgi_server, make_user(Role.LIGHTING_OPERATOR).username)
    page.goto(asgi_server.url + "/lighting/")
    _settle(page)

    assert page.is_hidden("nav[aria-label=Main]")
    toggle = page.locator("#menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = page.locator("nav[aria-label=Main] a")
    assert links.all_inner_texts() == ["Lighting", "Insights", "Overview", "API"]
    sign_out = page.get_by_role("button", name="Sign out")
    box = sign_out.bounding_box()
    assert sign_out.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    assert page.is_hidden("nav[aria-label=Main]")
    toggle.click()
    links.filter(has_text="Overview").click()
    page.wait_for_url("**/overview/")
    page.locator("#menu-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.js_errors == []


def test_a_skip_link_leads_past_the_navigation_and_the_favicon_is_real(
    make_user, asgi_server, browser_page
):
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.VIEWER).username)
    page.goto(asgi_server.url + "/overview/")
    _settle(page)

    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    icon = page.get_attribute("link[rel=icon]", "href")
    answer = page.request.get(asgi_server.url + icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    legacy = page.request.get(asgi_server.url + "/favicon.ico")  # the admin, the API docs
    assert legacy.status == 200 and answer.body() == legacy.body()


def test_the_security_console_fits_a_tablet(make_user, asgi_server, browser_page):
    build_city(lights_per_zone=3)
    page = browser_page
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, asgi_server, make_user(Role.SECURITY_OPERATOR).username)
    page.goto(asgi_server.url + "/security/")
    _settle(page)

    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and not found["wide"], found
    assert page.locator("#brighten-submit").is_visible()
    page.click("#menu-toggle")  # the navigation and Sign out behind the menu button
    assert page.locator("nav[aria-label=Main] a").all_inner_texts() == [
        "Security console",
        "Emergency plans",
        "Overview",
        "API",
    ]
    assert page.get_by_role("button", name="Sign out").is_visible()
    screenshot(page, "tablet-security-console")
