"""The published JSON Schemas and the gateway's parsers agree: what one accepts, so does the
other (pure logic, no services)."""

import json
import time

import jsonschema
import pytest

from devices.choices import RejectReason
from devices.protocols.messages import (
    Ack,
    Event,
    FrigateEvent,
    Rejected,
    Status,
    Telemetry,
    TopicMap,
    parse_message,
)
from tests.devices.gateway_helpers import SCHEMAS

TOPICS = TopicMap("city/v1", "frigate/events")
NOW = time.time()


def schema(name):
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def test_every_schema_is_a_valid_json_schema():
    for path in SCHEMAS.glob("*.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


VALID = [
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": "2026-11-22T17:03:00Z", "level": 60}, Telemetry),
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": 1790000000.5, "lux": 3.2}, Telemetry),
    ("event", "city/v1/CAM-1/event", {"id": "a", "ts": 1790000000, "type": "motion"}, Event),
    ("event", "city/v1/CAM-1/event", {"id": "b", "ts": 1790000000, "type": "new_kind"}, Event),
    (
        "ack",
        "city/v1/SL-1/ack",
        {"id": "5b0c6d2e-9a43-4f4e-8a8b-2d7c2f0b9e11", "status": "error", "reason": "x"},
        Ack,
    ),
    (
        "frigate-event",
        "frigate/events",
        {
            "type": "end",
            "before": {},
            "after": {"id": "1", "camera": "c", "label": "car", "start_time": 1790000000},
        },
        FrigateEvent,
    ),
]


@pytest.mark.parametrize(("name", "topic", "payload", "kind"), VALID)
def test_valid_payloads_pass_both(name, topic, payload, kind):
    jsonschema.validate(payload, schema(name))
    assert isinstance(parse_message(TOPICS, topic, json.dumps(payload).encode(), now=NOW), kind)


INVALID = [
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": 1790000000}),
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": 1790000000, "level": -1}),
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": "2026-11-22 17:03", "level": 1}),
    ("telemetry", "city/v1/SL-1/telemetry", {"ts": True, "level": 1}),
    ("event", "city/v1/CAM-1/event", {"id": "a", "ts": 1790000000}),
    ("event", "city/v1/CAM-1/event", {"id": "a", "ts": 1790000000, "type": "m", "confidence": 2}),
    # A count past PostgreSQL's integer failed the whole batch (found by the gateway fuzz).
    ("event", "city/v1/CAM-1/event", {"id": "a", "ts": 1790000000, "type": "m", "count": 2**31}),
    ("ack", "city/v1/SL-1/ack", {"id": "c", "status": "done"}),
    ("ack", "city/v1/SL-1/ack", {"id": "c0ffee", "status": "ok"}),  # not a command's UUID
    ("frigate-event", "frigate/events", {"type": "new", "after": {"id": "1", "camera": "c"}}),
]


@pytest.mark.parametrize(("name", "topic", "payload"), INVALID)
def test_invalid_payloads_fail_both(name, topic, payload):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, schema(name))
    parsed = parse_message(TOPICS, topic, json.dumps(payload).encode(), now=NOW)
    assert isinstance(parsed, Rejected) and parsed.reason_code == RejectReason.SCHEMA


def test_status_is_plain_text():
    jsonschema.validate("online", schema("status"))
    assert parse_message(TOPICS, "city/v1/SL-1/status", b"offline", now=NOW) == Status(
        "SL-1", False
    )


def test_topics_outside_the_contract_are_named_as_such():
    for topic in ("city/v1/SL-1/debug", "other/SL-1/telemetry", "city/v1/a b/telemetry"):
        parsed = parse_message(TOPICS, topic, b"{}", now=NOW)
        assert parsed.reason_code == RejectReason.UNKNOWN_TOPIC


def test_a_rejected_payload_never_keeps_identity_fields():
    payload = {"id": "x", "type": "motion", "attributes": {"face": "…"}}  # no ts: invalid
    parsed = parse_message(TOPICS, "city/v1/CAM-1/event", json.dumps(payload).encode(), now=NOW)
    assert isinstance(parsed, Rejected)
    assert "face" not in parsed.payload and parsed.stripped == ("attributes.face",)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b'{"ts": 1790000000, "level": NaN}', "NaN is not a JSON number"),
        (b'{"ts": 1790000000, "level": 1, "note": "a\\u0000b"}', "NUL"),
        (b'{"ts": 1790000000, "level": 1, "note": "\\udc00"}', "lone surrogate"),
        (
            '{"ts": 1790000000, "level": 1, "note": "\udc00"}'.encode("utf-8", "surrogatepass"),
            "lone surrogate",
        ),
    ],
    ids=["NaN", "NUL escape", "surrogate escape", "raw surrogate bytes"],
)
def test_json_that_postgresql_cannot_store_is_rejected_as_invalid_json(payload, why):
    parsed = parse_message(TOPICS, "city/v1/SL-1/telemetry", payload, now=NOW)
    assert isinstance(parsed, Rejected)
    assert parsed.reason_code == RejectReason.INVALID_JSON
    assert why in parsed.reason
