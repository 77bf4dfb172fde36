"""The signed VMS webhook: a valid signature is stored; every refusal is a clear 4xx that stores
nothing. Sources and secrets are administrators' business."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from cctv.models import Event, EventSource, WebhookReceipt
from cctv.services.sources import source_create, source_secret_rotate
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.cctv.conftest import body_of, webhook_headers

pytestmark = pytest.mark.django_db

URL = "/api/v1/cctv/events/ingest/"


@pytest.fixture
def source(db):
    return source_create(name="milestone", description="XProtect event server", actor="test")


def payload(camera="CAM-001", event_id="vms-1", **more):
    return {
        "camera": camera,
        "id": event_id,
        "ts": datetime.now(UTC).isoformat(),
        "type": "intrusion",
        "confidence": 0.8,
        "count": 1,
        "attributes": {"rule": "fence"},
        **more,
    }


def post(body: bytes, headers: dict):
    return APIClient().post(URL, data=body, content_type="application/json", **headers)


def assert_nothing_stored():
    assert Event.objects.count() == 0
    assert WebhookReceipt.objects.count() == 0


def test_a_validly_signed_event_is_stored(camera, source):
    src, secret = source
    body = body_of(payload())
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 201, response.json()
    event = Event.objects.get()
    assert (event.device, event.event_id, event.type) == (camera, "vms-1", "intrusion")
    assert event.source == "webhook:milestone" and event.confidence == 0.8


def test_a_wrong_signature_is_refused(camera, source):
    src, _ = source
    body = body_of(payload())
    response = post(body, webhook_headers(src.name, "not-the-secret", body))
    assert response.status_code == 401
    assert "signature" in response.json()["message"].lower()
    assert_nothing_stored()


def test_a_body_changed_after_signing_is_refused(camera, source):
    src, secret = source
    headers = webhook_headers(src.name, secret, body_of(payload()))
    response = post(body_of(payload(confidence=0.1)), headers)
    assert response.status_code == 401
    assert_nothing_stored()


def test_a_stale_timestamp_is_refused(camera, source):
    src, secret = source
    body = body_of(payload())
    stale = datetime.now(UTC) - timedelta(minutes=6)
    response = post(body, webhook_headers(src.name, secret, body, at=stale))
    assert response.status_code == 401
    assert "X-Timestamp" in response.json()["message"]
    assert_nothing_stored()


def test_a_replayed_body_is_refused_and_stores_nothing_more(camera, source):
    src, secret = source
    body = body_of(payload())
    headers = webhook_headers(src.name, secret, body)
    assert post(body, headers).status_code == 201
    replay = post(body, headers)
    assert replay.status_code == 409
    assert "replay" in replay.json()["message"]
    assert Event.objects.count() == 1 and WebhookReceipt.objects.count() == 1


def test_an_unknown_source_is_refused(camera, source):
    _, secret = source
    body = body_of(payload())
    response = post(body, webhook_headers("genetec", secret, body))
    assert response.status_code == 401
    assert "source" in response.json()["message"].lower()
    assert_nothing_stored()


def test_malformed_json_is_refused(camera, source):
    src, secret = source
    body = b'{"camera": "CAM-001", "id": '
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    assert_nothing_stored()


def test_a_missing_field_and_an_unknown_camera_are_named(camera, source):
    src, secret = source
    body = body_of({k: v for k, v in payload().items() if k != "type"})
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400 and "type" in response.json()["extra"]["fields"]
    body = body_of(payload(camera="CAM-404"))
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400 and "camera" in response.json()["extra"]["fields"]
    assert_nothing_stored()


def test_a_rotated_secret_works_and_the_old_one_runs_out(camera, source):
    src, old = source
    new = source_secret_rotate(source=src, actor="test", grace=timedelta(0))
    body = body_of(payload())
    assert post(body, webhook_headers(src.name, old, body)).status_code == 401
    assert post(body, webhook_headers(src.name, new, body)).status_code == 201
    assert AuditEntry.objects.filter(action="cctv.source_secret_rotated").count() == 1


def test_only_administrators_create_sources_and_see_the_secret_once(make_user, api_client):
    supervisor = api_client(make_user(Role.SECURITY_SUPERVISOR))
    assert supervisor.post("/api/v1/cctv/sources/", {"name": "genetec"}).status_code == 403
    admin = api_client(make_user(superuser=True))
    created = admin.post("/api/v1/cctv/sources/", {"name": "genetec"})
    assert created.status_code == 201 and len(created.json()["secret"]) == 64
    listed = admin.get("/api/v1/cctv/sources/").json()["results"]
    assert [s["name"] for s in listed] == ["genetec"] and "secret" not in listed[0]
    rotated = admin.post(f"/api/v1/cctv/sources/{created.json()['id']}/rotate/", {"grace_s": 60})
    assert rotated.status_code == 200 and rotated.json()["secret"] != created.json()["secret"]
    assert EventSource.objects.get().secrets.count() == 2


def test_the_worked_signing_example_in_the_documentation_is_right():
    from pathlib import Path

    from cctv.services.sources import signature_of

    text = Path(__file__).resolve().parents[2].joinpath("docs", "cctv.md").read_text()
    secret = "9b1d5c0e4f7a2b3c8d6e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"
    body = (
        b'{"camera":"CAM-0042","id":"xprotect-7781","ts":"2026-11-22T22:15:03Z",'
        b'"type":"intrusion","confidence":0.91,"count":1,"attributes":{"rule":"north fence"}}'
    )
    assert secret in text and body.decode() in text
    assert f"sha256={signature_of(secret=secret, body=body)}" in text


def test_a_nul_character_in_the_body_is_a_400_not_a_server_error(camera, source):
    src, secret = source
    body = body_of(payload(event_id="vms-\x00-1"))
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]
    assert_nothing_stored()


@pytest.mark.parametrize("timestamp", ["INF", "nan", "1e20", "-1e20", "2026-13-01T00:00:00Z"])
def test_an_impossible_timestamp_is_refused_not_a_server_error(camera, source, timestamp):
    src, secret = source
    body = body_of(payload())
    headers = {**webhook_headers(src.name, secret, body), "HTTP_X_TIMESTAMP": timestamp}
    response = post(body, headers)
    assert response.status_code == 401
    assert response.json()["message"] == "X-Timestamp is missing or unreadable."
    assert_nothing_stored()


def test_a_source_name_with_a_nul_character_is_an_unknown_source(camera, source):
    src, secret = source
    body = body_of(payload())
    headers = {**webhook_headers(src.name, secret, body), "HTTP_X_SOURCE": "milestone\x00"}
    response = post(body, headers)
    assert response.status_code == 401
    assert "X-Source" in response.json()["message"]
    assert_nothing_stored()


@pytest.mark.parametrize(("field", "seconds"), [("ts", 1e16), ("end_ts", -1e16)])
def test_epoch_seconds_out_of_range_are_a_400_naming_the_field(camera, source, field, seconds):
    src, secret = source
    body = json.dumps({**payload(), field: seconds}).encode()
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert_nothing_stored()


@pytest.mark.parametrize(
    "extra",
    [{"end_ts": float("nan")}, {"attributes": {"colour": [float("-inf")]}}],
    ids=["NaN end_ts", "-Infinity in attributes"],
)
def test_nan_and_infinity_are_not_json_a_400_not_a_server_error(camera, source, extra):
    """Python's json module reads NaN and Infinity; JSON (and PostgreSQL's jsonb) has
    neither (found by the full-size webhook fuzz: -Infinity in the attributes was a 500)."""
    src, secret = source
    body = json.dumps({**payload(), **extra}).encode()
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400
    assert response.json()["extra"] == {"body": "invalid JSON"}
    assert_nothing_stored()


def test_a_lone_surrogate_in_the_body_is_a_400_not_a_server_error(camera, source):
    src, secret = source
    body = body_of(payload(attributes={"rule": "\ud8a9"}))  # json.dumps escapes it: valid JSON
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400
    assert response.json()["extra"] == {"body": "invalid Unicode"}
    assert_nothing_stored()
