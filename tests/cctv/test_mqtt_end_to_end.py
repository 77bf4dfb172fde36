"""The whole path against a real Mosquitto and PostgreSQL: a device event published twice over
MQTT and posted once to the webhook is one event and one alarm; Frigate's documented
new/update/end sequence published on frigate/events is one event and one alarm."""

import json
import time
from datetime import UTC, datetime

import pytest
from django.test import Client

from cctv.models import Alarm, Event
from cctv.services.rules import alarm_rule_create
from cctv.services.sources import source_create
from tests.cctv.conftest import body_of, webhook_headers
from tests.cctv.test_frigate import SEQUENCE
from tests.devices.gateway_helpers import (
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_event_twice_over_mqtt_and_once_by_webhook_is_one_event_one_alarm(
    make_camera, gateway, peer, prefix
):
    camera = make_camera("CAM-E2E")
    gateway._refresh_known(force=True)
    alarm_rule_create(actor="test", name="Intrusion", event_types=["intrusion"])
    event = {
        "id": "cam-e2e-1",
        "ts": datetime.now(UTC).isoformat(),
        "type": "intrusion",
        "confidence": 0.93,
        "attributes": {"face": "x", "region": "north"},
    }
    peer.publish(f"{prefix}/{camera.device_id}/event", event)
    peer.publish(f"{prefix}/{camera.device_id}/event", event)
    wait_for(lambda: Alarm.objects.exists(), what="the alarm")
    source, secret = source_create(name="vms-e2e", cameras=[camera.device_id], actor="test")
    body = body_of({**event, "camera": camera.device_id})
    response = Client().post(
        "/api/v1/cctv/events/ingest/",
        data=body,
        content_type="application/json",
        **webhook_headers(source.name, secret, body),
    )
    assert response.status_code == 200 and response.json()["duplicate"] is True
    time.sleep(0.5)  # let a wrong second delivery show, if there were one
    stored = Event.objects.get()
    assert stored.source == "mqtt" and stored.attributes == {"region": "north"}
    assert Alarm.objects.get().event_count == 1


def test_frigates_documented_sequence_over_mqtt_is_one_event_one_alarm(
    make_camera, gateway, peer, prefix
):
    camera = make_camera("CAM-FRONT", frigate="front_door")
    gateway._refresh_known(force=True)
    alarm_rule_create(
        actor="test", name="Person near the door", event_types=["person"], min_confidence=0.8
    )
    now = time.time()
    for message in SEQUENCE:  # times moved to now: the gateway refuses 2020's clock
        message = json.loads(json.dumps(message))
        for side in ("before", "after"):
            message[side]["start_time"] = now - 20
            if message[side]["end_time"]:
                message[side]["end_time"] = now - 1
        peer.publish(f"{prefix}/frigate/events", message)
    wait_for(
        lambda: Event.objects.filter(end_ts__isnull=False, evaluated_at__isnull=False).exists(),
        what="the event's end, evaluated",
    )
    wait_for(lambda: Alarm.objects.exists(), what="the alarm")
    time.sleep(0.5)  # let a wrong second alarm show, if there were one
    event = Event.objects.get()
    assert event.device == camera and event.updates == 2
    assert event.confidence == pytest.approx(0.87890625)
    assert Alarm.objects.get().event_count == 1
