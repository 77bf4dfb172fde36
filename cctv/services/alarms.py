"""Alarms: raised from events by the rules, then worked by operators.

States (Milestone XProtect): New → Acknowledged (in progress) → On hold → Closed (resolved or
false alarm). One service per action (`alarm_acknowledge`, `alarm_assign`, `alarm_hold`,
`alarm_close`, `alarm_note_add`), each audited, logged on the alarm's timeline and pushed live
(`alarm.updated`); a new alarm is pushed as `alarm.raised`. Welfare alarms go only to those
allowed to handle them (`cctv.view_welfare_alarm`).
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import status

from cctv.choices import (
    OPEN_ALARM_STATES,
    TECHNICAL_EVENT_TYPES,
    AlarmAction,
    AlarmCategory,
    AlarmResolution,
    AlarmState,
    EventStatus,
)
from cctv.models import Alarm, AlarmEvent, AlarmLog, AlarmRule, Event
from cctv.services.correlation import alarm_latency_record, events_contextualise
from cctv.services.ingest import events_mark_evaluated
from cctv.services.rules import rule_matches, rules_for_types
from cityplatform.api import ApplicationError
from cityplatform.live import live_publish
from cityplatform.permissions import has_perm
from cityplatform.services import Actor, actor_fields, audit_record
from devices.choices import ZoneKind
from devices.selectors.cameras import CameraInfo, cameras_info

log = logging.getLogger(__name__)

WELFARE_PERMISSION = "cctv.view_welfare_alarm"
WORK_PERMISSION = "cctv.work_alarm"
RULES_ACTOR = "alarm-rules"
ALARM_LOCK_SPACE = 0x43435456  # "CCTV": keeps these advisory locks apart from others


# --- Raising ----------------------------------------------------------------------------------


def camera_may_alarm(info: CameraInfo) -> bool:
    """Surveillance Camera Code, principle 1: a camera without a recorded purpose raises none."""
    return not info.is_camera or bool(info.purpose.strip())


def alarm_category_for(rule: AlarmRule, event: Event, info: CameraInfo) -> str:
    """A vulnerable person seen at a high-risk site is a welfare alarm whatever the rule says."""
    if event.type == "vulnerable_person" and info.zone_kind == ZoneKind.HIGH_RISK_SITE:
        return AlarmCategory.WELFARE
    return rule.category


def alarms_evaluate(*, event_ids: Sequence[int], now: datetime | None = None) -> list[Alarm]:
    """Runs the alarm rules over these events (idempotent: an event feeds a rule's alarm once).

    Returns the alarms raised or updated.
    """
    from cctv.services.technical import technical_from_events

    now = now or timezone.now()
    events = list(
        Event.objects.filter(pk__in=event_ids, status=EventStatus.ACCEPTED).order_by("ts", "id")
    )
    if not events:
        return []
    infos = cameras_info(asset_ids={e.device_id for e in events})
    # The lighting at each camera at the event's instant, before any rule runs (a rule may
    # brighten only dark, dim scenes; the alarm shows the context).
    events_contextualise(events=events, infos=infos)
    context_at = timezone.now()
    alarmed = [e for e in events if camera_may_alarm(infos[e.device_id])]
    touched: list[Alarm] = []
    technical = [e for e in alarmed if e.type in TECHNICAL_EVENT_TYPES]
    if technical:
        touched.extend(technical_from_events(events=technical, now=now))
    rules = rules_for_types({e.type for e in alarmed})
    for event in alarmed:
        info = infos[event.device_id]
        for rule in rules:
            if rule_matches(rule, event, info):
                alarm = _raise_or_retrigger(
                    rule=rule, event=event, info=info, now=now, context_at=context_at
                )
                if alarm is not None:
                    touched.append(alarm)
    events_mark_evaluated(event_ids=[e.pk for e in events], now=now)
    return touched


def _lock_rule_camera(rule_id: int, camera_id: int) -> None:
    """A transaction-scoped lock on (rule, camera). PostgreSQL: an advisory lock (the rule
    row is not held, so a city-wide rule does not serialise every alarm of the city);
    elsewhere (SQLite, one writer at a time anyway) the rule's row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [ALARM_LOCK_SPACE ^ (rule_id % 2**31), camera_id % 2**31],
            )
    else:
        AlarmRule.objects.select_for_update().filter(pk=rule_id).exists()


