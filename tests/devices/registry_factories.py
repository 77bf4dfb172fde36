"""Small builders for the registry tests (through the services, as users would create data)."""

from devices.models import Asset, Zone
from devices.services.registry import asset_create, zone_create


def square(lon: float, lat: float, half: float) -> dict:
    """A GeoJSON square polygon centred on (lon, lat) with half-side `half` degrees."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make_zone(name: str, lon: float, lat: float, half: float, **extra) -> Zone:
    return zone_create(
        actor="test", data={"name": name, "boundary": square(lon, lat, half), **extra}
    )


def make_light(device_id: str, lat: float, lon: float, **extra) -> Asset:
    return asset_create(
        actor="test", device_id=device_id, kind="streetlight", latitude=lat, longitude=lon, **extra
    )


def make_camera(device_id: str, lat: float, lon: float, **extra) -> Asset:
    extra.setdefault("details", {"analytics_allowlist": ["motion"]})
    return asset_create(
        actor="test", device_id=device_id, kind="camera", latitude=lat, longitude=lon, **extra
    )


def make_sensor(device_id: str, lat: float, lon: float, **extra) -> Asset:
    extra.setdefault("details", {"measures": "lux", "unit": "lx"})
    return asset_create(
        actor="test", device_id=device_id, kind="sensor", latitude=lat, longitude=lon, **extra
    )


def make_controller(device_id: str, lat: float, lon: float, **extra) -> Asset:
    extra.setdefault("details", {"protocol": "opcua", "endpoint_url": "opc.tcp://cabinet:4840/"})
    return asset_create(
        actor="test", device_id=device_id, kind="controller", latitude=lat, longitude=lon, **extra
    )


def metres_north(lat: float, metres: float) -> float:
    return lat + metres / 111_195.0
