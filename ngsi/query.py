"""Parsing and running an NGSI-LD entity query (ETSI GS CIM 009 §4.9 q, §4.10 geo-queries).

Every filter (`type`, `id`, `idPattern`, `q`, `attrs`, `georel` near/within) is SQL (ngsi/sql.py),
then the page is sliced and the count taken in the database. Only `StreetlightGroup` (the zones,
a few hundred at most, whose location is a polygon) is filtered in Python, by `matches`."""

import json
import math
import operator
import re
from dataclasses import dataclass

from shapely.geometry import shape

from devices.selectors.ngsi import ngsi_asset_base, ngsi_asset_columns, ngsi_zones
from ngsi import entities, sql

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
MAX_LIMIT = 1000
EARTH_RADIUS_M = 6_371_000.0
OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
TERM = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)(==|!=|>=|<=|>|<)(.+)$")


class NgsiError(Exception):
    def __init__(self, kind: str, detail: str, status: int = 400):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status

    def body(self) -> dict:
        return {"type": ERRORS + self.kind, "title": self.kind, "detail": self.detail}


def bad(detail: str) -> NgsiError:
    return NgsiError("BadRequestData", detail)


ID_PATTERN_MAX = 256  # an entity id is a URN of a few dozen characters


def id_pattern_compile(text) -> re.Pattern:
    """An idPattern (of a query or a subscription) as a regular expression, or a 400 in words:
    not a string, longer than ID_PATTERN_MAX, or not a regular expression (3,000 nested
    parentheses overflowed the compiler's recursion: a RecursionError, and a 500)."""
    if not isinstance(text, str):
        raise bad("idPattern is a string: a regular expression.")
    if len(text) > ID_PATTERN_MAX:
        raise bad(f"idPattern is at most {ID_PATTERN_MAX} characters, not {len(text):,}.")
    try:
        return re.compile(text)
    except (re.error, RecursionError) as error:
        raise bad(f"idPattern is not a regular expression: {error}") from None


@dataclass(frozen=True)
class Query:
    types: list[str]
    ids: list[str] | None
    id_pattern: re.Pattern | None
    terms: list[tuple[str, str, object]]  # (attribute, operator as written, value)
    attrs: list[str] | None
    geo: tuple | None
    limit: int
    offset: int


