"""The demo city: a City of London layout with its wards, main streets, venues and bridges.

Real ward boundaries are not available offline, so the wards are approximate polygons around
their real positions; the streets follow their real courses (WGS84, from memory of the map, to
within a few tens of metres). Lights stand every 25–35 m along the streets, cameras at
junctions, venues and bridges (a few junction cameras also speak ONVIF Profile M), lux and
footfall sensors, flood and rain gauges on the river frontage, and two OPC-UA cabinet
controllers each drive about a hundred lights; the rest are MQTT lights.

Deterministic (seeded random) and idempotent: what exists is left alone, so a second run
changes nothing. The assets go through the CSV importer, so the demo data is validated, placed
in zones and linked to cameras exactly as an asset manager's import would be.
"""

import csv
import io
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from shapely import transform
from shapely.geometry import LineString, MultiPoint, Point, mapping

from devices.assets_csv import COLUMNS
from devices.geo import METRES_PER_DEGREE_LAT, boundary_shape
from devices.models import Asset, Zone
from devices.services.asset_import import assets_import
from devices.services.registry import zone_create

SEED = 20261122
ORIGIN_LAT = 51.5155  # projection origin for metric geometry (Guildhall)
COS_LAT = math.cos(math.radians(ORIGIN_LAT))
ACTOR = "seed_demo_city"

# The demo's two simulated controllers listen on these ports (DEMO_OPCUA_PORT and the next).
OPCUA_PORT = settings.DEMO_OPCUA_PORT
OPCUA_CONTROLLERS = [
    (
        "CTL-OPC-1",
        "Fleet Street cabinet",
        f"opc.tcp://127.0.0.1:{OPCUA_PORT}/city/",
        ["Fleet Street", "Ludgate Hill", "Farringdon Street", "Victoria Embankment"],
    ),
    (
        "CTL-OPC-2",
        "Bishopsgate cabinet",
        f"opc.tcp://127.0.0.1:{OPCUA_PORT + 1}/city/",
        ["Bishopsgate", "Threadneedle Street", "Old Broad Street", "Houndsditch"],
    ),
]
LIGHTS_PER_CONTROLLER = 100

# The City as a whole (lon, lat), roughly its boundary from Temple to Aldgate.
CITY = [
    (-0.1135, 51.5108),
    (-0.1132, 51.5150),
    (-0.1085, 51.5178),
    (-0.1050, 51.5195),
    (-0.1000, 51.5212),
    (-0.0960, 51.5232),
    (-0.0880, 51.5218),
    (-0.0810, 51.5222),
    (-0.0775, 51.5205),
    (-0.0725, 51.5155),
    (-0.0718, 51.5112),
    (-0.0760, 51.5093),
    (-0.0850, 51.5083),
    (-0.0950, 51.5092),
    (-0.1050, 51.5100),
    (-0.1135, 51.5108),
]

