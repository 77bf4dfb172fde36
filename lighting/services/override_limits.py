"""The limits of a security operator's boost, checked wherever a person creates an override.

Lighting operators (`lighting.add_override`) may create any override. A role holding only
`lighting.create_security_boost` (security operators and supervisors) may create a *boost*:

- a `max` override (it brightens, never dims a street), at priority 4 or lower;
- for at most `SECURITY_BOOST_MAX_MIN` minutes (default 60);
- around a point, within `SECURITY_BOOST_MAX_RADIUS_M` metres (default 300); or
- in a zone open to security boosts: one whose kind, and the kind of every zone within it, is in
  `SECURITY_BOOST_ZONE_KINDS` (default street, venue, high-risk site, park: never a ward or the
  city, which would light a district or everything; docs/lighting.md).

A rule of the role broken (what it may do at all) is a 403; a value over a limit of the role
(duration, radius) is a 400 naming the field and the limit. The same limits decide which
overrides such a role may cancel, so it can end its own boosts and nothing else.

`override_check_allowed` and `override_check_cancel_allowed` are the checks the API makes
before it creates or cancels an override on a person's behalf (priority 1 needs emergency mode).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import status

from cityplatform.api import ApplicationError
from cityplatform.permissions import has_perm
from devices.models import Zone
from devices.selectors import lights as light_selectors
from lighting.choices import Operation, Priority, ScopeKind
from lighting.models import Override
from lighting.services.scopes import OverrideScope

SECURITY_MIN_PRIORITY = 4  # a boost may not outrank this (lower numbers win)
BOOST_SCOPES = (ScopeKind.ZONE, ScopeKind.RADIUS)


@dataclass(frozen=True, slots=True)
class BoostLimits:
    max_duration: timedelta
    max_radius_m: float
    zone_kinds: frozenset[str]

    @property
    def max_minutes(self) -> int:
        return int(self.max_duration.total_seconds() // 60)


def security_boost_limits() -> BoostLimits:
    return BoostLimits(
        max_duration=timedelta(minutes=settings.SECURITY_BOOST_MAX_MIN),
        max_radius_m=float(settings.SECURITY_BOOST_MAX_RADIUS_M),
        zone_kinds=frozenset(settings.SECURITY_BOOST_ZONE_KINDS),
    )


def _zones_closed_to_boosts(zone_id: int, limits: BoostLimits) -> list[str]:
    """Names of the zone, or zones within it, whose kind is not open to security boosts."""
    zone_ids = light_selectors.zone_descendants(zone_id)
    closed = Zone.objects.filter(pk__in=zone_ids).exclude(kind__in=limits.zone_kinds)
    return sorted(f"{name} ({kind})" for name, kind in closed.values_list("name", "kind"))


def security_boost_zone_ids() -> set[int]:
    """The zones open to security boosts: neither they nor any zone within them is of a kind
    outside SECURITY_BOOST_ZONE_KINDS (what the console offers a security operator)."""
    kinds = security_boost_limits().zone_kinds
    rows = list(Zone.objects.values_list("pk", "kind", "parent_id"))
    parent = {pk: parent_id for pk, _kind, parent_id in rows}
    closed: set[int] = set()
    for pk, kind, _parent_id in rows:
        at = pk if kind not in kinds else None
        while at is not None and at not in closed:  # a closed zone closes its ancestors
            closed.add(at)
            at = parent.get(at)
    return {pk for pk, _kind, _parent_id in rows} - closed


def security_boost_check(
    *,
    scope_kind: str,
    zone_id: int | None,
    radius_m: float | None,
    operation: str,
    priority: int,
    starts_at: datetime,
    expires_at: datetime | None,
) -> None:
    """Raises the 403 (a rule of the role) or the 400 (a limit) a boost of this shape breaks."""
    limits = security_boost_limits()
    rules = []
    if operation != Operation.MAX:
        rules.append("only a max boost (it never dims a street)")
    if scope_kind not in BOOST_SCOPES:
        rules.append("only in a zone or around a point")
    if priority < SECURITY_MIN_PRIORITY:
        rules.append(f"priority {SECURITY_MIN_PRIORITY} or lower (a higher number)")
    if scope_kind == ScopeKind.ZONE and zone_id is not None:
        closed = _zones_closed_to_boosts(zone_id, limits)
        if closed:
            kinds = ", ".join(sorted(limits.zone_kinds)) or "none"
            rules.append(
                f"only in zones open to security boosts (kinds: {kinds}), not {', '.join(closed)}"
            )
    if rules:
        raise ApplicationError(
            "Security operators may create " + "; ".join(rules) + ".",
            extra={"rules": rules},
            status_code=status.HTTP_403_FORBIDDEN,
        )
    fields: dict[str, list[str]] = {}
    if expires_at is None or expires_at - starts_at > limits.max_duration:
        fields["expires_at"] = [f"at most {limits.max_minutes} minutes after the start"]
    if scope_kind == ScopeKind.RADIUS and (radius_m is None or radius_m > limits.max_radius_m):
        fields["radius_m"] = [f"at most {limits.max_radius_m:g} m"]
    if fields:
        said = {
            "expires_at": f"for at most {limits.max_minutes} minutes",
            "radius_m": f"within {limits.max_radius_m:g} m of a point",
        }
        raise ApplicationError(
            "Security operators may boost " + " and ".join(said[f] for f in fields) + ".",
            extra={
                "fields": fields,
                "limits": {
                    "max_minutes": limits.max_minutes,
                    "max_radius_m": limits.max_radius_m,
                },
            },
            status_code=status.HTTP_400_BAD_REQUEST,
        )


def security_boost_is_within_limits(override: Override) -> bool:
    """Whether a role limited to boosts may cancel this override (one it could have made)."""
    try:
        security_boost_check(
            scope_kind=override.scope_kind,
            zone_id=override.zone_id,
            radius_m=override.radius_m,
            operation=override.operation,
            priority=override.priority,
            starts_at=override.starts_at,
            expires_at=override.expires_at,
        )
    except ApplicationError:
        return False
    return True


# --- Who may do what ------------------------------------------------------------------------


def override_check_allowed(
    *,
    user,
    scope: OverrideScope,
    operation: str,
    priority: int,
    starts_at: datetime | None,
    expires_at: datetime | None,
    now: datetime | None = None,
) -> None:
    """Lighting operators may create any override; security operators only a boost within their
    role's limits (above: a 403 naming the rule, a 400 the limit)."""
    if has_perm(user, "lighting.add_override"):
        if priority == Priority.EMERGENCY and not has_perm(user, "lighting.emergency_mode"):
            raise ApplicationError("Priority 1 is for emergency mode.", status_code=403)
        return
    if not has_perm(user, "lighting.create_security_boost"):
        raise ApplicationError("Your role does not allow this.", status_code=403)
    now = now or timezone.now()
    security_boost_check(
        scope_kind=scope.kind,
        zone_id=scope.zone_id,
        radius_m=scope.radius_m,
        operation=operation,
        priority=priority,
        starts_at=starts_at or now,
        expires_at=expires_at,
    )


def override_check_cancel_allowed(*, user, override: Override) -> None:
    """Lighting operators may cancel any override; security operators the boosts their role
    could have created."""
    if has_perm(user, "lighting.cancel_override"):
        return
    if has_perm(user, "lighting.create_security_boost") and security_boost_is_within_limits(
        override
    ):
        return
    raise ApplicationError("Your role does not allow cancelling this override.", status_code=403)
