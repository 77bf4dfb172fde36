"""Reads behind the pages, built on the back-end apps' selectors.

The pages' own shapes (the inventory's filters and sort, the map's compact features, per-zone
summaries, the console's first load) are composed here from the selectors of `devices`
(the aggregates: `summaries`), `lighting` and `cctv`: dashboards imports none of their models,
`api` or `live` modules. The assets, faults and maintenance records handed to the templates are
the instances those selectors return.
"""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from cctv.selectors import alarms_open_shown
from devices.choices import AssetKind, LifecycleStatus
from devices.selectors import basemap, registry, summaries
from devices.selectors import lights as light_selectors
from devices.selectors.lights import light_commands
from lighting.choices import OverrideState
from lighting.selectors import overrides, overrides_shown

# --- Overview ---------------------------------------------------------------------------------


def overview_counts() -> dict[str, Any]:
    """Assets per kind with how many are online, offline or never heard from; open faults."""
    by_kind = summaries.asset_counts_by_kind()
    kinds = [
        {
            "kind": kind.value,
            "label": kind.label,
            "total": by_kind.get(kind.value, {}).get("total", 0),
            "online": by_kind.get(kind.value, {}).get("online", 0),
            "offline": by_kind.get(kind.value, {}).get("offline", 0),
        }
        for kind in AssetKind
    ]
    return {
        "kinds": kinds,
        "open_faults": summaries.faults_open_count(),
        "zones": summaries.zones_count(),
    }


# --- Map --------------------------------------------------------------------------------------


