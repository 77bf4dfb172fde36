"""Reads of the asset registry: assets and zones for lists, maps and exports; faults;
maintenance; the lights near a camera."""

import functools
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL

from cityplatform.api import ApplicationError
from devices.asset_fields import DETAILS
from devices.choices import AssetKind, LifecycleStatus
from devices.geo import SiteBounds
from devices.models import Asset, CameraLight, Fault, MaintenanceRecord, Zone

# The one-to-one rows every asset row is shown with: one query whatever the page size.
ASSET_RELATED = (
    "zone",
    "state",
    *(
        path
        for spec in DETAILS.values()
        for path in (spec.related, *(f"{spec.related}__{name}" for name in spec.references))
    ),
)


def assets_list() -> QuerySet[Asset]:
    """Assets with everything a list row shows (zone boundaries left out: they are big)."""
    return Asset.objects.select_related(*ASSET_RELATED).defer("zone__boundary")


# What an asset's API representation shows, by kind: the details relation and the fields with
# a value of their own (a reference to another asset is shown as its device id).
DETAIL_FIELDS = {kind: (spec.related, spec.values) for kind, spec in DETAILS.items()}
STATE_FIELDS = (
    "online",
    "last_seen_at",
    "level",
    "desired_level",
    "power_w",
    "energy_wh",
    "lux",
    "temp_c",
    "device_status",
    "reported_at",
)
# The asset's own columns (its zone as `zone_id`, without the internal `online_copy`) and its
# zone's name.
ASSET_FIELDS = (
    *(f.attname for f in Asset._meta.concrete_fields if f.name != "online_copy"),
    "zone__name",
)
# One asset as a flat row of these paths (`state__pk` and `<details>__pk` are None when the
# row is missing): what `asset_rows` reads and `asset_row` takes from a model instance.
ASSET_ROW_FIELDS = (
    *ASSET_FIELDS,
    "state__pk",
    *(f"state__{name}" for name in STATE_FIELDS),
    *(f"{related}__{name}" for related, names in DETAIL_FIELDS.values() for name in ("pk", *names)),
    *(
        f"{spec.related}__{name}__device_id"
        for spec in DETAILS.values()
        for name in spec.references
    ),
)


def asset_rows(*, ids: list[int]) -> list[dict[str, Any]]:
    """The assets of a list page as flat rows (ASSET_ROW_FIELDS), in the order of `ids`, in
    one query.

    Lists paginate the bare filtered ids first and fetch the joined rows of that page only:
    PostgreSQL plans an eight-table join over a whole filtered set slowly (tens of ms), and an
    id lookup fast. Plain values, not model instances: building five instances per asset
    (asset, zone, state, details, controller) cost more than the query itself.
    """
    found = {row["id"]: row for row in _asset_rows_query().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


@functools.cache
def _asset_rows_query() -> QuerySet[Asset]:
    """Resolving ASSET_ROW_FIELDS' sixty paths into joins took longer than running the query;
    each page filters a clone of this (never evaluated itself)."""
    return Asset.objects.order_by().values(*ASSET_ROW_FIELDS)


def asset_row(asset: Asset) -> dict[str, Any]:
    """The same flat row as `asset_rows`, from an asset read with `assets_list()`."""
    row = {}
    for path in ASSET_ROW_FIELDS:
        value: Any = asset
        for name in path.split("__"):
            value = getattr(value, name, None)  # a missing one-to-one row reads as None
            if value is None:
                break
        row[path] = value
    return row


def asset_get(*, device_id: str) -> Asset:
    return assets_list().get(device_id=device_id)


def zones_list() -> QuerySet[Zone]:
    return Zone.objects.select_related("parent")


def site_bounds() -> SiteBounds | None:
    """The box every asset must lie in: the extent of the zones' boundaries widened by
    SITE_BOUNDS_MARGIN_M; None while no zone has a boundary (anywhere is then accepted)."""
    box = Zone.objects.aggregate(
        min_lat=Min("min_latitude"),
        max_lat=Max("max_latitude"),
        min_lon=Min("min_longitude"),
        max_lon=Max("max_longitude"),
    )
    if box["min_lat"] is None:
        return None
    return SiteBounds.around(**box, margin_m=settings.SITE_BOUNDS_MARGIN_M)


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
    """Assets inside the box, through the GiST index on the asset's point (migration 0003)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    inside = RawSQL(
        'point("devices_asset"."longitude", "devices_asset"."latitude") '
        "<@ box(point(%s, %s), point(%s, %s))",
        (min_lon, min_lat, max_lon, max_lat),
        output_field=BooleanField(),
    )
    return Q(inside)


def online_q(*, online: bool) -> Q:
    """Assets online (True), or offline or never heard from (False), through the asset row's
    copy of its state (`online_copy`, kept in step by triggers, migration 0005): one table and
    an index-only count instead of a join with every asset's state."""
    if online:
        return Q(online_copy=True)
    return Q(online_copy=False) | Q(online_copy__isnull=True)


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
    """The same FeatureCollection as `assets_geojson`, as JSON text, built by the database
    (json_agg): several times faster than Python for thousands of features."""
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
