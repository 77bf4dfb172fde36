"""Reads of the lighting app."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from lighting.choices import OverrideState
from lighting.models import Calendar, CalendarRule, LightGroup, Override, Programme


def programmes() -> QuerySet[Programme]:
    return Programme.objects.all()


def calendars() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related(
        Prefetch("rules", queryset=CalendarRule.objects.order_by("position"))
    )


def light_groups() -> QuerySet[LightGroup]:
    return LightGroup.objects.prefetch_related("lights")


def overrides(*, state: str | None = None, now=None) -> QuerySet[Override]:
    """Overrides, newest first; `state` filters to scheduled, active, expired or cancelled."""
    now = now or timezone.now()
    qs = Override.objects.all().order_by("-created_at")
    not_ended = Q(ended_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if state == OverrideState.ACTIVE:
        qs = qs.filter(not_ended, starts_at__lte=now)
    elif state == OverrideState.SCHEDULED:
        qs = qs.filter(not_ended, starts_at__gt=now)
    elif state == OverrideState.CANCELLED:
        qs = qs.filter(end_state=OverrideState.CANCELLED)
    elif state == OverrideState.EXPIRED:
        qs = qs.exclude(end_state=OverrideState.CANCELLED).exclude(not_ended)
    return qs


def overrides_active(*, now=None) -> QuerySet[Override]:
    return overrides(state=OverrideState.ACTIVE, now=now)
