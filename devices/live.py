"""Live message kinds and topics of the devices app."""

from datetime import datetime
from typing import Any

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


# Faults, raised and cleared by whoever detects them (devices.services.faults): to `faults`,
# `zone:<zone id>` and `device:<device_id>`. Reading faults is open to every role (as the
# fault list of the API is), so the topic and the kinds need only access to the platform.
live_topic("faults")


class FaultData(LiveData):
    id: int
    device_id: str
    asset_id: int
    zone_id: int | None = None
    type: str
    raised_at: datetime
    cleared_at: datetime | None = None
    details: dict[str, Any] = {}


@live_kind("fault.raised")
class FaultRaised(FaultData):
    """A fault opened (`cleared_at` null)."""


@live_kind("fault.cleared")
class FaultCleared(FaultData):
    """An open fault cleared (`cleared_at` set)."""


# An asset CSV import's progress, to its page (the topic is the job's random id).
live_topic("import", permission="devices.import_assets", parameter=r"[0-9a-f]{32}")


@live_kind("import.progress", permission="devices.import_assets")
class ImportProgress(LiveData):
    id: str
    state: str
    processed_rows: int
    total_rows: int
    error: str = ""