# Wards (approximate): name → ring (lon, lat).
WARDS = {
    "Farringdon Without": [
        (-0.1133, 51.5110),
        (-0.1010, 51.5104),
        (-0.1008, 51.5208),
        (-0.1050, 51.5195),
        (-0.1131, 51.5150),
    ],
    "Castle Baynard": [
        (-0.1010, 51.5104),
        (-0.0950, 51.5093),
        (-0.0955, 51.5134),
        (-0.1009, 51.5137),
    ],
    "Farringdon Within": [
        (-0.1009, 51.5137),
        (-0.0955, 51.5134),
        (-0.0958, 51.5176),
        (-0.1008, 51.5178),
    ],
    "Aldersgate": [(-0.1008, 51.5178), (-0.0958, 51.5176), (-0.0945, 51.5228), (-0.1000, 51.5212)],
    "Cripplegate": [(-0.0958, 51.5176), (-0.0895, 51.5172), (-0.0880, 51.5218), (-0.0945, 51.5228)],
    "Cheap": [(-0.0955, 51.5134), (-0.0905, 51.5130), (-0.0900, 51.5160), (-0.0958, 51.5164)],
    "Bassishaw": [(-0.0958, 51.5164), (-0.0900, 51.5160), (-0.0895, 51.5172), (-0.0958, 51.5176)],
    "Coleman Street": [
        (-0.0905, 51.5148),
        (-0.0862, 51.5146),
        (-0.0850, 51.5218),
        (-0.0880, 51.5218),
        (-0.0895, 51.5172),
        (-0.0900, 51.5160),
    ],
    "Queenhithe": [(-0.0950, 51.5093), (-0.0890, 51.5090), (-0.0895, 51.5125), (-0.0955, 51.5128)],
    "Walbrook": [
        (-0.0955, 51.5128),
        (-0.0895, 51.5125),
        (-0.0880, 51.5136),
        (-0.0905, 51.5148),
        (-0.0905, 51.5130),
        (-0.0955, 51.5134),
    ],
    "Broad Street": [
        (-0.0880, 51.5136),
        (-0.0828, 51.5140),
        (-0.0830, 51.5175),
        (-0.0852, 51.5175),
        (-0.0862, 51.5146),
        (-0.0905, 51.5148),
    ],
    "Bishopsgate": [
        (-0.0828, 51.5140),
        (-0.0770, 51.5150),
        (-0.0775, 51.5205),
        (-0.0810, 51.5222),
        (-0.0850, 51.5218),
        (-0.0852, 51.5175),
        (-0.0830, 51.5175),
    ],
    "Cornhill": [(-0.0895, 51.5125), (-0.0830, 51.5122), (-0.0828, 51.5140), (-0.0880, 51.5136)],
    "Bridge": [(-0.0890, 51.5090), (-0.0830, 51.5088), (-0.0830, 51.5122), (-0.0895, 51.5125)],
    "Aldgate": [
        (-0.0830, 51.5108),
        (-0.0722, 51.5112),
        (-0.0725, 51.5155),
        (-0.0770, 51.5150),
        (-0.0828, 51.5140),
        (-0.0830, 51.5122),
    ],
    "Tower": [(-0.0830, 51.5088), (-0.0760, 51.5093), (-0.0720, 51.5110), (-0.0830, 51.5108)],
}

