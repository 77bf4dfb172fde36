"""The GeoReport v2 endpoints under /open311/v2/ (wiki.open311.org/GeoReport_v2): services,
a service's definition, requests (GET public, POST with a client's api_key, form-encoded) and
one request. JSON or XML by the URL's extension; errors as `[{"code", "description"}]`.

Plain Django views: the bodies are the standard's, not the platform's REST API (its error form,
its sign-in), and a POST is signed by its api_key, not a session (so no CSRF token)."""

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cityplatform.api import ApplicationError
from open311 import selectors, wire
from open311.catalogue import SERVICES
from open311.choices import GeoReportStatus
from open311.services.clients import open311_client_authenticate
from open311.services.requests import CONTACT_FIELDS, ReportInput, service_request_create
from open311.throttling import PostThrottle, ReadThrottle, throttled_for

IDS_MAX = 100


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return wire.respond(fmt, "errors", wire.error_records(status, description), status=status)


def _throttled(fmt: str, request: HttpRequest, throttle) -> HttpResponse | None:
    wait = throttled_for(throttle, request)
    if wait is None:
        return None
    response = _error(fmt, 429, f"Too many requests from this address: try again in {wait} s.")
    response["Retry-After"] = str(wait)
    return response


def _georeport(view):
    """Unknown formats are a 404; the platform's errors become GeoReport's."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        if fmt not in wire.FORMATS:
            return _error("json", 404, f"No format {fmt!r}: use .json or .xml.")
        try:
            return view(request, fmt, **kwargs)
        except ApplicationError as error:
            return _error(fmt, error.status_code, error.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET", "HEAD"])
@_georeport
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return _throttled(fmt, request, ReadThrottle()) or wire.respond(
        fmt, "services", wire.services_records()
    )


@require_http_methods(["GET", "HEAD"])
@_georeport
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if refused := _throttled(fmt, request, ReadThrottle()):
        return refused
    service = SERVICES.get(code)
    if service is None:
        return _error(fmt, 404, f"No service {code[:40]!r}: see services.{fmt}.")
    return wire.respond(fmt, "definition", wire.service_definition(service))


def _list(request: HttpRequest, name: str, allowed=None) -> list[str]:
    raw = request.GET.get(name, "")
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ApplicationError(
                f"{name} {unknown[0][:40]!r} is not one of: {', '.join(allowed)}."
            )
    return values


def _date(request: HttpRequest, name: str):
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a '+' in a query string reads as ' '
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApplicationError(
            f"{name} must be an ISO 8601 date and time with its offset, "
            f"e.g. 2026-12-01T00:00:00Z; not {raw[:40]!r}."
        )
    return value


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    if refused := _throttled(fmt, request, ReadThrottle()):
        return refused
    ids = _list(request, "service_request_id")
    if len(ids) > IDS_MAX:
        raise ApplicationError(f"At most {IDS_MAX} service_request_id values at once.")
    start, end = _date(request, "start_date"), _date(request, "end_date")
    if start and end and end < start:
        raise ApplicationError("end_date is before start_date.")
    found = selectors.service_requests_search(
        ids=ids,
        service_codes=_list(request, "service_code", allowed=list(SERVICES)),
        start=start,
        end=end,
        statuses=_list(request, "status", allowed=list(GeoReportStatus.values)),
    )
    return wire.respond(fmt, "requests", [wire.request_record(r) for r in found])


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    if refused := _throttled(fmt, request, PostThrottle()):
        return refused
    form = request.POST
    client = open311_client_authenticate(api_key=form.get("api_key", ""))
    data = ReportInput(
        service_code=form.get("service_code", ""),
        lat=form.get("lat", "").strip(),
        long=form.get("long", "").strip(),
        address_string=form.get("address_string", ""),
        asset_id=form.get("attribute[asset_id]", "") or form.get("address_id", ""),
        description=form.get("description", ""),
        media_url=form.get("media_url", ""),
        contact={name: form.get(name, "") for name in CONTACT_FIELDS},
    )
    created = service_request_create(data=data, client=client)
    return wire.respond(fmt, "requests", [wire.created_record(created)])


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@_georeport
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    return _search(request, fmt)


@require_http_methods(["GET", "HEAD"])
@_georeport
def request_detail(request: HttpRequest, fmt: str, public_id: str) -> HttpResponse:
    if refused := _throttled(fmt, request, ReadThrottle()):
        return refused
    found = selectors.service_request_get(public_id=public_id)
    if found is None:
        return _error(fmt, 404, f"No service request {public_id[:40]!r}.")
    return wire.respond(fmt, "requests", [wire.request_record(found)])
