"""Programmes, calendars (with their ordered rules), light groups and calendar assignments.

Every change is audited, and the lights it may move are reconciled after the commit (through
the periodic reconcile, which runs within 30 s; an assignment change asks for one at once).
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record, model_update
from devices.selectors import lights as light_selectors
from lighting.models import Calendar, CalendarAssignment, CalendarRule, LightGroup, Programme
from lighting.tasks import reconcile_all as reconcile_all_task

log = logging.getLogger(__name__)


def _reconcile_soon() -> None:
    def send() -> None:
        try:
            reconcile_all_task.delay()
        except Exception:  # the beat runs it within 30 s anyway
            log.warning("could not ask for a reconcile; the beat will run it", exc_info=True)

    transaction.on_commit(send)


def programme_create(*, name: str, steps: list, description: str = "", actor: Actor) -> Programme:
    programme = Programme(name=name, steps=steps, description=description)
    programme.full_clean()
    with transaction.atomic():
        programme.save()
        audit_record(
            actor=actor, action="programme.created", target=programme, details={"steps": steps}
        )
    return programme


PROGRAMME_FIELDS = ("name", "steps", "description")
CALENDAR_FIELDS = ("name", "description", "default_programme_id")
LIGHT_GROUP_FIELDS = ("name", "description")


def programme_update(*, programme: Programme, actor: Actor, **fields: Any) -> Programme:
    with transaction.atomic():
        model_update(
            instance=programme,
            data=fields,
            allowed=PROGRAMME_FIELDS,
            actor=actor,
            action="programme.changed",
            details=_jsonable(dict(fields)),
        )
        _reconcile_soon()
    return programme


def programme_delete(*, programme: Programme, actor: Actor) -> None:
    in_use = CalendarRule.objects.filter(programme=programme).exists() or (
        Calendar.objects.filter(default_programme=programme).exists()
    )
    if in_use:
        raise ApplicationError("The programme is used by a calendar.", status_code=409)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="programme.deleted",
            target=programme,
            details={"name": programme.name},
        )
        programme.delete()


def _rules_replace(calendar: Calendar, rules: Iterable[dict]) -> list[CalendarRule]:
    calendar.rules.all().delete()
    created = []
    for position, raw in enumerate(rules, start=1):
        rule = CalendarRule(
            calendar=calendar,
            position=position,
            kind=raw.get("kind"),
            date_from=raw.get("date_from"),
            date_to=raw.get("date_to"),
            weekdays=raw.get("weekdays") or [],
            nth=raw.get("nth"),
            months=raw.get("months") or [],
            programme_id=raw.get("programme_id"),
            label=raw.get("label", ""),
        )
        rule.full_clean()
        rule.save()
        created.append(rule)
    return created


def calendar_create(
    *,
    name: str,
    rules: list[dict],
    default_programme_id: int | None,
    description: str = "",
    actor: Actor,
) -> Calendar:
    calendar = Calendar(
        name=name, description=description, default_programme_id=default_programme_id
    )
    calendar.full_clean()
    with transaction.atomic():
        calendar.save()
        _rules_replace(calendar, rules)
        audit_record(
            actor=actor,
            action="calendar.created",
            target=calendar,
            details={"rules": _jsonable(rules), "default_programme_id": default_programme_id},
        )
    return calendar


def calendar_update(
    *, calendar: Calendar, actor: Actor, rules: list[dict] | None = None, **fields: Any
) -> Calendar:
    """Changes a calendar's fields and, given `rules`, replaces its rules (all in order)."""
    with transaction.atomic():
        model_update(
            instance=calendar,
            data=fields,
            allowed=CALENDAR_FIELDS,
            actor=actor,
            action="calendar.changed",
            details={**_jsonable(fields), "rules": _jsonable(rules)},
        )
        if rules is not None:
            _rules_replace(calendar, rules)
        _reconcile_soon()
    return calendar


def calendar_delete(*, calendar: Calendar, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, action="calendar.deleted", target=calendar, details={"name": calendar.name}
        )
        calendar.delete()
        _reconcile_soon()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def light_group_create(
    *, name: str, light_ids: list[int], description: str = "", actor: Actor
) -> LightGroup:
    group = LightGroup(name=name, description=description)
    group.full_clean()
    with transaction.atomic():
        group.save()
        _members_set(group, light_ids)
        audit_record(
            actor=actor,
            action="light_group.created",
            target=group,
            details={"lights": len(light_ids)},
        )
    return group


def _members_set(group: LightGroup, light_ids: list[int]) -> None:
    found = set(light_selectors.light_ids_existing(light_ids))
    if missing := set(light_ids) - found:
        raise ApplicationError(
            "Some of the lights are not controlled streetlights.",
            extra={"fields": {"light_ids": sorted(missing)}},
        )
    group.lights.set(sorted(found))


def light_group_update(
    *, group: LightGroup, actor: Actor, light_ids: list[int] | None = None, **fields: Any
) -> LightGroup:
    """Changes a group's fields and, given `light_ids`, its members."""
    with transaction.atomic():
        model_update(
            instance=group,
            data=fields,
            allowed=LIGHT_GROUP_FIELDS,
            actor=actor,
            action="light_group.changed",
            details={**fields, "lights": None if light_ids is None else len(light_ids)},
        )
        if light_ids is not None:
            _members_set(group, light_ids)
        _reconcile_soon()  # TALQ: a membership change must be reconciled
    return group


def light_group_delete(*, group: LightGroup, actor: Actor) -> None:
    if group.overrides.filter(ended_at__isnull=True).exists():
        raise ApplicationError("An override still uses this group.", status_code=409)
    with transaction.atomic():
        audit_record(
            actor=actor, action="light_group.deleted", target=group, details={"name": group.name}
        )
        group.delete()
        _reconcile_soon()


def calendar_assign(
    *, calendar: Calendar, actor: Actor, zone_id: int | None = None, group_id: int | None = None
) -> CalendarAssignment:
    """Assigns a calendar to a zone or a group, replacing that zone's or group's assignment."""
    if (zone_id is None) == (group_id is None):
        raise ApplicationError(
            "Assign to exactly one zone or one group.",
            extra={"fields": {"zone_id": ["zone or group"], "group_id": ["zone or group"]}},
        )
    with transaction.atomic():
        lookup = {"zone_id": zone_id} if zone_id is not None else {"group_id": group_id}
        assignment = CalendarAssignment.objects.filter(**lookup).first() or CalendarAssignment(
            **lookup
        )
        assignment.calendar = calendar
        assignment.full_clean()
        assignment.save()
        audit_record(
            actor=actor,
            action="calendar.assigned",
            target=assignment,
            details={"calendar_id": calendar.pk, **lookup},
        )
        _reconcile_soon()
    return assignment


def calendar_unassign(*, assignment: CalendarAssignment, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="calendar.unassigned",
            target=assignment,
            details={
                "calendar_id": assignment.calendar_id,
                "zone_id": assignment.zone_id,
                "group_id": assignment.group_id,
            },
        )
        assignment.delete()
        _reconcile_soon()
