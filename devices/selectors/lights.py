"""Reads of streetlights for lighting control: positions, zones, limits, rated power, reported
state, and the lights in a zone, a radius or a list. Fast paths return plain tuples."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from devices.choices import AssetKind, CommandState, LifecycleStatus
from devices.models import Asset, AssetState, Command, Fault, LevelChange, Telemetry, Zone

EARTH_RADIUS_M = 6_371_000.0
# Lights that take commands; decommissioned and planned ones are left alone.
CONTROLLED_STATUSES = (
    LifecycleStatus.ACTIVE,
    LifecycleStatus.INSTALLED,
    LifecycleStatus.MAINTENANCE,
    LifecycleStatus.FAULTY,
)


@dataclass(frozen=True, slots=True)
class LightRow:
    pk: int
    device_id: str
    latitude: float
    longitude: float
    zone_id: int | None
    lamp_min: float
    lamp_max: float
    rated_power_w: float


@dataclass(frozen=True, slots=True)
class ZoneRow:
    pk: int
    name: str
    parent_id: int | None
    min_level: float
    time_zone: str


def _lights():
    return Asset.objects.filter(kind=AssetKind.STREETLIGHT, status__in=CONTROLLED_STATUSES)


def lights_for_control(
    *,
    pks: Iterable[int] | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> list[LightRow]:
    """Controlled streetlights with what the resolver needs, in one query; `box` (min and max
    latitude, min and max longitude, bounds included) narrows to an area."""
    qs = _lights()
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    if box is not None:
        qs = qs.filter(latitude__range=box[:2], longitude__range=box[2:])
    rows = qs.values_list(
        "pk",
        "device_id",
        "latitude",
        "longitude",
        "zone_id",
        "streetlight__min_level",
        "streetlight__max_level",
        "streetlight__rated_power_w",
    ).order_by()
    return [
        LightRow(
            pk,
            dev,
            lat,
            lon,
            zone,
            float(lmin or 0),
            float(100 if lmax is None else lmax),
            float(60 if power is None else power),
        )
        for pk, dev, lat, lon, zone, lmin, lmax, power in rows
    ]


def light_lamp_types() -> dict[int, tuple[str, float]]:
    """Controlled streetlights' lamp types: pk → (lamp technology, rated power in W)."""
    rows = (
        _lights()
        .values_list("pk", "streetlight__lamp_technology", "streetlight__rated_power_w")
        .order_by()
    )
    return {pk: (tech or "", float(60 if watts is None else watts)) for pk, tech, watts in rows}


def zones_all() -> dict[int, ZoneRow]:
    return {
        pk: ZoneRow(pk, name, parent, float(floor), tz)
        for pk, name, parent, floor, tz in Zone.objects.values_list(
            "pk", "name", "parent_id", "min_level", "time_zone"
        )
    }


