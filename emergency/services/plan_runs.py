"""Runs of emergency plans: proposed (by an alert or a threshold alarm: never started by
itself), started by a supervisor (priority-1 overrides, one per step, no expiry, through the
lighting services, so the lights are commanded at once), stopped by hand or when its alert
ends (the overrides cancelled: the lights go back to their programme), or dismissed.

Each change is audited, pushed live (`plan_run.proposed` / `plan_run.changed` on
`emergency_plans`) and, for a start or a stop, told after the commit (`plan_started` /
`plan_stopped`, where partner notifications listen)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from cityplatform.api import ApplicationError
from cityplatform.live import live_publish
from cityplatform.services import Actor, actor_fields, audit_record
from emergency.choices import OPEN_RUN_STATES, PlanRunState, PlanTrigger
from emergency.live import PLANS_TOPIC
from emergency.models import EmergencyPlan, PlanRun
from emergency.signals import plan_started, plan_stopped, send_on_commit
from lighting.choices import Operation, Priority
from lighting.services.overrides import override_cancel, override_create
from lighting.services.scopes import OverrideScope

CONFLICT = status.HTTP_409_CONFLICT


def plan_run_data(run: PlanRun) -> dict:
    """A run as the live messages carry it (the page draws its own rows: views_plans)."""
    return {
        "id": run.pk,
        "plan_id": run.plan_id,
        "plan": run.plan.name,
        "hazard": run.plan.hazard,
        "state": run.state,
        "trigger": run.trigger,
        "alert_id": run.alert_id,
        "alarm_id": run.alarm_id,
        "reason": run.reason,
        "proposed_at": run.proposed_at,
        "started_at": run.started_at,
        "started_by": run.started_by,
        "stopped_at": run.stopped_at,
        "stopped_by": run.stopped_by,
        "stop_reason": run.stop_reason,
        "overrides": len(run.overrides.all()) if run.pk else 0,
    }


def _publish(run: PlanRun, kind: str = "plan_run.changed") -> None:
    live_publish(kind=kind, data=plan_run_data(run), topics=[PLANS_TOPIC])


def _locked(run: PlanRun) -> PlanRun:
    return PlanRun.objects.select_for_update().select_related("plan").get(pk=run.pk)


def plan_run_propose(
    *,
    plan: EmergencyPlan,
    trigger: str,
    reason: str,
    actor: Actor,
    alert_id: int | None = None,
    alarm_id: int | None = None,
    now: datetime | None = None,
) -> PlanRun | None:
    """Proposes a run of `plan` (state proposed, for a supervisor to start or dismiss); None
    when the plan is disabled or already has a run proposed or running."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    if not plan.enabled or plan.runs.filter(state__in=OPEN_RUN_STATES).exists():
        return None
    run = PlanRun(
        plan=plan,
        state=PlanRunState.PROPOSED,
        trigger=trigger,
        alert_id=alert_id,
        alarm_id=alarm_id,
        reason=reason[:300],
        proposed_at=now,
        proposed_by=label,
    )
    try:
        with transaction.atomic():  # another proposal of the same plan won the race
            run.save()
    except IntegrityError:
        return None
    audit_record(
        actor=actor,
        action="emergency.plan_proposed",
        target=run,
        details={"plan": plan.name, "trigger": trigger, "alert": alert_id, "alarm": alarm_id},
    )
    _publish(run, "plan_run.proposed")
    return run


def _overrides_create(run: PlanRun, *, actor: Actor, now: datetime) -> list:
    made = []
    for number, step in enumerate(run.plan.steps, 1):
        if "zone" in step:
            scope = OverrideScope(zone_id=step["zone"])
        else:
            scope = OverrideScope(light_ids=tuple(step["lights"]))
        try:
            override = override_create(
                scope=scope,
                level=step["level"],
                operation=Operation.SET,
                priority=Priority.EMERGENCY,
                expires_at=None,
                reason=f"EMERGENCY plan {run.plan.name}: {step['label']}"[:300],
                actor=actor,
                now=now,
            )
        except ApplicationError as refused:
            raise ApplicationError(
                f"The plan cannot start: step {number} ({step['label']}): {refused.message}",
                extra={"step": number, **refused.extra},
                status_code=refused.status_code,
            ) from None
        made.append(override)
    return made


