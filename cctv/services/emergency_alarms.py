"""Emergency alarms: an official warning (a CAP alert, the emergency app) in the same queue as
the cameras' alarms. No camera raised it: it names the zones it covers (`Alarm.zones`; the
first is `Alarm.zone`, for the map and the console's zone column).

The emergency app opens one when an alert meets the city, changes it when the sender updates
the alert, and closes it when the alert is cancelled or expires.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cctv.choices import AlarmAction, AlarmCategory, AlarmResolution, AlarmState
from cctv.models import Alarm
from cctv.services.alarms import alarm_close, alarm_log_write, alarm_publish
from cityplatform.services import Actor, audit_record


@transaction.atomic
def alarm_raise_emergency(
    *,
    title: str,
    priority: int,
    zone_ids: Sequence[int],
    at: datetime,
    actor: Actor,
    text: str = "",
) -> Alarm:
    """Opens an emergency alarm on these zones (pushed live as `alarm.raised`)."""
    zone_ids = list(dict.fromkeys(zone_ids))
    alarm = Alarm(
        camera=None,
        zone_id=zone_ids[0] if zone_ids else None,
        title=title[:200],
        category=AlarmCategory.EMERGENCY,
        priority=priority,
        raised_at=timezone.now(),
        last_event_at=at,
        event_count=0,
    )
    alarm.full_clean(validate_constraints=False)
    alarm.save()
    alarm.zones.set(zone_ids)
    alarm_log_write(alarm, AlarmAction.RAISED, actor, text=text, details={"zones": zone_ids})
    audit_record(actor=actor, action="cctv.alarm_raised", target=alarm, details={"zones": zone_ids})
    alarm_publish(alarm, raised=True)
    return alarm


@transaction.atomic
def alarm_emergency_change(
    *,
    alarm: Alarm,
    title: str,
    priority: int,
    zone_ids: Sequence[int],
    at: datetime,
    actor: Actor,
    text: str = "",
) -> Alarm:
    """The warning was updated: its alarm takes the new title, priority and zones."""
    alarm = Alarm.objects.select_for_update().get(pk=alarm.pk)
    zone_ids = list(dict.fromkeys(zone_ids))
    alarm.title = title[:200]
    alarm.priority = priority
    alarm.zone_id = zone_ids[0] if zone_ids else None
    alarm.last_event_at = at
    alarm.full_clean(validate_constraints=False)
    alarm.save()
    alarm.zones.set(zone_ids)
    details = {"zones": zone_ids, "priority": priority, "title": alarm.title}
    alarm_log_write(alarm, AlarmAction.NOTE, actor, text=text or "Warning updated", details=details)
    audit_record(actor=actor, action="cctv.alarm_changed", target=alarm, details=details)
    alarm_publish(alarm)
    return alarm


def alarm_emergency_end(*, alarm: Alarm, actor: Actor, note: str) -> Alarm | None:
    """The warning was cancelled or expired: its alarm closes (resolved) if still open."""
    if not Alarm.objects.filter(pk=alarm.pk).exclude(state=AlarmState.CLOSED).exists():
        return None
    return alarm_close(alarm=alarm, actor=actor, resolution=AlarmResolution.RESOLVED, note=note)
