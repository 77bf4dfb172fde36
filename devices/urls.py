"""The devices app's REST API routes, mounted under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("devices.api.urls_registry")),
    path("", include("devices.api.urls_gateway")),
]
