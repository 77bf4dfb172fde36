"""Pages. Each view checks the role through the platform's one permission layer, reads through
`dashboards.selectors` (or the back-end apps' selectors), and renders. The lighting pages are in
`views_lighting`, the insights page in `views_insights`; both render with `render_page`."""

import math
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.gzip import gzip_page

from cityplatform.api import ApplicationError, error_response, parse_id
from cityplatform.csvsafe import csv_lines
from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards import selectors
from dashboards.context_processors import page_context
from dashboards.forms_assets import MaintenanceForm
from dashboards.navigation import landing_for
from dashboards.permissions import page_permission
from devices.assets_csv import COLUMNS, asset_row
from devices.choices import AssetKind, LifecycleStatus, MaintenanceStatus, RejectReason
from devices.selectors.gateway import rejected_messages_list
from devices.selectors.registry import assets_export_rows
from lighting.services.override_limits import (
    SECURITY_MIN_PRIORITY,
    security_boost_limits,
    security_boost_zone_ids,
)
from lighting.services.scopes import OverrideScope, scope_lights


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages without an icon link (the admin, the API
    docs): the site's icon."""
    return redirect(static("dashboards/favicon.svg"), permanent=True)


def render_page(request: HttpRequest, template: str, context: dict, *, active: str = ""):
    return render(request, template, {**page_context(request, active=active), **context})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Sends each role to its own page; an account without a role is told so."""
    landing = landing_for(request.user)
    if landing is not None:
        return redirect(landing.url)
    return render_page(request, "dashboards/home.html", {})


@page_permission(perms.OVERVIEW)
def overview(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "dashboards/overview.html",
        {"counts": selectors.overview_counts(), "zone_ids": selectors.zone_ids()[:200]},
        active="overview",
    )


@page_permission(perms.SECURITY_CONSOLE)
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    zones = selectors.zone_choices()
    boost_limits = security_boost_limits()
    boost_zones, max_radius_m = zones, 2000.0  # lighting operators: any zone, any circle
    if not has_perm(user, "lighting.add_override"):  # a security operator: its role's limits
        open_zones = security_boost_zone_ids()
        boost_zones = [(pk, name) for pk, name in zones if pk in open_zones]
        max_radius_m = boost_limits.max_radius_m
    console = {
        "alarms": selectors.console_alarms(user),
        "overrides": selectors.active_overrides(user),
        "zones": dict(zones),
        "user": user.get_username(),
        "may_work": has_perm(user, "cctv.work_alarm"),
        "may_boost": has_perm(user, "lighting.create_security_boost")
        or has_perm(user, "lighting.add_override"),
        "may_emergency": has_perm(user, "lighting.emergency_mode"),
        "boost_priority": SECURITY_MIN_PRIORITY,
        "boost_max_min": boost_limits.max_minutes,
        "boost_max_radius_m": max_radius_m,
    }
    return render_page(
        request,
        "dashboards/security/console.html",
        {
            "zone_ids": [pk for pk, _ in zones][:200],
            "zones": zones,
            "boost_zones": boost_zones,
            "console": console,
        },
        active="security",
    )


# --- Assets -----------------------------------------------------------------------------------


def _asset_query(request: HttpRequest) -> selectors.AssetQuery:
    params = request.GET
    zone = params.get("zone", "")
    sort = params.get("sort", "device_id")
    return selectors.AssetQuery(
        q=params.get("q", "")[:100],
        kind=params.get("kind", "") if params.get("kind") in AssetKind.values else "",
        status=params.get("status", "") if params.get("status") in LifecycleStatus.values else "",
        zone=parse_id(zone),
        online=params.get("online", "") if params.get("online") in {"yes", "no", "never"} else "",
        faulty=params.get("faulty") == "1",
        sort=sort.lstrip("-") if sort.lstrip("-") in selectors.ASSET_SORTS else "device_id",
        descending=sort.startswith("-"),
    )


@page_permission(perms.ASSET_PAGES)
def assets(request: HttpRequest) -> HttpResponse:
    query = _asset_query(request)
    page = selectors.asset_page(query, page=request.GET.get("page") or 1)
    kept = {k: v for k, v in request.GET.items() if k not in {"page", "sort"} and v}
    columns = [
        ("device_id", "Device id"),
        ("name", "Name"),
        ("kind", "Kind"),
        ("zone", "Zone"),
        ("status", "Status"),
        ("online", "Connection"),
        ("level", "Level"),
        ("last_seen", "Last seen"),
    ]
    current = ("-" if query.descending else "") + query.sort
    headers = [
        {
            "key": key,
            "label": label,
            "sorted": query.sort == key,
            "descending": query.descending,
            "url": "?" + urlencode({**kept, "sort": key if current != key else f"-{key}"}),
        }
        for key, label in columns
    ]
    return render_page(
        request,
        "dashboards/assets/inventory.html",
        {
            "page": page,
            "query": query,
            "headers": headers,
            "page_query": urlencode({**kept, "sort": current}),
            "kinds": AssetKind.choices,
            "statuses": LifecycleStatus.choices,
            "zones": selectors.zone_choices(),
            "may_bulk": has_perm(request.user, "devices.change_asset"),
            "back": urlencode({**kept, "sort": current}),
        },
        active="assets",
    )


@page_permission(perms.ASSET_PAGES)
def asset_detail(request: HttpRequest, device_id: str) -> HttpResponse:
    asset = selectors.asset_detail(device_id)
    if asset is None:
        raise Http404("No such asset.")
    user, faults = request.user, selectors.asset_faults(asset)
    return render_page(
        request,
        "dashboards/assets/detail.html",
        {
            "asset": asset,
            "state": selectors.with_shown_state([asset])[0].shown_state,
            "faults": faults,
            "maintenance": selectors.asset_maintenance(asset),
            # Edit controls only for the roles whose writes the services would take.
            "may": {
                "edit": has_perm(user, "devices.change_asset"),
                "decommission": has_perm(user, "devices.decommission_asset")
                and asset.status != LifecycleStatus.DECOMMISSIONED,
                "log": has_perm(user, "devices.add_maintenancerecord"),
                "progress": has_perm(user, "devices.change_maintenancerecord"),
                "faults": has_perm(user, "devices.change_fault"),
            },
            "maintenance_form": MaintenanceForm(faults=faults),
            "work_statuses": MaintenanceStatus.choices,
            "map_focus": {"id": asset.device_id, "lat": asset.latitude, "lon": asset.longitude},
        },
        active="assets",
    )


# --- Data for the pages' scripts --------------------------------------------------------------


@gzip_page  # a city's devices: 17 MB of JSON for 100,000 lights, a tenth of it compressed
@page_permission(perms.OVERVIEW)
def map_data(request: HttpRequest) -> JsonResponse:
    """Zones, lights and cameras for the map (every page with a map has the overview right).
    Nothing in it echoes the request or carries a secret, so compressing it leaks nothing."""
    raw = request.GET.get("zones", "")
    zone_ids = [i for z in raw.split(",") if (i := parse_id(z)) is not None] if raw else None
    return JsonResponse(selectors.map_features(zone_ids=zone_ids))


def _float(value: str | None) -> float | None:
    """A finite number from a query parameter, else None ("nan" and "inf" are no position)."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


