"""The maps' data: the offline street layer (the seeded city's streets and bridges, named),
the map settings each role's pages get, the lights' keys for a drawn selection, and the
override a drawn selection makes (through the API: a lighting operator may, others may not)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.roles import Role
from devices.demo_data import BRIDGES, STREETS
from devices.services.registry import zone_create
from lighting.models import Override
from tests.dashboards.city import build_city, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role):
        client.force_login(make_user(role))
        return client

    return sign_in


def test_the_street_layer_serves_the_seeded_streets_and_bridges_with_their_names(signed_in):
    build_city(lights_per_zone=1)  # Cheapside is one of the demo city's streets
    zone_create(
        actor="tests",
        data={
            "name": "London Bridge",
            "kind": "high_risk_site",
            "boundary": square(51.507, -0.088),
        },
    )
    response = signed_in(Role.VIEWER).get("/pages/streets.json")
    assert response.status_code == 200
    features = {f["properties"]["name"]: f for f in response.json()["features"]}
    assert set(features) == {"Cheapside", "London Bridge"}
    cheapside = next(points for name, *_rest, points in STREETS if name == "Cheapside")
    assert features["Cheapside"]["geometry"] == {
        "type": "LineString",
        "coordinates": [[lon, lat] for lat, lon in cheapside],
    }
    assert features["Cheapside"]["properties"]["kind"] == "street"
    _name, north, south, _cams = next(b for b in BRIDGES if b[0] == "London Bridge")
    assert features["London Bridge"]["geometry"]["coordinates"] == [
        [north[1], north[0]],
        [south[1], south[0]],
    ]
    assert features["London Bridge"]["properties"]["kind"] == "bridge"


def test_a_registry_without_the_demo_streets_gets_an_empty_layer(signed_in):
    zone_create(
        actor="tests", data={"name": "High Street", "kind": "street", "boundary": square(51.2, 0.5)}
    )
    response = signed_in(Role.ASSET_MANAGER).get("/pages/streets.json")
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_the_street_layer_needs_a_signed_in_role(client, make_user):
    assert client.get("/pages/streets.json").status_code == 302
    client.force_login(make_user(None))
    assert client.get("/pages/streets.json").status_code == 403


def test_the_map_data_gives_each_light_its_key_for_a_drawn_selection(signed_in):
    city = build_city(lights_per_zone=2)
    lights = signed_in(Role.LIGHTING_OPERATOR).get("/pages/map.json").json()["lights"]
    assert {light["id"]: light["key"] for light in lights} == {
        light.device_id: light.pk for light in city.lights
    }


@pytest.mark.parametrize(
    ("role", "page", "may_open_assets", "may_draw"),
    [
        (Role.LIGHTING_OPERATOR, "/lighting/", False, True),
        (Role.ASSET_MANAGER, "/assets/", True, False),
        (Role.SECURITY_OPERATOR, "/security/", False, False),
        (Role.VIEWER, "/overview/", False, False),
    ],
    ids=lambda v: v.name.lower() if isinstance(v, Role) else None,
)
def test_each_role_s_map_gets_the_links_and_tools_it_may_use(
    role, page, may_open_assets, may_draw, signed_in
):
    build_city(lights_per_zone=1)
    response = signed_in(role).get(page)
    config = response.context["map_config"]
    assert config["streetsUrl"] == "/pages/streets.json" and config["tileUrl"] == ""
    assert bool(config["assetUrl"]) is may_open_assets
    assert config["assetUrl"] in ("", "/assets/")
    assert config["maySelectOverride"] is may_draw
    assert (b'id="map-select"' in response.content) is (may_draw and page != "/assets/")


def test_with_a_tile_server_the_maps_use_it_and_not_the_street_layer(signed_in, settings):
    settings.MAP_TILE_URL = "https://tiles.council.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© the Council"
    config = signed_in(Role.VIEWER).get("/overview/").context["map_config"]
    assert config["tileUrl"] == "https://tiles.council.example/{z}/{x}/{y}.png"
    assert config["attribution"] == "© the Council"
    assert config["streetsUrl"] == ""


def test_the_asset_page_gives_its_map_the_asset_to_mark(signed_in):
    city = build_city(lights_per_zone=1)
    camera = city.cameras[0]
    response = signed_in(Role.ASSET_MANAGER).get(f"/assets/{camera.device_id}/")
    assert response.context["map_focus"] == {
        "id": camera.device_id,
        "lat": camera.latitude,
        "lon": camera.longitude,
    }
    assert b'id="map-focus"' in response.content


def _drawn_override(light_ids):
    return {
        "scope": {"light_ids": light_ids},
        "level": 90,
        "operation": "max",
        "priority": 8,
        "duration_min": 30,
        "reason": "Drawn on the map",
    }


def test_a_drawn_selection_is_overridden_for_a_lighting_operator_only(make_user, api_client):
    city = build_city(lights_per_zone=3)
    chosen = [light.pk for light in city.lights[1:3]]
    for role in (Role.VIEWER, Role.ASSET_MANAGER, Role.SECURITY_OPERATOR):
        response = api_client(make_user(role)).post(
            "/api/v1/lighting/overrides/", _drawn_override(chosen), format="json"
        )
        assert response.status_code == 403, role
    assert not Override.objects.exists()

    response = api_client(make_user(Role.LIGHTING_OPERATOR)).post(
        "/api/v1/lighting/overrides/", _drawn_override(chosen), format="json"
    )
    assert response.status_code == 201, response.json()
    override = Override.objects.get()
    assert sorted(override.light_ids) == sorted(chosen)
    assert override.expires_at - override.starts_at == timedelta(minutes=30)
    assert override.expires_at > timezone.now()


def test_the_map_data_is_compressed_and_says_when_it_is_cut(signed_in, monkeypatch):
    from dashboards import selectors

    build_city(lights_per_zone=3)
    client = signed_in(Role.VIEWER)
    response = client.get("/pages/map.json", headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert client.get("/pages/map.json").json()["truncated"] is False
    monkeypatch.setattr(selectors, "MAP_LIMIT", 2)
    data = client.get("/pages/map.json").json()
    assert data["truncated"] is True and len(data["lights"]) + len(data["cameras"]) == 2
