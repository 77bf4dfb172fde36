"""Emergency plans, their definition: create and change (supervisors and administrators),
every step and word checked, each change audited. Running them: `emergency.services.plan_runs`.
"""

import re

from django.db import transaction

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from emergency.choices import PlanHazard
from emergency.models import EmergencyPlan
from lighting.services.scopes import OverrideScope, scope_check_exists

PLAN_FIELDS = ("name", "hazard", "steps", "partners", "procedure", "match_words", "enabled")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_STEPS = 50
MAX_WORDS = 20


def _refuse(field: str, problem: str, message: str = "") -> ApplicationError:
    return ApplicationError(
        message or f"This plan cannot be used: {field}: {problem}.",
        extra={"fields": {field: [problem]}},
    )


def plan_steps_clean(steps) -> list[dict]:
    """The steps as stored ({"label", "level", "zone" | "lights"}), or a 400 naming the step
    and what is wrong with it (a zone or lights that do not exist included)."""
    if not isinstance(steps, list) or not steps:
        raise _refuse("steps", "at least one step: which lights to which level")
    if len(steps) > MAX_STEPS:
        raise _refuse("steps", f"at most {MAX_STEPS} steps")
    cleaned = []
    for number, step in enumerate(steps, 1):
        where = f"step {number}"
        if not isinstance(step, dict):
            raise _refuse("steps", f"{where} is not an object")
        unknown = set(step) - {"label", "level", "zone", "lights"}
        if unknown:
            raise _refuse("steps", f"{where} has unknown keys {sorted(unknown)}")
        label = step.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            raise _refuse("steps", f"{where} needs a label of 1 to 100 characters")
        level = step.get("level")
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 100:
            raise _refuse("steps", f"{where}: the level is a number from 0 to 100")
        zone, lights = step.get("zone"), step.get("lights")
        if (zone is None) == (lights is None):
            raise _refuse("steps", f"{where} names either a zone or lights, not both")
        if zone is not None:
            if isinstance(zone, bool) or not isinstance(zone, int):
                raise _refuse("steps", f"{where}: the zone is a zone id")
            scope = OverrideScope(zone_id=zone)
        else:
            if not isinstance(lights, list) or not all(
                isinstance(pk, int) and not isinstance(pk, bool) for pk in lights
            ):
                raise _refuse("steps", f"{where}: lights is a list of streetlight ids")
            scope = OverrideScope(light_ids=tuple(lights))
        try:
            scope_check_exists(scope)
        except ApplicationError as refused:
            raise _refuse("steps", f"{where}: {refused.message}") from None
        kept = {"label": label.strip(), "level": float(level)}
        kept.update({"zone": zone} if zone is not None else {"lights": sorted(set(lights))})
        cleaned.append(kept)
    return cleaned


def _strings_clean(field: str, values, *, slug: bool) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _refuse(field, "a list of strings")
    if len(values) > MAX_WORDS:
        raise _refuse(field, f"at most {MAX_WORDS}")
    cleaned = []
    for value in values:
        value = value.strip() if not slug else value
        if slug and not SLUG.fullmatch(value):
            raise _refuse(field, f"{value!r} is not a partner slug (a-z, 0-9, '-', '_')")
        if not slug and not 1 <= len(value) <= 50:
            raise _refuse(field, "each word 1 to 50 characters")
        if value.lower() not in (c.lower() for c in cleaned):
            cleaned.append(value)
    return cleaned


def _check(plan: EmergencyPlan) -> None:
    if plan.hazard not in PlanHazard.values:
        raise _refuse("hazard", f"one of {PlanHazard.values}")
    plan.steps = plan_steps_clean(plan.steps)
    plan.partners = _strings_clean("partners", plan.partners, slug=True)
    plan.match_words = _strings_clean("match_words", plan.match_words, slug=False)
    plan.full_clean(exclude=["zones", "threshold_rules"])


def _relations_set(plan: EmergencyPlan, *, zone_ids, rule_ids) -> None:
    if zone_ids is not None:
        if not zone_ids:
            raise _refuse("zones", "at least one zone: the plan's area")
        plan.zones.set(zone_ids)
    if rule_ids is not None:
        plan.threshold_rules.set(rule_ids)


@transaction.atomic
def plan_create(
    *, actor: Actor, zone_ids: list[int], rule_ids: list[int] | None = None, **fields
) -> EmergencyPlan:
    plan = EmergencyPlan(**{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    _check(plan)
    plan.save()
    _relations_set(plan, zone_ids=zone_ids, rule_ids=rule_ids or [])
    audit_record(
        actor=actor,
        action="emergency.plan_created",
        target=plan,
        details={"name": plan.name, "hazard": plan.hazard, "steps": len(plan.steps)},
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: EmergencyPlan,
    data: dict,
    actor: Actor,
    zone_ids: list[int] | None = None,
    rule_ids: list[int] | None = None,
) -> EmergencyPlan:
    """Changes a plan; a running run keeps the overrides it made (stop and start it again to
    light the new steps)."""
    plan = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
    for key, value in data.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    _check(plan)
    plan.save()
    _relations_set(plan, zone_ids=zone_ids, rule_ids=rule_ids)
    changed = sorted(k for k in data if k in PLAN_FIELDS)
    if zone_ids is not None:
        changed.append("zones")
    if rule_ids is not None:
        changed.append("threshold_rules")
    audit_record(
        actor=actor, action="emergency.plan_changed", target=plan, details={"fields": changed}
    )
    return plan
