"""Device events as typed values, the privacy guard at the edge, and the sinks they go to.

The gateway (devices/gateway) parses every event message (MQTT `P/{device_id}/event`,
Frigate's `frigate/events`) into a `DeviceEvent` (`device_event` in devices/protocols/messages.py,
the one translation, which the VMS webhook uses too) and hands batches of them to the registered
sinks inside the transaction that stores the batch, before the broker is acknowledged: the CCTV
app registers its ingestion service as a sink in its AppConfig.ready(), so that devices never
imports cctv (dependencies point one way).

Privacy: no facial recognition and no biometric identification anywhere. `strip_identity`
removes face and identity fields from any payload before it is stored anywhere, including the
rejected-message store, and says what it removed so the caller can audit it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

# Keys that carry face or identity data (CONTRACT.md "Privacy"; Frigate's sub_label and
# attributes.face; ONVIF face recognition). Compared case-insensitively at any depth.
IDENTITY_KEYS = frozenset(
    {
        "face",
        "faces",
        "face_embedding",
        "face_embeddings",
        "face_id",
        "face_match",
        "face_recognition",
        "identity",
        "identities",
        "person_name",
        "person_id",
        "sub_label",
        "recognized_name",
        "biometric",
        "biometrics",
    }
)
# Event types that are face recognition in themselves (ONVIF RuleEngine/Recognition/Face).
# Licence-plate recognition identifies a vehicle's keeper: refused the same way (ONVIF
# LicensePlate topics, devices/protocols/onvif.py).
IDENTITY_EVENT_TYPES = frozenset(
    {"face", "face_recognition", "recognition/face", "licence_plate_recognition"}
)


def event_max_future_s() -> float:
    """How far ahead of the platform's clock an event's time may be (EVENT_MAX_FUTURE_S): every
    path that parses events (MQTT, Frigate, the webhook) refuses one further ahead, so no event
    is stored as from the future (an event dated 9999-12-31 would never be purged)."""
    return float(settings.EVENT_MAX_FUTURE_S)


def strip_identity(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """A copy of `value` without identity fields, and the paths of what was removed."""
    removed: list[str] = []
    if isinstance(value, dict):
        clean = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).lower() in IDENTITY_KEYS:
                removed.append(where)
                continue
            clean[key], inner = strip_identity(item, where)
            removed.extend(inner)
        return clean, removed
    if isinstance(value, list):
        clean_list = []
        for index, item in enumerate(value):
            # Frigate's attributes list: [{"label": "face", "score": …}] carries a face result.
            if isinstance(item, dict) and str(item.get("label", "")).lower() in IDENTITY_KEYS:
                removed.append(f"{path}[{index}]")
                continue
            clean_item, inner = strip_identity(item, f"{path}[{index}]")
            clean_list.append(clean_item)
            removed.extend(inner)
        return clean_list, removed
    return value, removed


@dataclass(frozen=True)
class DeviceEvent:
    """An event from a device or a video system, validated and stripped of identity fields.

    `phase` is Frigate's new/update/end (None for a one-off event); `source` names the path
    it came by ("mqtt", "frigate", "webhook:<source name>").
    """

    device_id: str
    event_id: str
    ts: datetime
    type: str
    source: str
    confidence: float | None = None
    count: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    phase: str | None = None
    end_ts: datetime | None = None
    zones: tuple[str, ...] = ()
    stripped: tuple[str, ...] = ()  # identity fields removed at the edge (to be audited)
    # A state series (ONVIF State true → false): "new" opens or folds into the series' open
    # event, "end" closes it and never creates one (cctv ingest).
    series: str = ""


EventSink = Callable[[Sequence[DeviceEvent]], None]
_sinks: list[EventSink] = []


def register_event_sink(sink: EventSink) -> None:
    """Adds a sink (idempotent). Sinks run inside the storing transaction: they must not
    publish or dispatch before the commit (use transaction.on_commit for that)."""
    if sink not in _sinks:
        _sinks.append(sink)


def deliver_events(events: Sequence[DeviceEvent]) -> None:
    for sink in list(_sinks):
        sink(events)


# State sinks: the assets whose reported state a stored batch changed, by asset pk, with what
# changed ("level", "online"). Called inside the storing transaction, like event sinks (the
# NGSI-LD app registers one for its subscriptions' notifications: it defers its work to commit).
StateSink = Callable[[dict[int, set[str]]], None]
_state_sinks: list[StateSink] = []


def register_state_sink(sink: StateSink) -> None:
    if sink not in _state_sinks:
        _state_sinks.append(sink)


def deliver_state_changes(changes: dict[int, set[str]]) -> None:
    if changes:
        for sink in list(_state_sinks):
            sink(changes)
