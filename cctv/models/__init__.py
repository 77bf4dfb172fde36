"""The cctv app's models, one module per sub-domain: `events` (sources, secrets, receipts,
events), `alarms` (rules, alarms, their events and timeline), `retention` (legal holds, purge
runs, evidence exports, disclosures), `analytics` (latency records, zone-hours, reports),
`register` (purposes and the cameras serving them). Import them from `cctv.models`."""

from cctv.models.alarms import Alarm, AlarmEvent, AlarmLog, AlarmRule
from cctv.models.analytics import AlarmLatency, AnalyticsReport, ZoneHour
from cctv.models.events import Event, EventSource, SourceSecret, WebhookReceipt
from cctv.models.register import CameraPurpose, Purpose
from cctv.models.retention import Disclosure, EvidenceExport, LegalHold, PurgeRun

__all__ = [
    "Alarm",
    "AlarmEvent",
    "AlarmLatency",
    "AlarmLog",
    "AlarmRule",
    "AnalyticsReport",
    "CameraPurpose",
    "Disclosure",
    "Event",
    "EventSource",
    "EvidenceExport",
    "LegalHold",
    "PurgeRun",
    "Purpose",
    "SourceSecret",
    "WebhookReceipt",
    "ZoneHour",
]
