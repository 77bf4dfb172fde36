"""axe-core on every page of the site for each of the six demo roles: no serious or critical
WCAG 2.2 A/AA violation (contrast, names, labels, landmarks, links told apart by more than
colour, ...), and every chart has its table of figures beside it (opened, and checked too). A
page a role may not open is its 403 page, which is checked as well; the sign-in page is
checked signed out. The engine is vendored (tests/e2e/vendor/axe-core)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.models import Telemetry
from tests.dashboards.city import alarm_rules, build_city, raise_alarm
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import off_the_browser_thread, sign_in
from tests.e2e.journeys import settle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Every page of dashboards/urls.py a person opens (the JSON and CSV addresses are not pages),
# the account pages and the error pages.
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
    "/assets/SL-0000/edit/",
    "/assets/CAM-0/",
    "/insights/",
    "/cameras/register/",
    "/cctv/purposes/",
    f"/cctv/review/{timezone.localdate().year}/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
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


# Charts (Chart.js) without their "Show the figures as a table" toggle beside them
CHARTS_WITHOUT_TABLE = """() => [...document.querySelectorAll('canvas')]
    .filter((c) => window.Chart && Chart.getChart(c))
    .filter((c) => {
        const box = c.closest('.chart-box') || c;
        const next = box.nextElementSibling;
        return !(next && next.matches('details.chart-table'));
    }).map((c) => c.id)"""


def _settle(page) -> None:
    settle(page)
    page.wait_for_timeout(50)


def _open_chart_tables(page) -> list[str]:
    """Opens every chart's table (checked by axe as well); → the charts that have none."""
    missing = page.evaluate(CHARTS_WITHOUT_TABLE)
    page.evaluate(
        "() => document.querySelectorAll('details.chart-table').forEach(d => d.open = true)"
    )
    page.wait_for_timeout(50)
    return [f"chart #{name} has no table alternative" for name in missing]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name.lower() if r else "administrator")
def test_no_serious_accessibility_violation_on_any_page(role, make_user, asgi_server, browser_page):
    city = build_city(lights_per_zone=3)
    alarm_rules()
    off_the_browser_thread(raise_alarm, city.cameras[0], "ev-a11y-1")  # the queue has a row
    now = timezone.now()  # SL-0000's page draws its telemetry chart
    Telemetry.objects.bulk_create(
        Telemetry(asset=city.lights[0], ts=now - timedelta(hours=h), level=30, power_w=12.5)
        for h in range(1, 6)
    )
    user = make_user(role) if role else make_user(superuser=True)
    page = browser_page
    page.goto(asgi_server.url + "/accounts/login/")
    found = {"/accounts/login/": serious_violations(page)}
    sign_in(page, asgi_server, user.username)

    for address in PAGES:
        response = page.goto(asgi_server.url + address)
        assert response.status in (200, 403, 404), (address, response.status)
        _settle(page)
        found[address] = _open_chart_tables(page) + serious_violations(page)
    found = {address: problems for address, problems in found.items() if problems}
    assert not found, "\n".join(f"{a}:\n  " + "\n  ".join(p) for a, p in found.items())
    assert page.js_errors == []


def test_the_checker_sees_a_violation(make_user, asgi_server, browser_page):
    """The check is live: a page made worse (an image without a text alternative, grey on
    grey text) is reported, with the rule and the element."""
    page = browser_page
    sign_in(page, asgi_server, make_user(Role.VIEWER).username)
    page.goto(asgi_server.url + "/overview/")
    _settle(page)
    page.evaluate(
        """() => {
        const main = document.getElementById('main');
        const button = document.createElement('button');
        button.innerHTML = '<svg width="10" height="10"></svg>';
        button.id = 'nameless';
        main.append(button);
    }"""
    )
    problems = serious_violations(page)
    assert any("button-name" in p and "#nameless" in p for p in problems), json.dumps(problems)
