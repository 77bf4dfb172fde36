"""Reads of cameras that the cctv app needs: details, zone, linked lights, open faults, cameras
per zone and their offline spells."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from devices.choices import AssetKind, FaultType, LifecycleStatus
from devices.models import Asset, CameraLight, Command, Fault, Zone
from devices.selectors.lights import CONTROLLED_STATUSES


@dataclass(frozen=True)
class CameraInfo:
    """What the alarm path needs to know about a device that sent an event."""

    pk: int
    device_id: str
    kind: str
    name: str
    latitude: float
    longitude: float
    zone_id: int | None
    zone_kind: str | None
    time_zone: str | None
    is_camera: bool
    analytics_allowlist: tuple[str, ...]
    purpose: str
    review_due: object  # date | None
    frigate_camera: str


def cameras_info(*, asset_ids: Iterable[int]) -> dict[int, CameraInfo]:
    """Asset pk → CameraInfo for every asset given (cameras, and sensors with no camera part)."""
    rows = (
        Asset.objects.filter(pk__in=set(asset_ids))
        .select_related("zone", "camera")
        .only(
            "pk",
            "device_id",
            "kind",
            "name",
            "latitude",
            "longitude",
            "zone__id",
            "zone__kind",
            "zone__time_zone",
            "camera__analytics_allowlist",
            "camera__purpose",
            "camera__review_due",
            "camera__frigate_camera",
        )
    )
    result = {}
    for asset in rows:
        details = getattr(asset, "camera", None) if asset.kind == AssetKind.CAMERA else None
        result[asset.pk] = CameraInfo(
            pk=asset.pk,
            device_id=asset.device_id,
            kind=asset.kind,
            name=asset.name,
            latitude=asset.latitude,
            longitude=asset.longitude,
            zone_id=asset.zone_id,
            zone_kind=asset.zone.kind if asset.zone else None,
            time_zone=asset.zone.time_zone if asset.zone else None,
            is_camera=asset.kind == AssetKind.CAMERA,
            analytics_allowlist=tuple(details.analytics_allowlist or ()) if details else (),
            purpose=details.purpose if details else "",
            review_due=details.review_due if details else None,
            frigate_camera=details.frigate_camera if details else "",
        )
    return result


def asset_ids_by_device_id(*, device_ids: Iterable[str]) -> dict[str, int]:
    return dict(Asset.objects.filter(device_id__in=set(device_ids)).values_list("device_id", "pk"))


def camera_ids_by_device_id(*, device_ids: Iterable[str]) -> dict[str, int]:
    """device id → pk of the cameras among these device ids (other kinds left out)."""
    rows = Asset.objects.filter(kind=AssetKind.CAMERA, device_id__in=set(device_ids))
    return dict(rows.values_list("device_id", "pk"))


def camera_by_frigate_name(*, name: str) -> Asset | None:
    return Asset.objects.filter(kind=AssetKind.CAMERA, camera__frigate_camera=name).first()


def camera_linked_light_ids(*, camera_id: int, controlled: bool = False) -> list[int]:
    """The lights linked to a camera (within its proximity radius or by hand), nearest first;
    with `controlled`, only those that can be commanded (one query either way)."""
    links = CameraLight.objects.filter(camera_id=camera_id).order_by("distance_m", "light_id")
    if not controlled:
        return list(links.values_list("light_id", flat=True))
    # Filtered here, not in SQL: with the light's kind and status in the WHERE clause the
    # planner walks every streetlight and probes the links index for each (12,000 probes).
    return [
        light_id
        for light_id, kind, status in links.values_list("light_id", "light__kind", "light__status")
        if kind == AssetKind.STREETLIGHT and status in CONTROLLED_STATUSES
    ]


def zone_of(*, zone_id: int) -> Zone | None:
    return Zone.objects.filter(pk=zone_id).first()


def camera_open_faults(*, types: Iterable[str], camera_ids: Iterable[int] | None = None):
    """(asset pk, fault type, raised_at) of the open faults of those types on cameras."""
    faults = Fault.objects.filter(
        type__in=list(types), cleared_at__isnull=True, asset__kind=AssetKind.CAMERA
    )
    if camera_ids is not None:
        faults = faults.filter(asset_id__in=list(camera_ids))
    return list(faults.values_list("asset_id", "type", "raised_at"))


def cameras_by_zone(
    *, zone_ids: Iterable[int] | None = None
) -> dict[int, list[tuple[int, float, float]]]:
    """zone pk → [(camera pk, latitude, longitude)] (cameras not decommissioned)."""
    qs = Asset.objects.filter(kind=AssetKind.CAMERA, zone__isnull=False).exclude(
        status=LifecycleStatus.DECOMMISSIONED
    )
    if zone_ids is not None:
        qs = qs.filter(zone_id__in=list(zone_ids))
    found: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for pk, zone_id, lat, lon in qs.values_list("pk", "zone_id", "latitude", "longitude"):
        found[zone_id].append((pk, lat, lon))
    return dict(found)


def camera_offline_spells(
    *, camera_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """camera pk → [(from, to)] of its offline faults overlapping [start, end), clipped."""
    rows = (
        Fault.objects.filter(asset_id__in=list(camera_ids), type=FaultType.OFFLINE)
        .filter(raised_at__lt=end)
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gt=start))
        .values_list("asset_id", "raised_at", "cleared_at")
    )
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for pk, raised, cleared in rows:
        found[pk].append((max(raised, start), min(cleared or end, end)))
    return dict(found)


def asset_get(*, pk: int) -> Asset | None:
    return Asset.objects.filter(pk=pk).first()


def cameras_needing_review(*, today) -> list[dict]:
    """Cameras without a recorded purpose or whose purpose review is overdue."""
    rows = (
        Asset.objects.filter(kind=AssetKind.CAMERA)
        .filter(
            Q(camera__isnull=True)
            | Q(camera__purpose="")
            | Q(camera__review_due__isnull=True)
            | Q(camera__review_due__lt=today)
        )
        .values("pk", "device_id", "name", "camera__purpose", "camera__review_due")
    )
    return [
        {
            "id": row["pk"],
            "device_id": row["device_id"],
            "name": row["name"],
            "no_purpose": not (row["camera__purpose"] or "").strip(),
            "review_due": row["camera__review_due"],
            "review_overdue": row["camera__review_due"] is None
            or row["camera__review_due"] < today,
        }
        for row in rows
    ]


def commands_of_override(*, override_id: int) -> list[dict]:
    """The outcomes of the light commands issued for an override (an alarm's response)."""
    return [
        {
            "id": str(row["id"]),
            "device_id": row["asset__device_id"],
            "level": row["level"],
            "state": row["state"],
            "created_at": row["created_at"],
            "completed_at": row["completed_at"],
            "error": row["error"],
        }
        for row in Command.objects.filter(context__override_id=override_id)
        .order_by("created_at")
        .values("id", "asset__device_id", "level", "state", "created_at", "completed_at", "error")[
            :500
        ]
    ]
