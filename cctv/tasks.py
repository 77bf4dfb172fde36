"""The cctv app's Celery tasks. `event_*` and `alert_*` run on the `alerts` queue (routing in
cityplatform/celery.py); the housekeeping ones on `default`. Each takes ids, calls one service,
and is idempotent."""

from datetime import UTC, date, datetime, timedelta

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cctv.analytics.latency import latency_fill_published
from cctv.analytics.reports import analytics_report_compute, analytics_report_nightly
from cctv.analytics.zone_hours import zone_hours_compute, zone_hours_recent
from cctv.selectors import events_unevaluated
from cctv.services import retention as retention_services
from cctv.services.announce import events_announce
from cctv.services.evaluation import alarms_evaluate
from cctv.services.lighting import lighting_extend_open
from cctv.services.technical import technical_reconcile
from cityplatform.taskbase import RetryingTask


@shared_task(base=RetryingTask, name="cctv.tasks.event_evaluate", ignore_result=True)
def event_evaluate(event_ids: list[int], announce_ids: list[int] | None = None) -> int:
    """Runs the alarm rules over newly stored (or updated) events, then tells the pages about
    the new ones (`event.received`)."""
    touched = alarms_evaluate(event_ids=event_ids) if event_ids else []
    if announce_ids:
        events_announce(event_ids=announce_ids)
    return len(touched)


@shared_task(base=RetryingTask, name="cctv.tasks.event_evaluate_pending")
def event_evaluate_pending() -> int:
    """Evaluates accepted events whose evaluation never ran (a lost task): beat, every minute."""
    ids = events_unevaluated()
    return len(alarms_evaluate(event_ids=ids)) if ids else 0


@shared_task(base=RetryingTask, name="cctv.tasks.alert_technical_reconcile")
def alert_technical_reconcile() -> dict[str, int]:
    """Technical alarms follow the cameras' open faults (offline, tamper, video loss)."""
    raised, closed = technical_reconcile()
    return {"raised": len(raised), "closed": len(closed)}


@shared_task(base=RetryingTask, name="cctv.tasks.alert_lighting_extend")
def alert_lighting_extend() -> int:
    """Keeps the lights up for open alarms whose rule says so, within its bound."""
    return lighting_extend_open()


@shared_task(base=RetryingTask, name="cctv.tasks.retention_purge")
def retention_purge() -> dict[str, int]:
    """The nightly purge of events and closed alarms past retention (legal holds kept)."""
    run = retention_services.retention_purge()
    return {
        "events_deleted": run.events_deleted,
        "alarms_deleted": run.alarms_deleted,
        "snapshots_deleted": run.snapshots_deleted,
        "events_held": run.events_held,
        "alarms_held": run.alarms_held,
    }


@shared_task(base=RetryingTask, name="cctv.tasks.analytics_report")
def analytics_report(since: str | None = None, until: str | None = None) -> int:
    """Stores the hotspots and recommendations of a period (beat, nightly after
    `analytics_day`: the 28 days to today's midnight, UTC). Any past period by its ISO
    instants. Idempotent. Returns the report's id."""
    if since and until:
        report = analytics_report_compute(
            since=datetime.fromisoformat(since), until=datetime.fromisoformat(until)
        )
    else:
        report = analytics_report_nightly(until=datetime.fromisoformat(until) if until else None)
    return report.pk


@shared_task(base=RetryingTask, name="cctv.tasks.latency_published")
def latency_published() -> int:
    """Completes alarms' latency records with the instant their commands were sent."""
    return latency_fill_published()


@shared_task(base=RetryingTask, name="cctv.tasks.analytics_zone_hours")
def analytics_zone_hours(start: str | None = None, end: str | None = None) -> int:
    """Recomputes the zone-hour analytics of [start, end) (ISO instants), or of the last
    complete hours when none is given (beat, hourly). Idempotent."""
    if start and end:
        return zone_hours_compute(start=parse_datetime(start), end=parse_datetime(end))
    return zone_hours_recent()


@shared_task(base=RetryingTask, name="cctv.tasks.analytics_day")
def analytics_day(day: str | None = None) -> int:
    """Recomputes one UTC day of zone-hour analytics (default: yesterday), catching late
    events and level changes (beat, nightly). Idempotent."""
    when = date.fromisoformat(day) if day else timezone.now().date() - timedelta(days=1)
    start = datetime(when.year, when.month, when.day, tzinfo=UTC)
    return zone_hours_compute(start=start, end=start + timedelta(days=1))
