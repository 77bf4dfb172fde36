"""Reads of the emergency app: the zones as shapes, alerts received and refused, the feeds
due, the city's published alerts (and the dashboards' reads, when it has pages)."""

from datetime import datetime

from django.db.models import Q, QuerySet
from shapely.geometry.base import BaseGeometry

from devices.geo import BoundaryError, boundary_shape
from devices.selectors.registry import zones_list
from emergency.cap.document import OutAlert, OutArea, cap_document, cap_reference
from emergency.choices import LIVE_STATES, OPEN_RUN_STATES
from emergency.models import (
    CapAlert,
    CapFeed,
    EmergencyPlan,
    PlanRun,
    PublishedAlert,
    RefusedAlert,
    ThresholdRule,
    ZoneGeocode,
)


def zone_shapes(*, kinds: tuple[str, ...] | None = None) -> list[tuple[int, BaseGeometry]]:
    """(pk, shape) of the zones with a readable boundary, of these kinds (all when None)."""
    zones = zones_list().exclude(boundary__isnull=True)
    if kinds is not None:
        zones = zones.filter(kind__in=kinds)
    found = []
    for pk, boundary in zones.values_list("pk", "boundary"):
        try:
            found.append((pk, boundary_shape(boundary)))
        except BoundaryError:
            continue
    return found


def zones_of_geocodes(geocodes: list[tuple[str, str]]) -> list[int]:
    """The zones these CAP geocodes stand for (ZoneGeocode)."""
    if not geocodes:
        return []
    match = Q()
    for name, value in geocodes:
        match |= Q(value_name=name, value=value)
    return list(ZoneGeocode.objects.filter(match).values_list("zone_id", flat=True).distinct())


def alert_received(*, sender: str, identifier: str, sent: datetime) -> CapAlert | None:
    return CapAlert.objects.filter(sender=sender, identifier=identifier, sent=sent).first()


def alerts_referenced(references: tuple[tuple[str, str, str], ...]) -> list[CapAlert]:
    """The alerts a message's `references` name (matched on sender and identifier: senders do
    not always write `sent` the same way twice), oldest first."""
    if not references:
        return []
    match = Q()
    for sender, identifier, _sent in references:
        match |= Q(sender=sender, identifier=identifier)
    return list(CapAlert.objects.filter(match).order_by("received_at", "pk"))


def alerts_expired(*, now: datetime) -> QuerySet[CapAlert]:
    return CapAlert.objects.filter(state__in=LIVE_STATES, expires__lte=now)


def alerts_list() -> QuerySet[CapAlert]:
    return CapAlert.objects.prefetch_related("zones")


def refusals_list() -> QuerySet[RefusedAlert]:
    return RefusedAlert.objects.all()


def feed_urls_seen(*, urls: list[str]) -> set[str]:
    """The alert URLs already read (received or refused): a feed lists its alerts every poll."""
    seen = set(CapAlert.objects.filter(url__in=urls).values_list("url", flat=True))
    return seen | set(RefusedAlert.objects.filter(url__in=urls).values_list("url", flat=True))


def feeds_list() -> QuerySet[CapFeed]:
    return CapFeed.objects.all()


def feeds_due(*, now: datetime) -> list[CapFeed]:
    """Enabled feeds never polled or polled `interval_s` ago or more."""
    return [
        feed
        for feed in CapFeed.objects.filter(enabled=True)
        if feed.last_polled_at is None
        or (now - feed.last_polled_at).total_seconds() >= feed.interval_s
    ]


def published_list() -> QuerySet[PublishedAlert]:
    return PublishedAlert.objects.select_related("replaces").prefetch_related("zones")


def published_current() -> QuerySet[PublishedAlert]:
    """The last message of each published chain (an alert not yet replaced; a Cancel ends a
    chain and stays listed so that readers learn of it)."""
    return published_list().filter(replaced_by__isnull=True)


def published_chain(alert: PublishedAlert) -> list[PublishedAlert]:
    """The messages this one replaces, newest first (an update of an update names both)."""
    chain, current = [], alert.replaces
    while current is not None:
        chain.append(current)
        current = current.replaces
    return chain


def published_document(alert: PublishedAlert, *, sender: str, web: str = "") -> bytes:
    """The message as its CAP 1.2 document."""
    references = " ".join(
        cap_reference(sender=sender, identifier=old.identifier, sent=old.sent)
        for old in reversed(published_chain(alert))
    )
    return cap_document(
        OutAlert(
            identifier=alert.identifier,
            sender=sender,
            sent=alert.sent,
            msg_type=alert.msg_type,
            references=references,
            category=alert.category,
            event=alert.event,
            urgency=alert.urgency,
            severity=alert.severity,
            certainty=alert.certainty,
            headline=alert.headline,
            description=alert.description,
            instruction=alert.instruction,
            expires=alert.expires,
            web=web,
            areas=[OutArea(desc=z.name, boundary=z.boundary) for z in alert.zones.all()],
        )
    )


def threshold_rules() -> QuerySet[ThresholdRule]:
    return ThresholdRule.objects.all()


def plans_list() -> QuerySet[EmergencyPlan]:
    return EmergencyPlan.objects.prefetch_related("zones", "threshold_rules")


def plan_runs_list() -> QuerySet[PlanRun]:
    return PlanRun.objects.select_related("plan").prefetch_related("overrides")


def plan_runs_open() -> QuerySet[PlanRun]:
    """The runs proposed or running, the most recent first (the emergency plans page)."""
    return plan_runs_list().filter(state__in=OPEN_RUN_STATES)


def plan_runs_recent(*, limit: int = 20) -> list[PlanRun]:
    """The runs that ended, the most recent first."""
    return list(plan_runs_list().exclude(state__in=OPEN_RUN_STATES)[:limit])
