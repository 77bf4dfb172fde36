"""The emergency plans page (security roles): the plans, the runs proposed (Start / Dismiss for
those who may run plans), the runs running (Stop), and the latest ended. It follows the runs
live (`emergency_plans`: plans.js reloads the runs' part when one changes)."""

from django.http import HttpRequest, HttpResponse

from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards import selectors
from dashboards.permissions import page_permission
from dashboards.views import render_page
from emergency.choices import PlanHazard, PlanRunState, PlanTrigger
from emergency.selectors import plan_runs_open, plan_runs_recent, plans_list

RUN_PLAN = "emergency.run_plan"


def _step_text(step: dict, zones: dict[int, str]) -> str:
    if "zone" in step:
        where = zones.get(step["zone"], f"zone {step['zone']}")
    else:
        count = len(step["lights"])
        where = "1 light" if count == 1 else f"{count} lights"
    return f"{step['label']}: {where} at {step['level']:g} %"


def _plan_rows(zones: dict[int, str]) -> list[dict]:
    return [
        {
            "pk": plan.pk,
            "name": plan.name,
            "hazard": PlanHazard(plan.hazard).label,
            "area": ", ".join(zones.get(z.pk, f"zone {z.pk}") for z in plan.zones.all()),
            "steps": [_step_text(step, zones) for step in plan.steps],
            "partners": plan.partners,
            "procedure": plan.procedure,
            "enabled": plan.enabled,
        }
        for plan in plans_list()
    ]


def _run_row(run) -> dict:
    return {
        "pk": run.pk,
        "plan": run.plan.name,
        "plan_pk": run.plan_id,
        "hazard": PlanHazard(run.plan.hazard).label,
        "state": run.state,
        "state_label": PlanRunState(run.state).label,
        "trigger": PlanTrigger(run.trigger).label,
        "reason": run.reason,
        "proposed_at": run.proposed_at,
        "started_at": run.started_at,
        "started_by": run.started_by,
        "stopped_at": run.stopped_at,
        "stopped_by": run.stopped_by,
        "stop_reason": run.stop_reason,
        "overrides": len(run.overrides.all()),
    }


def plans_context(request: HttpRequest) -> dict:
    zones = dict(selectors.zone_choices())
    open_runs = [_run_row(run) for run in plan_runs_open()]
    return {
        "plans": _plan_rows(zones),
        "proposed": [r for r in open_runs if r["state"] == PlanRunState.PROPOSED],
        "running": [r for r in open_runs if r["state"] == PlanRunState.RUNNING],
        "recent": [_run_row(run) for run in plan_runs_recent(limit=20)],
        "may_run": has_perm(request.user, RUN_PLAN),
        "running_plans": {r["plan_pk"] for r in open_runs},
    }


@page_permission(perms.EMERGENCY_PLANS)
def plans(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "dashboards/plans/index.html", plans_context(request), active="plans"
    )
