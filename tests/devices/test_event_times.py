"""No path stores an event from the future (issue #14, item 14): an MQTT or Frigate event whose
time is more than EVENT_MAX_FUTURE_S (300 s) ahead of the platform's clock is a rejected
message naming the field; a little clock skew is accepted. (The webhook's 400 is in
tests/cctv/test_webhook.py.)"""

import json
import time

import pytest
from django.test import override_settings

from devices.choices import RejectReason
from devices.protocols.messages import (
    Event,
    FrigateEvent,
    Rejected,
    Telemetry,
    TopicMap,
    parse_message,
)

TOPICS = TopicMap("city/v1", "frigate/events")


def parse(topic: str, payload: dict, now: float):
    return parse_message(TOPICS, topic, json.dumps(payload).encode(), now=now)


def frigate(start_time, end_time=None) -> dict:
    after = {"id": "f-1", "camera": "cheapside", "label": "person", "start_time": start_time}
    if end_time is not None:
        after["end_time"] = end_time
    return {"type": "end", "before": {}, "after": after}


@pytest.mark.parametrize(
    "ts",
    ["9999-12-31T23:59:59Z", 253402300799, "ahead by 10 min"],
    ids=["iso 9999", "epoch 9999", "10 min"],
)
def test_an_mqtt_event_from_the_future_is_rejected_naming_the_limit(ts):
    now = time.time()
    ts = now + 600 if ts == "ahead by 10 min" else ts
    message = parse("city/v1/CAM-1/event", {"id": "e-1", "ts": ts, "type": "intrusion"}, now)
    assert isinstance(message, Rejected)
    assert message.reason_code == RejectReason.SCHEMA
    assert "ts: more than 300 s ahead" in message.reason


def test_a_frigate_event_from_the_future_is_rejected():
    now = time.time()
    for payload, field in (
        (frigate(now + 3600), "after.start_time"),
        (frigate(now - 60, end_time=253402300799), "after.end_time"),
    ):
        message = parse("frigate/events", payload, now)
        assert isinstance(message, Rejected), payload
        assert f"{field}: more than 300 s ahead" in message.reason


def test_an_event_a_little_ahead_is_accepted():
    now = time.time()
    assert isinstance(
        parse("city/v1/CAM-1/event", {"id": "e-2", "ts": now + 120, "type": "motion"}, now), Event
    )
    assert isinstance(parse("frigate/events", frigate(now + 120), now), FrigateEvent)


@override_settings(EVENT_MAX_FUTURE_S=30)
def test_the_limit_is_a_setting():
    now = time.time()
    message = parse("city/v1/CAM-1/event", {"id": "e-3", "ts": now + 120, "type": "motion"}, now)
    assert isinstance(message, Rejected) and "more than 30 s ahead" in message.reason


def test_telemetry_keeps_its_own_day_of_skew():
    """Device clocks on telemetry keep the gateway's 24-hour tolerance (unchanged)."""
    now = time.time()
    message = parse("city/v1/SL-1/telemetry", {"ts": now + 3600, "level": 50}, now)
    assert isinstance(message, Telemetry)
