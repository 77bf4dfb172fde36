"""The assets of a kind near a point, nearest first (residents' reports, open311): a box around
the point through the GiST index on the asset's point (migration 0003), then exact distances."""

from dataclasses import dataclass

from devices.choices import AssetKind, LifecycleStatus
from devices.geo import bbox_around, distance_m
from devices.models import Asset
from devices.selectors.registry import bbox_q


@dataclass(frozen=True, slots=True)
class Nearby:
    asset: Asset
    distance_m: float


def assets_near(
    *, latitude: float, longitude: float, radius_m: float, kind: AssetKind | str
) -> list[Nearby]:
    """Assets of `kind` within `radius_m` of the point, nearest first; decommissioned ones are
    left out (nobody repairs what was taken away)."""
    min_lat, max_lat, min_lon, max_lon = bbox_around(latitude, longitude, radius_m)
    candidates = (
        Asset.objects.filter(bbox_q((min_lon, min_lat, max_lon, max_lat)), kind=kind)
        .exclude(status=LifecycleStatus.DECOMMISSIONED)
        .only("pk", "device_id", "kind", "latitude", "longitude", "zone_id", "status")
    )
    found = [
        Nearby(asset, distance_m(latitude, longitude, asset.latitude, asset.longitude))
        for asset in candidates
    ]
    return sorted(
        (n for n in found if n.distance_m <= radius_m),
        key=lambda n: (n.distance_m, n.asset.device_id),
    )


def asset_by_device_id(*, device_id: str) -> Asset | None:
    return Asset.objects.filter(device_id=device_id).first()
