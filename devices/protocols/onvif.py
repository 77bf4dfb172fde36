"""ONVIF Profile M analytics events as JSON over MQTT (ONVIF Core, "JSON Event Payload",
payload prefix `onvif-ej`), translated into the platform's own camera event.

A device publishes on `<TopicPrefix>/onvif-ej/<event topic>[/&<source values>…]` a payload
`{"UtcTime", "Source": {SimpleItems}, "Data": {SimpleItems}}` (a `Topic` and a
`PropertyOperation` member, as some VMS bridges send, are read too). The camera is the one whose
`onvif_source` is `<TopicPrefix>/<VideoSource token>`, so two VMSs' "VideoSource_1" never clash.

State events (a `State`, `IsInside`, `IsLoitering`… item) form a series per (source, rule,
topic, object): true opens the series' event (or folds into the open one), false or
`PropertyOperation: Deleted` ends it and never raises a new one (DeviceEvent.series).
Face and licence-plate topics become the identity types the privacy guard refuses; identity
items (plate, face, name, identity, person id) are stripped and named in `stripped` (audited
like Frigate's `sub_label`).
"""

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from devices.choices import RejectReason
from devices.events import DeviceEvent, event_max_future_s, strip_identity
from devices.protocols.messages import (
    MAX_PAYLOAD_BYTES,
    Invalid,
    json_object,
    parse_ts,
    rejected,
)
from devices.wire import Rejected

PAYLOAD_PREFIX = "onvif-ej"
OTHER_TYPE = "onvif_other"
FACE_TYPE = "face_recognition"
PLATE_TYPE = "licence_plate_recognition"
# Rule topics → event types, first match wins (matched on the topic without namespaces).
TOPIC_TYPES = (
    (re.compile(r"recognition/face|facerecognition|/face(detect|match)", re.I), FACE_TYPE),
    (re.compile(r"licen[cs]eplate|/plate|numberplate|/lpr", re.I), PLATE_TYPE),
    (re.compile(r"linedetector/crossed|linecross", re.I), "line_crossing"),
    (re.compile(r"objectcounting|countaggregation|counter", re.I), "crowd"),
    (re.compile(r"fielddetector/objectsinside|intrusion", re.I), "intrusion"),
    (re.compile(r"loitering", re.I), "loitering"),
    (re.compile(r"tamper|globalscenechange|imagetoo(dark|bright|blurry)", re.I), "tamper"),
    (re.compile(r"videosource/signalloss|signalloss", re.I), "video_loss"),
    (re.compile(r"motionalarm|motionregiondetector|cellmotiondetector", re.I), "motion"),
)
STATE_ITEMS = ("State", "IsInside", "IsLoitering", "IsMotion", "IsTamper", "Active")
COUNT_ITEMS = ("Count", "count", "Total", "ObjectCount")
SOURCE_TOKEN_ITEMS = ("VideoSourceConfigurationToken", "VideoSourceToken", "VideoSource", "Source")
IDENTITY_ITEM_RE = re.compile(
    r"plate|face|^name$|identity|person_?id|personid|licen[cs]e|recogni[sz]ed", re.I
)
MAX_COUNT = 2**31 - 1


