"""Residents' reports on the site (issue #21): the public page to report a light out, a
day-burning lamp or a damaged column or camera without an account (rate-limited per address),
the page to follow a report (public words only: no contact, no staff data), and the asset
managers' triage page for reports no single asset matched. Writes go through open311's services,
the same as the GeoReport API's."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cityplatform.api import ApplicationError
from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards.permissions import page_permission
from dashboards.views import render_page
from open311 import selectors
from open311.catalogue import SERVICES
from open311.services.requests import ReportInput, service_request_create
from open311.services.staff import service_request_assign, service_request_close
from open311.throttling import ReportPageThrottle, throttled_for

TRIAGE = "open311.triage_servicerequest"
FORM_FIELDS = ("service_code", "asset_id", "lat", "long", "address_string", "description")


def _report_form(request: HttpRequest, values: dict, problem: str = "", status: int = 200):
    response = render_page(
        request,
        "dashboards/open311/report.html",
        {"services": list(SERVICES.values()), "values": values, "problem": problem},
    )
    response.status_code = status
    return response


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """/report/: what, where (a map click, the coordinates or the asset's number), what you see."""
    if request.method == "GET":
        return _report_form(request, {"service_code": request.GET.get("service", "")})
    values = {name: request.POST.get(name, "").strip() for name in FORM_FIELDS}
    wait = throttled_for(ReportPageThrottle(), request)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        response = _report_form(
            request,
            values,
            f"Too many reports from this address: please try again in {minutes} min.",
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        created = service_request_create(data=ReportInput(**values), client=None)
    except ApplicationError as error:
        return _report_form(request, values, error.message, status=400)
    return redirect(reverse("page-report-follow", args=[created.public_id]))


def report_follow(request: HttpRequest, public_id: str) -> HttpResponse:
    """/report/<id>/: where a report stands, in public words."""
    found = selectors.service_request_get(public_id=public_id.upper())
    if found is None:
        raise Http404("No report with this number.")
    return render_page(
        request,
        "dashboards/open311/follow.html",
        {
            "report": found,
            "service": SERVICES[found.service_code],
            "stage": selectors.request_stage(found),
            "notes": selectors.status_notes(found),
            "updated": selectors.updated_at(found),
        },
    )


@page_permission(perms.ASSET_PAGES)
def triage(request: HttpRequest) -> HttpResponse:
    """Reports waiting for a person to place them on an asset, and the latest reports."""
    return render_page(
        request,
        "dashboards/open311/triage.html",
        {
            "queue": list(selectors.triage_queue()[:200]),
            "recent": [
                (r, selectors.request_stage(r), selectors.status_notes(r))
                for r in selectors.recent_requests(limit=50)
            ],
            "may_triage": has_perm(request.user, TRIAGE),
            "services": SERVICES,
        },
        active="assets",
    )


@require_POST
@page_permission(perms.ASSET_PAGES)
def triage_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    if not has_perm(request.user, TRIAGE):
        raise PermissionDenied("Your role may not place or close residents' reports.")
    found = selectors.service_request_get(public_id=public_id)
    if found is None:
        raise Http404("No report with this number.")
    try:
        if action == "assign":
            service_request_assign(
                request=found, device_id=request.POST.get("device_id", ""), actor=request.user
            )
            messages.success(request, f"{found.public_id} placed: its fault is raised.")
        else:
            service_request_close(
                request=found, note=request.POST.get("note", ""), actor=request.user
            )
            messages.success(request, f"{found.public_id} closed with your note.")
    except ApplicationError as error:
        messages.error(request, f"{found.public_id}: {error.message}")
    return redirect(reverse("page-reports-triage"))
