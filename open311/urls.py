"""GeoReport v2, mounted at /open311/v2/ (docs/open311.md)."""

from django.urls import path

from open311.api import georeport

urlpatterns = [
    path("services.<str:fmt>", georeport.services, name="open311-services"),
    path(
        "services/<str:code>.<str:fmt>",
        georeport.service_definition,
        name="open311-service-definition",
    ),
    path("requests.<str:fmt>", georeport.requests, name="open311-requests"),
    path("requests/<str:public_id>.<str:fmt>", georeport.request_detail, name="open311-request"),
]