# Streets: (name, lighting class, dimming floor %, two rows of lights?, [(lat, lon), …]).
STREETS = [
    (
        "Fleet Street",
        "M3",
        40,
        True,
        [(51.51365, -0.11120), (51.51400, -0.10850), (51.51420, -0.10600), (51.51410, -0.10430)],
    ),
    (
        "Ludgate Hill",
        "M3",
        40,
        True,
        [(51.51410, -0.10430), (51.51395, -0.10100), (51.51385, -0.09960)],
    ),
    (
        "St Paul's Churchyard",
        "P2",
        30,
        False,
        [(51.51385, -0.09960), (51.51440, -0.09760), (51.51380, -0.09650)],
    ),
    (
        "Cheapside",
        "M4",
        30,
        True,
        [(51.51424, -0.09680), (51.51410, -0.09500), (51.51390, -0.09300), (51.51375, -0.09140)],
    ),
    (
        "Poultry",
        "M4",
        30,
        False,
        [(51.51375, -0.09140), (51.51362, -0.09000), (51.51345, -0.08900)],
    ),
    (
        "Queen Victoria Street",
        "M3",
        40,
        True,
        [
            (51.51130, -0.10350),
            (51.51180, -0.10000),
            (51.51220, -0.09700),
            (51.51260, -0.09400),
            (51.51320, -0.09080),
        ],
    ),
    (
        "Cannon Street",
        "M3",
        40,
        True,
        [(51.51320, -0.09650), (51.51240, -0.09400), (51.51180, -0.09100), (51.51120, -0.08850)],
    ),
    (
        "Upper Thames Street",
        "M2",
        50,
        True,
        [(51.51100, -0.10000), (51.51000, -0.09500), (51.50930, -0.09000), (51.50900, -0.08720)],
    ),
    (
        "Lower Thames Street",
        "M2",
        50,
        False,
        [(51.50900, -0.08720), (51.50930, -0.08300), (51.50980, -0.07900)],
    ),
    (
        "London Wall",
        "M3",
        40,
        True,
        [
            (51.51770, -0.09650),
            (51.51730, -0.09300),
            (51.51700, -0.09000),
            (51.51680, -0.08650),
            (51.51650, -0.08300),
        ],
    ),
    (
        "Aldersgate Street",
        "M3",
        40,
        True,
        [(51.51580, -0.09720), (51.51770, -0.09700), (51.51950, -0.09750), (51.52150, -0.09770)],
    ),
    (
        "Moorgate",
        "M3",
        40,
        True,
        [(51.51500, -0.09040), (51.51650, -0.08960), (51.51800, -0.08880), (51.51960, -0.08830)],
    ),
    (
        "Bishopsgate",
        "M3",
        40,
        True,
        [
            (51.51350, -0.08420),
            (51.51520, -0.08300),
            (51.51700, -0.08140),
            (51.51880, -0.08030),
            (51.52080, -0.07920),
        ],
    ),
    (
        "Gresham Street",
        "P2",
        30,
        False,
        [(51.51550, -0.09750), (51.51530, -0.09350), (51.51480, -0.09000)],
    ),
    (
        "Threadneedle Street",
        "P2",
        30,
        False,
        [(51.51400, -0.08850), (51.51450, -0.08550), (51.51480, -0.08330)],
    ),
    ("Cornhill", "P2", 30, False, [(51.51350, -0.08800), (51.51330, -0.08450)]),
    (
        "Leadenhall Street",
        "M4",
        30,
        False,
        [(51.51340, -0.08300), (51.51370, -0.07900), (51.51380, -0.07700)],
    ),
    (
        "Fenchurch Street",
        "M4",
        30,
        False,
        [(51.51200, -0.08500), (51.51180, -0.08000), (51.51210, -0.07700)],
    ),
    (
        "King William Street",
        "M3",
        40,
        True,
        [(51.51330, -0.08850), (51.51050, -0.08700), (51.50900, -0.08750)],
    ),
    ("Lombard Street", "P3", 20, False, [(51.51320, -0.08850), (51.51240, -0.08450)]),
    ("Gracechurch Street", "M4", 30, False, [(51.51050, -0.08550), (51.51320, -0.08450)]),
    (
        "Eastcheap",
        "M4",
        30,
        False,
        [(51.51050, -0.08700), (51.51060, -0.08300), (51.51050, -0.08000)],
    ),
    (
        "Farringdon Street",
        "M3",
        40,
        True,
        [(51.51120, -0.10400), (51.51410, -0.10450), (51.51700, -0.10500), (51.51850, -0.10550)],
    ),
    (
        "Holborn Viaduct",
        "M3",
        40,
        False,
        [(51.51720, -0.10500), (51.51700, -0.10100), (51.51650, -0.09900)],
    ),
    ("Newgate Street", "M4", 30, False, [(51.51650, -0.09900), (51.51580, -0.09720)]),
    (
        "Victoria Embankment",
        "M2",
        50,
        True,
        [(51.51080, -0.11000), (51.51100, -0.10600), (51.51120, -0.10400)],
    ),
    ("Houndsditch", "M4", 30, False, [(51.51650, -0.08000), (51.51460, -0.07650)]),
    ("Old Broad Street", "P2", 30, False, [(51.51430, -0.08600), (51.51650, -0.08400)]),
    ("Wood Street", "P3", 20, False, [(51.51420, -0.09450), (51.51750, -0.09350)]),
    ("Coleman Street", "P3", 20, False, [(51.51500, -0.09100), (51.51700, -0.09050)]),
    ("Beech Street", "P2", 30, False, [(51.52020, -0.09750), (51.52050, -0.09300)]),
    ("Long Lane", "P3", 20, False, [(51.51950, -0.10100), (51.51980, -0.09780)]),
    ("Charterhouse Street", "M4", 30, False, [(51.51900, -0.10450), (51.52050, -0.10000)]),
]

