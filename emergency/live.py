"""Live message kinds and topics of the emergency app: the runs of emergency plans, on the
`emergency_plans` topic (the emergency plans page), for those who may see plan runs.

A run names its plan, its state and what proposed it; never an alarm's text (the alarms behind
plans are emergency alarms, and a welfare alarm never proposes a plan)."""

from datetime import datetime

from cityplatform.live import LiveData, live_kind, live_topic

VIEW_RUNS = "emergency.view_planrun"
PLANS_TOPIC = "emergency_plans"

live_topic(PLANS_TOPIC, permission=VIEW_RUNS)


class PlanRunData(LiveData):
    id: int
    plan_id: int
    plan: str
    hazard: str
    state: str
    trigger: str
    alert_id: int | None = None
    alarm_id: int | None = None
    reason: str = ""
    proposed_at: datetime | None = None
    started_at: datetime | None = None
    started_by: str = ""
    stopped_at: datetime | None = None
    stopped_by: str = ""
    stop_reason: str = ""
    overrides: int = 0


live_kind("plan_run.proposed", permission=VIEW_RUNS)(PlanRunData)


@live_kind("plan_run.changed", permission=VIEW_RUNS)
class PlanRunChanged(PlanRunData):
    pass
