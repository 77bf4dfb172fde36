"""Platform-wide reads."""

from django.db.models import QuerySet

from cityplatform.models import AuditEntry


def audit_entries(*, target_type: str = "", target_id: str = "") -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor")
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    return entries
