"""Admin views of lighting control: read-mostly; overrides are changed through the services
(the API and the pages), so that every change reconciles the lights and is audited. What the
admin may change is audited too (cityplatform.audit_admin)."""

from django.contrib import admin

from cityplatform.audit_admin import AuditedAdmin, ReadOnlyAdmin
from lighting.models import (
    Calendar,
    CalendarAssignment,
    CalendarRule,
    LightGroup,
    Override,
    Programme,
)


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "updated_at"]
    search_fields = ["name"]


class CalendarRuleInline(admin.TabularInline):
    model = CalendarRule
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(AuditedAdmin):
    list_display = ["name", "default_programme", "updated_at"]
    inlines = [CalendarRuleInline]


@admin.register(LightGroup)
class LightGroupAdmin(AuditedAdmin):
    list_display = ["name", "updated_at"]
    raw_id_fields = ["lights"]


@admin.register(CalendarAssignment)
class CalendarAssignmentAdmin(AuditedAdmin):
    list_display = ["calendar", "zone", "group", "created_at"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "scope_kind",
        "operation",
        "level",
        "priority",
        "starts_at",
        "expires_at",
        "ended_at",
        "end_state",
        "author",
        "alarm_id",
    ]
    list_filter = ["scope_kind", "operation", "priority", "end_state"]
    search_fields = ["reason", "author"]
