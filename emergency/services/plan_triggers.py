"""What proposes and ends runs of emergency plans, without a person: a CAP alert acted on
(`alert_acted`) that meets a plan's area and matches its hazard, a threshold alarm raised for a
rule a plan answers; an alert cancelled or expired (`alert_ended`) ends the runs it proposed.
An update of an alert carries its runs on (they follow the newest message of the chain).

Nothing here starts a plan: a proposal waits for a supervisor."""

import logging

from django.db import transaction

from devices.selectors.registry import zone_and_descendants
from emergency.choices import HAZARD_WORDS, OPEN_RUN_STATES, AlertState, PlanTrigger
from emergency.models import CapAlert, EmergencyPlan, PlanRun, ThresholdRule
from emergency.selectors import alerts_referenced
from emergency.services.plan_runs import plan_run_end, plan_run_propose

log = logging.getLogger(__name__)

ENDED = {AlertState.CANCELLED: "its alert was cancelled", AlertState.EXPIRED: "its alert expired"}


def plan_words(plan: EmergencyPlan) -> tuple[str, ...]:
    """The words an alert must carry (in its event or headline) to match the plan."""
    return tuple(w.lower() for w in plan.match_words) or HAZARD_WORDS.get(plan.hazard, ())


def plan_matches_text(plan: EmergencyPlan, text: str) -> bool:
    text = text.lower()
    return any(word in text for word in plan_words(plan))


def _reach(zone_ids: set[int]) -> set[int]:
    """The zones and every zone within them."""
    reached = set()
    for pk in zone_ids:
        reached.update(zone_and_descendants(zone_id=pk))
    return reached


def plans_for_alert(alert: CapAlert) -> list[EmergencyPlan]:
    """The enabled plans whose area meets the alert's zones (one within the other counts: a
    city-wide plan meets a ward's warning, a street's plan a warning on its ward) and whose
    hazard words the alert's event or headline carries."""
    alert_zones = set(alert.zones.values_list("pk", flat=True))
    if not alert_zones:
        return []
    below_alert = _reach(alert_zones)
    text = f"{alert.event} {alert.headline}"
    found = []
    for plan in EmergencyPlan.objects.filter(enabled=True).prefetch_related("zones"):
        plan_zones = {z.pk for z in plan.zones.all()}
        meets = plan_zones & below_alert or _reach(plan_zones) & alert_zones
        if meets and plan_matches_text(plan, text):
            found.append(plan)
    return found


def _references(alert: CapAlert) -> tuple[tuple[str, str, str], ...]:
    refs = (r.split(",") for r in alert.references.split())
    return tuple(tuple(r) for r in refs if len(r) == 3)


def _actor(alert: CapAlert) -> str:
    return f"cap:{alert.origin_name}"


def _end_runs(runs, *, actor: str, reason: str) -> None:
    for run in runs:
        try:
            plan_run_end(run=run, actor=actor, reason=reason)
        except Exception:  # one run's failure must not keep the others' lights on
            log.exception("plan run %s could not be ended", run.pk)


def plans_on_alert_acted(*, alert: CapAlert) -> list[PlanRun]:
    """An alert acted on: the runs of the alerts it updates follow it (or end when it no longer
    meets the city); the plans it matches are proposed. Returns the runs proposed."""
    earlier = [a.pk for a in alerts_referenced(_references(alert)) if a.sender == alert.sender]
    if earlier:
        runs = list(PlanRun.objects.filter(alert_id__in=earlier, state__in=OPEN_RUN_STATES))
        if alert.state == AlertState.ACTIVE:
            with transaction.atomic():
                PlanRun.objects.filter(pk__in=[r.pk for r in runs]).update(alert=alert)
        else:
            why = ENDED.get(alert.state, f"its alert ended ({alert.get_state_display()})")
            _end_runs(runs, actor=_actor(alert), reason=why)
    if alert.state != AlertState.ACTIVE:
        return []
    proposed = []
    reason = f"CAP alert: {alert.event}: {alert.headline}".strip()
    for plan in plans_for_alert(alert):
        with transaction.atomic():
            run = plan_run_propose(
                plan=plan,
                trigger=PlanTrigger.CAP,
                reason=reason,
                actor=_actor(alert),
                alert_id=alert.pk,
                alarm_id=alert.alarm_id,
            )
        if run is not None:
            proposed.append(run)
    return proposed


def plans_on_alert_ended(*, alert: CapAlert) -> None:
    """A cancelled or expired alert ends its runs (a superseded one's runs follow its update,
    in `plans_on_alert_acted`)."""
    if alert.state not in ENDED:
        return
    runs = list(PlanRun.objects.filter(alert=alert, state__in=OPEN_RUN_STATES))
    _end_runs(runs, actor=_actor(alert), reason=ENDED[alert.state])


def plans_on_threshold_raised(*, rule: ThresholdRule, alarm_id: int, title: str) -> list[PlanRun]:
    """A threshold alarm raised: the plans answering its rule are proposed (inside the judging
    transaction; a failure here is logged and does not undo the alarm)."""
    proposed = []
    for plan in rule.plans.filter(enabled=True):
        try:
            with transaction.atomic():
                run = plan_run_propose(
                    plan=plan,
                    trigger=PlanTrigger.THRESHOLD,
                    reason=f"Threshold alarm: {title}",
                    actor="system:thresholds",
                    alarm_id=alarm_id,
                )
        except Exception:
            log.exception("plan %s could not be proposed for rule %s", plan.pk, rule.pk)
            continue
        if run is not None:
            proposed.append(run)
    return proposed
