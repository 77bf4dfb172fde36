"""The entity query's filters, now SQL, answer what the Python filters answered: polygons with
holes and MultiPolygons, `!=` and type mismatches in `q`, attributes an entity lacks, paging
across types, and the count only when asked."""

import json

import pytest

from cityplatform.roles import Role
from tests.ngsi.city import make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return make_city()


@pytest.fixture
def viewer(make_user, api_client):
    return api_client(make_user(Role.VIEWER))


URL = "/ngsi-ld/v1/entities"


def ids(client, query: str) -> list[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    return [e["id"].rsplit(":", 1)[1] for e in json.loads(response.content)]


def test_within_a_polygon_with_a_hole_and_a_multipolygon(city, viewer):
    outer = [[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.51], [-0.1, 51.5]]
    hole = [[-0.096, 51.5045], [-0.094, 51.5045], [-0.094, 51.5055], [-0.096, 51.5055]]
    holed = json.dumps([outer, [*hole, hole[0]]])
    found = ids(viewer, f"type=Streetlight&georel=within&geometry=Polygon&coordinates={holed}")
    assert found == ["SL-1", "SL-2"]  # SL-0 (51.505, -0.095) is in the hole
    far = [[-1.1, 51.9], [-0.9, 51.9], [-0.9, 52.1], [-1.1, 52.1], [-1.1, 51.9]]
    multi = json.dumps([[outer], [far]])
    found = ids(viewer, f"type=Streetlight&georel=within&geometry=MultiPolygon&coordinates={multi}")
    assert found == ["SL-0", "SL-1", "SL-2", "SL-FAR"]


def test_q_not_equal_mismatched_types_and_missing_attributes(city, viewer):
    # SL-FAR has no state: no powerState, so `!=` does not match it either.
    assert ids(viewer, "type=Streetlight&q=powerState!=off") == ["SL-0", "SL-1"]
    assert ids(viewer, "type=Streetlight&q=illuminanceLevel==%22high%22") == []
    assert ids(viewer, "type=Streetlight&q=powerState!=3") == ["SL-0", "SL-1", "SL-2"]
    assert ids(viewer, "type=Streetlight&q=colour==red") == []
    assert ids(viewer, "type=Streetlight&q=illuminanceLevel<=0.4;illuminanceLevel>0") == ["SL-1"]
    assert ids(viewer, "type=Device&q=deviceState==offline") == ["CAM-1"]
    assert ids(viewer, "type=Streetlight&attrs=refStreetlightControlCabinet") == [
        "SL-0",
        "SL-1",
        "SL-2",
    ]


def test_paging_across_types_and_the_count(city, viewer):
    everything = ids(viewer, "attrs=location&limit=100")
    assert len(everything) == 8  # 4 lights, 1 zone, 1 cabinet, 1 camera, 1 sensor
    assert ids(viewer, "attrs=location&limit=3&offset=3") == everything[3:6]
    response = viewer.get(f"{URL}?attrs=location&limit=2&offset=5&count=true")
    assert response["NGSILD-Results-Count"] == "8"
    assert "NGSILD-Results-Count" not in viewer.get(f"{URL}?type=Streetlight")
