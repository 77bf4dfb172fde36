"""The offline base layer of the maps: the seeded city's streets and bridges, with their names.

The machines a demo (or a council's air-gapped control room) runs on reach no tile server, so
the platform draws its own base layer from the courses the demo city was laid along
(`devices.demo_data`). Only the streets and bridges the registry holds as zones of that name
are served: a registry seeded otherwise gets an empty layer, never a map of another city. With
`MAP_TILE_URL` set the pages use the council's tile server instead and do not ask for this.
"""

from typing import Any

from devices.choices import ZoneKind
from devices.demo_data import BRIDGES, STREETS
from devices.models import Zone


def _line(name: str, kind: str, points: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in points]},
        "properties": {"name": name, "kind": kind},
    }


def street_layer() -> dict[str, Any]:
    """A GeoJSON FeatureCollection of LineStrings (`properties`: `name`, `kind` "street" or
    "bridge") for the streets and bridges of the demo city that are in the registry."""
    kinds = [ZoneKind.STREET, ZoneKind.HIGH_RISK_SITE]
    seeded = set(Zone.objects.filter(kind__in=kinds).values_list("name", flat=True))
    features = [
        _line(name, "street", points)
        for name, _class, _floor, _rows, points in STREETS
        if name in seeded
    ]
    features += [
        _line(name, "bridge", [north, south])
        for name, north, south, _cameras in BRIDGES
        if name in seeded
    ]
    return {"type": "FeatureCollection", "features": features}
