"""The NGSI-LD read API: queries, representations, errors, and every entity kind validated against
the Smart Data Models' own schema.json files (vendored in tests/ngsi/schemas, CC BY 4.0).

The schemas' `$ref`s to the shared common-schema.json (GSMA-Commons, Location-Commons…) are
resolved to an empty schema: that file is not vendored yet, so only each model's own properties
(types, enums, ranges, required fields) are checked."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from cityplatform.roles import Role
from tests.ngsi.city import BOX, make_city

COMMONS = ("GSMA-Commons", "Location-Commons", "PhysicalObject-Commons", "Device-Commons")
SCHEMAS = Path(__file__).parent / "schemas"


def validator(model: str) -> Draft7Validator:
    schema = json.loads((SCHEMAS / f"{model}.schema.json").read_text())

    def retrieve(uri):
        return Resource.from_contents(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "definitions": {n: {} for n in COMMONS},
            }
        )

    return Draft7Validator(schema, registry=Registry(retrieve=retrieve))


@pytest.fixture
def city(db):
    return make_city()


@pytest.fixture
def viewer(make_user, api_client):
    return api_client(make_user(Role.VIEWER))


def get(client, url, **headers):
    response = client.get(url, **headers)
    return response, json.loads(response.content)


@pytest.mark.parametrize(
    "entity_type", ["Streetlight", "StreetlightGroup", "StreetlightControlCabinet", "Device"]
)
def test_every_entity_kind_is_valid_against_its_smart_data_model(city, viewer, entity_type):
    response, body = get(viewer, f"/ngsi-ld/v1/entities?type={entity_type}&options=keyValues")
    assert response.status_code == 200
    assert body, f"no {entity_type} served"
    check = validator(entity_type)
    for entity in body:
        errors = [e.message for e in check.iter_errors(entity)]
        assert errors == [], (entity, errors)


def test_streetlight_normalised_with_link_header_and_levels(city, viewer):
    response, body = get(viewer, "/ngsi-ld/v1/entities/urn:ngsi-ld:Streetlight:SL-1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "ngsi-ld-core-context" in response["Link"]
    assert body["illuminanceLevel"] == {"type": "Property", "value": 0.4}
    assert body["powerState"]["value"] == "low"
    assert body["refStreetlightGroup"] == {
        "type": "Relationship",
        "object": f"urn:ngsi-ld:StreetlightGroup:{city.pk}",
    }
    assert body["refStreetlightControlCabinet"]["object"].endswith(":CAB-1")
    assert body["location"]["type"] == "GeoProperty"


def test_ld_json_carries_the_context_in_the_body(city, viewer):
    response, body = get(
        viewer, "/ngsi-ld/v1/entities?type=Streetlight", HTTP_ACCEPT="application/ld+json"
    )
    assert response["Content-Type"] == "application/ld+json"
    assert all("@context" in e for e in body)


def test_q_geo_paging_and_count(city, viewer):
    _, body = get(
        viewer, "/ngsi-ld/v1/entities?type=Streetlight&q=illuminanceLevel>0.5&options=keyValues"
    )
    assert [e["id"] for e in body] == ["urn:ngsi-ld:Streetlight:SL-0"]
    _, body = get(viewer, '/ngsi-ld/v1/entities?type=Streetlight&q=status=="ok";powerState==low')
    assert [e["id"] for e in body] == ["urn:ngsi-ld:Streetlight:SL-1"]
    near = (
        "/ngsi-ld/v1/entities?type=Streetlight&georel=near;maxDistance==150"
        "&geometry=Point&coordinates=[-0.095,51.505]"
    )
    _, body = get(viewer, near)
    assert sorted(e["id"][-4:] for e in body) == ["SL-0", "SL-1"]
    within = (
        "/ngsi-ld/v1/entities?type=Streetlight&georel=within&geometry=Polygon&coordinates="
        + json.dumps(BOX["coordinates"])
    )
    _, body = get(viewer, within)
    assert len(body) == 3
    response, body = get(
        viewer, "/ngsi-ld/v1/entities?type=Streetlight&limit=2&offset=1&count=true"
    )
    assert response["NGSILD-Results-Count"] == "4"
    assert [e["id"][-4:] for e in body] == ["SL-1", "SL-2"]
    _, body = get(viewer, "/ngsi-ld/v1/entities?type=Streetlight&idPattern=.*FAR$&attrs=location")
    assert list(body[0]) == ["id", "type", "location"]


@pytest.mark.parametrize(
    "url,status,kind",
    [
        ("/ngsi-ld/v1/entities?type=Streetlight&limit=1001", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities?type=Streetlight&q=level~~", 400, "InvalidRequest"),
        (
            "/ngsi-ld/v1/entities?type=Streetlight&georel=near&geometry=Point&coordinates=[0,0]",
            400,
            "BadRequestData",
        ),
        (
            "/ngsi-ld/v1/entities?type=Streetlight&georel=within&geometry=Polygon&coordinates=x",
            400,
            "BadRequestData",
        ),
        ("/ngsi-ld/v1/entities", 400, "BadRequestData"),
        ("/ngsi-ld/v1/entities/urn:ngsi-ld:Streetlight:NOPE", 404, "ResourceNotFound"),
        ("/ngsi-ld/v1/entities/nonsense", 400, "BadRequestData"),
    ],
)
def test_bad_input_answers_an_etsi_error_body(city, viewer, url, status, kind):
    response, body = get(viewer, url)
    assert response.status_code == status
    assert body["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{kind}"
    assert body["title"] and body["detail"]


def test_anonymous_is_refused_and_types_are_listed(city, viewer, api_client):
    response, body = get(api_client(), "/ngsi-ld/v1/entities?type=Streetlight")
    assert response.status_code == 401
    assert body["type"].endswith("/NotAuthenticated")
    _, body = get(viewer, "/ngsi-ld/v1/types")
    assert set(body["typeList"]) >= {"Streetlight", "Device"}


def test_cameras_never_show_purpose_or_people(city, viewer):
    response, _ = get(viewer, "/ngsi-ld/v1/entities?type=Device&options=keyValues")
    assert b"vulnerable" not in response.content and b"purpose" not in response.content


def test_list_is_a_fixed_number_of_queries(city, viewer, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response, _ = get(viewer, "/ngsi-ld/v1/entities?type=Streetlight&limit=1000&count=true")
    assert response.status_code == 200
