"""The admin pages of the registry open, filter and search, and saving goes through the
services (zones computed, changes audited)."""

import pytest
from django.test import Client

from cityplatform.models import AuditEntry
from devices.models import Asset
from devices.services.registry import asset_create
from tests.devices.registry_factories import make_camera, make_light, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user(superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/devices/asset/?kind__exact=streetlight&q=SL-1",
        "/admin/devices/asset/?status__exact=active&zone__kind__exact=ward",
        "/admin/devices/zone/?kind__exact=ward&q=Cheap",
        "/admin/devices/fault/?type__exact=lamp_failure",
        "/admin/devices/maintenancerecord/?status__exact=open",
    ],
)
def test_admin_lists_open_with_filters_and_search(admin_client, url):
    make_zone("Cheap", -0.092, 51.515, 0.005, kind="ward")
    make_light("SL-1", 51.515, -0.092)
    response = admin_client.get(url)
    assert response.status_code == 200


def test_a_camera_page_shows_its_details_and_linked_lights(admin_client):
    camera = make_camera("CAM-1", 51.515, -0.092)
    make_light("SL-1", 51.51501, -0.092)
    response = admin_client.get(f"/admin/devices/asset/{camera.pk}/change/")
    assert response.status_code == 200
    assert b"camera-0-analytics_allowlist" in response.content
    assert b"nearby_lights-0-light" in response.content  # the light 1 m away, listed


def test_adding_an_asset_in_the_admin_computes_its_zone_and_audits(admin_client):
    make_zone("Cheap", -0.092, 51.515, 0.005, kind="ward")
    response = admin_client.post(
        "/admin/devices/asset/add/",
        {
            "device_id": "SL-77",
            "kind": "streetlight",
            "name": "",
            "status": "active",
            "latitude": "51.515",
            "longitude": "-0.092",
            "attributes": "{}",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    asset = Asset.objects.get(device_id="SL-77")
    assert asset.zone.name == "Cheap"
    assert AuditEntry.objects.filter(action="asset.created", target_id=str(asset.pk)).exists()


def test_the_admin_refuses_an_asset_outside_the_site_with_a_form_error(admin_client):
    """Swapped coordinates: a form error naming the bounds, not a server error at save time."""
    make_zone("Cheap", -0.092, 51.515, 0.005, kind="ward")
    response = admin_client.post(
        "/admin/devices/asset/add/",
        {
            "device_id": "SL-78",
            "kind": "streetlight",
            "name": "",
            "status": "active",
            "latitude": "-0.1052",
            "longitude": "51.514",
            "attributes": "{}",
        },
    )
    assert response.status_code == 200
    assert "outside the site&#x27;s bounds" in response.content.decode()
    assert not Asset.objects.filter(device_id="SL-78").exists()


def test_a_streetlights_details_are_edited_inline_with_its_controller_by_id(admin_client):
    """The details inline is built from the declared fields (devices/asset_fields.py): a light's
    power and controller saved from its page, the change audited."""
    controller = asset_create(
        actor="test",
        device_id="CTL-1",
        kind="controller",
        latitude=51.515,
        longitude=-0.092,
        details={"protocol": "mqtt"},
    )
    light = make_light("SL-9", 51.515, -0.092)
    page = admin_client.get(f"/admin/devices/asset/{light.pk}/change/")
    assert b'name="streetlight-0-controller"' in page.content
    assert b"streetlight-0-date_last_lamp_change" in page.content
    response = admin_client.post(
        f"/admin/devices/asset/{light.pk}/change/",
        {
            "name": "",
            "status": "active",
            "latitude": "51.515",
            "longitude": "-0.092",
            "attributes": "{}",
            "streetlight-TOTAL_FORMS": "1",
            "streetlight-INITIAL_FORMS": "1",
            "streetlight-MIN_NUM_FORMS": "0",
            "streetlight-MAX_NUM_FORMS": "1",
            "streetlight-0-asset": str(light.pk),
            "streetlight-0-lamp_technology": "LED",
            "streetlight-0-rated_power_w": "42",
            "streetlight-0-controller": str(controller.pk),
            "streetlight-0-protocol": "mqtt",
            "streetlight-0-min_level": "0",
            "streetlight-0-max_level": "100",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    light.streetlight.refresh_from_db()
    assert light.streetlight.rated_power_w == 42
    assert light.streetlight.controller_id == controller.pk
    assert AuditEntry.objects.filter(
        action="asset.details_updated", target_id=str(light.pk)
    ).exists()