@page_permission(perms.SECURITY_CONSOLE)
def scope_count(request: HttpRequest) -> JsonResponse:
    """How many controlled lights a brighten scope (`?zone=<id>`, or `?lat=&lon=&radius=`)
    covers now, so the console can say it before the operator confirms."""
    params = request.GET
    zone = parse_id(params.get("zone", ""))
    lat, lon, radius = (_float(params.get(k)) for k in ("lat", "lon", "radius"))
    try:
        if zone is not None:
            scope = OverrideScope(zone_id=zone)
        elif None not in (lat, lon, radius):
            scope = OverrideScope(point=(lat, lon), radius_m=radius)
        else:
            raise ApplicationError("Give a zone, or a point and a radius.")
        lights = len(scope_lights(scope))
    except ApplicationError as error:
        return error_response(400, error.message, error.extra)
    return JsonResponse({"lights": lights})


@page_permission(perms.OVERVIEW)
def map_streets(request: HttpRequest) -> JsonResponse:
    """The maps' offline base layer (streets and their names), drawn when no tile server is set."""
    response = JsonResponse(selectors.map_streets())
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Asset CSV export (the import is in views_import.py) -----------------------------------


@page_permission(perms.ASSET_PAGES)
def asset_export(request: HttpRequest) -> StreamingHttpResponse:
    """The inventory as CSV, with the filters of the table (the import's format)."""
    assets = selectors.asset_table(_asset_query(request))
    rows = map(asset_row, assets_export_rows(assets=assets))
    response = StreamingHttpResponse(
        csv_lines(COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="assets.csv"'
    return response


@page_permission(perms.ASSET_PAGES)
def rejected_messages(request: HttpRequest) -> HttpResponse:
    """Device messages the gateway refused, with their reasons (never dropped in silence)."""
    if not has_perm(request.user, "devices.view_rejectedmessage"):
        raise PermissionDenied("Your role may not read rejected device messages.")
    reason = request.GET.get("reason", "")
    messages = rejected_messages_list(
        device_id=request.GET.get("device", "")[:64] or None,
        reason_code=reason if reason in RejectReason.values else None,
    ).order_by("-received_at")
    page = Paginator(messages, 50).get_page(request.GET.get("page") or 1)
    return render_page(
        request,
        "dashboards/assets/rejected.html",
        {"page": page, "reasons": RejectReason.choices, "reason": reason},
        active="assets",
    )