def zone_descendants(zone_id: int, zones: dict[int, ZoneRow] | None = None) -> set[int]:
    """A zone and every zone within it."""
    zones = zones or zones_all()
    children: dict[int, list[int]] = {}
    for z in zones.values():
        if z.parent_id is not None:
            children.setdefault(z.parent_id, []).append(z.pk)
    found, todo = set(), [zone_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def light_ids_in_zones(zone_ids: Iterable[int]) -> list[int]:
    return list(_lights().filter(zone_id__in=list(zone_ids)).values_list("pk", flat=True))


def light_ids_existing(pks: Iterable[int]) -> list[int]:
    return list(_lights().filter(pk__in=list(pks)).values_list("pk", flat=True))


def light_ids_all() -> list[int]:
    return list(_lights().values_list("pk", flat=True))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def light_ids_within(*, latitude: float, longitude: float, radius_m: float) -> list[int]:
    """Lights within `radius_m` of a point: a bounding box in the database, then the circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(latitude)), 1e-6)
    rows = (
        _lights()
        .filter(
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        .values_list("pk", "latitude", "longitude")
    )
    return [pk for pk, lat, lon in rows if distance_m(latitude, longitude, lat, lon) <= radius_m]


@dataclass(frozen=True, slots=True)
class LightStateRow:
    pk: int
    online: bool | None
    level: float | None
    desired_level: float | None
    desired_since: datetime | None
    power_w: float | None
    reported_at: datetime | None


def light_states(*, pks: Iterable[int] | None = None) -> dict[int, LightStateRow]:
    """Reported and desired state of lights (pk → row); lights never heard from are absent."""
    if pks is not None:  # the caller's lights: no join (a join misleads the planner here)
        qs = AssetState.objects.filter(pk__in=list(pks))
    else:
        qs = AssetState.objects.filter(asset__kind=AssetKind.STREETLIGHT)
    rows = qs.values_list(
        "pk", "online", "level", "desired_level", "desired_since", "power_w", "reported_at"
    ).order_by()
    return {row[0]: LightStateRow(*row) for row in rows}


def light_get(*, pk: int | None = None, device_id: str | None = None) -> Asset | None:
    """A streetlight by pk or by device id; a device id as people type it (`sl-0042 ` for
    SL-0042) finds the light when exactly one matches it regardless of case."""
    qs = Asset.objects.filter(kind=AssetKind.STREETLIGHT).select_related("zone", "streetlight")
    if pk is not None:
        return qs.filter(pk=pk).first()
    device_id = (device_id or "").strip()
    found = qs.filter(device_id=device_id).first()
    if found is None and device_id:
        similar = list(qs.filter(device_id__iexact=device_id)[:2])
        found = similar[0] if len(similar) == 1 else None
    return found


def lights_by_pk(pks: Iterable[int]) -> dict[int, Asset]:
    return {a.pk: a for a in Asset.objects.filter(pk__in=list(pks))}


def level_changes(
    *, pks: Iterable[int] | None, start: datetime, end: datetime
) -> list[tuple[int, datetime, float]]:
    """Reported level changes in [start, end) plus, per light, the last one before `start`."""
    qs = LevelChange.objects.filter(at__gte=start, at__lt=end)
    lights = _lights()
    if pks is not None:
        pks = list(pks)
        qs = qs.filter(asset_id__in=pks)
        lights = lights.filter(pk__in=pks)
    rows = list(qs.values_list("asset_id", "at", "level").order_by("asset_id", "at"))
    last = LevelChange.objects.filter(asset_id=OuterRef("pk"), at__lt=start).order_by("-at")
    prior = lights.annotate(
        last_at=Subquery(last.values("at")[:1]), last_level=Subquery(last.values("level")[:1])
    ).filter(last_at__isnull=False)
    rows.extend(prior.values_list("pk", "last_at", "last_level"))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def telemetry_samples(
    *, pks: Iterable[int] | None, start: datetime, end: datetime
) -> list[tuple[int, datetime, float | None, float | None]]:
    """(asset pk, ts, power_w, energy_wh) of samples in [start, end], ordered per light."""
    qs = Telemetry.objects.filter(ts__gte=start, ts__lte=end).filter(
        Q(energy_wh__isnull=False) | Q(power_w__isnull=False)
    )
    if pks is not None:
        qs = qs.filter(asset_id__in=list(pks))
    return list(qs.values_list("asset_id", "ts", "power_w", "energy_wh").order_by("asset_id", "ts"))


def light_faults_open(*, types: Iterable[str]) -> dict[tuple[int, str], int]:
    """Open faults of these types on streetlights: (asset pk, type) → fault pk."""
    rows = Fault.objects.filter(
        type__in=list(types), cleared_at__isnull=True, asset__kind=AssetKind.STREETLIGHT
    ).values_list("asset_id", "type", "pk")
    return {(asset_id, type_): pk for asset_id, type_, pk in rows}


def light_commands(*, asset_id: int | None = None, state: str | None = None):
    """Commands to streetlights, newest first (read-only for lighting's API)."""
    qs = Command.objects.filter(asset__kind=AssetKind.STREETLIGHT).select_related("asset")
    if asset_id is not None:
        qs = qs.filter(asset_id=asset_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at")


def commanded_levels(
    *, pks: Iterable[int] | None, start: datetime, end: datetime
) -> list[tuple[int, datetime, float]]:
    """Levels commanded to lights (not superseded) in [start, end) plus the last one before
    `start`, ordered per light: the level timeline of lamps that report nothing."""
    kept = Command.objects.exclude(state=CommandState.CANCELLED)
    lights = _lights()
    if pks is not None:
        pks = list(pks)
        kept = kept.filter(asset_id__in=pks)
        lights = lights.filter(pk__in=pks)
    rows = list(
        kept.filter(created_at__gte=start, created_at__lt=end).values_list(
            "asset_id", "created_at", "level"
        )
    )
    last = kept.filter(asset_id=OuterRef("pk"), created_at__lt=start).order_by("-created_at")
    prior = lights.annotate(
        last_at=Subquery(last.values("created_at")[:1]),
        last_level=Subquery(last.values("level")[:1]),
    ).filter(last_at__isnull=False)
    rows.extend(prior.values_list("pk", "last_at", "last_level"))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows
