"""What the analytics write: the stored report of a period's hotspots and recommendations
(nightly), and the draft of a programme change from a recommendation (never applied: the draft
programme is assigned to no calendar until an officer does so)."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cctv.analytics.context import dim_level as default_dim_level
from cctv.analytics.core.hotspots import hotspots_find
from cctv.analytics.core.recommendations import steps_with_floor
from cctv.analytics.hotspots import (
    analytics_period,
    hotspot_recommendation,
    hotspots_list,
    recommendations_list,
    zone_type_stats,
    zones_by_pk,
)
from cctv.models import AnalyticsReport
from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from lighting.selectors import programmes, zone_calendar
from lighting.services.programmes import programme_create

REPORT_DAYS = 28


def analytics_report_compute(*, since: datetime, until: datetime) -> AnalyticsReport:
    """Computes and stores the period's hotspots and recommendations (all zones, every event
    type). Idempotent: a re-run for the same period replaces its report with the same rows."""
    start, end = analytics_period(since=since, until=until)
    hotspots = hotspots_list(since=start, until=end)
    recommendations = recommendations_list(since=start, until=end)
    report, _ = AnalyticsReport.objects.update_or_create(
        since=start,
        until=end,
        defaults={
            "hotspots": hotspots,
            "recommendations": recommendations,
            "dim_level": default_dim_level(),
            "computed_at": timezone.now(),
        },
    )
    return report


def analytics_report_nightly(*, until: datetime | None = None) -> AnalyticsReport:
    """The report of the `REPORT_DAYS` days before `until` (default: today's midnight, UTC,
    after the nightly recomputation of yesterday's zone-hours)."""
    if until is None:
        today = timezone.now().date()
        until = datetime(today.year, today.month, today.day, tzinfo=UTC)
    return analytics_report_compute(since=until - timedelta(days=REPORT_DAYS), until=until)


def recommendation_draft(
    *,
    zone_id: int,
    event_type: str,
    since: datetime,
    until: datetime,
    actor: Actor,
    hidden_types: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Drafts the programme change of a recommendation: a copy of the zone's programme with the
    raised floor, as a new programme named "DRAFT …" and assigned to no calendar (so nothing
    changes until an officer assigns it). Idempotent: the same recommendation drafts once."""
    start, end = analytics_period(since=since, until=until)
    zones = zones_by_pk()
    if zone_id not in zones:
        raise ApplicationError("No such zone.", extra={"fields": {"zone": ["not found"]}})
    spots = [
        s
        for s in hotspots_find(
            zone_type_stats(start=start, end=end, event_type=event_type, hidden_types=hidden_types)
        )
        if s.zone_id == zone_id
    ]
    rec = (
        hotspot_recommendation(hotspot=spots[0], start=start, end=end, zones=zones)
        if spots
        else None
    )
    if rec is None:
        raise ApplicationError(
            "There is no recommendation for this zone, type and period.",
            extra={"fields": {"zone": ["no hotspot for this type and period"]}},
            status_code=409,
        )
    calendar = zone_calendar(zone_id=zone_id)
    programme = calendar.default_programme if calendar else None
    if programme is None:
        raise ApplicationError(
            "The zone follows no calendar with a default programme: nothing to draft from.",
            extra={"fields": {"zone": ["no programme"]}},
            status_code=409,
        )
    name = (
        f"DRAFT {rec.zone_name}: {programme.name} floor {rec.proposed_level:.0f} % "
        f"{rec.start_hour:02d}–{rec.end_hour:02d} ({rec.event_type}, {start:%Y-%m-%d})"
    )[:200]
    existing = programmes().filter(name=name).first()
    if existing is not None:
        return {"programme": existing.pk, "name": existing.name, "created": False}
    zone = zones[zone_id]
    steps = steps_with_floor(
        programme.steps,
        start=time(rec.start_hour),
        end=time(rec.end_hour),
        floor=rec.proposed_level,
        night=(end - timedelta(hours=12)).date(),
        tz_name=zone["time_zone"] or settings.TIME_ZONE,
        latitude=settings.SITE_LATITUDE,
        longitude=settings.SITE_LONGITUDE,
    )
    with transaction.atomic():
        draft = programme_create(
            name=name,
            steps=steps,
            description=f"Draft from a correlation recommendation (not applied). {rec.text}. "
            f"Based on programme '{programme.name}' of calendar '{calendar.name}'.",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="cctv.recommendation_drafted",
            target_type="lighting.programme",
            target_id=str(draft.pk),
            details={"recommendation": rec.text, "numbers": rec.numbers, "from": programme.pk},
        )
    return {"programme": draft.pk, "name": draft.name, "created": True, "steps": steps}