def _int(params, name: str, default: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > high:
        raise bad(f"{name} must be an integer from 0 to {high}, not {raw!r}.")
    return int(raw)


def _value(raw: str):
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _terms(q: str | None) -> list:
    if not q:
        return []
    out = []
    for part in q.split(";"):
        match = TERM.match(part.strip())
        if not match:
            raise NgsiError("InvalidRequest", f"q term {part!r} is not attr<op>value.")
        out.append((match[1], match[2], _value(match[3])))
    return out


def _geo(params) -> tuple | None:
    georel = params.get("georel")
    if not georel:
        return None
    try:
        coordinates = json.loads(params.get("coordinates", ""))
        geometry = shape({"type": params.get("geometry", ""), "coordinates": coordinates})
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise bad(f"geometry/coordinates are not a GeoJSON geometry: {error}") from None
    parts = georel.split(";")
    if parts[0] == "near":
        match = re.fullmatch(r"maxDistance==(\d+(\.\d+)?)", parts[1] if len(parts) > 1 else "")
        if not match or geometry.geom_type != "Point":
            raise bad("near needs maxDistance==<metres> and a Point geometry.")
        return ("near", geometry, float(match[1]))
    if parts[0] == "within":
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise bad("within needs a Polygon geometry.")
        return ("within", geometry, None)
    raise bad(f"georel {parts[0]!r} is not supported (near, within).")


def parse(params) -> Query:
    types = [t for t in (params.get("type") or "").split(",") if t]
    ids = [i for i in (params.get("id") or "").split(",") if i] or None
    if not types and ids:
        types = sorted({i.split(":")[2] for i in ids if i.count(":") >= 3} & set(entities.TYPES))
    if not types and not params.get("attrs") and not params.get("q") and not params.get("georel"):
        raise bad("A query names a type, an id, attrs, q or a geo-query.")
    pattern = id_pattern_compile(params["idPattern"]) if params.get("idPattern") else None
    attrs = [a for a in (params.get("attrs") or "").split(",") if a] or None
    return Query(
        types=[t for t in types if t in entities.TYPES] if types else list(entities.TYPES),
        ids=ids,
        id_pattern=pattern,
        terms=_terms(params.get("q")),
        attrs=attrs,
        geo=_geo(params),
        limit=_int(params, "limit", 20, MAX_LIMIT),
        offset=_int(params, "offset", 0, 10**9),
    )


def _distance_m(a, b) -> float:
    lat1, lat2 = math.radians(a[1]), math.radians(b[1])
    dlat, dlon = lat2 - lat1, math.radians(b[0] - a[0])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def matches(query: Query, entity: dict) -> bool:
    """The query's conditions on one built entity (zones; notifications' `q`)."""
    if query.id_pattern and not query.id_pattern.match(entity["id"]):
        return False
    for attr, op, value in query.terms:
        have = entity.get(attr)
        try:
            if have is None or not OPS[op](have, value):
                return False
        except TypeError:
            return False
    if query.attrs and not any(a in entity for a in query.attrs):
        return False
    if query.geo:
        kind, geometry, distance = query.geo
        place = shape(entity["location"])
        if kind == "near":
            nearest = place.centroid if place.geom_type != "Point" else place
            return _distance_m((geometry.x, geometry.y), (nearest.x, nearest.y)) <= distance
        return place.within(geometry)
    return True


def _keys(query: Query, entity_type: str) -> list[str] | None:
    if query.ids is None:
        return None
    prefix = entities.urn(entity_type, "")
    return [i[len(prefix) :] for i in query.ids if i.startswith(prefix)]


def _zones(query: Query, keys: list[str] | None) -> list[dict]:
    zone_ids = [int(k) for k in keys if k.isdigit()] if keys is not None else None
    built = (entities.streetlight_group(row) for row in ngsi_zones(zone_ids=zone_ids))
    return [e for e in built if e and matches(query, e)]


def _matching(query: Query, entity_type: str, keys: list[str] | None):
    """The matching assets (no joins unless a filter needs one), ordered by device id."""
    kind = entities.TYPE_KINDS[entity_type]
    return sql.filtered(ngsi_asset_base(kind=kind, device_ids=keys), entity_type, query)


def _page(entity_type: str, matching, start: int, room: int) -> list[dict]:
    """The page in two steps: its asset pks (the (kind, device_id) index, however deep the
    offset), then only those rows with their details and state joined."""
    kind = entities.TYPE_KINDS[entity_type]
    pks = list(matching.order_by("device_id").values_list("pk", flat=True)[start : start + room])
    if not pks:
        return []
    rows = ngsi_asset_base(kind=kind, asset_pks=pks).order_by("device_id")
    build = entities.BUILDERS[entity_type]
    return [build(row) for row in rows.values(*ngsi_asset_columns(kind))]


def run(query: Query, *, with_count: bool = True) -> tuple[list[dict], int]:
    """(the page of entities, the count of all matches), type after type in TYPES' order.
    Without `with_count`, the last type is not counted (the count is then not the total)."""
    page: list[dict] = []
    count = 0
    for n, entity_type in enumerate(query.types):
        keys = _keys(query, entity_type)
        start = max(query.offset - count, 0)
        room = query.limit - len(page)
        if entity_type == "StreetlightGroup":
            found = _zones(query, keys)
            page.extend(found[start : start + room] if room > 0 else [])
            count += len(found)
            continue
        matching = _matching(query, entity_type, keys)
        if room > 0:
            page.extend(_page(entity_type, matching, start, room))
        if with_count or n < len(query.types) - 1:
            count += matching.count()
    return page, count


def entity_get(entity_id: str) -> dict:
    parts = entity_id.split(":")
    if len(parts) < 4 or parts[:2] != ["urn", "ngsi-ld"] or parts[2] not in entities.TYPES:
        raise bad(f"{entity_id!r} is not an id this API serves (urn:ngsi-ld:<Type>:<key>).")
    entity_type, key = parts[2], ":".join(parts[3:])
    if entity_type == "StreetlightGroup":
        found = _zones(parse({"type": entity_type}), [key])
    else:
        kind = entities.TYPE_KINDS[entity_type]
        rows = ngsi_asset_base(kind=kind, device_ids=[key]).values(*ngsi_asset_columns(kind))
        found = [entities.BUILDERS[entity_type](row) for row in rows[:1]]
    if found:
        return found[0]
    raise NgsiError("ResourceNotFound", f"No entity {entity_id}.", status=404)
