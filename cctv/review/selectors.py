"""The annual review report (Surveillance Camera Code, principle 10: review and audit, with
published reports): for one calendar year in the city's time zone, whether the retention purge
ran on time, the legal holds and their reasons, the disclosures and evidence exports, a summary
of the audit log, and the purposes reviewed.

A purge is late when more than PURGE_LATE_AFTER passed since the one before it: footage was
then kept that much beyond its retention period (the purge runs nightly).
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from cctv.models import Disclosure, EvidenceExport, LegalHold, PurgeRun, Purpose
from cityplatform.selectors import audit_counts, audit_entries

PURGE_LATE_AFTER = timedelta(hours=36)
FIRST_YEAR = 2000


@dataclass
class ReviewReport:
    year: int
    since: datetime
    until: datetime
    retention_days: int
    purges: list[dict] = field(default_factory=list)
    purges_on_time: int = 0
    purges_late: int = 0
    longest_gap_hours: float = 0.0
    events_deleted: int = 0
    alarms_deleted: int = 0
    snapshots_deleted: int = 0
    holds: list[dict] = field(default_factory=list)
    disclosures: list[dict] = field(default_factory=list)
    exports: list[dict] = field(default_factory=list)
    audit_by_action: dict[str, int] = field(default_factory=dict)
    audit_by_role: dict[str, int] = field(default_factory=dict)
    purposes_reviewed: list[dict] = field(default_factory=list)
    purposes_overdue: list[dict] = field(default_factory=list)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def review_years_valid(year: int) -> bool:
    return FIRST_YEAR <= year <= timezone.localdate().year


def _purges(report: ReviewReport) -> None:
    runs = list(PurgeRun.objects.filter(at__gte=report.since, at__lt=report.until).order_by("at"))
    previous = PurgeRun.objects.filter(at__lt=report.since).order_by("-at").first()
    last = previous.at if previous else None
    for run in runs:
        gap = run.at - last if last else None
        late = gap is not None and gap > PURGE_LATE_AFTER
        hours = round(gap.total_seconds() / 3600, 1) if gap else None
        report.purges.append(
            {
                "at": run.at,
                "cutoff": run.cutoff,
                "hours_since_previous": hours,
                "late": late,
                "events_deleted": run.events_deleted,
                "alarms_deleted": run.alarms_deleted,
                "snapshots_deleted": run.snapshots_deleted,
                "events_held": run.events_held,
                "alarms_held": run.alarms_held,
            }
        )
        report.purges_late += late
        report.purges_on_time += not late
        report.longest_gap_hours = max(report.longest_gap_hours, hours or 0.0)
        report.events_deleted += run.events_deleted
        report.alarms_deleted += run.alarms_deleted
        report.snapshots_deleted += run.snapshots_deleted
        last = run.at


def _holds(report: ReviewReport) -> None:
    """Every hold in force at some time of the year: placed before its end, not released
    before its start."""
    holds = (
        LegalHold.objects.filter(created_at__lt=report.until)
        .filter(Q(released_at__isnull=True) | Q(released_at__gte=report.since))
        .select_related("owner")
        .annotate(
            event_count=Count("events", distinct=True), alarm_count=Count("alarms", distinct=True)
        )
        .order_by("created_at")
    )
    year_end = min(report.until.date() - timedelta(days=1), timezone.localdate())
    for hold in holds:
        report.holds.append(
            {
                "id": hold.pk,
                "reason": hold.reason,
                "owner": hold.owner.get_username(),
                "placed": hold.created_at,
                "review_due": hold.review_due,
                "released": hold.released_at,
                "events": hold.event_count,
                "alarms": hold.alarm_count,
                "review_overdue": hold.released_at is None and hold.review_due < year_end,
            }
        )


def _disclosures(report: ReviewReport) -> None:
    first, last = report.since.date(), report.until.date()
    for item in Disclosure.objects.filter(
        disclosed_on__gte=first, disclosed_on__lt=last
    ).select_related("export"):
        report.disclosures.append(
            {
                "disclosed_on": item.disclosed_on,
                "exhibit_ref": item.export.exhibit_ref,
                "recipient": item.recipient,
                "organisation": item.organisation,
                "reason": item.reason,
                "method": item.method,
            }
        )
    exports = EvidenceExport.objects.filter(
        exported_at__gte=report.since, exported_at__lt=report.until
    )
    for export in exports.select_related("exported_by").order_by("exported_at"):
        report.exports.append(
            {
                "exported_at": export.exported_at,
                "exhibit_ref": export.exhibit_ref,
                "purpose": export.purpose,
                "requested_by": export.requested_by,
                "exported_by": export.exported_by.get_username(),
                "events": export.event_count,
            }
        )


def _purposes(report: ReviewReport) -> None:
    names = dict(Purpose.objects.values_list("pk", "name"))
    reviews = (
        audit_entries(target_type="cctv.purpose")
        .filter(action="cctv.purpose_reviewed", at__gte=report.since, at__lt=report.until)
        .order_by("at")
    )
    for entry in reviews:
        report.purposes_reviewed.append(
            {
                "purpose": names.get(int(entry.target_id), f"purpose {entry.target_id} (deleted)"),
                "reviewed": entry.at,
                "by": entry.actor_label,
                "next_review": entry.details.get("next_review"),
            }
        )
    year_end = min(report.until.date() - timedelta(days=1), timezone.localdate())
    overdue = Purpose.objects.filter(Q(next_review__isnull=True) | Q(next_review__lt=year_end))
    for purpose in overdue:
        report.purposes_overdue.append(
            {
                "purpose": purpose.name,
                "last_reviewed": purpose.last_reviewed,
                "next_review": purpose.next_review,
            }
        )


def review_report(*, year: int) -> ReviewReport:
    since, until = year_bounds(year)
    report = ReviewReport(
        year=year, since=since, until=until, retention_days=settings.CCTV_RETENTION_DAYS
    )
    _purges(report)
    _holds(report)
    _disclosures(report)
    counts = audit_counts(since=since, until=until)
    report.audit_by_action, report.audit_by_role = counts["by_action"], counts["by_role"]
    _purposes(report)
    return report
