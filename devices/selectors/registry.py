"""Reads of the asset registry: assets and zones for lists, maps and exports; faults;
maintenance; the lights near a camera."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from cityplatform.api import ApplicationError
from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, Fault, MaintenanceRecord, Zone

# The one-to-one rows every asset row is shown with: one query whatever the page size.
ASSET_RELATED = (
    "zone",
    "state",
    "streetlight",
    "streetlight__controller",
    "camera",
    "sensor",
    "controller",
)


def assets_list() -> QuerySet[Asset]:
    return Asset.objects.select_related(*ASSET_RELATED)


def asset_get(*, device_id: str) -> Asset:
    return assets_list().get(device_id=device_id)


def zones_list() -> QuerySet[Zone]:
    return Zone.objects.select_related("parent")


def faults_list() -> QuerySet[Fault]:
    return Fault.objects.select_related("asset")


def maintenance_list() -> QuerySet[MaintenanceRecord]:
    return MaintenanceRecord.objects.select_related("asset", "opened_by", "fault")


def camera_lights(*, camera_id: int, include_decommissioned: bool = False) -> QuerySet[Asset]:
    """The lights linked to a camera (within the radius, or by hand), nearest first: one query."""
    lights = Asset.objects.filter(kind=AssetKind.STREETLIGHT, nearby_cameras__camera_id=camera_id)
    if not include_decommissioned:
        lights = lights.exclude(status=LifecycleStatus.DECOMMISSIONED)
    return lights.order_by("nearby_cameras__distance_m")


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """`min_lon,min_lat,max_lon,max_lat` (the GeoJSON/OGC order) → numbers, or a 400."""
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise ApplicationError(
            "bbox is min_lon,min_lat,max_lon,max_lat (four numbers).",
            extra={"fields": {"bbox": ["Four comma-separated numbers."]}},
        )
    min_lon, min_lat, max_lon, max_lat = parts
    if not (
        -180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90
    ):  # pragma: no branch
        raise ApplicationError(
            "bbox must lie within WGS84 with min ≤ max.",
            extra={"fields": {"bbox": ["Out of range or min above max."]}},
        )
    return min_lon, min_lat, max_lon, max_lat


def bbox_q(bbox: tuple[float, float, float, float]) -> Q:
    min_lon, min_lat, max_lon, max_lat = bbox
    return Q(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))


def zones_in_bbox_q(bbox: tuple[float, float, float, float]) -> Q:
    min_lon, min_lat, max_lon, max_lat = bbox
    return Q(
        min_latitude__lte=max_lat,
        max_latitude__gte=min_lat,
        min_longitude__lte=max_lon,
        max_longitude__gte=min_lon,
    )


GEOJSON_ASSET_FIELDS = (
    "device_id",
    "kind",
    "name",
    "status",
    "zone_id",
    "latitude",
    "longitude",
    "state__online",
    "state__level",
    "state__desired_level",
)


def assets_geojson(*, assets: QuerySet[Asset], limit: int) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of `assets` (at most `limit`; `truncated` says if cut)."""
    rows = list(assets.order_by().values_list(*GEOJSON_ASSET_FIELDS)[: limit + 1])
    truncated = len(rows) > limit
    features = [
        {
            "type": "Feature",
            "id": device_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "device_id": device_id,
                "kind": kind,
                "name": name,
                "status": status,
                "zone": zone_id,
                "online": online,
                "level": level,
                "desired_level": desired,
            },
        }
        for device_id, kind, name, status, zone_id, lat, lon, online, level, desired in rows[:limit]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def zones_geojson(*, zones: QuerySet[Zone]) -> dict[str, Any]:
    rows = zones.exclude(boundary=None).values_list(
        "pk", "name", "kind", "parent_id", "lighting_class", "min_level", "boundary"
    )
    features = []
    for pk, name, kind, parent_id, lighting_class, min_level, boundary in rows:
        geometry = boundary.get("geometry") if boundary.get("type") == "Feature" else boundary
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": geometry,
                "properties": {
                    "id": pk,
                    "name": name,
                    "kind": kind,
                    "parent": parent_id,
                    "lighting_class": lighting_class,
                    "min_level": min_level,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def assets_export_rows(*, assets: QuerySet[Asset]) -> Iterator[Asset]:
    """Assets with everything the CSV shows, streamed in chunks (constant memory)."""
    return assets.select_related(*ASSET_RELATED).order_by("device_id").iterator(chunk_size=2000)
