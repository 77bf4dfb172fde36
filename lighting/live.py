"""Live message kinds and topics of the lighting app (registered at start by cityplatform)."""

from datetime import datetime

from cityplatform.live import LiveData, live_kind, live_topic

live_topic("overrides")


class _OverrideData(LiveData):
    id: int
    scope_kind: str
    zone_id: int | None = None
    group_id: int | None = None
    level: float
    operation: str
    priority: int
    starts_at: datetime
    expires_at: datetime | None = None
    reason: str = ""
    author: str = ""
    alarm_id: int | None = None
    light_count: int = 0


@live_kind("override.started")
class OverrideStarted(_OverrideData):
    pass


@live_kind("override.ended")
class OverrideEnded(_OverrideData):
    ended_at: datetime
    end_state: str
    ended_by: str = ""
