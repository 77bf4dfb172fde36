"""Live message kinds and topics of the devices app."""

from datetime import datetime

from cityplatform.live import LiveData, live_kind, live_topic

live_topic("commands")


@live_kind("device.status")
class DeviceStatus(LiveData):
    device_id: str
    kind: str
    online: bool | None
    last_seen_at: datetime | None = None
    zone_id: int | None = None


@live_kind("light.state")
class LightState(LiveData):
    device_id: str
    level: float | None
    desired_level: float | None = None
    power_w: float | None = None
    zone_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@live_kind("command.updated")
class CommandUpdated(LiveData):
    id: str
    device_id: str
    level: float
    state: str
    attempts: int
    reason: str = ""
    error: str = ""
    zone_id: int | None = None
