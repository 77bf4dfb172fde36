"""The VMS webhook parses its body with the platform's bounded JSON loader: a body nested 5,000
deep (a 500 before) is a 400 saying so, and stores nothing."""

import pytest
from rest_framework.test import APIClient

from cctv.models import Event, WebhookReceipt
from cctv.services.sources import source_create
from tests.cctv.conftest import webhook_headers

pytestmark = pytest.mark.django_db

URL = "/api/v1/cctv/events/ingest/"


@pytest.mark.parametrize(
    ("body", "label"),
    [
        (b'{"camera": "CAM-001", "attributes": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too deep"),
        (b'{"camera": "CAM-001", "confidence": 1e400}', "number out of range"),
    ],
    ids=["5000 deep", "1e400"],
)
def test_a_body_the_loader_refuses_is_a_400_and_stores_nothing(camera, body, label):
    source, secret = source_create(name="milestone", actor="test")
    response = APIClient().post(
        URL,
        data=body,
        content_type="application/json",
        **webhook_headers(source.name, secret, body),
    )
    assert response.status_code == 400, response.content
    assert response.json()["extra"] == {"body": label}
    assert Event.objects.count() == 0
    assert WebhookReceipt.objects.count() == 0


def test_a_count_past_a_postgresql_integer_is_a_400_naming_it(camera):
    """Found by the gateway fuzz on the MQTT path (a failed batch); the webhook's was a 500."""
    source, secret = source_create(name="milestone", actor="test")
    body = (
        b'{"camera": "CAM-001", "id": "e1", "ts": "2026-11-22T22:15:03Z", "type": "motion", '
        b'"count": 2147483648}'
    )
    response = APIClient().post(
        URL,
        data=body,
        content_type="application/json",
        **webhook_headers(source.name, secret, body),
    )
    assert response.status_code == 400, response.content
    assert "count" in response.json()["extra"]["fields"]
    assert Event.objects.count() == 0