def _raise_or_retrigger(
    *,
    rule: AlarmRule,
    event: Event,
    info: CameraInfo,
    now: datetime,
    context_at: datetime | None = None,
) -> Alarm | None:
    with transaction.atomic():
        # One evaluation per (rule, camera) at a time: two workers never raise the same alarm
        # twice, and alarms of other cameras under the same rule are raised in parallel.
        _lock_rule_camera(rule.pk, event.device_id)
        if AlarmEvent.objects.filter(event=event, alarm__rule=rule).exists():
            return None  # evaluated before (a redelivered task, a Frigate update)
        # A rule without a re-trigger window raises an alarm per event: no open alarm to find.
        open_alarm = (
            Alarm.objects.select_for_update()
            .filter(rule=rule, camera_id=event.device_id, state__in=OPEN_ALARM_STATES)
            .order_by("-last_event_at")
            .first()
            if rule.retrigger_s
            else None
        )
        if open_alarm is not None and event.ts - open_alarm.last_event_at <= timedelta(
            seconds=rule.retrigger_s
        ):
            return _retrigger(open_alarm, event, now)
        return _raise(rule, event, info, now, context_at=context_at)


def _raise(
    rule: AlarmRule,
    event: Event,
    info: CameraInfo,
    now: datetime,
    *,
    context_at: datetime | None = None,
) -> Alarm:
    from cctv.services.lighting import lighting_respond

    category = alarm_category_for(rule, event, info)
    alarm = Alarm(
        rule=rule,
        camera_id=event.device_id,
        zone_id=event.zone_id,
        title=f"{rule.name}: {event.type} at {info.name or info.device_id}"[:200],
        category=category,
        priority=rule.priority,
        raised_at=now,
        last_event_at=event.ts,
        event_count=1,
        lighting_context=event.lighting_context,
    )
    # The rule, camera and zone come from rows just read, and the database enforces the
    # constraints: validating them again would cost four queries on the alert path.
    alarm.full_clean(exclude=["rule", "camera", "zone"], validate_constraints=False)
    alarm.save()
    AlarmEvent.objects.create(alarm=alarm, event=event)
    _log(alarm, AlarmAction.RAISED, RULES_ACTOR, details={"event": event.pk, "rule": rule.pk})
    raised_at = timezone.now()
    override_at = queued_at = None
    if rule.has_lighting:
        lighting_respond(alarm=alarm, rule=rule, info=info, now=now, context=event.lighting_context)
        if alarm.override_id is not None:
            # override_create commands the lights before it returns (same transaction)
            override_at = queued_at = timezone.now()
    alarm_latency_record(
        alarm=alarm,
        event=event,
        context_at=context_at,
        raised_at=raised_at,
        override_at=override_at,
        commands_queued_at=queued_at,
    )
    alarm_publish(alarm, raised=True, camera_device_id=info.device_id)
    return alarm


def _retrigger(alarm: Alarm, event: Event, now: datetime) -> Alarm:
    AlarmEvent.objects.create(alarm=alarm, event=event)
    alarm.event_count += 1
    alarm.last_event_at = max(alarm.last_event_at, event.ts)
    alarm.save(update_fields=["event_count", "last_event_at", "updated_at"])
    _log(alarm, AlarmAction.RETRIGGERED, RULES_ACTOR, details={"event": event.pk})
    alarm_publish(alarm)
    return alarm


def alarm_raise_technical(
    *, camera_id: int, zone_id: int | None, condition: str, title: str, priority: int, at
) -> Alarm:
    """Opens the technical alarm of a camera condition (one open per camera and condition)."""
    alarm = Alarm(
        camera_id=camera_id,
        zone_id=zone_id,
        title=title[:200],
        category=AlarmCategory.TECHNICAL,
        priority=priority,
        condition=condition,
        raised_at=timezone.now(),
        last_event_at=at,
        event_count=0,
    )
    alarm.full_clean(validate_constraints=False)
    alarm.save()
    _log(alarm, AlarmAction.RAISED, "technical", details={"condition": condition})
    alarm_publish(alarm, raised=True)
    return alarm


# --- Life-cycle -------------------------------------------------------------------------------


def _locked(alarm: Alarm) -> Alarm:
    return Alarm.objects.select_for_update().get(pk=alarm.pk)


def _refuse(alarm: Alarm, action: str) -> ApplicationError:
    return ApplicationError(
        f"A {alarm.get_state_display().lower()} alarm cannot be {action}.",
        extra={"state": alarm.state},
        status_code=status.HTTP_409_CONFLICT,
    )


def _label(actor: Actor) -> str:
    return actor_fields(actor)[1]


def _log(alarm: Alarm, action: str, actor: Actor, *, text: str = "", details=None) -> None:
    user, label = actor_fields(actor)
    AlarmLog.objects.create(
        alarm=alarm,
        at=timezone.now(),
        action=action,
        actor=user,
        actor_label=label,
        text=text,
        details=details or {},
    )


