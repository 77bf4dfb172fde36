"""The platform's roles: Django groups with permissions.

Each app declares what its roles may do in its AppConfig (`role_permissions`: role → permission
codenames of that app); `roles_sync` makes the groups match, idempotently. Superusers are the
administrators: they pass every check (and the Administrators group carries every permission
of the platform's apps for staff accounts that are not superusers).
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

PLATFORM_APPS = (
    "cityplatform",
    "devices",
    "notifications",
    "lighting",
    "cctv",
    "emergency",
    "open311",
    "dashboards",
)


class Role(models.TextChoices):
    ADMINISTRATOR = "Administrators", "Administrators"
    LIGHTING_OPERATOR = "Lighting operators", "Lighting operators"
    SECURITY_OPERATOR = "Security operators", "Security operators"
    SECURITY_SUPERVISOR = "Security supervisors", "Security supervisors"
    ASSET_MANAGER = "Asset managers", "Asset managers"
    VIEWER = "Viewers", "Viewers"


def role_grants() -> dict[str, set[tuple[str, str]]]:
    """Role name → the (app_label, codename) pairs it is granted, gathered from every app."""
    grants: dict[str, set[tuple[str, str]]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            grants[Role(role).value].update((config.label, codename) for codename in codenames)
    for role in Role:  # every role may use the platform (read what its pages show)
        grants[role.value].add(("cityplatform", "access_platform"))
    return grants


@transaction.atomic
def roles_sync(*, using: str = "default") -> dict[str, int]:
    """Creates the role groups and sets each one's permissions to exactly what the apps grant."""
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    permissions = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.using(using)
        .select_related("content_type")
        .filter(content_type__app_label__in=PLATFORM_APPS)
    }
    counts = {}
    for role, wanted in role_grants().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        if role == Role.ADMINISTRATOR:
            chosen = list(permissions.values())
        else:
            unknown = wanted - permissions.keys()
            if unknown:
                raise LookupError(f"{role}: unknown permissions {sorted(unknown)}")
            chosen = [permissions[key] for key in wanted]
        group.permissions.set(chosen)
        counts[role] = len(chosen)
    return counts
