"""Every page works in a real browser under the Content-Security-Policy: Chromium reports no
violation (a blocked inline script, style or connection) and no script error, and the pages'
scripts ran (the map drawn, the live socket connected, Swagger UI rendered)."""

import pytest

from cityplatform.roles import Role
from tests.devices.registry_factories import make_light, make_zone
from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,
    _chromium_path,
    _server_connections_closed,
    asgi_server,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIVE_PAGES = ["/overview/", "/security/", "/lighting/", "/assets/SL-CSP-1/"]
OTHER_PAGES = [
    "/lighting/programmes/",
    "/lighting/calendars/",
    "/lighting/energy/",
    "/insights/",
    "/assets/",
    "/assets/import/",
    "/admin/",
    "/admin/auth/user/",
]


@pytest.fixture
def strict_page(tmp_path):
    """A Chromium page with the policy in force (the e2e pages bypass it for Playwright's
    wait_for_function, which this file does without)."""
    from playwright.sync_api import sync_playwright

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


VIOLATIONS = """() => {
  window.cspViolations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
}"""


def test_every_page_runs_under_the_policy(make_user, asgi_server, strict_page):  # noqa: F811
    make_zone("CSP zone", -0.0922, 51.5155, 0.002)
    make_light("SL-CSP-1", 51.5155, -0.0922)
    admin = make_user(superuser=True)
    messages: list[str] = []
    strict_page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    strict_page.add_init_script(f"({VIOLATIONS})()")
    sign_in(strict_page, asgi_server, admin.username)

    for path in LIVE_PAGES + OTHER_PAGES:
        response = strict_page.goto(asgi_server.url + path)
        assert response.status == 200, path
        strict_page.wait_for_load_state("networkidle")
        if path in LIVE_PAGES:
            strict_page.wait_for_selector("body[data-live='live']", state="attached")
        if path in ("/overview/", "/lighting/", "/security/"):
            assert strict_page.locator("#map .leaflet-pane").count() > 0, path
        assert strict_page.evaluate("window.cspViolations") == [], path

    strict_page.goto(asgi_server.url + "/api/docs/")
    strict_page.wait_for_selector(".swagger-ui .info .title")
    assert strict_page.evaluate("window.cspViolations") == []
    assert messages == []
    assert strict_page.js_errors == []


def test_an_injected_inline_script_does_not_run(make_user, asgi_server, strict_page):  # noqa: F811
    viewer = make_user(Role.VIEWER)
    sign_in(strict_page, asgi_server, viewer.username)
    strict_page.goto(asgi_server.url + "/overview/")
    ran = strict_page.evaluate(
        """() => new Promise((done) => {
             const s = document.createElement("script");
             s.textContent = "window.injected = true";
             document.body.appendChild(s);
             setTimeout(() => done(window.injected === true), 200);
           })"""
    )
    assert ran is False
