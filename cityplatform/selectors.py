"""Platform-wide reads."""

from datetime import datetime

from django.db.models import Count, QuerySet

from cityplatform.models import AuditEntry


def audit_entries(*, target_type: str = "", target_id: str = "") -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor")
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    return entries


def audit_counts(*, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """How many audit entries in [since, until): by action, and by the role of who acted (a
    process or a person outside the platform is "system"; a user in two roles counts in both;
    a superuser outside every role is an administrator)."""
    entries = AuditEntry.objects.filter(at__gte=since, at__lt=until)
    by_action = dict(
        entries.values("action")
        .annotate(n=Count("id"))
        .order_by("action")
        .values_list("action", "n")
    )
    by_role: dict[str, int] = {}
    rows = entries.values_list("actor__groups__name", "actor_id", "actor__is_superuser").annotate(
        n=Count("id")
    )
    for group, actor_id, superuser, n in rows:
        if group:
            role = group
        elif actor_id is None:
            role = "system"
        else:
            role = "Administrators" if superuser else "no role"
        by_role[role] = by_role.get(role, 0) + n
    return {"by_action": by_action, "by_role": dict(sorted(by_role.items()))}
