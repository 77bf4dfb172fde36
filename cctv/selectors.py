"""Reads of the cctv app. What a user may see is decided here, once, for the API and pages."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Func, QuerySet
from django.utils import timezone

from cctv.choices import WELFARE_EVENT_TYPES, AlarmCategory, AlarmState, EventStatus
from cctv.live import alarm_message
from cctv.models import (
    Alarm,
    AlarmRule,
    Disclosure,
    Event,
    EventSource,
    EvidenceExport,
    LegalHold,
    PurgeRun,
    ZoneHour,
)
from cityplatform.permissions import has_perm
from devices.selectors.cameras import cameras_needing_review

WELFARE_PERMISSION = "cctv.view_welfare_alarm"


def events_visible_to(user) -> QuerySet[Event]:
    """Events this user may see: welfare event types only with cctv.view_welfare_alarm."""
    events = Event.objects.select_related("device")
    if not has_perm(user, WELFARE_PERMISSION):
        events = events.exclude(type__in=WELFARE_EVENT_TYPES)
    return events


def event_types_hidden_from(user) -> frozenset[str]:
    """The event types this user may not see, in lists and in counts (the analytics): the
    welfare types without cctv.view_welfare_alarm."""
    return frozenset() if has_perm(user, WELFARE_PERMISSION) else WELFARE_EVENT_TYPES


def event_counts_shown(counts: dict[str, int], hidden: frozenset[str]) -> dict[str, int]:
    """A `type → count` mapping without the hidden types."""
    if not hidden or hidden.isdisjoint(counts):
        return counts
    return {t: n for t, n in counts.items() if t not in hidden}


def events_unevaluated(*, older_than_s: int = 60, within_h: int = 6) -> list[int]:
    """Accepted events whose rules never ran (a lost task), oldest first, at most 1000."""
    now = timezone.now()
    return list(
        Event.objects.filter(
            evaluated_at__isnull=True,
            status=EventStatus.ACCEPTED,
            received_at__lt=now - timedelta(seconds=older_than_s),
            received_at__gte=now - timedelta(hours=within_h),
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )


def alarms_visible_to(user) -> QuerySet[Alarm]:
    """The alarms this user may see: welfare alarms only with cctv.view_welfare_alarm."""
    alarms = Alarm.objects.select_related("camera", "zone", "rule", "assignee").prefetch_related(
        "zones"
    )
    if not has_perm(user, WELFARE_PERMISSION):
        alarms = alarms.exclude(category=AlarmCategory.WELFARE)
    return alarms


def alarm_timeline(alarm: Alarm):
    return alarm.log.all()


def alarm_rules() -> QuerySet[AlarmRule]:
    return AlarmRule.objects.prefetch_related("cameras", "zones")


def sources_list() -> QuerySet[EventSource]:
    return EventSource.objects.prefetch_related("cameras")


def legal_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.select_related("owner")


def evidence_exports() -> QuerySet[EvidenceExport]:
    return EvidenceExport.objects.select_related("exported_by", "alarm")


def disclosures() -> QuerySet[Disclosure]:
    return Disclosure.objects.select_related("export", "recorded_by")


def purge_runs() -> QuerySet[PurgeRun]:
    return PurgeRun.objects.all()


def cameras_review_overdue():
    """Cameras whose purpose review is overdue (Surveillance Camera Code, principle 1), and
    cameras with no recorded purpose: shown on the pages."""
    return cameras_needing_review(today=timezone.localdate())


# --- Reads of the pages (dashboards) ----------------------------------------------------------
# dashboards reaches cctv through these and the functions above, never through its models or
# its `live` module.


def alarms_open_shown(user, *, limit: int) -> list[dict[str, Any]]:
    """The open alarms this user may see, most urgent first, in the shape of the live alarm
    messages (`cctv.live.alarm_message`), so that the security console renders the first load
    and the live updates the same way."""
    alarms = (
        alarms_visible_to(user)
        .exclude(state=AlarmState.CLOSED)
        .order_by("priority", "-raised_at")[:limit]
    )
    return [alarm_message(alarm) for alarm in alarms]


ZONE_HOUR_FIELDS = (
    "hour",
    "zone_id",
    "events",
    "events_dim",
    "events_lit",
    "events_boosted",
    "mean_level",
    "lights",
)


def zone_hour_rows(
    *, since: datetime, until: datetime, zone_id: int | None = None
) -> QuerySet[ZoneHour]:
    """The stored zone-hour analytics rows of [since, until) as dicts of `ZONE_HOUR_FIELDS`,
    oldest hour first (every count still includes every event type: the caller leaves out
    what its viewer may not see, with `event_counts_shown`)."""
    rows = ZoneHour.objects.filter(hour__gte=since, hour__lt=until)
    if zone_id is not None:
        rows = rows.filter(zone_id=zone_id)
    return rows.order_by("hour", "zone_id").values(*ZONE_HOUR_FIELDS)


def zone_hour_event_types(*, since: datetime, until: datetime) -> set[str]:
    """The event types counted in the zone-hour rows of [since, until), anywhere in the city:
    the keys of their `events` maps, collected by PostgreSQL (`jsonb_object_keys`)."""
    rows = ZoneHour.objects.filter(hour__gte=since, hour__lt=until)
    keys = rows.annotate(key=Func(F("events"), function="jsonb_object_keys"))
    return set(keys.values_list("key", flat=True).distinct())
