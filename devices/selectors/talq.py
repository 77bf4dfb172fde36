"""What the platform holds for a TALQ gateway, in TALQ's shapes (the CMS API's reads).

- devices: the gateway's devices as it registered them (`attributes["talq"]`), decommissioned
  ones left out, in device id order (the pagination's implied order);
- groups: the city's zones that hold the gateway's devices, one TALQ group per zone
  (`zone-<id>`, its members the devices);
- logger configs: what the platform wants reported (lamp faults at once; the lamp, meter and
  photocell values the gateway's own way);
- data packages: none (the platform transfers no vendor packages).
"""

from typing import Any

from django.conf import settings

from devices.choices import LifecycleStatus
from devices.models import Asset
from devices.protocols.talq.mapping import FAULT_EVENTS, device_id_for

DEVICE_KEYS = ("address", "name", "class", "functions")
DEFAULT_LIMIT = 1000


def _devices(gateway: Asset):
    return (
        Asset.objects.filter(attributes__talq__gateway=gateway.device_id)
        .exclude(status=LifecycleStatus.DECOMMISSIONED)
        .order_by("device_id")
    )


def _shown(talq: dict[str, Any]) -> dict[str, Any]:
    return {k: talq[k] for k in DEVICE_KEYS if k in talq}


def talq_device_list(
    *, gateway: Asset, classes: list[str] | None, offset: int | None, limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    """(a page of the gateway's devices, how many there are in all)."""
    devices = _devices(gateway)
    if classes:
        devices = devices.filter(attributes__talq__class__in=classes)
    total = devices.count()
    start = max(offset or 0, 0)
    rows = devices.values_list("attributes__talq", flat=True)
    if offset is not None or limit is not None:
        rows = rows[start : start + max(limit if limit is not None else DEFAULT_LIMIT, 0)]
    return [_shown(t) for t in rows], total


def talq_device_get(*, gateway: Asset, address: str) -> dict[str, Any] | None:
    talq = (
        _devices(gateway)
        .filter(device_id=device_id_for(address))
        .values_list("attributes__talq", flat=True)
        .first()
    )
    return _shown(talq) if talq else None


def talq_groups(*, gateway: Asset) -> list[dict[str, Any]]:
    members: dict[int, list[dict[str, str]]] = {}
    rows = _devices(gateway).exclude(zone=None).values_list("zone_id", "attributes__talq__address")
    for zone_id, address in rows:
        members.setdefault(zone_id, []).append({"resource": "devices", "address": address})
    return [
        {
            "address": f"zone-{zone_id}",
            "ownerCMS": settings.TALQ_CMS_ADDRESS,
            "members": found,
            "purpose": "unknown",
        }
        for zone_id, found in sorted(members.items())
    ]


def logger_configs() -> dict[str, dict[str, Any]]:
    owner = settings.TALQ_CMS_ADDRESS
    every_device = {"blackList": []}  # a black list alone, even empty: every device (TALQ)
    return {
        "cms-faults": {
            "address": "cms-faults",
            "ownerCMS": owner,
            "sourceAddresses": every_device,
            "recordingMode": {
                "type": "EventRecordingMode",
                "sourceEvents": {"whiteList": sorted(FAULT_EVENTS)},
            },
            "reportingMode": {"type": "ImmediateReportingMode", "delay": 0},
        },
        "cms-values": {
            "address": "cms-values",
            "ownerCMS": owner,
            "sourceAddresses": every_device,
            "recordingMode": {
                "type": "VendorRecordingMode",
                "content": [
                    {"function": {"functionType": kind}, "attributeScope": "measurement"}
                    for kind in (
                        "LampActuatorFunction",
                        "LampMonitorFunction",
                        "ElectricalMeterFunction",
                        "PhotocellFunction",
                        "LightSensorFunction",
                    )
                ],
            },
            "reportingMode": {"type": "ImmediateReportingMode", "delay": 60},
        },
    }
