"""The privacy guard: no face or identity field is ever stored, each stripping is audited, types
outside a camera's allowlist are stored as rejected (never alarmed), a camera without a
recorded purpose raises no alarm, and an overdue review shows."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection

from cctv.choices import EventRejectReason, EventStatus
from cctv.models import Alarm, Event
from cctv.services.rules import alarm_rule_create
from cctv.services.sources import source_create
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.events import strip_identity
from tests.cctv.conftest import body_of, device_event, webhook_headers

pytestmark = pytest.mark.django_db

# CONTRACT.md, "Privacy": face, faces, face_embedding, identity, person_name, Frigate's sub_label.
IDENTITY_FIELDS = ["face", "faces", "face_embedding", "identity", "person_name", "sub_label"]
SECRET = "Jane Q. Citizen"


def stored_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(string_agg(row_to_json(e)::text, ' '), '') FROM cctv_event e"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def rule(db):
    return alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"])


@pytest.mark.parametrize("field", IDENTITY_FIELDS)
def test_an_identity_field_from_the_gateway_is_never_stored_and_is_audited(field, camera, ingest):
    attributes = {field: SECRET, "nested": {field: [0.12, 0.5]}, "colour": "red"}
    ingest([device_event(camera, attributes=attributes)])
    event = Event.objects.get()
    assert event.attributes == {"nested": {}, "colour": "red"}
    assert SECRET not in stored_text() and f'"{field}"' not in json.dumps(event.attributes)
    audit = AuditEntry.objects.get(action="cctv.identity_stripped")
    assert sorted(audit.details["fields"]) == sorted(
        [f"attributes.{field}", f"attributes.nested.{field}"]
    )
    assert SECRET not in json.dumps(audit.details)


@pytest.mark.parametrize("field", IDENTITY_FIELDS)
def test_an_identity_field_posted_to_the_webhook_is_never_stored_and_is_audited(
    field, camera, client
):
    source, secret = source_create(name="vms", cameras=[camera.device_id], actor="test")
    body = body_of(
        {
            "camera": camera.device_id,
            "id": "w-1",
            "ts": 1760000000,
            "type": "loitering",
            field: SECRET,
            "attributes": {field: SECRET, "Since": "2025-01-01T00:00:00Z"},
        }
    )
    response = client.post(
        "/api/v1/cctv/events/ingest/",
        data=body,
        content_type="application/json",
        **webhook_headers(source.name, secret, body),
    )
    assert response.status_code == 201
    assert SECRET not in stored_text()
    assert Event.objects.get().attributes == {"Since": "2025-01-01T00:00:00Z"}
    assert sorted(
        AuditEntry.objects.get(action="cctv.identity_stripped").details["fields"]
    ) == sorted([field, f"attributes.{field}"])


def test_the_gateway_strippings_are_audited_too(camera, ingest):
    clean, removed = strip_identity({"label": "person", "sub_label": [SECRET, 0.9]})
    ingest([device_event(camera, attributes=clean, stripped=tuple(removed))])
    assert AuditEntry.objects.get(action="cctv.identity_stripped").details["fields"] == [
        "sub_label"
    ]


def test_a_face_recognition_event_is_stored_rejected_and_raises_nothing(camera, ingest):
    alarm_rule_create(actor="test", name="Faces", event_types=["face_recognition", "intrusion"])
    ingest([device_event(camera, type="face_recognition")])
    event = Event.objects.get()
    assert (event.status, event.reject_reason) == (
        EventStatus.REJECTED,
        EventRejectReason.BIOMETRIC,
    )
    assert not Alarm.objects.exists()


def test_a_type_outside_the_allowlist_is_stored_as_rejected_not_alarmed(make_camera, ingest):
    camera = make_camera(allowlist=["motion"])
    alarm_rule_create(actor="test", name="Loiterers", event_types=["loitering"])
    ingest([device_event(camera, type="loitering")])
    event = Event.objects.get()
    assert (event.status, event.reject_reason) == (
        EventStatus.REJECTED,
        EventRejectReason.NOT_ALLOWED,
    )
    assert not Alarm.objects.exists()


def test_a_camera_without_a_purpose_raises_no_alarm(make_camera, rule, ingest):
    camera = make_camera(purpose="")
    ingest([device_event(camera)])
    assert Event.objects.get().status == EventStatus.ACCEPTED
    assert not Alarm.objects.exists()


def test_a_camera_with_a_purpose_raises_its_alarm(camera, rule, ingest):
    ingest([device_event(camera)])
    assert Alarm.objects.get().rule == rule


def test_cameras_without_purpose_or_overdue_review_are_listed(make_camera, make_user, api_client):
    fine = make_camera()
    overdue = make_camera()
    overdue.camera.review_due = date.today() - timedelta(days=1)
    overdue.camera.save()
    no_purpose = make_camera(purpose="")
    listed = api_client(make_user(Role.SECURITY_OPERATOR)).get("/api/v1/cctv/cameras/review/")
    by_id = {row["device_id"]: row for row in listed.json()}
    assert fine.device_id not in by_id
    assert by_id[overdue.device_id]["review_overdue"] is True
    assert by_id[no_purpose.device_id]["no_purpose"] is True
