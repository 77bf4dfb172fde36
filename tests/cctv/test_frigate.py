"""Frigate's new/update/end sequence (the `frigate/events` payloads of Frigate's MQTT
documentation, with a face result added as a recent Frigate sends it) becomes one event and
one alarm; the update is folded in, the end closes the event."""

import time
from datetime import UTC, datetime

import pytest

from cctv.models import Alarm, Event
from cctv.services.rules import alarm_rule_create
from devices.events import DeviceEvent, strip_identity

pytestmark = pytest.mark.django_db

START = 1607123955.475377


def frigate_object(**changes) -> dict:
    """The `after` object of Frigate's documented example (docs/integrations/mqtt.md)."""
    obj = {
        "id": "1607123955.475377-mxklsc",
        "camera": "front_door",
        "frame_time": 1607123961.837752,
        "snapshot_time": 1607123961.837752,
        "label": "person",
        "sub_label": ["Jane Citizen", 0.86],
        "top_score": 0.958984375,
        "false_positive": False,
        "start_time": START,
        "end_time": None,
        "score": 0.7890625,
        "box": [424, 500, 536, 712],
        "area": 23744,
        "region": [264, 450, 667, 853],
        "current_zones": ["driveway"],
        "entered_zones": ["yard", "driveway"],
        "thumbnail": None,
        "has_snapshot": False,
        "has_clip": False,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 2,
        "attributes": [{"label": "face", "score": 0.9, "box": [1, 2, 3, 4]}],
    }
    obj.update(changes)
    return obj


SEQUENCE = [
    {"type": "new", "before": frigate_object(), "after": frigate_object()},
    {
        "type": "update",
        "before": frigate_object(),
        "after": frigate_object(
            frame_time=1607123962.082975,
            score=0.87890625,
            current_zones=["yard", "driveway"],
            box=[432, 496, 544, 854],
        ),
    },
    {
        "type": "end",
        "before": frigate_object(score=0.87890625),
        "after": frigate_object(score=0.87890625, end_time=1607123975.1),
    },
]


def as_device_event(message: dict, device_id: str) -> DeviceEvent:
    """What the gateway hands the sink for one `frigate/events` message: its own parser when
    this branch has it, else the same mapping written out (label → type, score → confidence)."""
    clean, removed = strip_identity(message)
    try:
        from devices.protocols.messages import parse_frigate
    except ImportError:
        after = clean["after"]
        end = after.get("end_time")
        return DeviceEvent(
            device_id=device_id,
            event_id=after["id"],
            ts=datetime.fromtimestamp(after["start_time"], UTC),
            type=after["label"],
            source="frigate",
            confidence=after["score"],
            attributes={k: after[k] for k in ("entered_zones", "top_score", "box") if k in after},
            phase=clean["type"],
            end_ts=datetime.fromtimestamp(end, UTC) if end else None,
            zones=tuple(after["current_zones"]),
            stripped=tuple(removed),
        )
    parsed = parse_frigate(clean, tuple(removed), now=time.time())
    return DeviceEvent(
        device_id=device_id,
        event_id=parsed.event_id,
        ts=parsed.ts,
        type=parsed.label,
        source="frigate",
        confidence=parsed.score,
        attributes=parsed.attributes,
        phase=parsed.phase,
        end_ts=parsed.end_ts,
        zones=parsed.zones,
        stripped=parsed.stripped,
    )


def test_a_frigate_new_update_end_sequence_is_one_event_with_one_alarm(make_camera, ingest):
    camera = make_camera("CAM-FRONT", frigate="front_door")
    alarm_rule_create(
        actor="test", name="Person near the door", event_types=["person"], min_confidence=0.8
    )
    for message in SEQUENCE:
        ingest([as_device_event(message, camera.device_id)])

    event = Event.objects.get()
    assert event.event_id == "1607123955.475377-mxklsc" and event.type == "person"
    assert event.confidence == pytest.approx(0.87890625)  # the update's better score
    assert event.zones == ["driveway", "yard"]
    assert event.end_ts == datetime.fromtimestamp(1607123975.1, UTC)
    assert event.updates == 2
    assert "Jane Citizen" not in str(event.attributes) and "sub_label" not in event.attributes
    alarm = Alarm.objects.get()
    assert alarm.event_count == 1 and list(alarm.events.all()) == [event]


def test_a_redelivered_frigate_new_message_changes_nothing(make_camera, ingest):
    camera = make_camera("CAM-FRONT", frigate="front_door")
    alarm_rule_create(actor="test", name="Person", event_types=["person"])
    ingest([as_device_event(SEQUENCE[0], camera.device_id)])
    ingest([as_device_event(SEQUENCE[0], camera.device_id)])
    assert Event.objects.get().updates == 0
    assert Alarm.objects.get().event_count == 1
