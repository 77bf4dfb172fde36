"""Sensor thresholds, the database side: each enabled rule judged against the new samples of
its sensors (emergency/thresholds.py), an alarm raised in the security queue (cctv's emergency
alarms, on the sensor's zone) and cleared the way a CAP alert's expiry ends one. Run by the beat
task `emergency.tasks.thresholds_judge` every 30 s; idempotent (a run with no new samples
changes nothing, a raised alarm is raised once)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cctv.services.emergency_alarms import alarm_emergency_end, alarm_raise_emergency
from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from devices.selectors.sensors import sensor_samples, sensors_for_rule
from emergency.models import ThresholdRule, ThresholdState
from emergency.services.plan_triggers import plans_on_threshold_raised
from emergency.thresholds import Change, Rule, State, judge, rule_problems

log = logging.getLogger(__name__)

ACTOR = "system:thresholds"
WORDS = {
    "level_cm": ("water level", "cm"),
    "rain_mm_h": ("rainfall", "mm/h"),
    "wind_m_s": ("wind", "m/s"),
    "pm25_ug_m3": ("PM2.5", "µg/m³"),
    "no2_ug_m3": ("NO2", "µg/m³"),
    "lux": ("illuminance", "lux"),
    "temp_c": ("temperature", "°C"),
}
FIRST_LOOK = timedelta(minutes=10)  # how far back a sensor never judged is read


def rule_spec(rule: ThresholdRule) -> Rule:
    return Rule(rule.kind, rule.level, rule.clear_level, rule.for_s, rule.window_min)


def alarm_title(rule: ThresholdRule, sensor: dict, change: Change) -> str:
    """E.g. "River gauge FG-001: water level 182 cm, rising 24 cm in 30 min"."""
    word, unit = WORDS.get(rule.metric, (rule.metric, ""))
    name = sensor["name"] or "Sensor"
    text = f"{name} {sensor['device_id']}: {word} {change.value:g} {unit}".rstrip()
    if change.rise > 0:
        text += f", rising {change.rise:g} {unit} in {rule.window_min} min"
    return text[:200]


def _apply(rule: ThresholdRule, sensor: dict, state: ThresholdState, change: Change) -> None:
    if change.raised:
        alarm = alarm_raise_emergency(
            title=alarm_title(rule, sensor, change),
            priority=rule.priority,
            zone_ids=[sensor["zone_id"]] if sensor["zone_id"] else [],
            at=change.ts,
            actor=ACTOR,
            text=f"Threshold rule {rule.name!r}",
        )
        state.alarm = alarm
        audit_record(
            actor=ACTOR,
            action="emergency.threshold_raised",
            target=rule,
            details={"sensor": sensor["device_id"], "alarm": alarm.pk, "value": change.value},
        )
        plans_on_threshold_raised(rule=rule, alarm_id=alarm.pk, title=alarm.title)
    else:
        if state.alarm is not None:
            alarm_emergency_end(
                alarm=state.alarm, actor=ACTOR, note=f"back past {rule.clear_level or rule.level:g}"
            )
        audit_record(
            actor=ACTOR,
            action="emergency.threshold_cleared",
            target=rule,
            details={"sensor": sensor["device_id"], "alarm": state.alarm_id, "value": change.value},
        )
        state.alarm = None


def _judge_one(rule: ThresholdRule, sensor: dict, *, now: datetime) -> int:
    with transaction.atomic():
        state, _ = ThresholdState.objects.select_for_update().get_or_create(
            rule=rule, asset_id=sensor["pk"]
        )
        after = state.last_ts
        since = (after or now - FIRST_LOOK - timedelta(seconds=rule.for_s)) - timedelta(
            minutes=rule.window_min
        )
        samples = sensor_samples(asset_id=sensor["pk"], metric=rule.metric, since=since)
        if not samples or (after is not None and samples[-1][0] <= after):
            return 0
        judged = judge(rule_spec(rule), samples, State(state.raised, state.since), after=after)
        for change in judged.changes:
            _apply(rule, sensor, state, change)
        state.raised, state.since = judged.state.raised, judged.state.since
        state.last_ts = samples[-1][0]
        state.save()
        return len(judged.changes)


def thresholds_judge(*, now: datetime | None = None) -> dict[str, int]:
    """Judges every enabled rule; returns {"rules", "sensors", "changes"}."""
    now = now or timezone.now()
    counts = {"rules": 0, "sensors": 0, "changes": 0}
    for rule in ThresholdRule.objects.filter(enabled=True):
        counts["rules"] += 1
        for sensor in sensors_for_rule(asset_id=rule.asset_id, measures=rule.measures):
            counts["sensors"] += 1
            try:
                counts["changes"] += _judge_one(rule, sensor, now=now)
            except Exception:  # one sensor's failure must not stop the others
                log.exception("threshold rule %s on %s", rule.pk, sensor["device_id"])
    return counts


RULE_FIELDS = (
    "name", "asset", "measures", "metric", "kind", "level", "clear_level", "for_s",
    "window_min", "priority", "enabled",
)  # fmt: skip


def _check(rule: ThresholdRule) -> None:
    problems = rule_problems(rule_spec(rule))
    if bool(rule.asset_id) == bool(rule.measures):
        problems["measures"] = "either one sensor (asset) or a sensor model (measures), not both"
    if problems:
        raise ApplicationError(
            "This threshold rule cannot be used.",
            extra={"fields": {k: [v] for k, v in problems.items()}},
        )
    rule.full_clean(validate_constraints=False)


@transaction.atomic
def rule_create(*, actor: Actor, **fields) -> ThresholdRule:
    rule = ThresholdRule(**{k: v for k, v in fields.items() if k in RULE_FIELDS})
    _check(rule)
    rule.save()
    audit_record(
        actor=actor, action="emergency.threshold_created", target=rule, details={"name": rule.name}
    )
    return rule


@transaction.atomic
def rule_update(*, rule: ThresholdRule, data: dict, actor: Actor) -> ThresholdRule:
    for key, value in data.items():
        if key in RULE_FIELDS:
            setattr(rule, key, value)
    _check(rule)
    rule.save()
    changed = {k: str(v) for k, v in data.items() if k in RULE_FIELDS}
    audit_record(actor=actor, action="emergency.threshold_changed", target=rule, details=changed)
    rule.states.filter(raised=False).update(since=None)  # a new condition starts afresh
    return rule


@transaction.atomic
def rule_delete(*, rule: ThresholdRule, actor: Actor) -> None:
    """Deletes a rule; its open alarms are ended (a deleted rule no longer watches)."""
    for state in rule.states.select_related("alarm").filter(alarm__isnull=False):
        alarm_emergency_end(alarm=state.alarm, actor=actor, note=f"rule {rule.name!r} deleted")
    audit_record(
        actor=actor, action="emergency.threshold_deleted", target=rule, details={"name": rule.name}
    )
    rule.delete()
