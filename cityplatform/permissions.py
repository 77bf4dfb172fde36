"""The one permission layer used by the API, the pages and the WebSocket consumer."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.permissions import SAFE_METHODS, BasePermission

ACCESS_PLATFORM = "cityplatform.access_platform"


def has_perm(user: AbstractBaseUser | AnonymousUser | None, perm: str) -> bool:
    """True when the user is signed in, active, and holds `perm` (superusers hold every one)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(perm))


def has_role(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return has_perm(user, ACCESS_PLATFORM)


def required_permission(view, method: str) -> str | None:
    """What a view asks of a request: `permission_map` keyed by action, then method, then '*'.

    Reads default to "any role"; a write the view does not name is refused to all but superusers.
    """
    mapping: dict[str, str | None] = getattr(view, "permission_map", {})
    for key in (getattr(view, "action", None), method, "*"):
        if key and key in mapping:
            return mapping[key]
    return ACCESS_PLATFORM if method in SAFE_METHODS else "cityplatform.superuser_only"


class RolePermission(BasePermission):
    """DRF permission: the request's user must hold what the view's `permission_map` names."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        perm = required_permission(view, request.method)
        if perm is None:  # explicitly public
            return True
        return has_perm(request.user, perm)
