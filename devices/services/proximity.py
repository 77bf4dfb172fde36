"""Camera ↔ light proximity: the lights within `CAMERA_LIGHT_RADIUS_M` (default 50 m) of each
camera, kept as `CameraLight` rows so that an alert finds its lights in one query.

Links are recomputed when a camera or a light is created, moved, imported or decommissioned.
Links made by hand (`manual=True`) are never removed by a recomputation; only their distance is
brought up to date. Decommissioned assets get no automatic links.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from cityplatform.api import ApplicationError
from devices.choices import AssetKind, LifecycleStatus
from devices.geo import Located, bbox_around, distance_m, pairs_within
from devices.models import Asset, CameraLight

# Beyond this many cameras, loading every light is cheaper than one box per camera.
_BOXES_MAX = 50


def proximity_radius_m() -> float:
    return settings.CAMERA_LIGHT_RADIUS_M


def _eligible(kind: str):
    return Asset.objects.filter(kind=kind).exclude(status=LifecycleStatus.DECOMMISSIONED)


def _located(queryset) -> list[Located]:
    return [Located(*row) for row in queryset.values_list("pk", "latitude", "longitude")]


def _lights_near(cameras: list[Located], radius: float) -> list[Located]:
    lights = _eligible(AssetKind.STREETLIGHT)
    if len(cameras) <= _BOXES_MAX:
        boxes = Q(pk__in=[])
        for camera in cameras:
            min_lat, max_lat, min_lon, max_lon = bbox_around(
                camera.latitude, camera.longitude, radius
            )
            boxes |= Q(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))
        lights = lights.filter(boxes)
    return _located(lights)


@transaction.atomic
def proximity_sync(
    *, camera_ids: Iterable[int] | None = None, light_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Recomputes the links of the given cameras, or of the given lights, or of all (neither).

    Returns counts of links created, removed and updated.
    """
    radius = proximity_radius_m()
    if camera_ids is not None:
        camera_ids = set(camera_ids)
        cameras = _located(_eligible(AssetKind.CAMERA).filter(pk__in=camera_ids))
        lights = _lights_near(cameras, radius)
        scope = CameraLight.objects.filter(camera_id__in=camera_ids)
    elif light_ids is not None:
        light_ids = set(light_ids)
        lights = _located(_eligible(AssetKind.STREETLIGHT).filter(pk__in=light_ids))
        cameras = _located(_eligible(AssetKind.CAMERA)) if lights else []
        scope = CameraLight.objects.filter(light_id__in=light_ids)
    else:
        cameras = _located(_eligible(AssetKind.CAMERA))
        lights = _located(_eligible(AssetKind.STREETLIGHT))
        scope = CameraLight.objects.all()

    wanted = pairs_within(cameras, lights, radius)
    existing = list(
        scope.values_list(
            "pk",
            "camera_id",
            "light_id",
            "manual",
            "distance_m",
            "camera__latitude",
            "camera__longitude",
            "light__latitude",
            "light__longitude",
        )
    )
    remove, update = [], []
    for pk, cam, light, manual, old, clat, clon, llat, llon in existing:
        key = (cam, light)
        if key in wanted:
            distance = wanted.pop(key)
        elif manual:
            distance = distance_m(clat, clon, llat, llon)
        else:
            remove.append(pk)
            continue
        if abs(distance - old) > 0.01:
            update.append(CameraLight(pk=pk, distance_m=distance))
    if remove:
        CameraLight.objects.filter(pk__in=remove).delete()
    if update:
        CameraLight.objects.bulk_update(update, ["distance_m"], batch_size=2000)
    CameraLight.objects.bulk_create(
        [
            CameraLight(camera_id=cam, light_id=light, distance_m=d, manual=False)
            for (cam, light), d in wanted.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return {"created": len(wanted), "removed": len(remove), "updated": len(update)}


def proximity_link_new(*, camera_ids: set[int], light_ids: set[int]) -> int:
    """Links assets just created in bulk (an import): they have no links yet, so only new
    pairs are computed (new cameras with every light, new lights with every older camera).
    Returns the number of links created."""
    if not camera_ids and not light_ids:
        return 0
    radius = proximity_radius_m()
    cameras = _located(_eligible(AssetKind.CAMERA))
    new_cameras = [c for c in cameras if c.id in camera_ids]
    old_cameras = [c for c in cameras if c.id not in camera_ids]
    lights = _located(_eligible(AssetKind.STREETLIGHT))
    new_lights = [light for light in lights if light.id in light_ids]
    wanted = pairs_within(new_cameras, lights, radius) if new_cameras else {}
    if old_cameras and new_lights:
        wanted.update(pairs_within(old_cameras, new_lights, radius))
    CameraLight.objects.bulk_create(
        [
            CameraLight(camera_id=cam, light_id=light, distance_m=d, manual=False)
            for (cam, light), d in wanted.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(wanted)


def proximity_update_for(*, asset: Asset) -> None:
    """Brings the links of one camera or light up to date (after it was created or moved)."""
    if asset.kind == AssetKind.CAMERA:
        proximity_sync(camera_ids=[asset.pk])
    elif asset.kind == AssetKind.STREETLIGHT:
        proximity_sync(light_ids=[asset.pk])


def camera_light_link(*, camera: Asset, light: Asset) -> CameraLight:
    """Links a light to a camera by hand; the link survives recomputation."""
    if camera.kind != AssetKind.CAMERA or light.kind != AssetKind.STREETLIGHT:
        raise ApplicationError("A manual link joins a camera to a streetlight.")
    link, _ = CameraLight.objects.update_or_create(
        camera=camera,
        light=light,
        defaults={
            "manual": True,
            "distance_m": distance_m(
                camera.latitude, camera.longitude, light.latitude, light.longitude
            ),
        },
    )
    return link


def camera_light_unlink(*, camera: Asset, light: Asset) -> None:
    """Removes a manual link; an automatic one comes back at the next recomputation if near."""
    CameraLight.objects.filter(camera=camera, light=light).delete()
    proximity_sync(camera_ids=[camera.pk])
