"""Admin pages of the cctv app: read-mostly views for administrators."""

from django.contrib import admin

from cctv.models import Alarm, AlarmRule, Event, EventSource, EvidenceExport, LegalHold, PurgeRun


@admin.register(EventSource)
class EventSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "created_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["ts", "device", "type", "confidence", "status", "source"]
    list_filter = ["status", "type"]
    raw_id_fields = ["device", "zone"]


@admin.register(AlarmRule)
class AlarmRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "enabled", "category", "priority", "window"]


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "category", "priority", "state", "raised_at"]
    list_filter = ["state", "category"]
    raw_id_fields = ["camera", "zone", "rule", "assignee"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "review_due", "released_at"]


admin.site.register(EvidenceExport)
admin.site.register(PurgeRun)
