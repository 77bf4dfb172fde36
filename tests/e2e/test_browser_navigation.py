"""Signing in as each role lands on that role's page and shows only the navigation it may use."""

import pytest

from cityplatform.roles import Role
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# role → (the page the home sends it to, the navigation entries it sees)
EXPECTED = {
    Role.SECURITY_OPERATOR: (
        "/security/",
        ["Security console", "Emergency plans", "Overview", "API"],
    ),
    Role.SECURITY_SUPERVISOR: (
        "/security/",
        ["Security console", "Emergency plans", "Insights", "Overview", "Camera purposes", "API"],
    ),
    Role.LIGHTING_OPERATOR: ("/lighting/", ["Lighting", "Insights", "Overview", "API"]),
    Role.ASSET_MANAGER: ("/assets/", ["Assets", "Overview", "API"]),
    Role.VIEWER: ("/overview/", ["Overview", "API"]),
}


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda role: role.name.lower())
def test_each_role_sees_only_its_navigation(role, make_user, asgi_server, browser_page):
    landing, entries = EXPECTED[role]
    user = make_user(role)

    sign_in(browser_page, asgi_server, user.username)

    assert browser_page.url == asgi_server.url + landing
    nav = browser_page.locator("header nav a")
    assert nav.all_inner_texts() == entries
    assert browser_page.locator("header nav a.active").inner_text() == entries[0]
    if landing != "/assets/":  # pages with live updates connect and subscribe
        browser_page.wait_for_function("document.body.dataset.live === 'live'")
    assert browser_page.js_errors == []
    screenshot(browser_page, f"navigation-{role.name.lower()}")


def test_a_page_outside_the_role_is_refused(make_user, asgi_server, browser_page):
    user = make_user(Role.VIEWER)
    sign_in(browser_page, asgi_server, user.username)

    response = browser_page.goto(f"{asgi_server.url}/security/")

    assert response.status == 403
