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
from tests.cctv.conftest import body_of, sign, webhook_headers

pytestmark = pytest.mark.django_db

URL = "/api/v1/cctv/events/ingest/"


@pytest.fixture
def source(camera):
    """A source bound to the camera CAM-001."""
    return source_create(
        name="milestone",
        description="XProtect event server",
        cameras=[camera.device_id],
        actor="test",
    )


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
    assert "X-Timestamp: 1795385704" in text
    timestamped = signature_of(secret=secret, body=body, timestamp="1795385704")
    assert f"sha256={timestamped}" in text
    assert f"sha256={signature_of(secret=secret, body=body)}" in text  # the deprecated form


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


# --- sources bound to their cameras (issue #14, item 14) -------------------------------------


def test_a_source_posting_for_a_camera_it_is_not_bound_to_is_refused(camera, source, make_camera):
    src, secret = source
    make_camera("CAM-WELFARE")  # another source's camera, at a high-risk site
    body = body_of(payload(camera="CAM-WELFARE"))
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 403, response.json()
    assert "CAM-WELFARE" in response.json()["message"]
    assert response.json()["extra"]["fields"]["camera"] == ["not bound to source 'milestone'"]
    assert_nothing_stored()


def test_a_source_posting_for_a_streetlight_is_refused(camera, source):
    from devices.choices import AssetKind
    from devices.models import Asset

    src, secret = source
    Asset.objects.create(
        device_id="SL-0001", kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.09
    )
    body = body_of(payload(camera="SL-0001"))
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 403, response.json()
    assert "SL-0001" in response.json()["message"]
    assert_nothing_stored()


def test_a_source_can_be_bound_only_to_cameras(camera, make_user, api_client):
    from devices.choices import AssetKind
    from devices.models import Asset

    Asset.objects.create(
        device_id="SL-0001", kind=AssetKind.STREETLIGHT, latitude=51.5, longitude=-0.09
    )
    admin = api_client(make_user(superuser=True))
    refused = admin.post(
        "/api/v1/cctv/sources/", {"name": "vms-b", "cameras": ["SL-0001"]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"]["cameras"] == ["not a camera: SL-0001"]
    created = admin.post(
        "/api/v1/cctv/sources/", {"name": "vms-b", "cameras": ["CAM-001"]}, format="json"
    )
    assert created.status_code == 201 and created.json()["cameras"] == ["CAM-001"]
    rebound = admin.patch(
        f"/api/v1/cctv/sources/{created.json()['id']}/", {"cameras": []}, format="json"
    )
    assert rebound.status_code == 200 and rebound.json()["cameras"] == []
    assert EventSource.objects.get(name="vms-b").cameras.count() == 0
    changed = AuditEntry.objects.filter(action="cctv.source_changed").get()
    assert changed.details["cameras"] == []


# --- the signature forms and replays ----------------------------------------------------------


def test_the_timestamped_signature_is_accepted(camera, source):
    src, secret = source
    body = body_of(payload())
    timestamp = str(int(datetime.now(UTC).timestamp()))
    headers = {
        "HTTP_X_SOURCE": src.name,
        "HTTP_X_TIMESTAMP": timestamp,
        "HTTP_X_SIGNATURE": sign(secret, body, timestamp),
    }
    assert post(body, headers).status_code == 201


def test_the_timestamped_signature_does_not_cover_another_timestamp(camera, source):
    """A captured request sent again with a fresh X-Timestamp: its signature covered the old
    timestamp, so it does not match (401), before and after its receipt is purged."""
    src, secret = source
    body = body_of(payload())
    then = datetime.now(UTC) - timedelta(minutes=2)
    captured = webhook_headers(src.name, secret, body, at=then)
    assert post(body, captured).status_code == 201
    WebhookReceipt.objects.all().delete()  # even with no receipt left
    fresh = {**captured, "HTTP_X_TIMESTAMP": str(int(datetime.now(UTC).timestamp()))}
    response = post(body, fresh)
    assert response.status_code == 401
    assert "signature" in response.json()["message"].lower()
    assert Event.objects.count() == 1


def test_the_legacy_body_only_signature_is_still_accepted(camera, source):
    src, secret = source
    body = body_of(payload())
    assert post(body, webhook_headers(src.name, secret, body, legacy=True)).status_code == 201


def test_a_legacy_signed_body_replayed_with_a_new_timestamp_is_refused_by_its_receipt(
    camera, source
):
    src, secret = source
    body = body_of(payload())
    then = datetime.now(UTC) - timedelta(minutes=4)
    assert (
        post(body, webhook_headers(src.name, secret, body, at=then, legacy=True)).status_code == 201
    )
    replay = post(body, webhook_headers(src.name, secret, body, legacy=True))  # a new timestamp
    assert replay.status_code == 409
    assert "replay" in replay.json()["message"]
    assert Event.objects.count() == 1


def test_receipts_outlive_the_retention_so_a_legacy_replay_stays_refused(camera, source):
    from cctv.services.retention import webhook_receipts_purge

    src, secret = source
    body = body_of(payload())
    assert post(body, webhook_headers(src.name, secret, body, legacy=True)).status_code == 201
    # The nightly purge, as the retention task runs it (cutoff: now − CCTV_RETENTION_DAYS).
    assert webhook_receipts_purge(before=datetime.now(UTC) - timedelta(days=31)) == 0
    assert webhook_receipts_purge(before=datetime.now(UTC)) == 0  # kept a day past the cutoff
    assert post(body, webhook_headers(src.name, secret, body, legacy=True)).status_code == 409


def test_a_legacy_signed_event_older_than_the_retention_is_refused(camera, source):
    """Once its receipt may be gone, a body-only signature cannot prove it is no replay."""
    src, secret = source
    old = (datetime.now(UTC) - timedelta(days=32)).isoformat()
    body = body_of(payload(ts=old))
    response = post(body, webhook_headers(src.name, secret, body, legacy=True))
    assert response.status_code == 401
    assert "timestamp" in response.json()["message"] and "ts" in response.json()["extra"]["fields"]
    assert_nothing_stored()
    # Signed with its timestamp, the same late event is accepted.
    assert post(body, webhook_headers(src.name, secret, body)).status_code == 201


# --- event times in the future ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ts", "9999-12-31T23:59:59+00:00"),
        ("ts", (datetime.now(UTC) + timedelta(minutes=10)).isoformat()),
        ("end_ts", "9999-12-31T00:00:00Z"),
    ],
    ids=["year 9999", "10 minutes ahead", "end_ts year 9999"],
)
def test_an_event_time_in_the_future_is_a_400_naming_the_field(camera, source, field, value):
    src, secret = source
    body = body_of(payload(**{field: value}))
    response = post(body, webhook_headers(src.name, secret, body))
    assert response.status_code == 400, response.json()
    assert response.json()["message"] == "The event's time is in the future."
    assert response.json()["extra"]["fields"][field] == [
        "more than 300 s ahead of the platform's clock"
    ]
    assert_nothing_stored()


def test_an_event_a_little_ahead_of_the_clock_is_accepted(camera, source):
    src, secret = source
    body = body_of(payload(ts=(datetime.now(UTC) + timedelta(minutes=2)).isoformat()))
    assert post(body, webhook_headers(src.name, secret, body)).status_code == 201
