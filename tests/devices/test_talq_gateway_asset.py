"""A TALQ gateway registered through the REST API: its keys are taken, never shown, never
audited, and the CMS key is stored as a digest only."""

import hashlib

import pytest
from django.test import Client

from cityplatform.models import AuditEntry
from devices.models import ControllerDetails
from tests.devices.talq_helpers import Talq

pytestmark = pytest.mark.django_db

CMS_KEY = "a-cms-key-long-enough-for-talq-42"
GATEWAY_KEY = "a-gateway-key-long-enough-for-talq-43"


def register(client, **details):
    body = {
        "device_id": "talq-gw-east",
        "kind": "controller",
        "latitude": 51.5,
        "longitude": -0.1,
        "details": {
            "protocol": "talq",
            "endpoint_url": "https://gw-east.example.net/talq/v2",
            "talq_gateway_key": GATEWAY_KEY,
            "talq_cms_key": CMS_KEY,
            **details,
        },
    }
    return client.post("/api/v1/assets/", body, format="json")


def test_the_keys_are_write_only(manager_client):
    response = register(manager_client)
    assert response.status_code == 201, response.content
    for text in (
        response.content.decode(),
        manager_client.get("/api/v1/assets/talq-gw-east/").content.decode(),
    ):
        assert CMS_KEY not in text and GATEWAY_KEY not in text
        assert "talq_cms_key" not in text and "talq_gateway_key" not in text
    details = ControllerDetails.objects.get(asset__device_id="talq-gw-east")
    assert details.talq_cms_key == "sha256:" + hashlib.sha256(CMS_KEY.encode()).hexdigest()
    # The gateway is known by the key it sends.
    assert Talq(key=CMS_KEY).post("services", [{"name": "ControlService"}]).status_code == 201


def test_a_changed_key_is_audited_without_its_value(manager_client):
    register(manager_client)
    new_key = "the-replacement-cms-key-0987654321"
    response = manager_client.patch(
        "/api/v1/assets/talq-gw-east/", {"details": {"talq_cms_key": new_key}}, format="json"
    )
    assert response.status_code == 200, response.content
    audit = " ".join(str(e.details) for e in AuditEntry.objects.all())
    assert new_key not in audit and CMS_KEY not in audit and GATEWAY_KEY not in audit
    assert Talq(key=CMS_KEY).post("services", [{"name": "ControlService"}]).status_code == 401
    assert Talq(key=new_key).post("services", [{"name": "ControlService"}]).status_code == 201


def test_a_short_key_or_a_missing_url_is_refused_in_words(manager_client):
    response = register(manager_client, talq_cms_key="short", endpoint_url="")
    assert response.status_code == 400
    text = response.content.decode()
    assert "16 characters" in text and "http(s)://" in text


def test_the_admin_page_of_a_talq_gateway_shows_neither_key(manager_client, make_user):
    register(manager_client)
    gateway = ControllerDetails.objects.get(asset__device_id="talq-gw-east").asset
    admin = Client()
    admin.force_login(make_user(superuser=True))
    page = admin.get(f"/admin/devices/asset/{gateway.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "gw-east.example.net" in text  # the gateway's details are on the page…
    assert GATEWAY_KEY not in text and "talq_gateway_key" not in text  # …its keys are not
    assert "talq_cms_key" not in text and "sha256:" not in text
