"""The insights page: low-light hotspots and the recommendations drawn from them (the correlation
analytics), with filters by period, zone and event type, charts, CSV exports, and the one-click
draft of a recommended programme change (drafted, never applied: the draft endpoint assigns it
to no calendar)."""

import json
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from cctv.selectors import event_types_hidden_from
from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards import selectors, selectors_insights
from dashboards.permissions import page_permission
from dashboards.views import render_page

MAX_DAYS = 92  # the analytics API's longest period
DEFAULT_DAYS = 7
DRAFT_PROGRAMME = "lighting.add_programme"  # what the draft endpoint checks


class InsightsFilter(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    type = forms.CharField(required=False, max_length=64)

    def __init__(self, *args, zones: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", "All zones"), *zones]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        until = data.get("until") or today
        since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            self.add_error("since", "The period starts after it ends.")
        elif (until - since).days + 1 > MAX_DAYS:
            self.add_error("since", f"At most {MAX_DAYS} days.")
        data["since"], data["until"] = since, until
        return data


def _period(since_day, until_day) -> tuple[datetime, datetime]:
    """Whole local days: from the first day's midnight to the midnight after the last day."""
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(since_day, time(0), tzinfo=tz)
    end = datetime.combine(until_day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def _quick_ranges(request: HttpRequest, since_day, until_day) -> list[dict]:
    """The period picker's links: today, the last 7 and the last 30 days (zone and type kept)."""
    today = timezone.localdate()
    kept = {k: request.GET[k] for k in ("zone", "type") if request.GET.get(k)}
    links = []
    for label, days in (("Today", 1), ("7 days", 7), ("30 days", 30)):
        since = today - timedelta(days=days - 1)
        query = urlencode({"since": since.isoformat(), "until": today.isoformat(), **kept})
        current = since_day == since and until_day == today
        links.append({"label": label, "href": f"?{query}", "current": current, "days": days})
    return links


def _query_string(query: selectors_insights.InsightsQuery) -> str:
    params = {"since": query.since.isoformat(), "until": query.until.isoformat()}
    if query.zone_id is not None:
        params["zone"] = str(query.zone_id)
    if query.event_type:
        params["type"] = query.event_type
    return urlencode(params)


@page_permission(perms.INSIGHTS)
def insights(request: HttpRequest) -> HttpResponse:
    zones = selectors.zone_choices()
    names = dict(zones)
    form = InsightsFilter(request.GET, zones=zones)  # bound even when empty: the defaults
    context: dict = {"form": form, "zones": zones}
    if not form.is_valid():
        response = render_page(
            request, "dashboards/insights/index.html", context, active="insights"
        )
        response.status_code = 400
        return response
    data = form.cleaned_data
    since, until = _period(data["since"], data["until"])
    hidden = event_types_hidden_from(request.user)
    query = selectors_insights.InsightsQuery(
        since=since,
        until=until,
        zone_id=data.get("zone"),
        event_type=data.get("type") or None,
        hidden_types=hidden,
    )
    hotspots = selectors_insights.hotspots(query)
    for spot in hotspots:
        spot["control_names"] = [names.get(z, f"zone {z}") for z in spot["control_zones"]]
    recommendations = selectors_insights.recommendations(query)
    for rec in recommendations:
        rec["draft_json"] = json.dumps(rec["draft"]["body"])
        rec["numbers"]["control_names"] = [
            names.get(z, f"zone {z}") for z in rec["numbers"].get("control_zones", [])
        ]
    query_string = _query_string(query)
    csv = {
        "hotspots": reverse("cctv-analytics-hotspots-csv") + "?" + query_string,
        "recommendations": reverse("cctv-analytics-recommendations-csv") + "?" + query_string,
        "zone_hours": reverse("cctv-analytics-zone-hours-csv") + "?" + query_string,
    }
    series = selectors_insights.zone_hour_series(query)
    context.update(
        {
            "query": query,
            "since_day": data["since"],
            "ranges": _quick_ranges(request, data["since"], data["until"]),
            "until_day": data["until"],
            "zone_name": names.get(query.zone_id) if query.zone_id is not None else None,
            "event_types": sorted(
                {*selectors_insights.event_types(query), *filter(None, [query.event_type])} - hidden
            ),
            "hotspots": hotspots,
            "recommendations": recommendations,
            "csv": csv,
            "may_draft": has_perm(request.user, DRAFT_PROGRAMME),
            "charts": {
                "series": series,
                "ratios": [
                    {
                        "label": f"{s['zone_name']} · {s['event_type'].replace('_', ' ')}",
                        "city": s["ratio_city"],
                        "control": s["ratio_control"],
                        "history": s["ratio_history"],
                        "lit": s["ratio_lit"],
                    }
                    for s in hotspots
                ],
                "draftUrl": reverse("cctv-analytics-recommendation-draft"),
                "lightingUrl": reverse("page-lighting")
                if has_perm(request.user, perms.LIGHTING_PAGES)
                else None,
            },
        }
    )
    return render_page(request, "dashboards/insights/index.html", context, active="insights")
