"""TALQ devices as assets: `POST /devices` registers, `PUT` replaces, `PATCH` merges.

Each TALQ device becomes (or updates) the asset `talq-<address>` (mapping.device_id_for): a
streetlight for lamp actuator/monitor devices, a controller for cabinets and meters, a sensor
otherwise, with the gateway as its controller. The device as TALQ has it (address, name, class,
functions) is kept in the asset's `attributes["talq"]`, so the gateway reads back exactly what it
wrote. A batch is all or nothing: one device refused refuses the request.
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from devices.choices import AssetKind, ControlProtocol
from devices.models import Asset
from devices.protocols.talq.mapping import device_id_for, kind_for, location_of, sensor_measure
from devices.services.registry import asset_create, asset_update
from devices.services.talq.gateways import TalqRefused, gateway_seen

Mode = Literal["create", "replace", "patch"]


def _reference(address: str) -> dict[str, Any]:
    return {"address": {"resource": "devices", "address": address}, "tag": address}


def _merged(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A PATCH: the name and class replaced when given; functions merged by id, attribute by
    attribute (a function not named stays as it was)."""
    device = {**stored, **{k: v for k, v in patch.items() if k != "functions"}}
    functions = {f["id"]: dict(f) for f in stored.get("functions", [])}
    for function in patch.get("functions", []):
        functions[function["id"]] = {**functions.get(function["id"], {}), **function}
    device["functions"] = list(functions.values())
    return device


def _value(functions: list[dict[str, Any]], attribute: str) -> str:
    for function in functions:
        if function.get("type") == "BasicFunction":
            value = (function.get(attribute) or {}).get("value")
            if isinstance(value, str):
                return value
    return ""


def _asset_fields(device: dict[str, Any], gateway: Asset) -> dict[str, Any]:
    functions = device.get("functions", [])
    latitude, longitude = location_of(functions) or (gateway.latitude, gateway.longitude)
    return {
        "name": device["name"][:200],
        "latitude": latitude,
        "longitude": longitude,
        "serial": _value(functions, "serial")[:100],
        "firmware_version": _value(functions, "swVersion")[:50],
    }


def _details(kind: str, device: dict[str, Any], gateway: Asset) -> dict[str, Any]:
    if kind == AssetKind.STREETLIGHT:
        return {"controller": gateway, "protocol": ControlProtocol.TALQ}
    if kind == AssetKind.CONTROLLER:
        return {"protocol": ControlProtocol.TALQ}
    return {"measures": sensor_measure(device.get("functions", [])), "unit": ""}


def _talq(device: dict[str, Any], gateway: Asset) -> dict[str, Any]:
    return {
        "address": device["address"],
        "name": device["name"],
        "class": device["class"],
        "functions": device.get("functions", []),
        "gateway": gateway.device_id,
    }


def _refuse_unknown(addresses: list[str], status: int, key: str, why: str) -> None:
    if addresses:
        shown = ", ".join(addresses[:5]) + (" …" if len(addresses) > 5 else "")
        raise TalqRefused(
            status,
            key,
            f"{len(addresses)} device(s) {why}: {shown}",
            [_reference(a) for a in addresses[:50]],
        )


@transaction.atomic
def talq_devices_write(
    *, gateway: Asset, devices: list[dict[str, Any]], mode: Mode, now=None
) -> list[dict[str, Any]]:
    """Registers, replaces or patches the gateway's devices; returns them as TALQ has them."""
    now = now or timezone.now()
    actor = f"device:{gateway.device_id}"
    for device in devices:
        device["address"] = device["address"].lower()
    ids = {device_id_for(d["address"]): d for d in devices}
    if len(ids) < len(devices):
        raise TalqRefused(400, "payloadError", "A device address appears twice in the request.")
    existing = {a.device_id: a for a in Asset.objects.filter(device_id__in=list(ids))}
    foreign = [
        d["address"]
        for i, d in ids.items()
        if i in existing
        and (existing[i].attributes.get("talq") or {}).get("gateway") != gateway.device_id
    ]
    _refuse_unknown(
        foreign,
        409 if mode == "create" else 422,
        "resourceConflict",
        "belong to another gateway or are not TALQ devices",
    )
    if mode == "create":
        _refuse_unknown(
            [d["address"] for i, d in ids.items() if i in existing],
            409,
            "resourceConflict",
            "exist already (PUT or PATCH changes them)",
        )
    else:
        _refuse_unknown(
            [d["address"] for i, d in ids.items() if i not in existing],
            404,
            "resourceNotFound",
            "are not known (POST registers them)",
        )
    written = []
    for device_id, device in ids.items():
        asset = existing.get(device_id)
        if mode == "patch":
            device = _merged(asset.attributes["talq"], device)
        kind = kind_for(device.get("functions", []))
        try:
            if asset is None:
                fields = _asset_fields(device, gateway)
                asset_create(
                    actor=actor,
                    device_id=device_id,
                    kind=kind,
                    attributes={"talq": _talq(device, gateway)},
                    details=_details(kind, device, gateway),
                    **fields,
                )
            else:
                if kind != asset.kind:
                    raise TalqRefused(
                        422,
                        "resourceConflict",
                        f"Device {device['address']} is a {asset.kind} here; its functions "
                        f"now make it a {kind}, and an asset's kind cannot change.",
                        [_reference(device["address"])],
                    )
                data = _asset_fields(device, gateway)
                if location_of(device.get("functions", [])) is None:
                    del data["latitude"], data["longitude"]  # placed by hand: left as it is
                data["attributes"] = {**asset.attributes, "talq": _talq(device, gateway)}
                asset_update(asset=asset, actor=actor, data=data)
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise TalqRefused(
                422,
                "payloadError",
                f"Device {device['address']}: {problems}",
                [_reference(device["address"])],
            ) from error
        written.append(_talq(device, gateway))
    gateway_seen(gateway=gateway, now=now)
    return [{k: d[k] for k in ("address", "name", "class", "functions")} for d in written]