def map_features(*, zone_ids: list[int] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Zones with boundaries, lights with reported and desired levels, cameras: for the map."""
    zones = registry.zones_list()
    assets = registry.assets_list().filter(kind__in=[AssetKind.STREETLIGHT, AssetKind.CAMERA])
    assets = assets.exclude(status=LifecycleStatus.DECOMMISSIONED)
    if zone_ids is not None:
        zones = zones.filter(pk__in=zone_ids)
        assets = assets.filter(zone_id__in=zone_ids)
    lights, cameras = [], []
    collection = registry.assets_geojson(assets=assets, limit=MAP_LIMIT)
    points = collection["features"]
    # The lights' registry keys, for an override drawn on the map (its scope names lights by key).
    keys = dict(assets.filter(kind=AssetKind.STREETLIGHT).values_list("device_id", "pk"))
    for feature in points:
        p = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        item = {
            "id": p["device_id"],
            "name": p["name"],
            "lat": lat,
            "lon": lon,
            "zone": p["zone"],
            "online": p["online"],
        }
        if p["kind"] == AssetKind.STREETLIGHT:
            item["key"] = keys.get(p["device_id"])
            item["level"] = p["level"]
            item["desired"] = p["desired_level"]
            lights.append(item)
        else:
            cameras.append(item)
    return {
        "zones": [
            {
                "id": f["id"],
                "name": f["properties"]["name"],
                "kind": f["properties"]["kind"],
                "boundary": f["geometry"],
                "min_level": f["properties"]["min_level"],
            }
            for f in registry.zones_geojson(zones=zones)["features"]
        ],
        "lights": lights,
        "cameras": cameras,
        "truncated": collection["truncated"],
    }


def map_streets() -> dict[str, Any]:
    """The offline base layer: the seeded city's streets and bridges, named (GeoJSON)."""
    return basemap.street_layer()


# The whole of a Kent-sized city (120,000 lights) in one map: the pages draw the devices on a
# canvas in bulk (map_lights.js); beyond this the map data is cut, says so (`truncated`) and
# the map tells its user.
MAP_LIMIT = 150_000


def zone_ids() -> list[int]:
    return [pk for pk, _name in summaries.zones_by_name()]


def zone_choices() -> list[tuple[int, str]]:
    return summaries.zones_by_name()


def zone_labels() -> dict[int, str]:
    """Each zone's name for people, a shared name with its parent's (devices' selector)."""
    return summaries.zone_labels()


def zone_tree_choices() -> list[tuple[int, str]]:
    """(pk, label) of every zone in tree order, parents first, each within its parent by name
    and indented by its depth (so that two "Cheapside" are told apart by where they sit)."""
    zones = light_selectors.zones_all()
    labels = summaries.zone_labels()
    children: dict[int | None, list] = {}
    for zone in zones.values():
        parent = zone.parent_id if zone.parent_id in zones else None
        children.setdefault(parent, []).append(zone)
    out: list[tuple[int, str]] = []
    todo = [(zone, 0) for zone in sorted(children.get(None, []), key=lambda z: z.name)][::-1]
    seen: set[int] = set()
    while todo:
        zone, depth = todo.pop()
        if zone.pk in seen:
            continue
        seen.add(zone.pk)
        out.append((zone.pk, "\u2003" * depth + labels.get(zone.pk, zone.name)))
        kids = sorted(children.get(zone.pk, []), key=lambda z: z.name)
        todo.extend((kid, depth + 1) for kid in reversed(kids))
    return out


# --- Asset inventory --------------------------------------------------------------------------

ASSET_SORTS = {
    "device_id": "device_id",
    "name": "name",
    "kind": "kind",
    "zone": "zone__name",
    "status": "status",
    "online": "state__online",
    "level": "state__level",
    "last_seen": "state__last_seen_at",
    "installed": "installed_on",
}


@dataclass(frozen=True)
class AssetQuery:
    """The inventory table's filters, search and sort, parsed from the query string."""

    q: str = ""
    kind: str = ""
    status: str = ""
    zone: int | None = None
    online: str = ""  # "yes", "no", "never" or ""
    faulty: bool = False
    sort: str = "device_id"
    descending: bool = False


def asset_table(query: AssetQuery) -> QuerySet:
    assets = registry.assets_list()
    if query.q:
        term = query.q.strip()
        assets = assets.filter(
            Q(device_id__istartswith=term)
            | Q(name__icontains=term)
            | Q(serial__iexact=term)
            | Q(model__icontains=term)
        )
    if query.kind:
        assets = assets.filter(kind=query.kind)
    if query.status:
        assets = assets.filter(status=query.status)
    if query.zone is not None:
        assets = assets.filter(zone_id=query.zone)
    if query.online == "yes":
        assets = assets.filter(state__online=True)
    elif query.online == "no":
        assets = assets.filter(state__online=False)
    elif query.online == "never":
        assets = assets.filter(Q(state__isnull=True) | Q(state__online__isnull=True))
    if query.faulty:
        assets = assets.filter(
            pk__in=registry.faults_list().filter(cleared_at__isnull=True).values("asset_id")
        )
    field = ASSET_SORTS.get(query.sort, "device_id")
    order = f"-{field}" if query.descending else field
    # A unique tie-breaker keeps pages stable when many rows share a value.
    return assets.order_by(order, "device_id" if field != "device_id" else "pk")


def asset_page(query: AssetQuery, *, page: int, per_page: int = 50) -> Page:
    found = Paginator(asset_table(query), per_page).get_page(page)
    with_shown_state(found.object_list)
    return found


# A controller's state read from its lamps: nothing of its own but when it was last heard of.
QUIET_STATE = {
    "level": None,
    "desired_level": None,
    "power_w": None,
    "energy_wh": None,
    "lux": None,
    "temp_c": None,
    "device_status": "",
    "reported_at": None,
    "via_lamps": True,
}


def with_shown_state(assets) -> list:
    """Sets `shown_state` on each asset: its own state, but for a controller never heard from
    itself (an OPC-UA cabinet), what its lamps say (online if one is, last seen at the latest
    of theirs), so that a cabinet with working lamps is not "Never seen"."""
    assets = list(assets)
    quiet = [
        a.pk
        for a in assets
        if a.kind == AssetKind.CONTROLLER
        and getattr(getattr(a, "state", None), "online", None) is None
    ]
    by_lamps = summaries.controllers_seen_by_lamps(quiet) if quiet else {}
    for asset in assets:
        lamps = by_lamps.get(asset.pk)
        own = getattr(asset, "state", None)
        asset.shown_state = SimpleNamespace(**QUIET_STATE, **lamps) if lamps else own
    return assets


def asset_detail(device_id: str):
    """The asset (as `registry.assets_list` reads it), or None when there is no such device."""
    return registry.assets_list().filter(device_id=device_id).first()


def assets_by_device_id(device_ids: list[str]) -> list:
    """The assets of `device_ids` that exist, in device id order (a bulk change's selection)."""
    return list(registry.assets_list().filter(device_id__in=device_ids).order_by("device_id"))


def asset_faults(asset, *, limit: int = 50) -> list:
    return list(registry.faults_list().filter(asset=asset).order_by("-raised_at")[:limit])


def asset_maintenance(asset, *, limit: int = 50) -> list:
    return list(registry.maintenance_list().filter(asset=asset).order_by("-opened_at")[:limit])


# --- Lighting ---------------------------------------------------------------------------------


def zone_light_levels() -> list[dict[str, Any]]:
    """Per zone: how many lights, how many online, the mean reported and desired levels."""
    return summaries.zone_light_levels()


# --- Security console -------------------------------------------------------------------------

CONSOLE_ALARM_LIMIT = 500


def console_alarms(user) -> list[dict[str, Any]]:
    """The open alarms this user may see (welfare only for those allowed), most urgent first,
    in the shape of the live messages so that the page renders both the same way."""
    return alarms_open_shown(user, limit=CONSOLE_ALARM_LIMIT)


OVERRIDE_PAGE_FIELDS = (
    "pk",
    "scope_kind",
    "zone_id",
    "level",
    "operation",
    "priority",
    "expires_at",
    "reason",
    "author",
    "alarm_id",
)


def active_overrides(user) -> list[dict[str, Any]]:
    active = overrides(state=OverrideState.ACTIVE).order_by("priority", "-created_at")[:100]
    return overrides_shown(active, user=user, fields=OVERRIDE_PAGE_FIELDS)


def lighting_overrides(user) -> dict[str, Any]:
    """Active and scheduled overrides, as this user may see them."""
    shown = (*OVERRIDE_PAGE_FIELDS, "zone", "radius_m", "starts_at")
    active = (
        overrides(state=OverrideState.ACTIVE)
        .select_related("zone")
        .order_by("priority", "-created_at")
    )
    scheduled = overrides(state=OverrideState.SCHEDULED).select_related("zone")
    return {  # rows read like the model's instances (`o.reason`) by the template
        "overrides": [
            SimpleNamespace(**o) for o in overrides_shown(active[:100], user=user, fields=shown)
        ],
        "scheduled": [
            SimpleNamespace(**o) for o in overrides_shown(scheduled[:50], user=user, fields=shown)
        ],
    }


def lighting_overview(user) -> dict[str, Any]:
    """Active and scheduled overrides (as this user may see them), the latest command outcomes,
    open lamp faults."""
    lamp_faults = (
        registry.faults_list()
        .filter(cleared_at__isnull=True, asset__kind=AssetKind.STREETLIGHT)
        .order_by("-raised_at")[:50]
    )
    return {
        **lighting_overrides(user),
        "commands": list(light_commands()[:50]),
        "faults": list(lamp_faults),
    }
