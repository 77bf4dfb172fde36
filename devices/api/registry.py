"""Registry API views: zones, assets (with GeoJSON, CSV import and export, decommission), faults,
maintenance. Views parse, call one service or selector, and render."""

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cityplatform.api import ApplicationError
from cityplatform.csvsafe import csv_lines
from cityplatform.nul_guard import FormParser, JSONParser, MultiPartParser
from cityplatform.permissions import ACCESS_PLATFORM
from devices.api import registry_serializers as s
from devices.api.registry_filters import AssetFilter, FaultFilter, MaintenanceFilter, ZoneFilter
from devices.assets_csv import COLUMNS, asset_row
from devices.choices import AssetKind
from devices.models import Asset
from devices.selectors import registry as selectors
from devices.services import registry as services
from devices.services.asset_import import ImportFileError, assets_import
from devices.services.faults import fault_acknowledge, fault_clear, fault_raise

GEOJSON_LIMIT_DEFAULT = 10_000
GEOJSON_LIMIT_MAX = 50_000
DEVICE_ID_URL = r"[A-Za-z0-9_.-]{1,64}"

BBOX_PARAMETER = OpenApiParameter(
    "bbox", str, description="min_lon,min_lat,max_lon,max_lat (WGS84)", required=False
)
FEATURE_COLLECTION = inline_serializer(
    "FeatureCollection",
    {
        "type": serializers.CharField(),
        "features": serializers.ListField(child=serializers.DictField()),
        "truncated": serializers.BooleanField(required=False),
    },
)


def _geojson_limit(request: Request) -> int:
    value = request.query_params.get("limit")
    if value is None:
        return GEOJSON_LIMIT_DEFAULT
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if not 1 <= limit <= GEOJSON_LIMIT_MAX:
        raise ApplicationError(
            f"limit is a whole number from 1 to {GEOJSON_LIMIT_MAX}.",
            extra={"fields": {"limit": ["Out of range."]}},
        )
    return limit


