"""Alarms: raised from events by the rules (`cctv.services.evaluation`), then worked by operators.

States (Milestone XProtect): New → Acknowledged (in progress) → On hold → Closed (resolved or
false alarm). One service per action (`alarm_acknowledge`, `alarm_assign`, `alarm_hold`,
`alarm_close`, `alarm_note_add`), each audited, logged on the alarm's timeline and pushed live
(`alarm.updated`); a new alarm is pushed as `alarm.raised`. Welfare alarms go only to those
allowed to handle them (`cctv.view_welfare_alarm`).
"""

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from cctv.choices import (
    VULNERABLE_PERSON,
    AlarmAction,
    AlarmCategory,
    AlarmResolution,
    AlarmState,
)
from cctv.live import alarm_camera, alarm_message
from cctv.models import Alarm, AlarmLog, AlarmRule, Event
from cctv.selectors import WELFARE_PERMISSION
from cctv.services.lighting import lighting_end
from cityplatform.api import ApplicationError
from cityplatform.live import live_publish
from cityplatform.permissions import has_perm
from cityplatform.services import Actor, actor_fields, audit_record
from devices.choices import ZoneKind
from devices.selectors.cameras import CameraInfo

log = logging.getLogger(__name__)

WORK_PERMISSION = "cctv.work_alarm"
RULES_ACTOR = "alarm-rules"


# --- Raising (the rules' evaluation is cctv.services.evaluation) -------------------------------


def camera_may_alarm(info: CameraInfo) -> bool:
    """Surveillance Camera Code, principle 1: a camera without a recorded purpose raises none."""
    return not info.is_camera or bool(info.purpose.strip())


def alarm_category_for(rule: AlarmRule, event: Event, info: CameraInfo) -> str:
    """A vulnerable person seen at a high-risk site is a welfare alarm whatever the rule says."""
    if event.type == VULNERABLE_PERSON and info.zone_kind == ZoneKind.HIGH_RISK_SITE:
        return AlarmCategory.WELFARE
    return rule.category


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
    alarm_log_write(alarm, AlarmAction.RAISED, "technical", details={"condition": condition})
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


def alarm_log_write(
    alarm: Alarm, action: str, actor: Actor, *, text: str = "", details: dict | None = None
) -> None:
    """One line on the alarm's timeline (who did what, when)."""
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
    alarm_log_write(alarm, AlarmAction.ACKNOWLEDGED, actor)
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
    alarm_log_write(
        alarm, AlarmAction.ASSIGNED, actor, details={"assignee": assignee.get_username()}
    )
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
    alarm_log_write(alarm, AlarmAction.HELD, actor, text=note)
    _after_action(alarm, actor, "held", {"note": note})
    return alarm


@transaction.atomic
def alarm_close(
    *, alarm: Alarm, actor: Actor, resolution: AlarmResolution | str, note: str = ""
) -> Alarm:
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
    alarm_log_write(
        alarm, AlarmAction.CLOSED, actor, text=note, details={"resolution": resolution.value}
    )
    lighting_end(alarm=alarm, actor=actor)
    _after_action(alarm, actor, "closed", {"resolution": resolution.value, "note": note})
    return alarm


@transaction.atomic
def alarm_note_add(*, alarm: Alarm, actor: Actor, text: str) -> AlarmLog:
    text = (text or "").strip()
    if not text:
        raise ApplicationError("A note needs text.", extra={"fields": {"text": ["empty"]}})
    alarm = _locked(alarm)
    alarm_log_write(alarm, AlarmAction.NOTE, actor, text=text[:5000])
    alarm.save(update_fields=["updated_at"])
    _after_action(alarm, actor, "note_added", {"text": text[:5000]})
    return alarm.log.last()


# --- Live -------------------------------------------------------------------------------------


def alarm_publish(alarm: Alarm, *, raised: bool = False, camera_device_id: str = "") -> None:
    """Pushes the alarm to the console (after commit); welfare alarms only to those allowed.
    `camera_device_id`, when the caller knows it, saves looking the camera up."""
    device_id = camera_device_id or alarm_camera(alarm)
    topics = ["alarms", f"device:{device_id}"] if device_id else ["alarms"]
    zone_ids = (
        {z.pk for z in alarm.zones.all()} if alarm.category == AlarmCategory.EMERGENCY else set()
    )
    topics += [
        f"zone:{pk}" for pk in sorted(zone_ids | ({alarm.zone_id} if alarm.zone_id else set()))
    ]
    live_publish(
        kind="alarm.raised" if raised else "alarm.updated",
        data=alarm_message(alarm, camera_device_id=device_id),
        topics=topics,
        permission=WELFARE_PERMISSION if alarm.category == AlarmCategory.WELFARE else None,
    )
