"""The small city of the NGSI-LD query tests."""

from devices.choices import AssetKind, LifecycleStatus
from devices.models import (
    Asset,
    AssetState,
    CameraDetails,
    ControllerDetails,
    SensorDetails,
    StreetlightDetails,
    Zone,
)

BOX = {
    "type": "Polygon",
    "coordinates": [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.51], [-0.1, 51.5]]],
}


def make_city() -> Zone:
    """Three lights of a cabinet in a zone, one far away, a camera and a sensor."""
    zone = Zone.objects.create(name="Bank", boundary=BOX)
    cabinet = Asset.objects.create(
        device_id="CAB-1", kind=AssetKind.CONTROLLER, latitude=51.505, longitude=-0.095, zone=zone
    )
    ControllerDetails.objects.create(asset=cabinet, protocol="mqtt")
    for n, level in enumerate([100, 40, 0]):
        light = Asset.objects.create(
            device_id=f"SL-{n}",
            kind=AssetKind.STREETLIGHT,
            latitude=51.505 + n * 0.001,
            longitude=-0.095,
            zone=zone,
            status=LifecycleStatus.FAULTY if n == 2 else LifecycleStatus.ACTIVE,
        )
        StreetlightDetails.objects.create(asset=light, controller=cabinet)
        AssetState.objects.create(asset=light, online=True, level=level)
    far = Asset.objects.create(
        device_id="SL-FAR", kind=AssetKind.STREETLIGHT, latitude=52.0, longitude=-1.0
    )
    StreetlightDetails.objects.create(asset=far)
    camera = Asset.objects.create(
        device_id="CAM-1", kind=AssetKind.CAMERA, latitude=51.505, longitude=-0.095, zone=zone
    )
    CameraDetails.objects.create(asset=camera, purpose="Protect the vulnerable resident at No 4")
    AssetState.objects.create(asset=camera, online=False)
    sensor = Asset.objects.create(
        device_id="LUX-1", kind=AssetKind.SENSOR, latitude=51.505, longitude=-0.095
    )
    SensorDetails.objects.create(asset=sensor, measures="lux")
    return zone