# Venues: name, kind, centre (lat, lon), half-size in metres, lighting class, floor, cameras.
VENUES = [
    ("Guildhall", "venue", (51.51560, -0.09190), 60, "P1", 50, 2),
    ("St Paul's Cathedral", "venue", (51.51380, -0.09840), 90, "P1", 50, 3),
    ("Barbican Centre", "venue", (51.52010, -0.09370), 80, "P2", 40, 2),
    ("Smithfield (Culture Mile)", "venue", (51.51930, -0.10060), 80, "P2", 40, 2),
    ("Leadenhall Market", "venue", (51.51280, -0.08340), 40, "P1", 50, 1),
]
# Bridges: high-risk sites with welfare cameras; (lat, lon) of north and south ends.
BRIDGES = [
    ("London Bridge", (51.50900, -0.08770), (51.50640, -0.08790), 2),
    ("Blackfriars Bridge", (51.51040, -0.10420), (51.50770, -0.10470), 1),
    ("Millennium Bridge", (51.50980, -0.09850), (51.50820, -0.09850), 1),
]

# The river frontage: flood gauges on the Thames wall and a rain gauge beside one, (id, name,
# (lat, lon), measures, unit). The simulators' storm (docs/simulators.md) raises their readings.
RIVER_GAUGES = [
    ("FG-001", "River gauge Blackfriars", (51.51085, -0.10300), "flood_level", "cm"),
    ("FG-002", "River gauge Queenhithe", (51.50970, -0.09450), "flood_level", "cm"),
    ("FG-003", "River gauge Old Billingsgate", (51.50905, -0.08400), "flood_level", "cm"),
    ("RG-001", "Rain gauge Queenhithe", (51.50985, -0.09400), "rainfall", "mm/h"),
]
# The first junction cameras also publish ONVIF Profile M analytics through a VMS bridge whose
# TopicPrefix sits under the gateway's ONVIF_TOPIC (`onvif/vms1` under the default `onvif/#`);
# VideoSource_1, _2, …
ONVIF_CAMERAS = 4


def _onvif_prefix() -> str:
    base = settings.ONVIF_TOPIC.removesuffix("#").strip("/")
    if not base or "+" in base or "#" in base:
        base = "onvif"
    return f"{base}/vms1"


JUNCTION_ALLOWLIST = ["motion", "line_crossing", "crowd", "intrusion", "tamper", "video_loss"]
# Venue cameras also run Frigate, whose events are typed by object label ("person").
VENUE_ALLOWLIST = ["motion", "crowd", "loitering", "intrusion", "person_down", "tamper", "person"]
WELFARE_ALLOWLIST = ["vulnerable_person", "person_down", "loitering", "line_crossing", "tamper"]
LED_MODELS = [
    ("Schréder", "Axia 3", 3000),
    ("Thorn", "R2L2", 3000),
    ("Urbis", "ZX2", 2700),
]
HERITAGE_MODEL = ("DW Windsor", "Kirium Pro Lantern", 2700)
CAMERA_MODELS = [
    ("Axis", "Q6135-LE", True),
    ("Hanwha", "XNV-8082R", False),
    ("Bosch", "DINION 5100i", False),
]


def to_metres(lat: float, lon: float) -> tuple[float, float]:
    return (lon * COS_LAT * METRES_PER_DEGREE_LAT, lat * METRES_PER_DEGREE_LAT)


