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
