"""A security operator's boost stays within the role's limits (issue #14, item 13): a 50 km
circle, a ward or the whole city, or more than an hour are refused with the limit named; a
boost within the limits is made. Lighting operators are not limited."""

import pytest
from django.test import override_settings

from cityplatform.roles import Role
from devices.choices import ZoneKind
from devices.models import Command
from lighting.models import Override

pytestmark = pytest.mark.django_db
URL = "/api/v1/lighting/overrides/"
GUILDHALL = (51.5155, -0.0922)


@pytest.fixture
def city(make_zone, make_light):
    """A ward holding a street; lights in the street and a light 5 km away."""
    ward = make_zone("Cheap ward")
    ward.kind = ZoneKind.WARD
    ward.save(update_fields=["kind"])
    street = make_zone("Cheapside", parent=ward)
    near = [make_light(street, lat=GUILDHALL[0] + 0.0005 * i, lon=GUILDHALL[1]) for i in range(3)]
    far = make_light(None, lat=GUILDHALL[0] + 0.045, lon=GUILDHALL[1])  # 5 km north
    return {"ward": ward, "street": street, "near": near, "far": far}


def boost(scope, *, minutes=30, **extra):
    return {
        "scope": scope,
        "level": 100,
        "operation": "max",
        "priority": 4,
        "duration_min": minutes,
        "reason": "fight outside the pub",
        **extra,
    }


def circle(radius_m):
    return {"latitude": GUILDHALL[0], "longitude": GUILDHALL[1], "radius_m": radius_m}


@pytest.fixture
def security(make_user, api_client):
    return api_client(make_user(Role.SECURITY_OPERATOR))


def test_a_50_km_circle_is_refused_naming_the_limit_and_commands_nothing(security, city):
    response = security.post(URL, boost(circle(50_000)), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert "300 m" in body["message"]
    assert body["extra"]["fields"]["radius_m"] == ["at most 300 m"]
    assert body["extra"]["limits"]["max_radius_m"] == 300
    assert not Override.objects.exists() and not Command.objects.exists()


def test_a_circle_within_the_limit_is_made_and_lights_only_what_it_covers(security, city):
    response = security.post(URL, boost(circle(300)), format="json")
    assert response.status_code == 201, response.json()
    commanded = set(Command.objects.values_list("asset_id", flat=True))
    assert commanded == {light.pk for light in city["near"]}


@override_settings(SECURITY_BOOST_MAX_RADIUS_M=100)
def test_the_radius_limit_is_a_setting(security, city):
    response = security.post(URL, boost(circle(150)), format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["radius_m"] == ["at most 100 m"]


def test_a_ward_is_not_open_to_security_boosts_a_403_naming_it(security, city):
    response = security.post(URL, boost({"zone_id": city["ward"].pk}), format="json")
    assert response.status_code == 403, response.json()
    message = response.json()["message"]
    assert "zones open to security boosts" in message and "Cheap ward (ward)" in message
    assert not Override.objects.exists()


def test_a_street_within_the_ward_is_open_to_security_boosts(security, city):
    response = security.post(URL, boost({"zone_id": city["street"].pk}), format="json")
    assert response.status_code == 201, response.json()


@override_settings(SECURITY_BOOST_ZONE_KINDS=["venue"])
def test_the_zone_kinds_open_to_boosts_are_a_setting(security, city):
    response = security.post(URL, boost({"zone_id": city["street"].pk}), format="json")
    assert response.status_code == 403
    assert "Cheapside (street)" in response.json()["message"]


def test_a_boost_longer_than_the_roles_maximum_is_a_400_naming_it(security, city):
    response = security.post(URL, boost({"zone_id": city["street"].pk}, minutes=61), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert "at most 60 minutes" in body["message"]
    assert body["extra"]["fields"]["expires_at"] == ["at most 60 minutes after the start"]
    assert not Override.objects.exists()


def test_a_lighting_operator_is_not_limited(make_user, api_client, city):
    operator = api_client(make_user(Role.LIGHTING_OPERATOR))
    response = operator.post(URL, boost(circle(50_000), minutes=240), format="json")
    assert response.status_code == 201, response.json()
    assert Command.objects.filter(asset=city["far"]).exists()


def test_a_security_operator_cannot_cancel_an_operators_wide_boost(
    make_user, api_client, security, city
):
    operator = api_client(make_user(Role.LIGHTING_OPERATOR))
    wide = operator.post(URL, boost(circle(5_000)), format="json").json()
    assert security.post(f"{URL}{wide['id']}/cancel/").status_code == 403
    own = security.post(URL, boost(circle(200)), format="json").json()
    assert security.post(f"{URL}{own['id']}/cancel/").status_code == 200


def test_the_console_offers_a_security_operator_only_the_zones_and_circle_it_may_boost(
    make_user, client, city
):
    client.force_login(make_user(Role.SECURITY_OPERATOR))
    page = client.get("/security/").content.decode()
    brighten = page[
        page.index('id="brighten-form"') : page.index("</form>", page.index('id="brighten-form"'))
    ]
    assert f'<option value="{city["street"].pk}">Cheapside</option>' in brighten
    assert "Cheap ward" not in brighten  # the ward holds the street: boosting it is refused
    assert 'name="radius" value="100" min="10" max="300"' in brighten
