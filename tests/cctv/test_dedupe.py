"""Each event is stored once per (camera, event id), whatever path it came by."""

from datetime import UTC, datetime

import pytest

from cctv.models import Alarm, Event
from cctv.services.rules import alarm_rule_create
from cctv.services.sources import source_create
from tests.cctv.conftest import body_of, device_event, webhook_headers

pytestmark = pytest.mark.django_db


def test_the_same_event_over_mqtt_twice_and_the_webhook_once_is_one_event_and_one_alarm(
    camera, ingest, client
):
    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"])
    ts = datetime(2026, 11, 22, 22, 15, tzinfo=UTC)
    first = ingest([device_event(camera, "cam-77", ts=ts)])
    second = ingest([device_event(camera, "cam-77", ts=ts)])
    source, secret = source_create(name="vms", cameras=[camera.device_id], actor="test")
    body = body_of(
        {"camera": camera.device_id, "id": "cam-77", "ts": ts.isoformat(), "type": "intrusion"}
    )
    response = client.post(
        "/api/v1/cctv/events/ingest/",
        data=body,
        content_type="application/json",
        **webhook_headers(source.name, secret, body),
    )
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert len(first.created) == 1 and second.duplicates == 1
    event = Event.objects.get()
    assert event.source == "mqtt"
    assert Alarm.objects.get().event_count == 1


def test_duplicates_inside_one_batch_are_one_event(camera, ingest):
    result = ingest(
        [device_event(camera, "x"), device_event(camera, "x"), device_event(camera, "y")]
    )
    assert len(result.created) == 2 and result.duplicates == 1
    assert Event.objects.count() == 2


def test_the_same_event_id_on_two_cameras_is_two_events(make_camera, ingest):
    ingest([device_event(make_camera(), "same"), device_event(make_camera(), "same")])
    assert Event.objects.count() == 2
