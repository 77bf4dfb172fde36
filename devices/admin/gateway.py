"""Admin pages for rejected device messages, commands and telemetry (read-only: the gateway
and lighting control write them)."""

from django.contrib import admin

from cityplatform.audit_admin import AuditedAdmin
from devices.models import Command, RejectedMessage


class ReadOnlyAdmin(AuditedAdmin):
    """Not added or changed here; a deletion (of a rejected message) is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RejectedMessage)
class RejectedMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "topic", "device_id", "reason_code", "count", "reason"]
    list_filter = ["reason_code"]
    search_fields = ["topic", "device_id", "reason"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "received_at",
        "topic",
        "device_id",
        "reason_code",
        "reason",
        "count",
        "payload",
    ]


@admin.register(Command)
class CommandAdmin(ReadOnlyAdmin):
    list_display = ["id", "asset", "level", "state", "attempts", "created_at", "completed_at"]
    list_filter = ["state"]
    search_fields = ["asset__device_id", "reason", "issued_by"]
    list_select_related = ["asset"]
    date_hierarchy = "created_at"
    raw_id_fields = ["asset", "superseded_by"]

    def has_delete_permission(self, request, obj=None):
        return False
