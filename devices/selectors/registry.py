"""Reads of the asset registry: assets and zones for lists, maps and exports; faults;
maintenance; the lights near a camera."""

import json
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from cityplatform.api import ApplicationError
from devices.choices import AssetKind, LifecycleStatus
from devices.models import Asset, CameraLight, Fault, MaintenanceRecord, Zone

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
    """Assets with everything a list row shows (zone boundaries left out: they are big)."""
    return Asset.objects.select_related(*ASSET_RELATED).defer("zone__boundary")


def assets_by_ids(*, ids: list[int]) -> list[Asset]:
    """The assets of a page, in the page's order, in one query.

    Lists paginate the bare filtered ids first and fetch the joined rows of that page only:
    PostgreSQL plans an eight-table join over a whole filtered set slowly (tens of ms), and an
    id lookup fast.
    """
    found = {asset.pk: asset for asset in assets_list().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


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


def camera_links(*, camera_id: int) -> QuerySet[CameraLight]:
    """The camera's light links with their lights, nearest first: one query."""
    return (
        CameraLight.objects.filter(camera_id=camera_id)
        .select_related("light")
        .order_by("distance_m", "light__device_id")
    )


def zone_and_descendants(*, zone_id: int) -> list[int]:
    """The zone and every zone inside it (streets of a ward, …): one query."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Zone.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [zone_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return found


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
    """Assets inside the box. On PostgreSQL through the GiST index on the asset's point
    (migration 0003); elsewhere through the (latitude, longitude) B-tree."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if connection.vendor == "postgresql":
        inside = RawSQL(
            'point("devices_asset"."longitude", "devices_asset"."latitude") '
            "<@ box(point(%s, %s), point(%s, %s))",
            (min_lon, min_lat, max_lon, max_lat),
            output_field=BooleanField(),
        )
        return Q(inside)
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
    rows = list(assets.order_by("pk").values_list(*GEOJSON_ASSET_FIELDS)[: limit + 1])
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


_GEOJSON_SQL = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature',
        'id', t.device_id,
        'geometry', json_build_object(
            'type', 'Point', 'coordinates', json_build_array(t.longitude, t.latitude)),
        'properties', json_build_object(
            'device_id', t.device_id, 'kind', t.kind, 'name', t.name, 'status', t.status,
            'zone', t.zone_id, 'online', t.state__online, 'level', t.state__level,
            'desired_level', t.state__desired_level)
    )) FILTER (WHERE t.rn <= %s), '[]'::json),
    'truncated', count(*) > %s
)::text
FROM (SELECT s.*, row_number() OVER () AS rn FROM ({inner}) s) t
"""


def assets_geojson_text(*, assets: QuerySet[Asset], limit: int) -> str:
    """The same FeatureCollection as `assets_geojson`, as JSON text. On PostgreSQL the
    database builds it (json_agg), several times faster than Python for thousands of
    features; elsewhere it is built in Python."""
    if connection.vendor != "postgresql":
        return json.dumps(assets_geojson(assets=assets, limit=limit))
    inner = assets.order_by().values(*GEOJSON_ASSET_FIELDS)[: limit + 1]
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_GEOJSON_SQL.format(inner=sql), [limit, limit, *params])
        return cursor.fetchone()[0]


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