class ZoneViewSet(viewsets.ModelViewSet):
    """Zones of the city (city → ward → street, venues, high-risk sites) with their boundaries.

    Assets are placed in the smallest zone containing them; changing a boundary re-places them.
    """

    serializer_class = s.ZoneSerializer
    filterset_class = ZoneFilter
    search_fields = ["name", "lighting_class"]
    ordering_fields = ["name", "kind", "min_level", "area_m2", "id"]
    permission_map = {
        "create": "devices.add_zone",
        "update": "devices.change_zone",
        "partial_update": "devices.change_zone",
        "destroy": "devices.delete_zone",
        "geojson": ACCESS_PLATFORM,
    }

    def get_queryset(self):
        return selectors.zones_list()

    @extend_schema(request=s.ZoneInputSerializer, responses={201: s.ZoneSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = s.ZoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        zone = services.zone_create(actor=request.user, data=data.validated_data)
        return Response(s.ZoneSerializer(zone).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ZoneInputSerializer, responses=s.ZoneSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        data = s.ZoneInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        zone = services.zone_update(
            zone=self.get_object(), actor=request.user, data=data.validated_data
        )
        return Response(s.ZoneSerializer(zone).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.zone_delete(zone=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[BBOX_PARAMETER], responses=FEATURE_COLLECTION)
    @action(detail=False, methods=["get"])
    def geojson(self, request: Request) -> Response:
        """Zones with a boundary as a GeoJSON FeatureCollection (filtered like the list)."""
        zones = self.filter_queryset(self.get_queryset())
        return Response(selectors.zones_geojson(zones=zones))


class AssetViewSet(viewsets.ModelViewSet):
    """Every asset (streetlights, cameras, sensors, controllers), addressed by device_id."""

    serializer_class = s.AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["device_id", "name", "serial"]
    ordering_fields = [
        "device_id",
        "name",
        "kind",
        "status",
        "installed_on",
        "warranty_until",
        "updated_at",
        "zone__name",
        "state__last_seen_at",
    ]
    ordering = ["device_id"]
    lookup_field = "device_id"
    lookup_value_regex = DEVICE_ID_URL
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    permission_map = {
        "create": "devices.add_asset",
        "update": "devices.change_asset",
        "partial_update": "devices.change_asset",
        "destroy": "devices.delete_asset",
        "decommission": "devices.decommission_asset",
        "import_csv": "devices.import_assets",
        "geojson": ACCESS_PLATFORM,
        "export": ACCESS_PLATFORM,
        "lights": ACCESS_PLATFORM,
    }

    def get_queryset(self):
        return selectors.assets_list()

    def list(self, request: Request, *args, **kwargs) -> Response:
        """Assets, filtered and ordered; three queries whatever the page size (count, the
        page's ids, the page's rows with zone, details and state)."""
        ids = self.filter_queryset(Asset.objects.all()).values_list("pk", flat=True)
        page = self.paginate_queryset(ids)
        rows = selectors.asset_rows(ids=list(page if page is not None else ids))
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=s.AssetInputSerializer, responses={201: s.AssetSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = s.AssetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        fields.setdefault("details", {})  # validated with the kind's rules, even when absent
        asset = services.asset_create(actor=request.user, **fields)
        return Response(
            s.AssetSerializer(selectors.asset_get(device_id=asset.device_id)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.AssetInputSerializer, responses=s.AssetSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        data = s.AssetInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        details = fields.pop("details", None)
        asset = services.asset_update(
            asset=self.get_object(), actor=request.user, data=fields, details=details
        )
        return Response(s.AssetSerializer(selectors.asset_get(device_id=asset.device_id)).data)

    @extend_schema(
        responses={204: None, 409: OpenApiTypes.OBJECT},
        description="Administrators only. An asset with history is refused (409): decommission it.",
    )
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.asset_delete(asset=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.DecommissionSerializer, responses=s.AssetSerializer)
    @action(detail=True, methods=["post"])
    def decommission(self, request: Request, device_id: str) -> Response:
        """Takes the asset out of service for good; its history is kept."""
        data = s.DecommissionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.asset_decommission(
            asset=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.AssetSerializer(selectors.asset_get(device_id=asset.device_id)).data)

    @extend_schema(responses=s.LightLinkSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def lights(self, request: Request, device_id: str) -> Response:
        """The lights linked to a camera (within CAMERA_LIGHT_RADIUS_M, or by hand)."""
        asset = self.get_object()
        if asset.kind != AssetKind.CAMERA:
            raise ApplicationError(f"{asset.device_id} is not a camera.")
        links = selectors.camera_links(camera_id=asset.pk)
        return Response(s.LightLinkSerializer(links, many=True).data)

    @extend_schema(
        parameters=[
            BBOX_PARAMETER,
            OpenApiParameter("limit", int, description=f"at most (≤ {GEOJSON_LIMIT_MAX})"),
        ],
        responses=FEATURE_COLLECTION,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request: Request) -> HttpResponse:
        """Assets as a GeoJSON FeatureCollection for maps, filtered like the list."""
        assets = self.filter_queryset(Asset.objects.all())
        text = selectors.assets_geojson_text(assets=assets, limit=_geojson_limit(request))
        return HttpResponse(text, content_type="application/json")

    @extend_schema(
        request={"multipart/form-data": s.ImportSerializer},
        responses={200: s.ImportReportSerializer, 201: s.ImportReportSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        """Imports assets from a CSV (docs/assets-csv.md). Nothing is written unless every row
        is valid, or `valid_only` is set; `dry_run` validates only. 400 lists each bad row."""
        data = s.ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            report = assets_import(
                data=upload.read(),
                actor=request.user,
                valid_only=data.validated_data["valid_only"],
                dry_run=data.validated_data["dry_run"],
                filename=upload.name,
            )
        except ImportFileError as error:
            raise ApplicationError(str(error), extra={"fields": {"file": [str(error)]}}) from None
        body = report.as_dict()
        if report.errors and not report.written and not report.dry_run:
            raise ApplicationError(
                f"{len(report.errors)} of {report.total_rows} rows are invalid; nothing was "
                "imported.",
                extra=body,
            )
        return Response(body, status=status.HTTP_201_CREATED if report.written else 200)

    @extend_schema(
        parameters=[BBOX_PARAMETER],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def export(self, request: Request) -> StreamingHttpResponse:
        """The assets as CSV (the import's format), filtered like the list."""
        assets = self.filter_queryset(Asset.objects.all())
        response = StreamingHttpResponse(
            csv_lines(COLUMNS, map(asset_row, selectors.assets_export_rows(assets=assets))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="assets.csv"'
        return response


class FaultViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Faults of assets: open until cleared, one open fault per asset and type."""

    serializer_class = s.FaultSerializer
    filterset_class = FaultFilter
    ordering_fields = ["raised_at", "cleared_at", "type"]
    permission_map = {
        "create": "devices.add_fault",
        "clear": "devices.change_fault",
        "acknowledge": "devices.change_fault",
    }

    def get_queryset(self):
        return selectors.faults_list()

    @extend_schema(
        request=s.FaultInputSerializer,
        responses={
            201: s.FaultSerializer,
            200: OpenApiResponse(s.FaultSerializer, description="already open: that fault"),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = s.FaultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fault, created = fault_raise(
            asset=data.validated_data["asset"],
            type=data.validated_data["type"],
            details=data.validated_data["details"],
            actor=request.user.get_username(),
        )
        return Response(
            s.FaultSerializer(fault).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=s.FaultSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request: Request, pk: str) -> Response:
        fault = self.get_object()
        if fault.cleared_at is None:
            fault = fault_clear(
                asset=fault.asset, type=fault.type, actor=request.user.get_username()
            )
        return Response(s.FaultSerializer(fault).data)

    @extend_schema(request=None, responses=s.FaultSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """Seen, and someone owns it: the fault stays open until cleared (a 400 once cleared)."""
        fault = fault_acknowledge(fault=self.get_object(), actor=request.user)
        return Response(s.FaultSerializer(fault).data)


class MaintenanceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Maintenance work orders (Smart Data Models `DeviceOperation`)."""

    serializer_class = s.MaintenanceSerializer
    filterset_class = MaintenanceFilter
    search_fields = ["notes", "assigned_to", "asset__device_id"]
    ordering_fields = ["opened_at", "closed_at", "status"]
    permission_map = {
        "create": "devices.add_maintenancerecord",
        "update": "devices.change_maintenancerecord",
        "partial_update": "devices.change_maintenancerecord",
    }

    def get_queryset(self):
        return selectors.maintenance_list()

    @extend_schema(request=s.MaintenanceInputSerializer, responses={201: s.MaintenanceSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = s.MaintenanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.maintenance_open(actor=request.user, **data.validated_data)
        return Response(s.MaintenanceSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MaintenanceUpdateSerializer, responses=s.MaintenanceSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        kwargs.pop("partial", None)
        data = s.MaintenanceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        record = services.maintenance_update(
            record=self.get_object(), actor=request.user, data=data.validated_data
        )
        return Response(s.MaintenanceSerializer(record).data)
