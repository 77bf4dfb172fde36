"""What simulated ONVIF cameras publish: Profile M JSON events in the shape the platform's ONVIF
parser and published schema accept (docs/onvif.md), of the camera's allowed types, on its
TopicPrefix, state events opened and then ended."""

import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from devices.protocols.onvif import parse_onvif_message
from devices.simulators.onvif_events import ONVIF_KINDS, onvif_messages
from devices.simulators.specs import CameraSpec
from devices.wire import Rejected

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "schemas" / "onvif-event.json").read_text()
)
START = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def many(camera: CameraSpec, count: int = 300) -> list[list[tuple[float, str, dict]]]:
    rng = random.Random(21)
    return [onvif_messages(rng, camera, start=START) for _ in range(count)]


def test_every_message_is_one_the_platform_accepts_for_the_camera_source():
    camera = CameraSpec("CAM-1", onvif_source="onvif/vms1/VideoSource_3")
    seen = set()
    for sequence in many(camera):
        for _offset, topic, payload in sequence:
            jsonschema.validate(payload, SCHEMA, format_checker=jsonschema.FormatChecker())
            assert topic.startswith("onvif/vms1/onvif-ej/RuleEngine/")
            parsed = parse_onvif_message(topic, json.dumps(payload).encode(), now=time.time())
            assert not isinstance(parsed, Rejected), parsed
            assert parsed.source == "onvif/vms1/VideoSource_3"  # the camera's onvif_source
            seen.add(parsed.event.type)
    assert seen == set(ONVIF_KINDS)  # line crossings, counts, fields, loitering, motion, tamper


def test_a_state_event_is_true_then_false_a_few_seconds_later_in_one_series():
    camera = CameraSpec("CAM-1", event_types=("intrusion",), onvif_source="vms/VideoSource_1")
    for sequence in many(camera, 20):
        (t0, topic, opened), (t1, topic_again, ended) = sequence
        assert topic == topic_again and 2 <= t1 - t0 <= 8
        assert (opened["Data"]["IsInside"], ended["Data"]["IsInside"]) == ("true", "false")
        first, last = (
            parse_onvif_message(topic, json.dumps(p).encode(), now=time.time()).event
            for p in (opened, ended)
        )
        assert (first.phase, last.phase) == ("new", "end") and first.series == last.series


def test_a_count_carries_its_count_and_a_camera_keeps_to_its_allowlist():
    camera = CameraSpec(
        "CAM-1", event_types=("crowd", "line_crossing", "person_down"), onvif_source="v/VS_1"
    )
    types = set()
    for sequence in many(camera, 100):
        ((_offset, topic, payload),) = sequence
        event = parse_onvif_message(topic, json.dumps(payload).encode(), now=time.time()).event
        types.add(event.type)
        if event.type == "crowd":
            assert event.count == payload["Data"]["Count"] >= 8
    assert types == {"crowd", "line_crossing"}  # person_down has no ONVIF rule topic


def test_a_camera_without_a_usable_source_or_onvif_types_sends_nothing():
    rng = random.Random(1)
    assert onvif_messages(rng, CameraSpec("CAM-1", onvif_source="VideoSource_1"), start=START) == []
    no_types = CameraSpec("CAM-1", event_types=("person_down",), onvif_source="v/VideoSource_1")
    assert onvif_messages(rng, no_types, start=START) == []
