"""Hypothesis strategies for every MQTT payload of the device protocol (CONTRACT.md) and the
Frigate events: mostly well-formed, often subtly wrong, sometimes garbage."""

from __future__ import annotations

import json

from hypothesis import strategies as st

DEVICE_ID = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True).filter(
    lambda d: d != "_gateway"  # the gateway's own status topic
)
NUMBER = st.one_of(
    st.integers(min_value=-150, max_value=250),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
)
ANY_SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, st.text(max_size=20))
JSON_VALUE = st.recursive(
    ANY_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
TIMESTAMP = st.one_of(
    st.integers(min_value=1_600_000_000, max_value=1_900_000_000),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.text(max_size=30),
    NUMBER,
)
METRIC = st.one_of(st.floats(min_value=0, max_value=100), NUMBER, ANY_SCALAR)


def maybe_bad(values: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly values of the right kind, sometimes anything at all."""
    return st.one_of(values, values, values, ANY_SCALAR)


def json_bytes(objects: st.SearchStrategy) -> st.SearchStrategy:
    # allow_nan: NaN and Infinity tokens are what a sloppy device sends, and are not JSON.
    return objects.map(lambda o: json.dumps(o, allow_nan=True).encode())


TELEMETRY = st.fixed_dictionaries(
    {},
    optional={
        "ts": TIMESTAMP,
        "level": maybe_bad(st.floats(min_value=0, max_value=100)),
        "power_w": METRIC,
        "energy_wh": METRIC,
        "lux": METRIC,
        "temp_c": METRIC,
        "extra": JSON_VALUE,
    },
)
EVENT = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe_bad(st.text(min_size=1, max_size=40)),
        "ts": TIMESTAMP,
        "type": maybe_bad(
            st.sampled_from(["motion", "intrusion", "loitering", "lamp_failure", "face", "x"])
        ),
        "confidence": maybe_bad(st.floats(min_value=0, max_value=1)),
        "count": maybe_bad(st.integers(min_value=0, max_value=100)),
        "attributes": st.one_of(
            st.dictionaries(st.sampled_from(["face", "zone", "person_name", "colour"]), JSON_VALUE),
            JSON_VALUE,
        ),
    },
)
ACK = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe_bad(st.uuids().map(str)),
        "status": maybe_bad(st.sampled_from(["ok", "error"])),
        "level": maybe_bad(st.floats(min_value=0, max_value=100)),
        "reason": st.text(max_size=50),
        "ts": TIMESTAMP,
    },
)
FRIGATE_OBJECT = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe_bad(st.text(min_size=1, max_size=30)),
        "camera": maybe_bad(st.sampled_from(["front", "back", "nowhere"])),
        "label": maybe_bad(st.sampled_from(["person", "car"])),
        "score": maybe_bad(st.floats(min_value=0, max_value=1)),
        "current_zones": maybe_bad(st.lists(st.text(max_size=10), max_size=3)),
        "start_time": TIMESTAMP,
        "end_time": st.one_of(st.none(), TIMESTAMP),
        "sub_label": ANY_SCALAR,
        "attributes": JSON_VALUE,
    },
)
FRIGATE = st.fixed_dictionaries(
    {},
    optional={
        "type": maybe_bad(st.sampled_from(["new", "update", "end"])),
        "before": FRIGATE_OBJECT,
        "after": FRIGATE_OBJECT,
    },
)
GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    json_bytes(JSON_VALUE),
    st.just(b""),
    st.integers(min_value=70_000, max_value=140_000).map(lambda n: b"{" + b" " * n + b"}"),
)


def payload_for(kind: str) -> st.SearchStrategy:
    if kind == "status":
        return st.one_of(st.sampled_from([b"online", b"offline"]), GARBAGE)
    objects = {"telemetry": TELEMETRY, "event": EVENT, "ack": ACK, "frigate": FRIGATE}[kind]
    return st.one_of(json_bytes(objects), json_bytes(objects), json_bytes(objects), GARBAGE)


@st.composite
def mqtt_message(draw, *, prefix: str, known: list[str], frigate_topic: str):
    """(topic, payload) of any kind the gateway subscribes to; mostly known devices."""
    kind = draw(st.sampled_from(["telemetry", "telemetry", "status", "event", "ack", "frigate"]))
    payload = draw(payload_for(kind))
    if kind == "frigate":
        return frigate_topic, payload
    device = draw(st.one_of(st.sampled_from(known), st.sampled_from(known), DEVICE_ID))
    return f"{prefix}/{device}/{kind}", payload


# --- hostile payloads (issue #14): what once stopped the gateway or failed its batches ---------

T_VALID = 1_790_000_000


def _deep(depth: int, opener: str) -> bytes:
    if opener == "[":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


DEEP = st.builds(_deep, st.integers(min_value=33, max_value=5000), st.sampled_from("[{"))
# The same depth inside an otherwise valid message, where a field's value would be.
DEEP_INSIDE = st.builds(
    lambda deep, key: (
        b'{"ts": %d, "level": 1, "id": "x", "type": "motion", "status": "ok", '
        b'"%s": %s}' % (T_VALID, key.encode(), deep)
    ),
    DEEP,
    st.sampled_from(["extra", "attributes", "after", "level"]),
)
HUGE_NUMBERS = [
    b'{"ts": 1790000000, "level": 1e400}',
    b'{"ts": 1790000000, "level": -1e999, "id": "x", "type": "m"}',
    b'{"ts": 1790000000, "level": 1, "attributes": {"n": 1e309}}',
    b'{"ts": 1e400, "level": 1}',
    b'{"ts": 1790000000, "level": ' + b"9" * 5000 + b"}",
    b'{"ts": 1790000000, "level": 1, "attributes": {"n": ' + b"1" * 4000 + b"}}",
    b'{"id": "x", "ts": 1790000000, "type": "m", "count": ' + b"7" * 300 + b"}",
]
INVALID_UTF8S = [
    b'{"ts": 1790000000, "level": 1, "note": "\xff\xfe"}',
    b'{"ts": 1790000000, "level": 1, "note": "\xc0\xaf"}',  # overlong "/"
    b'{"ts": 1790000000, "level": 1, "note": "\xed\xa0\x80"}',  # an encoded surrogate
    b"\xef\xbb\xbf" + b'{"ts": 1790000000, "level": 1}',  # a byte-order mark
    b'{\x00"\x00t\x00s\x00"\x00:\x001\x00}\x00',  # UTF-16
]
INVALID_UTF8 = st.one_of(
    st.sampled_from(INVALID_UTF8S),
    st.binary(min_size=1, max_size=200).filter(lambda b: not _utf8(b)),
)
NULS = [
    b"\x00",
    b'{"ts": 1790000000, "level": 1, "note": "a\x00b"}',
    b'{"ts": 1790000000, "level": 1, "note": "a\\u0000b"}',
    b'{"ts": 1790000000, "level": 1, "\\u0000": 1}',
    b'{"id": "e\\u0000", "ts": 1790000000, "type": "motion"}',
    b'{"type": "new", "after": {"id": "1", "camera": "front\\u0000", "label": "person", '
    b'"start_time": 1790000000}}',
]
NOT_NUMBERS = [
    b'{"ts": NaN, "level": 1}',
    b'{"ts": 1790000000, "level": Infinity}',
    b'{"ts": 1790000000, "level": 1, "attributes": {"x": -Infinity}}',
    b'{"id": "x", "ts": 1790000000, "type": "m", "confidence": NaN}',
    b'{"ts": 1790000000, "level": 1, "note": "\\ud800"}',  # a lone surrogate
]
LARGE = st.sampled_from([64 * 1024 + 1, 1024 * 1024]).map(
    lambda size: b'{"ts": 1790000000, "level": 1, "pad": "' + b"x" * (size - 40) + b'"}'
)
HOSTILE = st.one_of(
    DEEP,
    DEEP_INSIDE,
    st.sampled_from(HUGE_NUMBERS),
    INVALID_UTF8,
    st.sampled_from(NULS),
    st.sampled_from(NOT_NUMBERS),
    LARGE,
)
TOPIC_KINDS = ("telemetry", "status", "event", "ack", "frigate")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def hostile_message(draw, *, prefix: str, known: list[str], frigate_topic: str):
    """(topic, payload): a hostile payload on any topic kind, for a known device."""
    kind = draw(st.sampled_from(TOPIC_KINDS))
    payload = draw(HOSTILE)
    if kind == "frigate":
        return frigate_topic, payload
    return f"{prefix}/{draw(st.sampled_from(known))}/{kind}", payload


def hostile_corpus() -> list[bytes]:
    """Every kind of hostile payload once, for the deterministic corpus tests."""
    deep = [_deep(depth, opener) for depth in (33, 400, 900, 3000, 5000) for opener in "[{"]
    inside = [
        b'{"ts": %d, "level": 1, "extra": %s}' % (T_VALID, _deep(900, "[")),
        b'{"id": "x", "ts": %d, "type": "motion", "attributes": %s}' % (T_VALID, _deep(600, "{")),
        b'{"type": "new", "after": %s}' % _deep(800, "{"),
    ]
    return [
        *deep,
        *inside,
        *HUGE_NUMBERS,
        *INVALID_UTF8S,
        *NULS,
        *NOT_NUMBERS,
        b'{"ts": 1790000000, "level": 1, "pad": "' + b"x" * (64 * 1024) + b'"}',
        b'{"ts": 1790000000, "level": 1, "pad": "' + b"x" * (1024 * 1024) + b'"}',
    ]
