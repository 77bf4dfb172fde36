"""Admin of the platform itself: the audit log (read-only). Every other admin, the accounts and
roles' included, is audited (cityplatform.audit_admin, applied to all in CityplatformConfig)."""

from django.contrib import admin

from cityplatform.audit_admin import ReadOnlyAdmin
from cityplatform.models import AuditEntry

admin.site.site_header = "Secure City Platform"
admin.site.site_title = "Secure City Platform"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, so the admin neither adds, changes nor deletes."""

    list_display = ["at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "action", "target_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
