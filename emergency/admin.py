from django.contrib import admin

from emergency.models import CapAlert, CapFeed, PlanRun, RefusedAlert, ZoneGeocode


@admin.register(CapFeed)
class CapFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "interval_s", "trusted", "enabled", "last_polled_at", "last_ok"]


@admin.register(ZoneGeocode)
class ZoneGeocodeAdmin(admin.ModelAdmin):
    list_display = ["value_name", "value", "zone"]


@admin.register(CapAlert)
class CapAlertAdmin(admin.ModelAdmin):
    list_display = ["identifier", "sender", "msg_type", "state", "received_at"]
    readonly_fields = [f.name for f in CapAlert._meta.fields]


@admin.register(RefusedAlert)
class RefusedAlertAdmin(admin.ModelAdmin):
    list_display = ["origin_name", "reason", "received_at"]
    readonly_fields = [f.name for f in RefusedAlert._meta.fields]


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    """Read only: runs are started, stopped and dismissed through the API and the page, where
    the overrides are made and cancelled."""

    list_display = ["plan", "state", "trigger", "proposed_at", "started_at", "stopped_at"]
    list_filter = ["state", "trigger"]
    readonly_fields = [f.name for f in PlanRun._meta.fields] + ["overrides"]

    def has_add_permission(self, request) -> bool:
        return False
