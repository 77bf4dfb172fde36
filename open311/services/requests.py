"""A resident's report in: checked field by field (a 400 in words), matched to the nearest asset
of the service's kind, and turned into a fault on it (devices' `fault_raise`, which keeps one
open fault per asset and type: a second report of the same dark lamp joins the first fault).
Reports no single asset matches wait for a person (`open311.services.staff`)."""

import math
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from cityplatform.api import ApplicationError
from cityplatform.nul_guard import NUL_MESSAGE, contains_nul
from cityplatform.services import audit_record
from devices.choices import LifecycleStatus
from devices.selectors.nearby import asset_by_device_id, assets_near
from devices.selectors.registry import site_bounds
from devices.services.faults import fault_raise
from open311.catalogue import SERVICES, Service
from open311.choices import TriageReason
from open311.models import Open311Client, ServiceRequest

# Contact fields GeoReport lets a client send: kept for staff, never published or audited.
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "device_id", "account_id")
DESCRIPTION_MAX = 4000
MEDIA_URL_MAX = 500
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def _public_id() -> str:
    return "R-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def _refuse(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, extra={"fields": {field_name: [message]}})


@dataclass(frozen=True)
class ReportInput:
    """What a report says, as text from a form (GeoReport's POST or the public page)."""

    service_code: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    asset_id: str = ""
    description: str = ""
    media_url: str = ""
    contact: dict[str, str] = field(default_factory=dict)


def _service(code: str) -> Service:
    if not code:
        raise _refuse("service_code is required: one of " + ", ".join(SERVICES) + ".", "code")
    if code not in SERVICES:
        raise _refuse(
            f"service_code {code[:40]!r} is not a service here: one of {', '.join(SERVICES)}.",
            "service_code",
        )
    return SERVICES[code]


def _coordinate(raw: str, name: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        message = f"{name} must be a number in decimal degrees, not {raw[:40]!r}."
        raise _refuse(message, name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _refuse(f"{name} must lie between {low:g} and {high:g}.", name)
    return value


def _point(data: ReportInput) -> tuple[float, float] | None:
    if not data.lat and not data.long:
        return None
    if not data.lat or not data.long:
        raise _refuse(
            "Send both lat and long (WGS84), or neither.", "lat" if not data.lat else "long"
        )
    latitude = _coordinate(data.lat, "lat", -90, 90)
    longitude = _coordinate(data.long, "long", -180, 180)
    bounds = site_bounds()
    if bounds is not None and not bounds.contains(latitude, longitude):
        raise _refuse("This point is outside the city's area: check lat and long.", "lat")
    return latitude, longitude


def asset_for_service(device_id: str, service: Service):
    asset = asset_by_device_id(device_id=device_id[:64])
    if asset is None:
        raise _refuse(
            f"There is no asset numbered {device_id[:64]!r}: check the number on its plate.",
            "asset_id",
        )
    if asset.kind != service.asset_kind:
        raise _refuse(
            f"{asset.device_id} is a {asset.get_kind_display().lower()}; "
            f"{service.code.value} is about a {service.asset_kind.label.lower()}.",
            "asset_id",
        )
    if asset.status == LifecycleStatus.DECOMMISSIONED:
        raise _refuse(f"{asset.device_id} has been taken out of service.", "asset_id")
    return asset


def _checked_text(data: ReportInput) -> tuple[str, str]:
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise _refuse(f"description is longer than {DESCRIPTION_MAX} characters.", "description")
    media_url = data.media_url.strip()
    if len(media_url) > MEDIA_URL_MAX:
        raise _refuse(f"media_url is longer than {MEDIA_URL_MAX} characters.", "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            message = "media_url must be an http(s) address of the picture."
            raise _refuse(message, "media_url") from None
    return description, media_url


@dataclass(frozen=True)
class Match:
    asset: Any = None
    reason: TriageReason = TriageReason.NONE
    candidates: dict[str, float] = field(default_factory=dict)


def asset_match(*, service: Service, latitude: float, longitude: float) -> Match:
    """The asset a report at the point is about: the nearest of the service's kind within
    OPEN311_MATCH_RADIUS_M, unless none is, or the next is within OPEN311_AMBIGUITY_M of it."""
    near = assets_near(
        latitude=latitude,
        longitude=longitude,
        radius_m=settings.OPEN311_MATCH_RADIUS_M,
        kind=service.asset_kind,
    )
    candidates = {n.asset.device_id: round(n.distance_m, 1) for n in near[:10]}
    if not near:
        return Match(reason=TriageReason.NO_ASSET)
    if len(near) > 1 and near[1].distance_m - near[0].distance_m < settings.OPEN311_AMBIGUITY_M:
        return Match(reason=TriageReason.AMBIGUOUS, candidates=candidates)
    return Match(asset=near[0].asset, candidates=candidates)


def report_actor(client: Open311Client | None) -> str:
    """Who raised the fault, in the audit log: the client by name, or the public page."""
    return f"open311:{client.name}" if client else "open311:public page"


def fault_details(request: ServiceRequest, service: Service) -> dict[str, str]:
    """What the fault carries of the report: its id and service, never the resident's words
    or contact (faults go out on the live channel)."""
    return {
        "source": "open311",
        "service_request": request.public_id,
        "service_code": service.code.value,
    }


@transaction.atomic
def service_request_create(*, data: ReportInput, client: Open311Client | None) -> ServiceRequest:
    """Records a report and raises its fault, or sends it to triage; 400 in words otherwise."""
    if contains_nul(list(vars(data).values())) or contains_nul(data.contact):
        raise ApplicationError(NUL_MESSAGE)  # PostgreSQL text cannot hold it
    service = _service(data.service_code.strip())
    point = _point(data)
    asset_id = data.asset_id.strip()
    address = data.address_string.strip()[:250]
    if point is None and not asset_id:
        raise _refuse(
            "Say where: lat and long, or the asset's number (address_id or attribute[asset_id]).",
            "lat",
        )
    description, media_url = _checked_text(data)
    if asset_id:
        asset = asset_for_service(asset_id, service)
        match = Match(asset=asset)
        point = point or (asset.latitude, asset.longitude)
    else:
        match = asset_match(service=service, latitude=point[0], longitude=point[1])
    contact = {k: str(v)[:200] for k, v in data.contact.items() if k in CONTACT_FIELDS and v}
    request = ServiceRequest(
        public_id=_public_id(),
        service_code=service.code,
        client=client,
        latitude=point[0],
        longitude=point[1],
        address_string=address,
        asset=match.asset,
        description=description,
        media_url=media_url,
        contact=contact,
        triage_reason=match.reason,
        candidates=match.candidates if match.asset is None else {},
    )
    try:
        request.full_clean(exclude=["fault"])
    except ValidationError as error:  # what the checks above missed, still in words
        raise ApplicationError(" ".join(error.messages)) from None
    if match.asset is not None:
        request.fault, _ = fault_raise(
            asset=match.asset,
            type=service.fault_type,
            details=fault_details(request, service),
            actor=report_actor(client),
        )
    request.save()
    audit_record(
        actor=report_actor(client),
        action="open311.request_received",
        target=request,
        details={
            "service_code": service.code.value,
            "asset": match.asset.device_id if match.asset else None,
            "triage": match.reason.value or None,
        },
    )
    return request
