"""Retention: legal holds and the nightly purge.

Events (with their snapshot references) and closed alarms older than CCTV_RETENTION_DAYS
(default 31, as the City of London Police keep public-space footage) are deleted by a nightly
task, except what a legal hold keeps: an event under a hold, an event that fed an alarm under a
hold, an alarm under a hold, and anything still feeding an open alarm. A hold has a reason, an
owner and a review date at most 12 months ahead; released holds keep nothing. Each purge
records what it deleted (PurgeRun) and writes it to the audit log.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status

from cctv.choices import AlarmState
from cctv.models import Alarm, AlarmEvent, Event, LegalHold, PurgeRun, WebhookReceipt
from cityplatform.api import ApplicationError
from cityplatform.services import Actor, actor_fields, audit_record

MAX_HOLD_REVIEW_DAYS = 366  # "at most 12 months ahead"


# Receipts are kept this much longer than the events' retention: a body signed in the legacy
# form stays refused by its receipt until its event time is older than the retention (then it is
# refused for that), whatever the skew of its first arrival.
RECEIPT_MARGIN = timedelta(days=1)


def retention_days() -> int:
    return settings.CCTV_RETENTION_DAYS


def _latest_review(today: date) -> date:
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today + timedelta(days=365)


@transaction.atomic
def legal_hold_create(
    *,
    reason: str,
    owner: AbstractBaseUser,
    review_due: date,
    actor: Actor,
    event_ids: Sequence[int] = (),
    alarm_ids: Sequence[int] = (),
    camera_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> LegalHold:
    """Holds events and alarms (by id, and/or a camera's events in a time window)."""
    today = timezone.localdate()
    fields: dict[str, list[str]] = {}
    if not (reason or "").strip():
        fields["reason"] = ["Say why the records must be kept."]
    if review_due <= today or review_due > _latest_review(today):
        fields["review_due"] = ["A review date after today and at most 12 months ahead."]
    if (start is None) != (end is None) or (start and end and start >= end):
        fields["start"] = ["A window needs a start before its end."]
    if start is not None and camera_id is None:
        fields["camera"] = ["A window needs a camera."]
    if fields:
        raise ApplicationError("Invalid legal hold.", extra={"fields": fields})
    events = set(Event.objects.filter(pk__in=event_ids).values_list("pk", flat=True))
    if camera_id is not None and start is not None:
        events |= set(
            Event.objects.filter(device_id=camera_id, ts__gte=start, ts__lt=end).values_list(
                "pk", flat=True
            )
        )
    alarms = set(Alarm.objects.filter(pk__in=alarm_ids).values_list("pk", flat=True))
    if not events and not alarms:
        raise ApplicationError(
            "The hold covers no records.", extra={"fields": {"events": ["nothing matched"]}}
        )
    hold = LegalHold(
        reason=reason.strip(),
        owner=owner,
        review_due=review_due,
        created_at=timezone.now(),
        created_by=actor_fields(actor)[1],
    )
    hold.full_clean()
    hold.save()
    hold.events.set(events)
    hold.alarms.set(alarms)
    audit_record(
        actor=actor,
        action="cctv.legal_hold_created",
        target=hold,
        details={
            "reason": hold.reason,
            "owner": owner.get_username(),
            "review_due": review_due.isoformat(),
            "events": len(events),
            "alarms": len(alarms),
        },
    )
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, actor: Actor, reason: str = "") -> LegalHold:
    if hold.released_at is not None:
        raise ApplicationError(
            "This hold is already released.", status_code=status.HTTP_409_CONFLICT
        )
    hold.released_at = timezone.now()
    hold.released_by = actor_fields(actor)[1]
    hold.save()
    audit_record(
        actor=actor, action="cctv.legal_hold_released", target=hold, details={"reason": reason}
    )
    return hold


def retention_purge(*, now: datetime | None = None, actor: Actor = "retention") -> PurgeRun:
    """Deletes what is past retention and not held; returns (and records) what it deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    active_holds = LegalHold.objects.filter(released_at__isnull=True)
    held_alarms = Alarm.objects.filter(holds__in=active_holds)
    with transaction.atomic():
        old_alarms = Alarm.objects.filter(state=AlarmState.CLOSED, closed_at__lt=cutoff)
        alarms_held = old_alarms.filter(pk__in=held_alarms).distinct().count()
        doomed_alarms = list(old_alarms.exclude(pk__in=held_alarms).values_list("pk", flat=True))
        # Kept: events under an active hold, and events of every alarm that stays (open, held,
        # or closed more recently than the cutoff).
        held_events = Event.objects.filter(holds__in=active_holds).values("pk")
        kept_by_alarms = AlarmEvent.objects.exclude(alarm_id__in=doomed_alarms).values("event_id")
        # Past retention by its time, or — an event stored dated in the future, before such
        # times were refused (9999-12-31) — by its arrival.
        old_events = Event.objects.filter(Q(ts__lt=cutoff) | Q(ts__gt=now, received_at__lt=cutoff))
        events_held = (
            old_events.filter(Q(pk__in=held_events) | Q(pk__in=kept_by_alarms)).distinct().count()
        )
        doomed_events = old_events.exclude(pk__in=held_events).exclude(pk__in=kept_by_alarms)
        doomed_ids = list(doomed_events.values_list("pk", flat=True))
        snapshots = Event.objects.filter(pk__in=doomed_ids).exclude(snapshot_ref="").count()
        for start in range(0, len(doomed_ids), 5000):
            Event.objects.filter(pk__in=doomed_ids[start : start + 5000]).delete()
        Alarm.objects.filter(pk__in=doomed_alarms).delete()
        webhook_receipts_purge(before=cutoff)
        run = PurgeRun.objects.create(
            at=now,
            cutoff=cutoff,
            events_deleted=len(doomed_ids),
            alarms_deleted=len(doomed_alarms),
            snapshots_deleted=snapshots,
            events_held=events_held,
            alarms_held=alarms_held,
        )
        audit_record(
            actor=actor,
            action="cctv.retention_purged",
            target=run,
            details={
                "cutoff": cutoff.isoformat(),
                "events_deleted": run.events_deleted,
                "alarms_deleted": run.alarms_deleted,
                "snapshots_deleted": run.snapshots_deleted,
                "events_held": run.events_held,
                "alarms_held": run.alarms_held,
            },
        )
    return run


def webhook_receipts_purge(*, before: datetime) -> int:
    """Deletes the receipts older than `before` (the events' retention cutoff) less
    RECEIPT_MARGIN: a receipt outlives every request it can still refuse (a timestamped
    signature is refused after CCTV_WEBHOOK_MAX_SKEW_S anyway, a legacy one once its event is
    older than the retention)."""
    cutoff = before - RECEIPT_MARGIN
    deleted, _ = WebhookReceipt.objects.filter(received_at__lt=cutoff).delete()
    return deleted
