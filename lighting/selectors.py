"""Reads of the lighting app."""

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from devices.selectors import lights as light_selectors
from devices.selectors.lights import ZoneRow
from lighting.choices import Operation, OverrideState, ScopeKind
from lighting.core.schedule import calendar_pick
from lighting.core.scope import Coverage, scope_coverage
from lighting.models import (
    Calendar,
    CalendarAssignment,
    CalendarRule,
    LightGroup,
    Override,
    Programme,
)
from lighting.representations import CalendarSerializer, ProgrammeSerializer
from lighting.services.config import schedule_load
from lighting.visibility import may_see_of, override_shown


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


def overrides_in_force_between(*, start, end, operation: str | None = None) -> list[Override]:
    """Overrides in force at some instant of [start, end) (an override's end is the earlier of
    its expiry and the instant it was cancelled or swept)."""
    qs = (
        Override.objects.filter(starts_at__lt=end)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=start))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    )
    if operation:
        qs = qs.filter(operation=operation)
    return list(qs.order_by("starts_at", "pk"))


def override_end(override: Override):
    """When the override stopped (or will stop) being in force; None: until cleared."""
    ends = [t for t in (override.expires_at, override.ended_at) if t is not None]
    return min(ends) if ends else None


def override_group_members(group_id: int) -> set[int]:
    """The light pks of a light group."""
    rows = LightGroup.lights.through.objects.filter(lightgroup_id=group_id)
    return set(rows.values_list("asset_id", flat=True))


def override_coverage(
    override: Override,
    *,
    zones: dict[int, ZoneRow] | None = None,
    group_members: Collection[int] | None = None,
) -> Coverage:
    """What the override's scope covers (`lighting.core.scope`), its zone's descendants and its
    group's members read now, or taken from `zones` and `group_members` when the caller has
    them already."""
    descendants: Collection[int] = ()
    if override.scope_kind == ScopeKind.ZONE:
        descendants = light_selectors.zone_descendants(override.zone_id, zones)
    if override.scope_kind == ScopeKind.GROUP and group_members is None:
        group_members = override_group_members(override.group_id)
    return scope_coverage(override, zone_descendants=descendants, group_members=group_members or ())


def override_covers(override: Override, lights) -> set[int]:
    """The lights among `lights` (devices' LightRow values: pk, zone, position) that the
    override's scope covers."""
    return override_coverage(override).members(lights)


def boosts_at(*, lights, at) -> dict[int, int]:
    """light pk → id of the `max` override (a boost) in force on it at instant `at`, for the
    given lights (devices' LightRow values). The highest-priority boost wins when several do."""
    found: dict[int, int] = {}
    boosts = (
        Override.objects.filter(operation=Operation.MAX, starts_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .order_by("priority", "-starts_at", "pk")
    )
    zones: dict[int, ZoneRow] | None = None
    for override in boosts:
        if override.scope_kind == ScopeKind.ZONE and zones is None:
            zones = light_selectors.zones_all()  # once for all the zone boosts
        for pk in override_coverage(override, zones=zones).members(lights):
            found.setdefault(pk, override.pk)
    return found


def zone_calendar(*, zone_id: int) -> Calendar | None:
    """The calendar a zone's lights follow: its own assignment, else its nearest ancestor's
    (a light group's assignment, which wins for its lights, is not considered here)."""
    zones = light_selectors.zones_all()
    own = dict(
        CalendarAssignment.objects.filter(zone__isnull=False).values_list("zone_id", "calendar_id")
    )
    current, seen = zone_id, set()
    while current is not None and current not in seen:
        seen.add(current)
        if current in own:
            return calendars().filter(pk=own[current]).first()
        current = zones[current].parent_id if current in zones else None
    return None


# --- Reads of the pages (dashboards) ----------------------------------------------------------
# dashboards reaches lighting through these and the functions above, never through its models,
# its API's serializers or `lighting.visibility`.


def programmes_as_api() -> list[dict[str, Any]]:
    """Every programme as the lighting API lists it (GET /api/v1/lighting/programmes/): the
    programmes page's editor starts from the same shape it then saves and reloads."""
    return ProgrammeSerializer(programmes(), many=True).data


def calendars_as_api() -> list[dict[str, Any]]:
    """Every calendar with its rules as the lighting API lists it (the calendars page's
    editor, as `programmes_as_api`)."""
    return CalendarSerializer(calendars(), many=True).data


def light_group_names() -> list[dict[str, Any]]:
    """`{"id", "name"}` of every light group, by name (for a page's pickers)."""
    return list(LightGroup.objects.order_by("name").values("id", "name"))


def calendar_assignments() -> QuerySet[CalendarAssignment]:
    """Every calendar assignment with its zone or group, oldest first."""
    return CalendarAssignment.objects.select_related("zone", "group").order_by("pk")


def overrides_shown(
    overrides: Iterable[Override], *, user, fields: Iterable[str]
) -> list[dict[str, Any]]:
    """`fields` of each override as this user may see them (a welfare alarm's response: no
    reason, no alarm link for whoever may not see welfare alarms; `lighting.visibility`
    decides, as it does for the API and the live messages)."""
    may_see = may_see_of(user)
    names = tuple(fields)
    return [
        override_shown(
            {name: getattr(o, name) for name in names},
            details_permission=o.details_permission,
            may_see=may_see,
        )
        for o in overrides
    ]


def calendar_years(*, year: int) -> dict[int, list[int | None]]:
    """For each calendar, the programme each lighting night of `year` gets (its id, None for
    none: off), night by night from 1 January: the calendar's year view."""
    schedule = schedule_load()
    first = date(year, 1, 1)
    nights = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    return {
        pk: [calendar_pick(spec, night)[0] for night in nights]
        for pk, spec in schedule.calendars.items()
    }