def _after_action(alarm: Alarm, actor: Actor, action: str, details: dict[str, Any]) -> None:
    audit_record(actor=actor, action=f"cctv.alarm_{action}", target=alarm, details=details)
    alarm_publish(alarm)


@transaction.atomic
def alarm_acknowledge(*, alarm: Alarm, actor: Actor) -> Alarm:
    alarm = _locked(alarm)
    if alarm.state not in (AlarmState.NEW, AlarmState.ON_HOLD):
        raise _refuse(alarm, "acknowledged")
    alarm.state = AlarmState.ACKNOWLEDGED
    alarm.acknowledged_at = timezone.now()
    alarm.acknowledged_by = _label(actor)
    alarm.save()
    _log(alarm, AlarmAction.ACKNOWLEDGED, actor)
    _after_action(alarm, actor, "acknowledged", {})
    return alarm


@transaction.atomic
def alarm_assign(*, alarm: Alarm, assignee: AbstractBaseUser, actor: Actor) -> Alarm:
    alarm = _locked(alarm)
    if not alarm.is_open:
        raise _refuse(alarm, "assigned")
    if not has_perm(assignee, WORK_PERMISSION) or (
        alarm.category == AlarmCategory.WELFARE and not has_perm(assignee, WELFARE_PERMISSION)
    ):
        raise ApplicationError(
            "This person's role may not handle this alarm.",
            extra={"fields": {"assignee": ["not allowed to handle this alarm"]}},
        )
    alarm.assignee = assignee
    alarm.assigned_at = timezone.now()
    alarm.assigned_by = _label(actor)
    alarm.save()
    _log(alarm, AlarmAction.ASSIGNED, actor, details={"assignee": assignee.get_username()})
    _after_action(alarm, actor, "assigned", {"assignee": assignee.get_username()})
    return alarm


@transaction.atomic
def alarm_hold(*, alarm: Alarm, actor: Actor, note: str = "") -> Alarm:
    alarm = _locked(alarm)
    if alarm.state not in (AlarmState.NEW, AlarmState.ACKNOWLEDGED):
        raise _refuse(alarm, "put on hold")
    alarm.state = AlarmState.ON_HOLD
    alarm.held_at = timezone.now()
    alarm.held_by = _label(actor)
    alarm.save()
    _log(alarm, AlarmAction.HELD, actor, text=note)
    _after_action(alarm, actor, "held", {"note": note})
    return alarm


@transaction.atomic
def alarm_close(
    *, alarm: Alarm, actor: Actor, resolution: AlarmResolution | str, note: str = ""
) -> Alarm:
    from cctv.services.lighting import lighting_end

    alarm = _locked(alarm)
    if not alarm.is_open:
        raise _refuse(alarm, "closed")
    try:
        resolution = AlarmResolution(resolution)
    except ValueError:
        raise ApplicationError(
            "Say how the alarm ended.",
            extra={"fields": {"resolution": [f"one of {', '.join(AlarmResolution.values)}"]}},
        ) from None
    alarm.state = AlarmState.CLOSED
    alarm.resolution = resolution
    alarm.closed_at = timezone.now()
    alarm.closed_by = _label(actor)
    alarm.save()
    _log(alarm, AlarmAction.CLOSED, actor, text=note, details={"resolution": resolution.value})
    lighting_end(alarm=alarm, actor=actor)
    _after_action(alarm, actor, "closed", {"resolution": resolution.value, "note": note})
    return alarm


@transaction.atomic
def alarm_note_add(*, alarm: Alarm, actor: Actor, text: str) -> AlarmLog:
    text = (text or "").strip()
    if not text:
        raise ApplicationError("A note needs text.", extra={"fields": {"text": ["empty"]}})
    alarm = _locked(alarm)
    _log(alarm, AlarmAction.NOTE, actor, text=text[:5000])
    alarm.save(update_fields=["updated_at"])
    _after_action(alarm, actor, "note_added", {"text": text[:5000]})
    return alarm.log.last()


# --- Live -------------------------------------------------------------------------------------


def alarm_publish(alarm: Alarm, *, raised: bool = False, camera_device_id: str = "") -> None:
    """Pushes the alarm to the console (after commit); welfare alarms only to those allowed.
    `camera_device_id`, when the caller knows it, saves looking the camera up."""
    from cctv.live import alarm_message

    device_id = camera_device_id or alarm.camera.device_id
    topics = ["alarms", f"device:{device_id}"]
    if alarm.zone_id:
        topics.append(f"zone:{alarm.zone_id}")
    live_publish(
        kind="alarm.raised" if raised else "alarm.updated",
        data=alarm_message(alarm, camera_device_id=device_id),
        topics=topics,
        permission=WELFARE_PERMISSION if alarm.category == AlarmCategory.WELFARE else None,
    )
