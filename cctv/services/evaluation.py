"""Alarm rules run over events: the evaluation that raises alarms or re-triggers open ones.

`alarms_evaluate` is the alert task's service (`cctv.tasks.event_evaluate`): each event's
lighting context first (a rule may brighten only dark, dim scenes), technical events to
`cctv.services.technical`, then every matching rule under a per-(rule, camera) lock, the
lighting response (`cctv.services.lighting`), the latency record, and the event marked
evaluated. The alarm's life-cycle after that is `cctv.services.alarms`.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from cctv.analytics.context import events_contextualise
from cctv.analytics.latency import alarm_latency_record
from cctv.choices import OPEN_ALARM_STATES, TECHNICAL_EVENT_TYPES, AlarmAction, EventStatus
from cctv.models import Alarm, AlarmEvent, AlarmRule, Event
from cctv.services.alarms import (
    RULES_ACTOR,
    alarm_category_for,
    alarm_log_write,
    alarm_publish,
    camera_may_alarm,
)
from cctv.services.lighting import lighting_respond
from cctv.services.rules import rule_matches, rules_for_types
from cctv.services.technical import technical_from_events
from devices.selectors.cameras import CameraInfo, cameras_info

ALARM_LOCK_SPACE = 0x43435456  # "CCTV": keeps these advisory locks apart from others


def alarms_evaluate(*, event_ids: Sequence[int], now: datetime | None = None) -> list[Alarm]:
    """Runs the alarm rules over these events (idempotent: an event feeds a rule's alarm once).

    Returns the alarms raised or updated.
    """
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
    """A transaction-scoped advisory lock on (rule, camera): the rule's row is not held, so a
    city-wide rule does not serialise every alarm of the city."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [ALARM_LOCK_SPACE ^ (rule_id % 2**31), camera_id % 2**31],
        )


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
    alarm_log_write(
        alarm, AlarmAction.RAISED, RULES_ACTOR, details={"event": event.pk, "rule": rule.pk}
    )
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
    alarm_log_write(alarm, AlarmAction.RETRIGGERED, RULES_ACTOR, details={"event": event.pk})
    alarm_publish(alarm)
    return alarm


def events_mark_evaluated(*, event_ids: Sequence[int], now: datetime | None = None) -> int:
    """Marks the events the rules ran over (`event_evaluate_pending` catches the rest)."""
    return Event.objects.filter(pk__in=event_ids, evaluated_at__isnull=True).update(
        evaluated_at=now or timezone.now()
    )
