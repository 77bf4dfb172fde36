"""Reads for the gateway and its API: known devices, rejected messages, telemetry."""

from array import array
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from devices.choices import AssetKind, ControlProtocol, LifecycleStatus
from devices.models import Asset, CameraDetails, ControllerDetails, RejectedMessage, Telemetry

KIND_CODES = {kind.value: code for code, kind in enumerate(AssetKind)}
KIND_NAMES = {code: kind for kind, code in KIND_CODES.items()}


@dataclass(frozen=True, slots=True)
class KnownDevice:
    pk: int
    kind: str
    zone_id: int | None


class KnownDevices:
    """device_id → (pk, kind, zone) for every asset not decommissioned, kept lean.

    One dict of device id → row number and three flat arrays, about 120 bytes per device
    (12 MB for 100,000), instead of an object per device.
    """

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._pks = array("q")
        self._zones = array("q")
        self._kinds = bytearray()
        self.frigate: dict[str, str] = {}  # Frigate camera name → device_id
        self.onvif: dict[str, str] = {}  # "<topic prefix>/<source token>" → device_id

    @classmethod
    def load(cls) -> "KnownDevices":
        known = cls()
        rows = (
            Asset.objects.exclude(status=LifecycleStatus.DECOMMISSIONED)
            .values_list("device_id", "pk", "kind", "zone_id")
            .order_by()
            .iterator(chunk_size=10_000)
        )
        for device_id, pk, kind, zone_id in rows:
            known._rows[device_id] = len(known._pks)
            known._pks.append(pk)
            known._zones.append(zone_id or 0)
            known._kinds.append(KIND_CODES.get(kind, 0))
        known.frigate = dict(
            CameraDetails.objects.exclude(frigate_camera="")
            .values_list("frigate_camera", "asset__device_id")
            .order_by()
        )
        known.onvif = dict(
            CameraDetails.objects.exclude(onvif_source="")
            .values_list("onvif_source", "asset__device_id")
            .order_by()
        )
        return known

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, device_id: str) -> bool:
        return device_id in self._rows

    def get(self, device_id: str) -> KnownDevice | None:
        row = self._rows.get(device_id)
        if row is None:
            return None
        return KnownDevice(self._pks[row], KIND_NAMES[self._kinds[row]], self._zones[row] or None)

    def pk(self, device_id: str) -> int | None:
        row = self._rows.get(device_id)
        return None if row is None else self._pks[row]

    def zone(self, device_id: str) -> int | None:
        row = self._rows.get(device_id)
        return None if row is None else (self._zones[row] or None)


@dataclass(frozen=True)
class OpcUaController:
    device_id: str
    endpoint_url: str
    browse_path_template: str
    luminaires: tuple[str, ...]


def opcua_controllers() -> list[OpcUaController]:
    """Every OPC-UA controller with an endpoint and the luminaires it drives."""
    controllers = (
        ControllerDetails.objects.filter(protocol=ControlProtocol.OPCUA)
        .exclude(endpoint_url="")
        .exclude(asset__status=LifecycleStatus.DECOMMISSIONED)
        .select_related("asset")
        .order_by("asset__device_id")
    )
    found = []
    for details in controllers:
        lights = (
            Asset.objects.filter(streetlight__controller_id=details.asset_id)
            .exclude(status=LifecycleStatus.DECOMMISSIONED)
            .order_by("device_id")
            .values_list("device_id", flat=True)
        )
        found.append(
            OpcUaController(
                details.asset.device_id,
                details.endpoint_url,
                details.browse_path_template,
                tuple(lights),
            )
        )
    return found


def rejected_messages_list(
    *,
    device_id: str | None = None,
    reason_code: str | None = None,
    since: datetime | None = None,
    topic_contains: str | None = None,
) -> QuerySet[RejectedMessage]:
    messages = RejectedMessage.objects.all()
    if device_id:
        messages = messages.filter(device_id=device_id)
    if reason_code:
        messages = messages.filter(reason_code=reason_code)
    if since:
        messages = messages.filter(received_at__gte=since)
    if topic_contains:
        messages = messages.filter(topic__contains=topic_contains)
    return messages


def telemetry_for_asset(
    *, asset: Asset, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Telemetry]:
    samples = Telemetry.objects.filter(asset=asset)
    if since:
        samples = samples.filter(ts__gte=since)
    if until:
        samples = samples.filter(ts__lt=until)
    return samples.order_by("-ts")
