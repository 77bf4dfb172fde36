"""Live message kinds and topics of the cctv app.

`alarms` is the security console's topic. Kinds need `cctv.view_event` / `cctv.view_alarm`;
a welfare alarm's messages also carry `cctv.view_welfare_alarm` (see services.alarms), so a
viewer never receives one.
"""

from datetime import datetime
from typing import Any

from cctv.models import Alarm, Event
from cityplatform.live import LiveData, live_kind, live_topic

VIEW_EVENT = "cctv.view_event"
VIEW_ALARM = "cctv.view_alarm"

live_topic("alarms", permission=VIEW_ALARM)


@live_kind("event.received", permission=VIEW_EVENT)
class EventReceived(LiveData):
    id: int
    device_id: str
    event_id: str
    type: str
    ts: datetime
    confidence: float | None = None
    count: int | None = None
    zone_id: int | None = None
    source: str = ""


class AlarmData(LiveData):
    id: int
    title: str
    category: str
    priority: int
    state: str
    resolution: str = ""
    camera: str = ""  # "" for an alarm no camera raised (an emergency warning)
    zone_id: int | None = None
    zone_ids: list[int] = []
    raised_at: datetime
    last_event_at: datetime
    event_count: int
    assignee: str | None = None
    lighting: dict[str, Any] = {}


live_kind("alarm.raised", permission=VIEW_ALARM)(AlarmData)


@live_kind("alarm.updated", permission=VIEW_ALARM)
class AlarmUpdated(AlarmData):
    pass


def event_message(event: Event, device_id: str) -> EventReceived:
    return EventReceived(
        id=event.pk,
        device_id=device_id,
        event_id=event.event_id,
        type=event.type,
        ts=event.ts,
        confidence=event.confidence,
        count=event.count,
        zone_id=event.zone_id,
        source=event.source,
    )


def alarm_camera(alarm: Alarm) -> str:
    """The device id of the alarm's camera, "" for an alarm without one."""
    return alarm.camera.device_id if alarm.camera_id else ""


def alarm_message(alarm: Alarm, *, camera_device_id: str = "") -> dict[str, Any]:
    zone_ids = sorted(z.pk for z in alarm.zones.all()) if alarm.category == "emergency" else []
    return {
        "id": alarm.pk,
        "title": alarm.title,
        "category": alarm.category,
        "priority": alarm.priority,
        "state": alarm.state,
        "resolution": alarm.resolution,
        "camera": camera_device_id or alarm_camera(alarm),
        "zone_id": alarm.zone_id,
        "zone_ids": zone_ids or ([alarm.zone_id] if alarm.zone_id else []),
        "raised_at": alarm.raised_at,
        "last_event_at": alarm.last_event_at,
        "event_count": alarm.event_count,
        "assignee": alarm.assignee.get_username() if alarm.assignee_id else None,
        "lighting": alarm.lighting or {},
    }