def _refuse_state(run: PlanRun, wanted: str) -> None:
    if run.state == wanted:
        return
    said = {
        PlanRunState.PROPOSED: "is only proposed: it has not been started",
        PlanRunState.RUNNING: f"is already running (started by {run.started_by})",
        PlanRunState.STOPPED: f"has been stopped (by {run.stopped_by})",
        PlanRunState.DISMISSED: f"has been dismissed (by {run.stopped_by})",
    }[run.state]
    raise ApplicationError(
        f"This run of {run.plan.name!r} {said}.",
        extra={"state": run.state},
        status_code=CONFLICT,
    )


@transaction.atomic
def plan_run_start(*, run: PlanRun, actor: Actor, now: datetime | None = None) -> PlanRun:
    """Starts a proposed run: every step lit at priority 1 until the run is stopped."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    run = _locked(run)
    _refuse_state(run, PlanRunState.PROPOSED)
    if not run.plan.enabled:
        raise ApplicationError(
            f"The plan {run.plan.name!r} is disabled: enable it first.", status_code=CONFLICT
        )
    overrides = _overrides_create(run, actor=actor, now=now)
    run.state, run.started_at, run.started_by = PlanRunState.RUNNING, now, label
    run.save(update_fields=["state", "started_at", "started_by"])
    run.overrides.set(overrides)
    audit_record(
        actor=actor,
        action="emergency.plan_started",
        target=run,
        details={"plan": run.plan.name, "overrides": [o.pk for o in overrides]},
    )
    _publish(run)
    send_on_commit(plan_started, sender=PlanRun, plan_run=run)
    return run


@transaction.atomic
def plan_start(*, plan: EmergencyPlan, actor: Actor, now: datetime | None = None) -> PlanRun:
    """A supervisor starts a plan by hand: its proposed run if it has one, else a new run."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    plan = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
    run = plan.runs.filter(state__in=OPEN_RUN_STATES).first()
    if run is None:
        run = PlanRun.objects.create(
            plan=plan,
            state=PlanRunState.PROPOSED,
            trigger=PlanTrigger.MANUAL,
            reason="started by hand",
            proposed_at=now,
            proposed_by=label,
        )
    return plan_run_start(run=run, actor=actor, now=now)


def _stop_reason(reason: str, fallback: str) -> str:
    return (reason.strip() or fallback)[:300]


@transaction.atomic
def plan_run_stop(
    *, run: PlanRun, actor: Actor, reason: str = "", now: datetime | None = None
) -> PlanRun:
    """Stops a running run: its overrides are cancelled, its lights go back to programme."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    run = _locked(run)
    _refuse_state(run, PlanRunState.RUNNING)
    reason = _stop_reason(reason, "stopped by hand")
    for override in run.overrides.all():
        override_cancel(
            override=override, actor=actor, reason=f"plan {run.plan.name} stopped", now=now
        )
    run.state, run.stopped_at, run.stopped_by = PlanRunState.STOPPED, now, label
    run.stop_reason = reason
    run.save(update_fields=["state", "stopped_at", "stopped_by", "stop_reason"])
    audit_record(
        actor=actor,
        action="emergency.plan_stopped",
        target=run,
        details={"plan": run.plan.name, "reason": reason},
    )
    _publish(run)
    send_on_commit(plan_stopped, sender=PlanRun, plan_run=run)
    return run


@transaction.atomic
def plan_run_dismiss(
    *, run: PlanRun, actor: Actor, reason: str = "", now: datetime | None = None
) -> PlanRun:
    """Dismisses a proposed run (nothing was lit)."""
    now = now or timezone.now()
    _user, label = actor_fields(actor)
    run = _locked(run)
    _refuse_state(run, PlanRunState.PROPOSED)
    reason = _stop_reason(reason, "dismissed")
    run.state, run.stopped_at, run.stopped_by = PlanRunState.DISMISSED, now, label
    run.stop_reason = reason
    run.save(update_fields=["state", "stopped_at", "stopped_by", "stop_reason"])
    audit_record(
        actor=actor,
        action="emergency.plan_dismissed",
        target=run,
        details={"plan": run.plan.name, "reason": reason},
    )
    _publish(run)
    return run


def plan_run_end(*, run: PlanRun, actor: Actor, reason: str) -> PlanRun:
    """Its alert ended: a running run is stopped, a proposed one dismissed."""
    if run.state == PlanRunState.RUNNING:
        return plan_run_stop(run=run, actor=actor, reason=reason)
    if run.state == PlanRunState.PROPOSED:
        return plan_run_dismiss(run=run, actor=actor, reason=reason)
    return run
