"""The NGSI-LD entity query in SQL: `q`, `idPattern`, `attrs` and geo-queries become conditions on
the asset queryset (ngsi/query.py pages and counts it), so a page of 1,000 out of 100,000 lights
is read by the database, not filtered in the web process.

Each entity attribute is an SQL expression giving the value the entity builders (ngsi/entities.py)
put in the keyValues form, and a condition saying when the attribute is present at all; a `q`
term on an attribute an entity lacks does not match it (as in CIM 009). Geo-queries: `near` is
the haversine distance on the asset's latitude/longitude (after a bounding box the
GiST index on point(longitude, latitude) serves); `within` is PostgreSQL's own `point <@ polygon`.
"""

import math

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Greatest, Least

from devices.models import Asset
from ngsi import entities

LOOKUPS = {"==": "exact", ">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}
METRES_PER_DEGREE = 111_320.0
EARTH_RADIUS_M = 6_371_000.0


def _text(value: str):
    return Value(value, output_field=CharField())


def _urn(entity_type: str, column):
    return Concat(_text(entities.urn(entity_type, "")), column, output_field=CharField())


def _name():
    return Case(When(name="", then=F("device_id")), default=F("name"), output_field=CharField())


def _light_attrs() -> dict:
    level = F("state__level")
    return {
        "name": (_name(), Q()),
        "status": (
            Case(
                When(status__in=list(entities.FAULTY), then=_text("defectiveLamp")),
                default=_text("ok"),
                output_field=CharField(),
            ),
            Q(),
        ),
        "powerState": (
            Case(
                When(Q(state__online=False) | Q(state__level__lte=0), then=_text("off")),
                When(state__level__gte=100, then=_text("on")),
                default=_text("low"),
                output_field=CharField(),
            ),
            Q(state__level__isnull=False),
        ),
        "illuminanceLevel": (
            Least(Greatest(level, Value(0.0)), Value(100.0)) / Value(100.0),
            Q(state__level__isnull=False),
        ),
        "refStreetlightGroup": (
            _urn("StreetlightGroup", Cast("zone_id", CharField())),
            Q(zone_id__isnull=False),
        ),
        "refStreetlightControlCabinet": (
            _urn("StreetlightControlCabinet", F("streetlight__controller__device_id")),
            Q(streetlight__controller__isnull=False),
        ),
        "dateLastLampChange": (
            Concat(
                Cast("streetlight__date_last_lamp_change", CharField()),
                _text("T00:00:00Z"),
                output_field=CharField(),
            ),
            Q(streetlight__date_last_lamp_change__isnull=False),
        ),
    }


def _device_attrs() -> dict:
    attrs = {
        "name": (_name(), Q()),
        "deviceState": (
            Case(
                When(state__online=True, then=_text("online")),
                When(state__online=False, then=_text("offline")),
                default=_text("unknown"),
                output_field=CharField(),
            ),
            Q(),
        ),
        "category": (None, Q()),
        "controlledProperty": (None, Q()),
        "dateLastValueReported": (None, Q(state__last_seen_at__isnull=False)),
    }
    for field, attr in (
        ("manufacturer", "manufacturerName"),
        ("model", "modelName"),
        ("serial", "serialNumber"),
        ("firmware_version", "firmwareVersion"),
    ):
        attrs[attr] = (F(field), ~Q(**{field: ""}))
    return attrs


def _cabinet_attrs() -> dict:
    return {
        "name": (_name(), Q()),
        "workingMode": (_text("automatic"), Q()),
        "refStreetlightGroup": (None, Q(zone_id__isnull=False)),
    }


ATTRS = {
    "Streetlight": _light_attrs,
    "Device": _device_attrs,
    "StreetlightControlCabinet": _cabinet_attrs,
}
ALWAYS = {"id", "type", "location"}
NUMERIC = {"illuminanceLevel"}


def _term(qs: QuerySet, attrs: dict, n: int, attr: str, op: str, value) -> QuerySet:
    if attr not in attrs or attrs[attr][0] is None:
        return qs.none()  # an attribute these entities never have (or a list/object value)
    expression, present = attrs[attr]
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric != (attr in NUMERIC):
        # Python compares a number with a string as unequal, and not at all with < or >.
        return qs.filter(present) if op == "!=" else qs.none()
    alias = f"ngsi_q{n}"
    qs = qs.alias(**{alias: expression}).filter(present)
    if op == "!=":
        return qs.exclude(**{alias: value})
    return qs.filter(**{f"{alias}__{LOOKUPS[op]}": value})


def _near(qs: QuerySet, point, metres: float) -> QuerySet:
    lon, lat = point.x, point.y
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    table = Asset._meta.db_table
    # Only the table name is formatted in; the values are parameters.
    distance = RawSQL(  # noqa: S611
        f"""2 * {EARTH_RADIUS_M} * asin(sqrt(
            power(sin(radians("{table}"."latitude" - %s) / 2), 2)
            + cos(radians(%s)) * cos(radians("{table}"."latitude"))
            * power(sin(radians("{table}"."longitude" - %s) / 2), 2)))""",
        (lat, lat, lon),
        output_field=FloatField(),
    )
    box = _in_box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    return qs.filter(box).alias(ngsi_distance=distance).filter(ngsi_distance__lte=metres)


def _in_box(min_x: float, min_y: float, max_x: float, max_y: float) -> RawSQL:
    """Inside a box: the GiST index on point(longitude, latitude) (devices/0003) answers it."""
    table = Asset._meta.db_table
    return RawSQL(  # noqa: S611 (only the table name is formatted in)
        f'point("{table}"."longitude", "{table}"."latitude") <@ box(point(%s, %s), point(%s, %s))',
        (min_x, min_y, max_x, max_y),
        output_field=BooleanField(),
    )


def _ring(coords) -> str:
    return "(" + ",".join(f"({float(x)!r},{float(y)!r})" for x, y, *_ in coords) + ")"


def _within(qs: QuerySet, geometry) -> QuerySet:
    table = Asset._meta.db_table
    point = f'point("{table}"."longitude", "{table}"."latitude")'
    polygons = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
    parts, params = [], []
    for polygon in polygons:
        clause = f"({point} <@ %s::polygon"
        params.append(_ring(polygon.exterior.coords))
        for hole in polygon.interiors:
            clause += f" AND NOT {point} <@ %s::polygon"
            params.append(_ring(hole.coords))
        parts.append(clause + ")")
    min_x, min_y, max_x, max_y = geometry.bounds
    inside = RawSQL(  # noqa: S611 (the rings are parameters)
        "(" + " OR ".join(parts) + ")", params, output_field=BooleanField()
    )
    return qs.filter(_in_box(min_x, min_y, max_x, max_y)).filter(inside)


def filtered(qs: QuerySet, entity_type: str, query) -> QuerySet:
    """The query's conditions on one entity type's assets (not StreetlightGroup: zones)."""
    attrs = ATTRS[entity_type]()
    if query.id_pattern is not None:
        qs = qs.alias(ngsi_urn=_urn(entity_type, F("device_id"))).filter(
            ngsi_urn__regex=f"^(?:{query.id_pattern.pattern})"
        )
    for n, (attr, op, value) in enumerate(query.terms):
        qs = _term(qs, attrs, n, attr, op, value)
    if query.attrs:
        present = [
            Q() if a in ALWAYS else attrs[a][1] for a in query.attrs if a in ALWAYS | set(attrs)
        ]
        if not present:
            return qs.none()
        any_present = present[0]
        for condition in present[1:]:
            any_present |= condition
        qs = qs.filter(any_present)
    if query.geo:
        kind, geometry, distance = query.geo
        qs = _near(qs, geometry, distance) if kind == "near" else _within(qs, geometry)
    return qs
