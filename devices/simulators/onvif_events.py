"""What simulated ONVIF cameras send: Profile M analytics events as JSON over MQTT (ONVIF Core,
"JSON Event Payload", payload prefix `onvif-ej`), in the shape devices/protocols/onvif.py and
docs/onvif.md accept. No I/O.

A camera's `onvif_source` is "<TopicPrefix>/<VideoSource token>"; it publishes on
`<TopicPrefix>/onvif-ej/<event topic>/&<token>/<analytics configuration>/<rule>` a payload
`{"UtcTime", "Source": {VideoSourceConfigurationToken, VideoAnalyticsConfigurationToken, Rule},
"Data": {…}}`. Line crossings and counts are single messages; field detection, loitering, cell
motion and tamper are state events: `true`, then `false` a few seconds later (PropertyOperation
`Changed`), which the platform reads as one event that starts and ends.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from devices.simulators.specs import CameraSpec

PAYLOAD_PREFIX = "onvif-ej"
ANALYTICS_CONFIGURATION = "VideoAnalyticsConfig_1"


@dataclass(frozen=True)
class OnvifKind:
    topic: str
    rule: str
    state_item: str = ""  # a state event: this item true, then false
    weight: int = 1


# The platform's event type → the ONVIF rule engine topic a camera raises it on.
ONVIF_KINDS = {
    "line_crossing": OnvifKind("RuleEngine/LineDetector/Crossed", "KerbLine", weight=8),
    "crowd": OnvifKind("RuleEngine/CountAggregation/Counter", "FootwayCount", weight=4),
    "intrusion": OnvifKind(
        "RuleEngine/FieldDetector/ObjectsInside", "ClosedArea", "IsInside", weight=4
    ),
    "loitering": OnvifKind(
        "RuleEngine/LoiteringDetector/ObjectIsLoitering", "Doorway", "IsLoitering", weight=3
    ),
    "motion": OnvifKind("RuleEngine/CellMotionDetector/Motion", "Scene", "IsMotion", weight=6),
    "tamper": OnvifKind("RuleEngine/TamperDetector/Tamper", "Tamper", "IsTamper", weight=1),
}


def split_source(onvif_source: str) -> tuple[str, str] | None:
    """("<TopicPrefix>", "<token>") of a camera's onvif_source; None when it has no prefix."""
    prefix, _sep, token = onvif_source.strip().strip("/").rpartition("/")
    if not prefix or not token:
        return None
    return prefix, token


def onvif_kinds_of(camera: CameraSpec) -> tuple[str, ...]:
    """The ONVIF event types a camera raises: those of its analytics allowlist (all without)."""
    allowed = [t for t in ONVIF_KINDS if not camera.event_types or t in camera.event_types]
    return tuple(allowed)


def _utc(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def onvif_messages(
    rng: random.Random, camera: CameraSpec, *, start: datetime
) -> list[tuple[float, str, dict]]:
    """One analytics event of the camera as (seconds after `start`, MQTT topic, payload): one
    message, or a state's true and (2–8 s later) false. Empty when the camera has no usable
    onvif_source or none of its types is an ONVIF one."""
    source = split_source(camera.onvif_source)
    kinds = onvif_kinds_of(camera)
    if source is None or not kinds:
        return []
    prefix, token = source
    event_type = rng.choices(kinds, [ONVIF_KINDS[k].weight for k in kinds])[0]
    kind = ONVIF_KINDS[event_type]
    topic = f"{prefix}/{PAYLOAD_PREFIX}/{kind.topic}/&{token}/{ANALYTICS_CONFIGURATION}/{kind.rule}"
    items = {
        "VideoSourceConfigurationToken": token,
        "VideoAnalyticsConfigurationToken": ANALYTICS_CONFIGURATION,
        "Rule": kind.rule,
    }
    object_id = str(rng.randint(1, 99_999))
    if event_type == "crowd":
        data = {"Count": rng.randint(8, 60)}
        return [(0.0, topic, {"UtcTime": _utc(start), "Source": items, "Data": data})]
    if not kind.state_item:
        data = {"ObjectId": object_id}
        return [(0.0, topic, {"UtcTime": _utc(start), "Source": items, "Data": data})]
    hold = round(rng.uniform(2.0, 8.0), 1)
    messages = []
    for offset, state in ((0.0, "true"), (hold, "false")):
        data = {"ObjectId": object_id, kind.state_item: state}
        if event_type in ("motion", "tamper"):
            data = {kind.state_item: state}  # a whole-scene state: no object
        payload = {
            "UtcTime": _utc(start + timedelta(seconds=offset)),
            "PropertyOperation": "Changed",
            "Source": items,
            "Data": data,
        }
        messages.append((offset, topic, payload))
    return messages
