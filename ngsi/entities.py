"""Smart Data Models entities (`Streetlight`, `StreetlightGroup`, `StreetlightControlCabinet`,
`Device`) built from the devices app's narrow NGSI rows, in keyValues form; `normalise()` turns one
into the normalised NGSI-LD form. Only what a device is, where, and whether online: no analytics,
events, alarm or override reasons, nor anything about people."""

from devices.choices import AssetKind, LifecycleStatus

URN = "urn:ngsi-ld:{type}:{key}"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
CONTEXTS = [
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Streetlighting/master/context.jsonld",
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Device/master/context.jsonld",
    CORE_CONTEXT,
]
TYPES = ("Streetlight", "StreetlightGroup", "StreetlightControlCabinet", "Device")
# Entity type → the asset kind its rows come from ("device": cameras and sensors).
TYPE_KINDS = {
    "Streetlight": AssetKind.STREETLIGHT,
    "StreetlightControlCabinet": AssetKind.CONTROLLER,
    "Device": "device",
}
# The sensor's `measures` → the Device model's `controlledProperty` vocabulary.
CONTROLLED_PROPERTY = {
    "lux": "light",
    "footfall": "occupancy",
    "flood_level": "waterLevel",
    "temperature": "temperature",
    "noise": "noiseLevel",
}
FAULTY = {LifecycleStatus.FAULTY, LifecycleStatus.MAINTENANCE}


def urn(entity_type: str, key) -> str:
    return URN.format(type=entity_type, key=key)


def _point(row: dict) -> dict:
    return {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}


def _power_state(online: bool | None, level: float | None) -> str | None:
    if level is None:
        return None
    if online is False or level <= 0:
        return "off"
    return "on" if level >= 100 else "low"


def streetlight(row: dict) -> dict:
    entity = {
        "id": urn("Streetlight", row["device_id"]),
        "type": "Streetlight",
        "name": row["name"] or row["device_id"],
        "location": _point(row),
        "status": "defectiveLamp" if row["status"] in FAULTY else "ok",
    }
    power_state = _power_state(row["state__online"], row["state__level"])
    if power_state is not None:
        entity["powerState"] = power_state
    if row["state__level"] is not None:
        entity["illuminanceLevel"] = round(min(max(row["state__level"], 0), 100) / 100, 4)
    if row["zone_id"] is not None:
        entity["refStreetlightGroup"] = urn("StreetlightGroup", row["zone_id"])
    if row["streetlight__controller__device_id"]:
        entity["refStreetlightControlCabinet"] = urn(
            "StreetlightControlCabinet", row["streetlight__controller__device_id"]
        )
    if row["streetlight__date_last_lamp_change"]:
        entity["dateLastLampChange"] = f"{row['streetlight__date_last_lamp_change']}T00:00:00Z"
    return entity


def streetlight_group(row: dict) -> dict | None:
    """A zone; a zone without a boundary has no location and is not served."""
    if not row["boundary"]:
        return None
    return {
        "id": urn("StreetlightGroup", row["pk"]),
        "type": "StreetlightGroup",
        "name": row["name"],
        "location": row["boundary"],
    }


def control_cabinet(row: dict) -> dict:
    entity = {
        "id": urn("StreetlightControlCabinet", row["device_id"]),
        "type": "StreetlightControlCabinet",
        "name": row["name"] or row["device_id"],
        "location": _point(row),
        "workingMode": "automatic",
    }
    if row["zone_id"] is not None:
        entity["refStreetlightGroup"] = [urn("StreetlightGroup", row["zone_id"])]
    return entity


def device(row: dict) -> dict:
    if row["kind"] == AssetKind.CAMERA:
        controlled = ["image"]
        category = ["sensor"]
    else:
        controlled = [CONTROLLED_PROPERTY.get(row["sensor__measures"] or "", "other")]
        category = ["sensor"]
    entity = {
        "id": urn("Device", row["device_id"]),
        "type": "Device",
        "name": row["name"] or row["device_id"],
        "category": category,
        "controlledProperty": controlled,
        "location": _point(row),
        "deviceState": {True: "online", False: "offline"}.get(row["state__online"], "unknown"),
    }
    for field, attr in (
        ("manufacturer", "manufacturerName"),
        ("model", "modelName"),
        ("serial", "serialNumber"),
        ("firmware_version", "firmwareVersion"),
    ):
        if row[field]:
            entity[attr] = row[field]
    if row["state__last_seen_at"]:
        entity["dateLastValueReported"] = row["state__last_seen_at"].isoformat()
    return entity


BUILDERS = {
    "Streetlight": streetlight,
    "StreetlightControlCabinet": control_cabinet,
    "Device": device,
}


def normalise(entity: dict) -> dict:
    """keyValues → normalised: `ref*` are Relationships, `location` a GeoProperty."""
    out = {}
    for name, value in entity.items():
        if name in ("id", "type", "@context"):
            out[name] = value
        elif name == "location":
            out[name] = {"type": "GeoProperty", "value": value}
        elif name.startswith("ref"):
            out[name] = {"type": "Relationship", "object": value}
        else:
            out[name] = {"type": "Property", "value": value}
    return out
