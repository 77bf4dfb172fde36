"""Validation of zones and assets: what an asset manager is told when data is wrong."""

import pytest
from django.core.exceptions import ValidationError

from devices.models import Zone
from devices.services.registry import asset_create, zone_create
from tests.devices.registry_factories import square

pytestmark = pytest.mark.django_db


def test_a_valid_boundary_gets_its_bounding_box_and_area():
    zone = zone_create(
        actor="test", data={"name": "Cheap", "boundary": square(-0.09, 51.51, 0.001)}
    )
    assert zone.min_longitude == pytest.approx(-0.091)
    assert zone.max_latitude == pytest.approx(51.511)
    # 0.002° × 0.002° at 51.5° N is about 222 m × 138 m
    assert zone.area_m2 == pytest.approx(222.4 * 138.4, rel=0.02)


@pytest.mark.parametrize(
    ("boundary", "reason"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            "not closed",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        (  # a bow-tie crosses itself
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "not a valid polygon",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
            "outside WGS84",
        ),
        ("not geojson", "GeoJSON object"),
    ],
)
def test_a_bad_boundary_is_refused_with_the_reason(boundary, reason):
    with pytest.raises(ValidationError) as caught:
        zone_create(actor="test", data={"name": "Bad", "boundary": boundary})
    assert reason in str(caught.value.message_dict["boundary"])
    assert not Zone.objects.exists()


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValidationError) as caught:
        zone_create(actor="test", data={"name": "Z", "time_zone": "Europe/Atlantis"})
    assert "time_zone" in caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"device_id": "bad id!"}, "device_id"),
        ({"device_id": "x" * 65}, "device_id"),
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"attributes": ["not", "an", "object"]}, "attributes"),
        ({"kind": "robot"}, "kind"),
        ({"status": "lost"}, "status"),
    ],
)
def test_an_invalid_asset_is_refused_naming_the_field(fields, field):
    base = {"device_id": "SL-1", "kind": "streetlight", "latitude": 51.5, "longitude": -0.09}
    with pytest.raises(ValidationError) as caught:
        asset_create(actor="test", **{**base, **fields})
    assert field in caught.value.message_dict


@pytest.mark.parametrize(
    ("kind", "details", "field"),
    [
        ("sensor", {}, "details.measures"),
        ("controller", {"protocol": "opcua", "endpoint_url": "http://x"}, "details.endpoint_url"),
        ("camera", {"analytics_allowlist": "motion"}, "details.analytics_allowlist"),
        ("streetlight", {"min_level": 80, "max_level": 20}, "details.min_level"),
        ("streetlight", {"wattage": 3}, "details"),
    ],
)
def test_kind_specific_details_are_validated(kind, details, field):
    with pytest.raises(ValidationError) as caught:
        asset_create(
            actor="test", device_id="X-1", kind=kind, latitude=51.5, longitude=-0.1, details=details
        )
    assert field in caught.value.message_dict


def test_a_light_cannot_name_a_sensor_as_its_controller():
    sensor = asset_create(
        actor="test",
        device_id="LUX-1",
        kind="sensor",
        latitude=51.5,
        longitude=-0.1,
        details={"measures": "lux"},
    )
    with pytest.raises(ValidationError) as caught:
        asset_create(
            actor="test",
            device_id="SL-1",
            kind="streetlight",
            latitude=51.5,
            longitude=-0.1,
            details={"controller": sensor},
        )
    assert "details.controller" in caught.value.message_dict
