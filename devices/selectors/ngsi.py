"""Narrow reads for the NGSI-LD northbound API: one `.values()` query per entity kind, ordered by
device id (the unique index), no joins beyond the one-to-one details and state rows, no per-row
queries. Cameras and sensors give what they are, where and whether online: never analytics,
purposes, events or people.

`ngsi_asset_base` is the kind's queryset before `.values()`: the NGSI query (ngsi/sql.py) adds its
filters to it in SQL, then takes the rows with `ngsi_asset_columns`."""

from django.db.models import QuerySet

from devices.choices import AssetKind
from devices.models import Asset, Zone

LIGHT_COLUMNS = (
    "device_id",
    "name",
    "latitude",
    "longitude",
    "zone_id",
    "status",
    "state__online",
    "state__level",
    "streetlight__controller__device_id",
    "streetlight__date_last_lamp_change",
)
DEVICE_COLUMNS = (
    "device_id",
    "kind",
    "name",
    "latitude",
    "longitude",
    "manufacturer",
    "model",
    "serial",
    "firmware_version",
    "state__online",
    "state__last_seen_at",
    "sensor__measures",
)


def ngsi_asset_columns(kind: str) -> tuple[str, ...]:
    return {
        AssetKind.STREETLIGHT: LIGHT_COLUMNS,
        AssetKind.CONTROLLER: ("device_id", "name", "latitude", "longitude", "zone_id"),
    }.get(kind, DEVICE_COLUMNS)


def ngsi_asset_base(
    *, kind: str, device_ids: list[str] | None = None, asset_pks: list[int] | None = None
) -> QuerySet:
    """The assets of one kind ("device": cameras and sensors), optionally by device id or pk."""
    kinds = [AssetKind.CAMERA, AssetKind.SENSOR] if kind == "device" else [kind]
    rows = Asset.objects.filter(kind__in=kinds)
    if device_ids is not None:
        rows = rows.filter(device_id__in=device_ids)
    if asset_pks is not None:
        rows = rows.filter(pk__in=asset_pks)
    return rows


def ngsi_assets(*, kind: str, device_ids: list[str] | None = None) -> QuerySet:
    """Rows (dicts) of one asset kind for NGSI entities, ordered by device id; slice to page."""
    rows = ngsi_asset_base(kind=kind, device_ids=device_ids)
    return rows.order_by("device_id").values(*ngsi_asset_columns(kind))


def ngsi_kinds_of(*, asset_pks: list[int]) -> dict[str, list[int]]:
    """Asset pks by kind (the NGSI notifications' first read)."""
    out: dict[str, list[int]] = {}
    for pk, kind in Asset.objects.filter(pk__in=asset_pks).values_list("pk", "kind"):
        out.setdefault(kind, []).append(pk)
    return out


def ngsi_zones(*, zone_ids: list[int] | None = None) -> QuerySet:
    """Zones as rows (dicts) for `StreetlightGroup`, ordered by id."""
    rows = Zone.objects.all()
    if zone_ids is not None:
        rows = rows.filter(pk__in=zone_ids)
    return rows.order_by("pk").values(
        "pk", "name", "boundary", "min_latitude", "max_latitude", "min_longitude", "max_longitude"
    )
