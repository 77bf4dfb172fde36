"""What a viewer may see of why an override was made: the one place that decides it.

An alarm's lighting response for a welfare alarm (an early warning at a high-risk site) is an
override like any other, and every role sees the lights it raised; but its reason ("Alarm #9:
Early warning at …"), its alarm link and how it ended are welfare data. Such an override
carries the permission needed to see them (`Override.details_permission`); whoever lacks it sees
the neutral view below, on every channel: the REST API, the live messages, the pages, the
explain view of a light. Callers render through `override_shown` and never pick fields
themselves.
"""

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet

from cityplatform.permissions import has_perm

NEUTRAL_REASON = "Automatic lighting response"
NEUTRAL_END_REASON = "ended"

MaySee = Callable[[str], bool]


def see_nothing_restricted(permission: str) -> bool:
    """The viewer of last resort (no user known): no restricted detail."""
    return False


def may_see_of(user) -> MaySee:
    """The permission check of one user (signed in, active, holding it; superusers hold all)."""
    return partial(has_perm, user)


def override_details_visible(details_permission: str, may_see: MaySee) -> bool:
    return not details_permission or may_see(details_permission)


def override_shown(
    fields: Mapping[str, Any], *, details_permission: str, may_see: MaySee
) -> dict[str, Any]:
    """`fields` of an override (any subset of its fields, as a serializer, a live message or a
    page holds them) as this viewer may see them: the reason neutral, no alarm link, no word on
    who ended it or why when the viewer lacks the override's `details_permission`."""
    shown = dict(fields)
    if override_details_visible(details_permission, may_see):
        return shown
    return {**shown, **override_neutral_fields(shown)}


def override_neutral_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The replacements of the restricted fields present in `fields`."""
    neutral: dict[str, Any] = {}
    if "reason" in fields:
        neutral["reason"] = NEUTRAL_REASON
    if "alarm_id" in fields:
        neutral["alarm_id"] = None
    if fields.get("end_reason"):
        neutral["end_reason"] = NEUTRAL_END_REASON
    if fields.get("ended_by") and fields["ended_by"] != "expiry":
        neutral["ended_by"] = fields.get("author", "")
    return neutral


def overrides_details_visible_to(overrides: QuerySet, user) -> QuerySet:
    """Only the overrides whose details `user` may see (for look-ups by a restricted field, such
    as `?alarm_id=`: an override's link to a welfare alarm must not be found by searching)."""
    if user is not None and user.is_active and user.is_superuser:
        return overrides
    held = user.get_all_permissions() if user is not None and user.is_active else set()
    return overrides.filter(Q(details_permission="") | Q(details_permission__in=held))
