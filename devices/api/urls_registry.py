"""Registry routes: zones, assets, faults, maintenance, import and export."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from devices.api import registry

router = SimpleRouter()
router.register("zones", registry.ZoneViewSet, basename="zone")
router.register("assets", registry.AssetViewSet, basename="asset")
router.register("faults", registry.FaultViewSet, basename="fault")
router.register("maintenance", registry.MaintenanceViewSet, basename="maintenance")

urlpatterns = [
    # Before the router: "export.csv" would otherwise read as a device id.
    path(
        "assets/export.csv",
        registry.AssetViewSet.as_view({"get": "export"}),
        name="asset-export",
    ),
    path("", include(router.urls)),
]
