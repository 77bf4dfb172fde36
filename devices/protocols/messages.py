"""The device protocol v1 (CONTRACT.md) as typed, immutable values, parsed at the edge.

Nothing past this module sees raw bytes. `parse_message(topic, payload, ...)` turns one MQTT
message into a `Telemetry`, `Status`, `Event`, `Ack` or `FrigateEvent` value (devices/wire.py),
or a `Rejected` value naming why; `device_event` turns an event value into the `DeviceEvent` the
sinks take, and `command_encode` is the way out, beside `parse_ack` which reads its answer.

The checks here are the JSON Schemas published in docs/schemas/ written out by hand (10,000
messages a second leave no room for a generic validator); the tests validate the same payloads
against those schema files, so the two cannot drift apart unnoticed.
"""

import json
import logging
import math
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from paho.mqtt.client import topic_matches_sub

from cityplatform.json_input import JsonRefused, TooDeep, TooLarge, json_loads_bounded
from devices.choices import RejectReason
from devices.events import DeviceEvent, event_max_future_s, strip_identity
from devices.wire import (
    TELEMETRY_METRICS,
    Ack,
    Event,
    FrigateEvent,
    Message,
    Rejected,
    Status,
    Telemetry,
)

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 64 * 1024
REJECTED_PAYLOAD_BYTES = 4096
DEVICE_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Plausible ranges per metric (the contract's lower bounds; upper bounds reject garbage).
METRIC_RANGES = {
    "level": (0.0, 100.0),
    "power_w": (0.0, 100_000.0),
    "energy_wh": (0.0, 1e12),
    "lux": (0.0, 200_000.0),
    "temp_c": (-100.0, 200.0),
    "level_cm": (-1000.0, 10_000.0),  # against the gauge's datum: may be below it
    "rain_mm_h": (0.0, 500.0),
    "wind_m_s": (0.0, 120.0),
    "pm25_ug_m3": (0.0, 5000.0),
    "no2_ug_m3": (0.0, 5000.0),
}
# Timestamps further than this into the future are refused (a device with a broken clock).
MAX_CLOCK_SKEW_S = 24 * 3600
MIN_EPOCH = 946684800.0  # 2000-01-01
MAX_COUNT = 2**31 - 1  # an event's count is stored as a PostgreSQL integer


class Invalid(ValueError):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_ts(
    value: Any, *, now: float, name: str = "ts", max_future_s: float = MAX_CLOCK_SKEW_S
) -> datetime:
    """RFC 3339 with an offset, or epoch seconds; in UTC; at most `max_future_s` ahead."""
    if isinstance(value, bool):
        raise Invalid(RejectReason.SCHEMA, f"{name}: not a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < MIN_EPOCH:
            raise Invalid(RejectReason.SCHEMA, f"{name}: epoch seconds out of range")
        if value > now + max_future_s:
            raise Invalid(RejectReason.SCHEMA, f"{name}: more than {max_future_s:g} s ahead")
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise Invalid(RejectReason.SCHEMA, f"{name}: not RFC 3339") from None
        if parsed.tzinfo is None:
            raise Invalid(RejectReason.SCHEMA, f"{name}: RFC 3339 needs an offset")
        epoch = parsed.timestamp()
        if epoch < MIN_EPOCH:
            raise Invalid(RejectReason.SCHEMA, f"{name}: out of range")
        if epoch > now + max_future_s:
            raise Invalid(RejectReason.SCHEMA, f"{name}: more than {max_future_s:g} s ahead")
        return parsed.astimezone(UTC)
    raise Invalid(RejectReason.SCHEMA, f"{name}: not a timestamp")


def _number(
    data: dict, key: str, low: float | None = None, high: float | None = None
) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(RejectReason.SCHEMA, f"{key}: not a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid(RejectReason.SCHEMA, f"{key}: {value} out of range")
    return float(value)


def _loads(payload: bytes) -> Any:
    """The payload's JSON, bounded in size and depth before it is parsed (json_input.py)."""
    try:
        return json_loads_bounded(payload, max_bytes=MAX_PAYLOAD_BYTES)
    except (TooLarge, TooDeep) as error:
        raise Invalid(RejectReason.OVERSIZED, error.message) from None
    except JsonRefused as error:  # not JSON, NaN, 1e400, a NUL, a lone surrogate: jsonb takes none
        message = error.message
        reason = message if message.startswith("not valid JSON") else f"not valid JSON: {message}"
        raise Invalid(RejectReason.INVALID_JSON, reason) from None


def json_object(payload: bytes) -> dict:
    data = _loads(payload)
    if not isinstance(data, dict):
        raise Invalid(RejectReason.SCHEMA, "the payload must be a JSON object")
    return data


def parse_telemetry(device_id: str, payload: bytes, *, now: float) -> Telemetry:
    data = json_object(payload)
    if "ts" not in data:
        raise Invalid(RejectReason.SCHEMA, "ts: required")
    ts = parse_ts(data["ts"], now=now)
    values = {key: _number(data, key, *METRIC_RANGES[key]) for key in TELEMETRY_METRICS}
    if all(value is None for value in values.values()):
        raise Invalid(RejectReason.SCHEMA, "at least one metric is required")
    return Telemetry(device_id, ts, **values)


def parse_status(device_id: str, payload: bytes) -> Status:
    text = payload.decode("utf-8", "replace").strip().lower()
    if text == "online":
        return Status(device_id, True)
    if text == "offline":
        return Status(device_id, False)
    raise Invalid(RejectReason.SCHEMA, "status must be 'online' or 'offline'")


def _string(data: dict, key: str, *, required: bool, max_length: int = 200) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(RejectReason.SCHEMA, f"{key}: required")
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise Invalid(RejectReason.SCHEMA, f"{key}: a string of 1 to {max_length} characters")
    return value


def parse_event(device_id: str, data: dict, stripped: tuple[str, ...], *, now: float) -> Event:
    event_id = _string(data, "id", required=True, max_length=100)
    event_type = _string(data, "type", required=True, max_length=50)
    if "ts" not in data:
        raise Invalid(RejectReason.SCHEMA, "ts: required")
    ts = parse_ts(data["ts"], now=now, max_future_s=event_max_future_s())
    confidence = _number(data, "confidence", 0, 1)
    count = data.get("count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT
    ):
        raise Invalid(RejectReason.SCHEMA, f"count: a whole number from 0 to {MAX_COUNT:,}")
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise Invalid(RejectReason.SCHEMA, "attributes: an object")
    return Event(device_id, event_id, ts, event_type, confidence, count, attributes, stripped)


def parse_ack(device_id: str, payload: bytes, *, now: float) -> Ack:
    data = json_object(payload)
    command_id = _string(data, "id", required=True, max_length=64)
    try:  # the id of the command acknowledged: a UUID (commands carry one, CONTRACT.md)
        command_id = str(uuid.UUID(command_id))
    except ValueError:
        raise Invalid(RejectReason.SCHEMA, "id: not a command id (a UUID)") from None
    status = data.get("status")
    if status not in ("ok", "error"):
        raise Invalid(RejectReason.SCHEMA, "status: 'ok' or 'error'")
    level = _number(data, "level", 0, 100)
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise Invalid(RejectReason.SCHEMA, "reason: a string")
    ts = parse_ts(data["ts"], now=now) if data.get("ts") is not None else None
    return Ack(device_id, command_id, status == "ok", level, reason[:300], ts)


def command_encode(
    *, command_id: str, level: float, fade_s: float, expires_at: datetime | None
) -> bytes:
    """A `set_level` command as its `P/{device_id}/cmd` payload (CONTRACT.md): the other half
    of `parse_ack`, whose `id` names the command acknowledged."""
    body: dict[str, Any] = {"id": command_id, "op": "set_level", "level": level, "fade_s": fade_s}
    if expires_at is not None:
        body["expires"] = expires_at.astimezone(UTC).isoformat()
    return json.dumps(body, separators=(",", ":")).encode()


def parse_frigate(data: dict, stripped: tuple[str, ...], *, now: float) -> FrigateEvent:
    phase = data.get("type")
    if phase not in ("new", "update", "end"):
        raise Invalid(RejectReason.SCHEMA, "type: new, update or end")
    after = data.get("after")
    if not isinstance(after, dict):
        raise Invalid(RejectReason.SCHEMA, "after: required object")
    event_id = _string(after, "id", required=True, max_length=100)
    camera = _string(after, "camera", required=True, max_length=100)
    label = _string(after, "label", required=True, max_length=50)
    score = _number(after, "score", 0, 1)
    if "start_time" not in after:
        raise Invalid(RejectReason.SCHEMA, "after.start_time: required")
    ahead = event_max_future_s()
    start = parse_ts(after["start_time"], now=now, name="after.start_time", max_future_s=ahead)
    end = after.get("end_time")
    end_ts = (
        parse_ts(end, now=now, name="after.end_time", max_future_s=ahead)
        if end is not None
        else None
    )
    zones = after.get("current_zones") or []
    if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
        raise Invalid(RejectReason.SCHEMA, "after.current_zones: a list of strings")
    keep = ("entered_zones", "top_score", "false_positive", "has_clip", "has_snapshot", "box")
    attributes = {key: after[key] for key in keep if key in after}
    if isinstance(after.get("attributes"), dict | list):
        attributes["attributes"] = after["attributes"]
    return FrigateEvent(
        camera, event_id, phase, start, end_ts, label, score, tuple(zones), attributes, stripped
    )


def device_event(
    message: Event | FrigateEvent, *, source: str, device_id: str | None = None
) -> DeviceEvent:
    """The `DeviceEvent` an event message stands for: the one translation from the wire to the
    event sinks, for every path an event comes by (MQTT, Frigate, a VMS webhook).

    `source` names the path ("mqtt", "frigate", "webhook:<name>"); `device_id` is the asset a
    Frigate camera name was resolved to (a device's own event names itself)."""
    if isinstance(message, FrigateEvent):
        return DeviceEvent(
            device_id=device_id or message.camera,
            event_id=message.event_id,
            ts=message.ts,
            type=message.label,
            source=source,
            confidence=message.score,
            attributes=message.attributes,
            phase=message.phase,
            end_ts=message.end_ts,
            zones=message.zones,
            stripped=message.stripped,
        )
    return DeviceEvent(
        device_id=device_id or message.device_id,
        event_id=message.event_id,
        ts=message.ts,
        type=message.type,
        source=source,
        confidence=message.confidence,
        count=message.count,
        attributes=message.attributes,
        end_ts=message.end_ts,
        zones=message.zones,
        stripped=message.stripped,
    )


class TopicMap:
    """Splits topics of the contract: `P/{device_id}/{kind}` and the Frigate topic."""

    KINDS = frozenset({"telemetry", "status", "event", "ack"})

    def __init__(self, prefix: str, frigate_topic: str, onvif_topic: str = ""):
        self.prefix = prefix.strip("/")
        self.prefix_slash = self.prefix + "/"
        self.frigate_topic = frigate_topic
        self.onvif_topic = onvif_topic  # an MQTT filter (ONVIF Profile M); "" for none

    def is_onvif(self, topic: str) -> bool:
        return bool(self.onvif_topic) and topic_matches_sub(self.onvif_topic, topic)

    def split(self, topic: str) -> tuple[str, str] | None:
        """(device_id, kind) for a device topic, ("", "frigate") for Frigate, else None."""
        if topic == self.frigate_topic:
            return "", "frigate"
        if not topic.startswith(self.prefix_slash):
            return None
        rest = topic[len(self.prefix_slash) :]
        device_id, sep, kind = rest.partition("/")
        if not sep or kind not in self.KINDS or not DEVICE_ID_RE.fullmatch(device_id):
            return None
        return device_id, kind

    def kind(self, topic: str) -> str:
        """The kind a topic is counted under: its contract kind (also with a device id the
        contract refuses), "frigate", or "other"."""
        if topic == self.frigate_topic:
            return "frigate"
        if self.is_onvif(topic):
            return "onvif"
        kind = topic.rpartition("/")[2]
        return kind if kind in self.KINDS and topic.startswith(self.prefix_slash) else "other"

    def device_topic(self, device_id: str, kind: str) -> str:
        return f"{self.prefix}/{device_id}/{kind}"


def rejected(
    topic: str,
    device_id: str,
    payload: bytes,
    code: str,
    reason: str,
    data: Any = None,
    already_stripped: tuple[str, ...] = (),
) -> Rejected:
    """A rejected message whose stored payload never carries identity fields. Never raises: a
    message is set aside with this whatever it holds."""
    try:
        return _rejected(topic, device_id, payload, code, reason, data, already_stripped)
    except Exception:  # a defect here must not stop the writer: keep the message, not its text
        log.exception("a rejected message from %s could not be rendered", topic[:255])
        return Rejected(
            topic[:255], device_id[:64], "(withheld: could not be rendered)", code, reason[:500]
        )


# The codes of payloads that are not JSON, or that a second reading would refuse again.
_UNREADABLE = frozenset({RejectReason.INVALID_JSON, RejectReason.OVERSIZED})


def _rejected(topic, device_id, payload, code, reason, data, already_stripped) -> Rejected:
    stripped: tuple[str, ...] = already_stripped
    if data is None and code not in _UNREADABLE and payload[:1] in (b"{", b"["):
        try:
            data = json_loads_bounded(payload, max_bytes=MAX_PAYLOAD_BYTES)
        except JsonRefused:
            data = None
    if data is not None:
        clean, removed = strip_identity(data)
        stripped = stripped + tuple(removed)
        text = json.dumps(clean, ensure_ascii=False)
    else:
        text = payload[:REJECTED_PAYLOAD_BYTES].decode("utf-8", "replace")
        # Not JSON, so not inspectable field by field: a text naming identity keys is withheld.
        lowered = text.lower()
        if any(f'"{key}"' in lowered for key in ("face", "faces", "sub_label", "identity")):
            text = "(withheld: unparseable payload naming identity fields)"
    return Rejected(topic, device_id, text[:REJECTED_PAYLOAD_BYTES], code, reason[:500], stripped)


def parse_message(topics: TopicMap, topic: str, payload: bytes, *, now: float) -> Message:
    """One MQTT message → a typed value, or `Rejected`. Never raises for bad input."""
    where = topics.split(topic)
    if where is None:
        return rejected(
            topic[:255],
            "",
            payload[:REJECTED_PAYLOAD_BYTES],
            RejectReason.UNKNOWN_TOPIC,
            unknown_topic_reason(topic),
        )
    device_id, kind = where
    if len(payload) > MAX_PAYLOAD_BYTES:
        return rejected(
            topic,
            device_id,
            payload[:REJECTED_PAYLOAD_BYTES],
            RejectReason.OVERSIZED,
            f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}",
            data=None,
        )
    data, removed = None, []
    try:
        if kind == "telemetry":
            return parse_telemetry(device_id, payload, now=now)
        if kind == "status":
            return parse_status(device_id, payload)
        if kind == "ack":
            return parse_ack(device_id, payload, now=now)
        # Events: identity fields are stripped before anything else looks at them.
        raw = json_object(payload)
        data, removed = strip_identity(raw)
        if kind == "event":
            return parse_event(device_id, data, tuple(removed), now=now)
        return parse_frigate(data, tuple(removed), now=now)
    except Invalid as error:
        return rejected(topic, device_id, payload, error.code, error.reason, data, tuple(removed))
    except Exception as error:  # a defect of a parser: the message is kept, the gateway goes on
        log.exception("a message on %s could not be parsed", topic[:255])
        return rejected(
            topic, device_id, payload, RejectReason.OTHER, f"could not be parsed ({error!r:.200})"
        )


def unknown_topic_reason(topic: str) -> str:
    return f"topic outside the contract: {topic[:200]}"
