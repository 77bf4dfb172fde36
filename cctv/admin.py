"""Admin pages of the cctv app, for administrators.

Sources and alarm rules can be changed here; every add, change and delete is audited
(cityplatform.audit_admin). Events, alarms, legal holds, evidence exports and purge runs are
records whose life cycle goes through the services (the API and the pages, each step audited):
the admin shows them and changes nothing.
"""

from django.contrib import admin

from cctv.models import Alarm, AlarmRule, Event, EventSource, EvidenceExport, LegalHold, PurgeRun
from cityplatform.audit_admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(EventSource)
class EventSourceAdmin(AuditedAdmin):
    list_display = ["name", "active", "created_at"]
    filter_horizontal = ["cameras"]  # the cameras the source may send events for


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["ts", "device", "type", "confidence", "status", "source"]
    list_filter = ["status", "type"]
    raw_id_fields = ["device", "zone"]


@admin.register(AlarmRule)
class AlarmRuleAdmin(AuditedAdmin):
    list_display = ["name", "enabled", "category", "priority", "window"]


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "category", "priority", "state", "raised_at"]
    list_filter = ["state", "category"]
    raw_id_fields = ["camera", "zone", "rule", "assignee"]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "review_due", "released_at"]


@admin.register(EvidenceExport)
class EvidenceExportAdmin(ReadOnlyAdmin):
    pass


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    pass
