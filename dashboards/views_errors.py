"""The site's error pages (403, 404, 500), in its layout, saying what happened in words and
what the signed-in role may do instead: the pages its navigation holds, each with what it is
for. Registered with `cityplatform.error_pages` at start (DashboardsConfig.ready)."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboards.context_processors import page_context

# What each navigation entry lets a person do, in their words.
WHAT_FOR = {
    "security": "work the alarm queue and brighten an area on an alert",
    "lighting": "follow the zones' lighting live, edit programmes and calendars, read energy",
    "assets": "keep the inventory: assets, faults, maintenance, CSV import and export",
    "insights": "see where incidents meet darkness, and what to change",
    "overview": "see the city at a glance",
    "api": "read the API and try it",
    "audit": "read the audit log of every change",
}

TITLES = {403: "Not for your role", 404: "Page not found", 500: "Something went wrong"}


def _reason(request: HttpRequest, status: int, exception: Exception | None) -> str:
    if status == 403:
        said = str(exception or "").strip()
        return said or "Your role may not open this page or do this."
    if status == 404:
        return (
            f"There is no page at {request.path}: the address may be mistyped, or what it named "
            "(an asset, a zone) was removed or renamed."
        )
    now = timezone.localtime()
    return (
        "The platform failed to answer this request; the error is logged. Try again in a "
        "moment; if it happens again, tell your administrator the page and the time "
        f"({now:%d %b %Y %H:%M} {now.tzname()})."
    )


def error_page(request: HttpRequest, status: int, exception: Exception | None) -> HttpResponse:
    user = getattr(request, "user", None) or AnonymousUser()
    try:
        context = page_context(request)  # the navigation of the signed-in user
        roles = sorted(user.groups.values_list("name", flat=True)) if user.is_authenticated else []
    except Exception:  # a 500 with the database away: the layout without the navigation
        if status != 500:
            raise
        context, roles = {"navigation": [], "active": ""}, []
    options = [
        {"label": item.label, "url": item.url, "what": WHAT_FOR.get(item.key, "")}
        for item in context["navigation"]
    ]
    return render(
        request,
        "dashboards/error.html",
        {
            **context,
            "status": status,
            "title": TITLES[status],
            "reason": _reason(request, status, exception),
            "options": options,
            "roles": roles,
            "signed_in": user.is_authenticated,
        },
        status=status,
    )
