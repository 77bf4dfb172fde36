"""The wire's two directions beside each other: the `cmd` payload the gateway sends, and the
one translation of an event message into the `DeviceEvent` the sinks take."""

import json
import uuid
from datetime import UTC, datetime

from devices.protocols.messages import (
    TopicMap,
    command_encode,
    device_event,
    parse_message,
)
from tests.devices.gateway_helpers import schema_validate

TOPICS = TopicMap("city/v1", "frigate/events")
NOW = datetime(2026, 5, 1, 21, 0, tzinfo=UTC)


def test_a_command_is_encoded_as_the_published_cmd_schema():
    command_id = str(uuid.uuid4())

    payload = command_encode(command_id=command_id, level=80.0, fade_s=2.0, expires_at=NOW)

    body = json.loads(payload)
    schema_validate("cmd", body)
    assert body == {
        "id": command_id,
        "op": "set_level",
        "level": 80.0,
        "fade_s": 2.0,
        "expires": "2026-05-01T21:00:00+00:00",
    }
    assert "expires" not in json.loads(
        command_encode(command_id=command_id, level=0, fade_s=0, expires_at=None)
    )


def test_an_mqtt_event_becomes_a_device_event_of_its_own_device():
    payload = {
        "id": "e-1",
        "ts": NOW.timestamp(),
        "type": "intrusion",
        "confidence": 0.9,
        "count": 2,
        "attributes": {"zone": "gate", "face": "x"},
    }
    message = parse_message(
        TOPICS, "city/v1/CAM-1/event", json.dumps(payload).encode(), now=NOW.timestamp()
    )

    event = device_event(message, source="mqtt")

    assert (event.device_id, event.event_id, event.ts, event.type, event.source) == (
        "CAM-1",
        "e-1",
        NOW,
        "intrusion",
        "mqtt",
    )
    assert (event.confidence, event.count, event.attributes) == (0.9, 2, {"zone": "gate"})
    assert event.stripped == ("attributes.face",)
    assert (event.phase, event.end_ts, event.zones) == (None, None, ())


def test_a_frigate_event_becomes_a_device_event_of_the_camera_it_was_resolved_to():
    payload = {
        "type": "new",
        "after": {
            "id": "f-1",
            "camera": "yard",
            "label": "person",
            "score": 0.8,
            "start_time": NOW.timestamp(),
            "current_zones": ["gate"],
            "sub_label": "someone",
        },
    }
    message = parse_message(
        TOPICS, "frigate/events", json.dumps(payload).encode(), now=NOW.timestamp()
    )

    event = device_event(message, source="frigate", device_id="CAM-YARD")

    assert (event.device_id, event.event_id, event.type, event.confidence) == (
        "CAM-YARD",
        "f-1",
        "person",
        0.8,
    )
    assert (event.phase, event.zones, event.source) == ("new", ("gate",), "frigate")
    assert event.stripped == ("after.sub_label",)
