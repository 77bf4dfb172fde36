"""What simulated cameras send: contract analytics events (CONTRACT.md, "MQTT") and Frigate's
new/update/end sequences on `frigate/events`, drawn from a seeded random source. No I/O."""

import random
import time
import uuid

from devices.simulators.specs import CameraSpec, now_iso

CAMERA_EVENT_TYPES = (
    "motion",
    "intrusion",
    "line_crossing",
    "loitering",
    "crowd",
    "person_down",
    "vulnerable_person",
    "tamper",
    "video_loss",
)
# How often each type happens relative to the others: motion is common, tamper rare.
EVENT_WEIGHTS = {
    "motion": 40,
    "intrusion": 6,
    "line_crossing": 10,
    "loitering": 6,
    "crowd": 4,
    "person_down": 1,
    "vulnerable_person": 1,
    "tamper": 1,
    "video_loss": 1,
}
FRIGATE_LABELS = (("person", 6), ("car", 3), ("bicycle", 1), ("dog", 1))


def camera_event(rng: random.Random, camera: CameraSpec) -> dict:
    """One analytics event of one of the camera's types, weighted by EVENT_WEIGHTS."""
    types = camera.event_types or CAMERA_EVENT_TYPES
    weights = [EVENT_WEIGHTS.get(t, 2) for t in types]
    kind = rng.choices(types, weights)[0]
    event = {
        "id": uuid.uuid4().hex,
        "ts": now_iso(),
        "type": kind,
        "confidence": round(rng.uniform(0.55, 0.99), 2),
        "count": rng.randint(8, 60) if kind == "crowd" else 1,
        "attributes": {"object": "person", "region": f"R{rng.randint(1, 4)}"},
    }
    if kind in ("tamper", "video_loss"):
        event["attributes"] = {"cause": rng.choice(("blur", "dark", "moved"))}
        event.pop("count")
    return event


def frigate_messages(
    rng: random.Random, camera: CameraSpec, *, updates: int = 2, sub_label_ratio: float = 1 / 6
) -> list[dict]:
    """A Frigate event's life: new, `updates` updates, end (the `before`/`after` shape). About
    `sub_label_ratio` of the people carry a recognised identity, which the platform must strip."""
    start = time.time()
    labels, weights = zip(*FRIGATE_LABELS, strict=True)
    label = rng.choices(labels, weights)[0]
    suffix = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=6))
    zone = rng.choice(("entrance", "street", "crossing", "square"))
    identity = label == "person" and rng.random() < sub_label_ratio
    after = {
        "id": f"{start:.6f}-{suffix}",
        "camera": camera.frigate_camera,
        "frame_time": start,
        "label": label,
        "sub_label": None,
        "score": round(rng.uniform(0.6, 0.8), 2),
        "top_score": 0.0,
        "false_positive": False,
        "start_time": start,
        "end_time": None,
        "current_zones": [],
        "entered_zones": [],
        "has_clip": True,
        "has_snapshot": True,
        "attributes": {},
        "current_attributes": [],
    }
    after["top_score"] = after["score"]
    messages = [{"type": "new", "before": dict(after), "after": dict(after)}]
    for step in range(updates):
        before = messages[-1]["after"]
        now = start + step + 1
        current = dict(before)
        current.update(
            frame_time=now,
            score=round(min(0.99, before["score"] + rng.uniform(0, 0.1)), 2),
            current_zones=[zone],
            entered_zones=[zone],
        )
        current["top_score"] = max(before["top_score"], current["score"])
        if identity and step == 0:
            # What a Frigate with face recognition adds: the platform must strip it.
            current["sub_label"] = ["Jane Example", 0.91]
            current["attributes"] = {"face": 0.88}
            current["current_attributes"] = [
                {"label": "face", "score": 0.88, "box": [10, 10, 40, 40]}
            ]
        messages.append({"type": "update", "before": before, "after": current})
    last = messages[-1]["after"]
    end = dict(last)
    end.update(end_time=last["frame_time"] + 1, current_zones=[])
    messages.append({"type": "end", "before": last, "after": end})
    return messages