def to_degrees(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a metric point."""
    return (y / METRES_PER_DEGREE_LAT, x / (COS_LAT * METRES_PER_DEGREE_LAT))


def _metric_line(points: list[tuple[float, float]]) -> LineString:
    return LineString([to_metres(lat, lon) for lat, lon in points])


def _polygon_geojson(metric_geometry) -> dict[str, Any]:
    def back(coords):
        out = coords.copy()
        out[:, 0] = coords[:, 0] / (COS_LAT * METRES_PER_DEGREE_LAT)
        out[:, 1] = coords[:, 1] / METRES_PER_DEGREE_LAT
        return out.round(6)

    geometry = mapping(transform(metric_geometry, back))
    return _as_lists(geometry)


def _as_lists(value):
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def _ring(points: list[tuple[float, float]]) -> dict[str, Any]:
    ring = [list(p) for p in points]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Plan:
    zones: list[dict[str, Any]]
    rows: list[dict[str, str]]


def _zone_plan() -> list[dict[str, Any]]:
    """Zones in creation order (parents first); `parent` names a zone planned before."""
    zones = [
        {
            "name": "City of London",
            "kind": "city",
            "parent": None,
            "boundary": _ring(CITY),
            "lighting_class": "P3",
            "min_level": 20,
        },
    ]
    ward_shapes = {}
    for name, ring in WARDS.items():
        boundary = _ring(ring)
        ward_shapes[name] = boundary_shape(boundary)
        zones.append(
            {
                "name": name,
                "kind": "ward",
                "parent": "City of London",
                "boundary": boundary,
                "lighting_class": "P3",
                "min_level": 20,
            }
        )

    def ward_of(lat: float, lon: float) -> str:
        for name, shape in ward_shapes.items():
            if shape.covers(Point(lon, lat)):
                return name
        return "City of London"

    for name, lighting_class, floor, _two_rows, points in STREETS:
        middle = _metric_line(points).interpolate(0.5, normalized=True)
        zones.append(
            {
                "name": name,
                "kind": "street",
                "parent": ward_of(*to_degrees(middle.x, middle.y)),
                "boundary": _polygon_geojson(_metric_line(points).buffer(18, cap_style="flat")),
                "lighting_class": lighting_class,
                "min_level": floor,
            }
        )
    for name, kind, (lat, lon), half, lighting_class, floor, _cams in VENUES:
        x, y = to_metres(lat, lon)
        zones.append(
            {
                "name": name,
                "kind": kind,
                "parent": ward_of(lat, lon),
                "boundary": _polygon_geojson(Point(x, y).buffer(half, quad_segs=4)),
                "lighting_class": lighting_class,
                "min_level": floor,
            }
        )
    for name, north, south, _cams in BRIDGES:
        zones.append(
            {
                "name": name,
                "kind": "high_risk_site",
                "parent": "City of London",
                "boundary": _polygon_geojson(
                    _metric_line([north, south]).buffer(14, cap_style="flat")
                ),
                "lighting_class": "P1",
                "min_level": 60,
            }
        )
    return zones


def _row(**values: Any) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    for key, value in values.items():
        row[key] = "" if value is None else str(value)
    return row


def _junctions() -> list[tuple[float, float, str]]:
    """Points where two streets meet: (lat, lon, "A / B"), at least 60 m apart."""
    lines = [(name, _metric_line(points)) for name, _c, _f, _t, points in STREETS]
    found: list[tuple[float, float, str]] = []
    for i, (name_a, line_a) in enumerate(lines):
        for name_b, line_b in lines[i + 1 :]:
            meeting = line_a.intersection(line_b.buffer(25))
            if meeting.is_empty:
                continue
            point = meeting.centroid if not isinstance(meeting, Point) else meeting
            if isinstance(meeting, MultiPoint):
                point = meeting.geoms[0]
            if any(
                math.dist((point.x, point.y), to_metres(lat, lon)) < 60 for lat, lon, _ in found
            ):
                continue
            found.append((*to_degrees(point.x, point.y), f"{name_a} / {name_b}"))
    return found


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_").replace("__", "_")


def _asset_plan(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for device_id, name, url, _streets in OPCUA_CONTROLLERS:
        x, y = _metric_line(STREETS[[s[0] for s in STREETS].index(_streets[0])][4]).coords[0]
        lat, lon = to_degrees(x + 6, y + 6)
        rows.append(
            _row(
                device_id=device_id,
                kind="controller",
                name=name,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                status="active",
                manufacturer="Siemens",
                model="SIMATIC S7-1500 cabinet",
                serial=f"S7-{rng.randint(100000, 999999)}",
                firmware_version="3.1.2",
                installed_on=date(2023, 3, 1),
                protocol="opcua",
                endpoint_url=url,
            )
        )
    controller_of = {
        street: cid for cid, _n, _u, streets in OPCUA_CONTROLLERS for street in streets
    }
    controlled = {cid: 0 for cid, *_ in OPCUA_CONTROLLERS}

    number = 0
    for street, lighting_class, _floor, two_rows, points in STREETS:
        line = _metric_line(points)
        heritage = street in ("Cheapside", "St Paul's Churchyard", "Cornhill", "Lombard Street")
        sides = [7.0, -7.0] if two_rows or not lighting_class.startswith("P3") else [None]
        for row_index, side in enumerate(sides):
            at = rng.uniform(3, 15) + (15 if row_index else 0)
            flip = 1.0
            while at < line.length:
                here = line.interpolate(at)
                ahead = line.interpolate(min(at + 1, line.length))
                behind = line.interpolate(max(at - 1, 0))
                dx, dy = ahead.x - behind.x, ahead.y - behind.y
                norm = math.hypot(dx, dy) or 1
                offset = side if side is not None else 6.0 * flip
                flip = -flip
                lat, lon = to_degrees(here.x - dy / norm * offset, here.y + dx / norm * offset)
                number += 1
                maker, model, kelvin = HERITAGE_MODEL if heritage else rng.choice(LED_MODELS)
                main_road = lighting_class.startswith("M")
                installed = date(2016, 1, 1) + timedelta(days=rng.randint(0, 8 * 365))
                cid = controller_of.get(street)
                protocol = "mqtt"
                if cid and controlled[cid] < LIGHTS_PER_CONTROLLER:
                    controlled[cid] += 1
                    protocol = "opcua"
                else:
                    cid = None
                status = rng.choices(
                    ["active", "faulty", "maintenance", "installed"], [96, 2, 1, 1]
                )[0]
                rows.append(
                    _row(
                        device_id=f"SL-{number:04d}",
                        kind="streetlight",
                        name=f"{street} {number:04d}",
                        latitude=round(lat, 6),
                        longitude=round(lon, 6),
                        status=status,
                        manufacturer=maker,
                        model=model,
                        serial=f"{maker[:3].upper()}-{rng.randint(10**7, 10**8 - 1)}",
                        firmware_version=rng.choice(["2.4.1", "2.5.0", "2.5.3"]),
                        installed_on=installed,
                        warranty_until=installed + timedelta(days=10 * 365),
                        lamp_technology="LED",
                        rated_power_w=rng.choice([56, 72, 90] if main_road else [28, 36, 45]),
                        colour_temperature_k=kelvin,
                        column_height_m=rng.choice([8, 10, 12] if main_road else [5, 6]),
                        controller=cid or "",
                        protocol=protocol,
                    )
                )
                at += rng.uniform(25, 35)  # one row each side, or one staggered row
    cameras = 0

    def camera(name, lat, lon, allowlist, purpose, frigate="", onvif=""):
        nonlocal cameras
        cameras += 1
        maker, model, ptz = rng.choice(CAMERA_MODELS)
        rows.append(
            _row(
                device_id=f"CAM-{cameras:03d}",
                kind="camera",
                name=name,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                status="active",
                manufacturer=maker,
                model=model,
                serial=f"{maker[:2].upper()}{rng.randint(10**6, 10**7 - 1)}",
                firmware_version="11.9.60",
                installed_on=date(2022, 1, 1) + timedelta(days=rng.randint(0, 900)),
                ptz="true" if ptz else "false",
                analytics_allowlist=";".join(allowlist),
                frigate_camera=frigate,
                onvif_source=onvif,
                purpose=purpose,
                review_due=date(2027, 1, 1) + timedelta(days=rng.randint(0, 360)),
            )
        )

    junctions = _junctions()
    for index, (lat, lon, name) in enumerate(junctions[:28], start=1):
        camera(
            f"Junction {name}",
            lat,
            lon,
            JUNCTION_ALLOWLIST,
            "Public safety and traffic incidents at the junction of " + name + ".",
            onvif=f"{_onvif_prefix()}/VideoSource_{index}" if index <= ONVIF_CAMERAS else "",
        )
    for name, _kind, (lat, lon), half, _c, _f, count in VENUES:
        for k in range(count):
            angle = 2 * math.pi * k / count
            x, y = to_metres(lat, lon)
            clat, clon = to_degrees(
                x + math.cos(angle) * half * 0.6, y + math.sin(angle) * half * 0.6
            )
            camera(
                f"{name} {k + 1}",
                clat,
                clon,
                VENUE_ALLOWLIST,
                f"Crowd safety and crime prevention at {name}.",
                frigate=f"{_slug(name)}_{k + 1}",
            )
    for name, north, south, count in BRIDGES:
        for k in range(count):
            t = (k + 1) / (count + 1)
            lat, lon = north[0] + (south[0] - north[0]) * t, north[1] + (south[1] - north[1]) * t
            camera(
                f"{name} welfare {k + 1}",
                lat,
                lon,
                WELFARE_ALLOWLIST,
                f"Early warning of people at risk on {name} (welfare, trained operators only).",
                frigate=f"{_slug(name)}_{k + 1}",
            )

    for sensors, (street, _c, _f, _t, points) in enumerate(STREETS[::2], start=1):
        middle = _metric_line(points).interpolate(0.5, normalized=True)
        lat, lon = to_degrees(middle.x + 4, middle.y + 4)
        rows.append(
            _row(
                device_id=f"LUX-{sensors:03d}",
                kind="sensor",
                name=f"Lux {street}",
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                status="active",
                manufacturer="Libelium",
                model="Smart Cities PRO",
                measures="lux",
                unit="lx",
            )
        )
    counters = 0
    for name, _kind, (lat, lon), *_rest in VENUES:
        counters += 1
        rows.append(
            _row(
                device_id=f"FF-{counters:03d}",
                kind="sensor",
                name=f"Footfall {name}",
                latitude=lat,
                longitude=lon,
                status="active",
                manufacturer="Vivacity",
                model="Sensor 2",
                measures="footfall",
                unit="people/h",
            )
        )
    for lat, lon, name in junctions[:8]:
        counters += 1
        rows.append(
            _row(
                device_id=f"FF-{counters:03d}",
                kind="sensor",
                name=f"Footfall {name}",
                latitude=round(lat + 0.00005, 6),
                longitude=round(lon, 6),
                status="active",
                manufacturer="Vivacity",
                model="Sensor 2",
                measures="footfall",
                unit="people/h",
            )
        )
    for device_id, name, (lat, lon), measures, unit in RIVER_GAUGES:
        rows.append(
            _row(
                device_id=device_id,
                kind="sensor",
                name=name,
                latitude=lat,
                longitude=lon,
                status="active",
                manufacturer="OTT HydroMet",
                model="RLS radar level sensor" if measures == "flood_level" else "Pluvio2",
                measures=measures,
                unit=unit,
            )
        )
    return rows


def plan() -> Plan:
    """The whole demo city, computed (deterministic)."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not cryptography)
    return Plan(zones=_zone_plan(), rows=_asset_plan(rng))


@transaction.atomic
def seed_demo_city(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Creates what is missing of the demo city; returns counts of what was created."""
    city = plan()
    created_zones = 0
    by_name: dict[str, Zone] = {}
    for spec in city.zones:
        parent = by_name.get(spec["parent"]) if spec["parent"] else None
        zone = Zone.objects.filter(name=spec["name"], parent=parent).first()
        if zone is None:
            zone = zone_create(actor=ACTOR, data={**spec, "parent": parent})
            created_zones += 1
        by_name[spec["name"]] = zone
    existing = set(Asset.objects.values_list("device_id", flat=True))
    missing = [row for row in city.rows if row["device_id"] not in existing]
    created_assets = 0
    if missing:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(missing)
        report = assets_import(data=buffer.getvalue(), actor=ACTOR, filename="demo city")
        if report.errors:
            raise RuntimeError(f"demo data is invalid: {report.as_dict()['errors'][:5]}")
        created_assets = report.created
    counts = {"zones": created_zones, "assets": created_assets}
    if stdout is not None:
        kinds = {}
        for row in city.rows:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        stdout.write(
            f"Demo city: {created_zones} zones and {created_assets} assets created "
            f"(the plan: {len(city.zones)} zones, "
            + ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items()))
            + ").\n"
        )
    return counts


def seed_if_empty(*, stdout: TextIO | None = None) -> None:
    """`manage.py demo`'s preparation: seeds the demo city into an empty registry only."""
    if Asset.objects.exists():
        return
    seed_demo_city(stdout=stdout)
