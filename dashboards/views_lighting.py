"""The lighting pages: the live overview (zones, overrides, commands, lamp faults), programmes,
calendars and energy.

Every role may read them (the lighting API's reads are open to all roles); only a role that may
change programmes, calendars or assignments gets the editors' controls. The pages render what
they read; the editors save through the lighting API (/api/v1/lighting/…), whose errors they
show beside the fields.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from cityplatform.api import day_problem, parse_id
from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards import selectors
from dashboards.navigation import NavItem
from dashboards.permissions import page_permission
from dashboards.views import render_page
from devices.choices import FaultType
from lighting import selectors as lighting_selectors
from lighting.choices import RuleKind, StepTrigger

# The lighting pages' own tabs, shown to whoever may open each one.
LIGHTING_TABS: list[NavItem] = [
    NavItem("lighting", "Zones and live state", "page-lighting", perms.LIGHTING_PAGES),
    NavItem("programmes", "Programmes", "page-lighting-programmes", perms.OVERVIEW),
    NavItem("calendars", "Calendars", "page-lighting-calendars", perms.OVERVIEW),
    NavItem("energy", "Energy", "page-lighting-energy", perms.OVERVIEW),
]


def lighting_tabs(user) -> list[NavItem]:
    return [tab for tab in LIGHTING_TABS if has_perm(user, tab.permission)]


def _page(request: HttpRequest, template: str, tab: str, context: dict) -> HttpResponse:
    return render_page(
        request,
        template,
        {"tabs": lighting_tabs(request.user), "tab": tab, **context},
        active="lighting",
    )


def _selected(request: HttpRequest) -> int | None:
    raw = request.GET.get("id", "")
    return parse_id(raw)


def lighting_live_context(request: HttpRequest) -> dict:
    """What the live lighting page adds for its tabs, its profile chart and its live faults."""
    return {
        "tabs": lighting_tabs(request.user),
        "tab": "lighting",
        "lighting_page": {
            "profile_api": reverse("lighting-profile"),
            "fault_types": dict(FaultType.choices),
            "lamp_fault_types": [
                FaultType.LAMP_FAILURE,
                FaultType.DIMMING_FAILURE,
                FaultType.DAY_BURNING,
            ],
        },
    }


@page_permission(perms.LIGHTING_PAGES)
def lighting(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "dashboards/lighting/index.html",
        {
            "zone_ids": selectors.zone_ids()[:200],
            "zones": selectors.zone_light_levels(),
            **selectors.lighting_overview(request.user),
            **lighting_live_context(request),
        },
        active="lighting",
    )


@page_permission(perms.LIGHTING_PAGES)
def lighting_state(request: HttpRequest) -> HttpResponse:
    """The lighting page's zone levels and overrides as they are now (the page fetches them
    again on the live messages that change them)."""
    return render_page(
        request,
        "dashboards/lighting/state.html",
        {"zones": selectors.zone_light_levels(), **selectors.lighting_overrides(request.user)},
        active="lighting",
    )


@page_permission(perms.OVERVIEW)
def programmes(request: HttpRequest) -> HttpResponse:
    user = request.user
    return _page(
        request,
        "dashboards/lighting/programmes.html",
        "programmes",
        {
            "editor": {
                "programmes": lighting_selectors.programmes_as_api(),
                "selected": _selected(request),
                "may_add": has_perm(user, "lighting.add_programme"),
                "may_change": has_perm(user, "lighting.change_programme"),
                "triggers": StepTrigger.choices,
                "zones": selectors.zone_choices(),
                "api": reverse("lighting-programme-list"),
                "profile_api": reverse("lighting-profile"),
            }
        },
    )


@page_permission(perms.OVERVIEW)
def calendars(request: HttpRequest) -> HttpResponse:
    user = request.user
    assignments = lighting_selectors.calendar_assignments()
    zone_labels = selectors.zone_labels()
    return _page(
        request,
        "dashboards/lighting/calendars.html",
        "calendars",
        {
            "editor": {
                "calendars": lighting_selectors.calendars_as_api(),
                "programmes": list(lighting_selectors.programmes().values("id", "name")),
                "groups": lighting_selectors.light_group_names(),
                "zones": selectors.zone_choices(),
                "assignments": [
                    {
                        "id": a.pk,
                        "calendar": a.calendar_id,
                        "zone": a.zone_id,
                        "group": a.group_id,
                        "target": zone_labels.get(a.zone_id, "") if a.zone else a.group.name,
                    }
                    for a in assignments
                ],
                "selected": _selected(request),
                "may_add": has_perm(user, "lighting.add_calendar"),
                "may_change": has_perm(user, "lighting.change_calendar"),
                "may_assign": has_perm(user, "lighting.add_calendarassignment")
                and has_perm(user, "lighting.delete_calendarassignment"),
                "kinds": RuleKind.choices,
                "api": reverse("lighting-calendar-list"),
                "assignments_api": reverse("lighting-assignment-list"),
                # The year view: the programme each night of this year gets, per calendar.
                "year": timezone.localdate().year,
                "year_nights": lighting_selectors.calendar_years(year=timezone.localdate().year),
            }
        },
    )


@page_permission(perms.OVERVIEW)
def energy(request: HttpRequest) -> HttpResponse:
    """The energy page opens on the whole city (the first zone at the top of the tree, which
    holds the others), last night, and this month."""
    zones = selectors.zone_tree_choices()
    known = {pk for pk, _ in zones}
    try:
        night = parse_date(request.GET.get("night", "")[:10])
    except ValueError:  # well formed but no such day
        night = None
    if night is not None and day_problem(night):
        night = None
    night = night or timezone.localdate() - timedelta(days=1)
    zone = parse_id(request.GET.get("zone", ""))
    return _page(
        request,
        "dashboards/lighting/energy.html",
        "energy",
        {
            "zones": zones,
            "energy": {
                "api": reverse("lighting-energy"),
                "zone": zone if zone in known else (zones[0][0] if zones else None),
                "night": str(night),
                "month": str(night)[:7],
                "tariff": settings.ENERGY_TARIFF_GBP_PER_KWH,
                "co2": settings.ENERGY_CO2_KG_PER_KWH,
            },
        },
    )
