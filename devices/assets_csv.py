"""The assets CSV format, shared by the import and the export (documented in docs/assets-csv.md).

One row per asset; the kind-specific columns are empty for other kinds.
"""

import json
from typing import Any

from devices.models import Asset

COMMON_COLUMNS = [
    "device_id",
    "kind",
    "name",
    "latitude",
    "longitude",
    "zone",
    "status",
    "manufacturer",
    "model",
    "serial",
    "firmware_version",
    "installed_on",
    "warranty_until",
    "attributes",
]
# Column → (kinds it applies to, details field).
DETAIL_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "lamp_technology": (("streetlight",), "lamp_technology"),
    "rated_power_w": (("streetlight",), "rated_power_w"),
    "colour_temperature_k": (("streetlight",), "colour_temperature_k"),
    "column_height_m": (("streetlight",), "column_height_m"),
    "controller": (("streetlight",), "controller"),
    "protocol": (("streetlight", "controller"), "protocol"),
    "ptz": (("camera",), "ptz"),
    "analytics_allowlist": (("camera",), "analytics_allowlist"),
    "frigate_camera": (("camera",), "frigate_camera"),
    "purpose": (("camera",), "purpose"),
    "review_due": (("camera",), "review_due"),
    "measures": (("sensor",), "measures"),
    "unit": (("sensor",), "unit"),
    "endpoint_url": (("controller",), "endpoint_url"),
    "mqtt_prefix": (("controller",), "mqtt_prefix"),
}
COLUMNS = COMMON_COLUMNS + list(DETAIL_COLUMNS)
REQUIRED_COLUMNS = ("device_id", "kind", "latitude", "longitude")
DETAIL_RELATED = {
    "streetlight": "streetlight",
    "camera": "camera",
    "sensor": "sensor",
    "controller": "controller",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def asset_row(asset: Asset) -> list[str]:
    """The CSV row of an asset (with its zone and details selected)."""
    row = {
        "device_id": asset.device_id,
        "kind": asset.kind,
        "name": asset.name,
        "latitude": repr(asset.latitude),
        "longitude": repr(asset.longitude),
        "zone": asset.zone.name if asset.zone_id else "",
        "status": asset.status,
        "manufacturer": asset.manufacturer,
        "model": asset.model,
        "serial": asset.serial,
        "firmware_version": asset.firmware_version,
        "installed_on": _text(asset.installed_on),
        "warranty_until": _text(asset.warranty_until),
        "attributes": json.dumps(asset.attributes, ensure_ascii=False) if asset.attributes else "",
    }
    related = DETAIL_RELATED.get(asset.kind)
    details = getattr(asset, related, None) if related else None
    for column, (kinds, field) in DETAIL_COLUMNS.items():
        if details is None or asset.kind not in kinds:
            row[column] = ""
        elif column == "controller":
            row[column] = details.controller.device_id if details.controller_id else ""
        elif column == "analytics_allowlist":
            row[column] = ";".join(details.analytics_allowlist or [])
        else:
            row[column] = _text(getattr(details, field))
    return [row[c] for c in COLUMNS]
