"""The platform as a TALQ 2.7.1 CMS: what a gateway's calls write (docs/talq.md).

`gateways` authenticates a gateway by its key and records its announcement; `inventory`
turns its devices into assets; `reports` turns its log reports into telemetry and faults.
"""

from devices.services.talq.gateways import TalqRefused, talq_announce, talq_gateway_for
from devices.services.talq.inventory import talq_devices_write
from devices.services.talq.reports import LogReportResult, talq_log_report_store

__all__ = [
    "LogReportResult",
    "TalqRefused",
    "talq_announce",
    "talq_devices_write",
    "talq_gateway_for",
    "talq_log_report_store",
]