class OnvifInvalid(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.code = RejectReason.SCHEMA
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OnvifEvent:
    source: str  # "<topic prefix>/<token>", resolved to a camera by the gateway
    event: DeviceEvent  # device_id still the source until resolved


def split_topic(mqtt_topic: str, payload_topic: Any) -> tuple[str, str]:
    """(topic prefix, event topic without namespaces) from the MQTT topic (and the payload's
    own `Topic`, when a bridge sends one)."""
    prefix, sep, rest = mqtt_topic.partition(f"/{PAYLOAD_PREFIX}/")
    if not sep:  # a bridge publishing without the payload prefix: the first level is the prefix
        prefix, _, rest = mqtt_topic.partition("/")
    rest = rest.split("/&", 1)[0]
    if isinstance(payload_topic, str) and payload_topic.strip():
        rest = payload_topic
    topic = "/".join(part.rpartition(":")[2] for part in rest.strip("/").split("/"))
    return prefix.strip("/"), topic[:200]


def _type(topic: str) -> str:
    for pattern, event_type in TOPIC_TYPES:
        if pattern.search(topic):
            return event_type
    return OTHER_TYPE


def _items(data: dict, key: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise OnvifInvalid(f"{key}: an object of SimpleItems")
    return value


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    return None


def _strip_items(items: dict, where: str) -> tuple[dict, list[str]]:
    clean, removed = {}, []
    for key, value in items.items():
        if IDENTITY_ITEM_RE.search(str(key)):
            removed.append(f"{where}.{key}")
            continue
        clean[key] = value
    clean, inner = strip_identity(clean, where)
    return clean, [*removed, *inner]


def parse_onvif(mqtt_topic: str, data: dict, *, now: float) -> OnvifEvent:
    """One Profile M JSON event → an `OnvifEvent`; `OnvifInvalid` naming what is wrong."""
    prefix, topic = split_topic(mqtt_topic, data.get("Topic"))
    event_type = _type(topic)
    if "UtcTime" not in data:
        raise OnvifInvalid("UtcTime: required")
    try:
        ts = parse_ts(data["UtcTime"], now=now, name="UtcTime", max_future_s=event_max_future_s())
    except Invalid as error:
        raise OnvifInvalid(error.reason) from None
    source, stripped_source = _strip_items(_items(data, "Source"), "Source")
    items, stripped_data = _strip_items(_items(data, "Data"), "Data")
    token = next(
        (str(source[k]) for k in SOURCE_TOKEN_ITEMS if source.get(k) not in (None, "")), ""
    )
    if not token:
        raise OnvifInvalid("Source: no VideoSourceConfigurationToken or VideoSource token")
    operation = data.get("PropertyOperation")
    rule = str(source.get("Rule", ""))[:100]
    object_id = str(items.get("ObjectId", ""))[:64]
    state = next((_truth(items[k]) for k in STATE_ITEMS if k in items), None)
    count = next((items[k] for k in COUNT_ITEMS if k in items), None)
    if isinstance(count, str) and count.isdigit():
        count = int(count)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise OnvifInvalid("Data.Count: a whole number")
    if count is not None and not 0 <= count <= MAX_COUNT:
        raise OnvifInvalid("Data.Count: out of range")
    where = f"{prefix}/{token}"
    key = "|".join((where, topic, rule, object_id if state is not None else ""))
    series = "onvif:" + hashlib.sha256(key.encode()).hexdigest()[:20]
    phase, series_key = None, ""
    if state is not None or operation == "Deleted":
        series_key = series
        phase = "end" if (state is False or operation == "Deleted") else "new"
    attributes: dict[str, Any] = {"onvif_topic": topic, "source": source, "data": items}
    if rule:
        attributes["rule"] = rule
    if operation:
        attributes["property_operation"] = str(operation)[:20]
    event = DeviceEvent(
        device_id=where,
        event_id=f"{series}@{ts.isoformat()}|{object_id}"[:128],
        ts=ts,
        type=event_type,
        source="onvif",
        count=count if event_type == "crowd" else None,
        attributes=attributes,
        phase=phase,
        end_ts=ts if phase == "end" else None,
        zones=(rule,) if rule else (),
        stripped=tuple(stripped_source + stripped_data),
        series=series_key,
    )
    return OnvifEvent(where, event)


def parse_onvif_message(topic: str, payload: bytes, *, now: float) -> "OnvifEvent | Rejected":
    """One MQTT message on the ONVIF filter → an `OnvifEvent`, or `Rejected` (never raises)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        return rejected(
            topic[:255], "", payload[:4096], RejectReason.OVERSIZED, f"{len(payload)} bytes"
        )
    data = None
    try:
        data = json_object(payload)
        return parse_onvif(topic, data, now=now)
    except (Invalid, OnvifInvalid) as error:
        return rejected(topic[:255], "", payload, error.code, error.reason, data)
