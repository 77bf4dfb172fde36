"""Reads of residents' reports: the public GeoReport lists (no contact data ever leaves here
through them), a report's stage as its fault says, and the triage queue."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cityplatform.timefmt import when as when_text
from open311.choices import GeoReportStatus, RequestStage
from open311.models import ServiceRequest

# GeoReport v2: without dates, the last 90 days; at most 1000 requests an answer.
DEFAULT_DAYS = 90
MAX_RESULTS = 1000

CLOSED_Q = Q(closed_at__isnull=False) | Q(fault__cleared_at__isnull=False)


def _requests() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related("fault", "asset")


def service_request_get(*, public_id: str) -> ServiceRequest | None:
    return _requests().filter(public_id=public_id).first()


def service_requests_search(
    *,
    ids: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Sequence[str] = (),
) -> list[ServiceRequest]:
    """GeoReport's GET requests: ids alone ignore every other filter (as the standard says)."""
    requests = _requests()
    if ids:
        return list(requests.filter(public_id__in=list(ids))[:MAX_RESULTS])
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        requests = requests.filter(created_at__gte=start)
    if end is not None:
        requests = requests.filter(created_at__lte=end)
    if service_codes:
        requests = requests.filter(service_code__in=list(service_codes))
    wanted = set(statuses)
    if wanted == {GeoReportStatus.CLOSED}:
        requests = requests.filter(CLOSED_Q)
    elif wanted == {GeoReportStatus.OPEN}:
        requests = requests.exclude(CLOSED_Q)
    return list(requests[:MAX_RESULTS])


def triage_queue() -> QuerySet[ServiceRequest]:
    """Reports waiting for a person to pick their asset, oldest first."""
    return (
        ServiceRequest.objects.filter(fault__isnull=True, closed_at__isnull=True)
        .select_related("client")
        .order_by("created_at", "pk")
    )


def recent_requests(*, limit: int = 50) -> list[ServiceRequest]:
    return list(_requests().order_by("-created_at", "-pk")[:limit])


def awaiting_triage(request: ServiceRequest) -> bool:
    return request.fault_id is None and request.closed_at is None


def request_stage(request: ServiceRequest) -> RequestStage:
    """Open → in progress (someone acknowledged the fault) → closed (the fault is cleared, or
    staff closed a report that was no asset's)."""
    fault = request.fault
    if request.closed_at is not None or (fault is not None and fault.cleared_at is not None):
        return RequestStage.CLOSED
    if fault is not None and fault.acknowledged_at is not None:
        return RequestStage.IN_PROGRESS
    return RequestStage.OPEN


def geo_status(request: ServiceRequest) -> GeoReportStatus:
    closed = request_stage(request) == RequestStage.CLOSED
    return GeoReportStatus.CLOSED if closed else GeoReportStatus.OPEN


def status_notes(request: ServiceRequest) -> str:
    """The public words on a report: staff's note when they wrote one, else the stage's."""
    if request.public_note:
        return request.public_note
    stage = request_stage(request)
    if stage == RequestStage.CLOSED:
        when = request.closed_at or request.fault.cleared_at
        return f"Closed: the fault was dealt with on {when_text(when, settings.TIME_ZONE)}."
    if stage == RequestStage.IN_PROGRESS:
        return "In progress: the maintenance team has taken this on."
    if request.asset_id is None:
        return "Received: our asset team is finding which column or camera this is."
    return f"Received: passed to the maintenance team as a fault on {request.asset.device_id}."


def updated_at(request: ServiceRequest) -> datetime:
    """The last change a resident would see: the report's own, or its fault's."""
    times = [request.updated_at]
    if request.fault is not None:
        times += [t for t in (request.fault.acknowledged_at, request.fault.cleared_at) if t]
    return max(times)
