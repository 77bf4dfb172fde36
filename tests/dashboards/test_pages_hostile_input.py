"""Hostile inputs to the pages added for issue #19 (the brighten count, the asset edit and bulk
forms, work orders, the energy page and API, the map data): each is a 4xx or the form again with
a reason, never a 500."""

import pytest

from cityplatform.roles import Role
from tests.dashboards.city import build_city

pytestmark = pytest.mark.django_db

HUGE = "9" * 400
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def city():
    return build_city(lights_per_zone=2)


def signed_in(client, make_user, role=None, **kw):
    user = make_user(role, **kw)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "zone=" + HUGE,
        "zone=-1",
        "zone=abc",
        "lat=1e308&lon=1e308&radius=1e308",
        "lat=nan&lon=0&radius=10",
        "lat=91&lon=0&radius=10",
        "lat=51.5&lon=-0.09&radius=-5",
        "lat=51.5&lon=-0.09&radius=" + HUGE,
        "lat=51.5&lon=-0.09&radius=100000000",
        "",
        "lat=" + DEEP,
    ],
)
def test_the_scope_count_never_fails(city, client, make_user, query):
    page = signed_in(client, make_user, superuser=True)
    response = page.get(f"/pages/scope-count.json?{query}")
    assert response.status_code in (200, 400), response.content[:300]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query",
    [
        "zone=" + HUGE,
        "day=9999-12-31",
        "day=0001-01-01",
        "day=abc",
        "month=9999-12",
        "month=2026-13",
        "month=abc",
        "month=" + HUGE,
        "period=" + DEEP,
        "by=charge_code&export=csv&day=9999-12-31",
    ],
)
def test_the_energy_page_and_api_never_fail(city, client, make_user, query):
    page = signed_in(client, make_user, superuser=True)
    for url in (f"/lighting/energy/?{query}", f"/api/v1/lighting/energy/?{query}"):
        response = page.get(url)
        assert response.status_code < 500, (url, response.content[:300])


@pytest.mark.parametrize(
    "body",
    [
        {"device_id": ["SL-NOPE"], "status": "maintenance"},
        {"device_id": [HUGE], "status": "maintenance", "confirm": "1"},
        {"device_id": ["x"] * 5000, "status": "maintenance"},
        {"status": "nonsense"},
        {"device_id": [DEEP], "status": DEEP},
    ],
)
def test_the_bulk_change_never_fails(city, client, make_user, body):
    page = signed_in(client, make_user, Role.ASSET_MANAGER)
    response = page.post("/assets/bulk/", body)
    assert response.status_code < 500, response.content[:300]


@pytest.mark.parametrize(
    "changes",
    [
        {"latitude": "1e308", "longitude": "nan"},
        {"latitude": HUGE},
        {"rated_power_w": HUGE},
        {"rated_power_w": "-1e308"},
        {"installed_on": "9999-99-99"},
        {"name": "x" * 100_000},
        {"status": DEEP},
    ],
)
def test_the_asset_edit_form_never_fails(city, client, make_user, changes):
    page = signed_in(client, make_user, Role.ASSET_MANAGER)
    light = city.lights[0]
    body = {
        "name": light.name,
        "status": light.status,
        "latitude": light.latitude,
        "longitude": light.longitude,
        "lamp_technology": "LED",
        "rated_power_w": "60",
    } | changes
    response = page.post(f"/assets/{light.device_id}/edit/", body)
    assert response.status_code < 500, response.content[:300]
    maintenance = page.post(
        f"/assets/{light.device_id}/maintenance/",
        {"summary": changes.get("name", "x"), "fault": HUGE, "assigned_to": DEEP},
    )
    assert maintenance.status_code < 500, maintenance.content[:300]


@pytest.mark.parametrize(
    "query", ["zones=" + HUGE, "zones=" + ",".join(["1"] * 20000), "zones=a,b"]
)
def test_the_map_data_never_fails(city, client, make_user, query):
    page = signed_in(client, make_user, Role.VIEWER)
    assert page.get(f"/pages/map.json?{query}").status_code < 500
    assert page.get("/pages/streets.json").status_code == 200
