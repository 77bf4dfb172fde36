from django.contrib import admin

from emergency.models import CapAlert, CapFeed, RefusedAlert, ZoneGeocode


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
