"""Admin views of lighting control: read-mostly; overrides are changed through the services
(the API and the pages), so that every change reconciles the lights and is audited."""

from django.contrib import admin

from lighting.models import (
    Calendar,
    CalendarAssignment,
    CalendarRule,
    LightGroup,
    Override,
    Programme,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "updated_at"]
    search_fields = ["name"]


class CalendarRuleInline(admin.TabularInline):
    model = CalendarRule
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "default_programme", "updated_at"]
    inlines = [CalendarRuleInline]


@admin.register(LightGroup)
class LightGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "updated_at"]
    raw_id_fields = ["lights"]


@admin.register(CalendarAssignment)
class CalendarAssignmentAdmin(admin.ModelAdmin):
    list_display = ["calendar", "zone", "group", "created_at"]


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
