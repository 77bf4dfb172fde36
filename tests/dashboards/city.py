"""A small city for the pages' tests, built through the registry's services."""

from dataclasses import dataclass, field

from devices.models import Asset, AssetState, Zone
from devices.services.registry import asset_create, zone_create


def square(lat: float, lon: float, size: float = 0.002) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class City:
    zones: list[Zone] = field(default_factory=list)
    lights: list[Asset] = field(default_factory=list)
    cameras: list[Asset] = field(default_factory=list)


def build_city(*, lights_per_zone: int = 4, level: float | None = 30.0) -> City:
    city = City()
    for index, name in enumerate(["Cheapside", "Guildhall Yard"]):
        lat, lon = 51.514 + index * 0.003, -0.094
        zone = zone_create(
            actor="tests",
            data={"name": name, "kind": "street", "boundary": square(lat, lon), "min_level": 10},
        )
        city.zones.append(zone)
        for n in range(lights_per_zone):
            light = asset_create(
                actor="tests",
                device_id=f"SL-{index}{n:03d}",
                kind="streetlight",
                latitude=lat + 0.002 * (n + 1) / (lights_per_zone + 1),
                longitude=lon
                + 0.002 * ((n * 7) % (lights_per_zone + 1) + 0.5) / (lights_per_zone + 1),
                name=f"{name} light {n + 1}",
            )
            AssetState.objects.create(asset=light, online=True, level=level)
            city.lights.append(light)
        camera = asset_create(
            actor="tests",
            device_id=f"CAM-{index}",
            kind="camera",
            latitude=lat + 0.001,
            longitude=lon + 0.0015,
            name=f"{name} camera",
        )
        AssetState.objects.create(asset=camera, online=index == 0)
        city.cameras.append(camera)
    return city
