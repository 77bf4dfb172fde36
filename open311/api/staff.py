"""The staff side of residents' reports in the REST API (/api/v1/open311/): every report with
what only staff see (the asset, the fault, why it is in triage, the reporter's contact), the
triage queue, and the two actions (place on an asset, close with a public note)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from open311 import selectors
from open311.models import ServiceRequest
from open311.services.staff import service_request_assign, service_request_close

VIEW = "open311.view_servicerequest"
TRIAGE = "open311.triage_servicerequest"


class StaffRequestSerializer(serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="device_id", read_only=True)
    client = serializers.SlugRelatedField(slug_field="name", read_only=True)
    stage = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "public_id",
            "service_code",
            "client",
            "stage",
            "status_notes",
            "latitude",
            "longitude",
            "address_string",
            "asset",
            "fault",
            "description",
            "media_url",
            "contact",
            "triage_reason",
            "candidates",
            "public_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_stage(self, obj) -> str:
        return selectors.request_stage(obj).value

    def get_status_notes(self, obj) -> str:
        return selectors.status_notes(obj)


class ReportAssignInput(serializers.Serializer):
    device_id = serializers.CharField(max_length=64)


class ReportCloseInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ServiceRequestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Residents' reports, newest first; `?triage=true`: those waiting for a person."""

    serializer_class = StaffRequestSerializer
    lookup_field = "public_id"
    filter_backends: list = []
    permission_map = {"list": VIEW, "retrieve": VIEW, "assign": TRIAGE, "close": TRIAGE}

    def get_queryset(self):
        if self.request.query_params.get("triage") == "true":
            return selectors.triage_queue().select_related("asset", "fault")
        return ServiceRequest.objects.select_related("client", "asset", "fault")

    def retrieve(self, request, public_id: str):
        found = selectors.service_request_get(public_id=public_id)
        if found is None:
            raise Http404
        return Response(StaffRequestSerializer(found).data)

    def _found(self, public_id: str) -> ServiceRequest:
        found = selectors.service_request_get(public_id=public_id)
        if found is None:
            raise Http404
        return found

    @extend_schema(request=ReportAssignInput, responses=StaffRequestSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, public_id: str):
        """Places a report waiting in triage on an asset: its fault is raised."""
        data = ReportAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        placed = service_request_assign(
            request=self._found(public_id),
            device_id=data.validated_data["device_id"],
            actor=request.user,
        )
        return Response(StaffRequestSerializer(self._found(placed.public_id)).data)

    @extend_schema(request=ReportCloseInput, responses=StaffRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, public_id: str):
        """Closes a report with the note the resident sees (its fault is cleared)."""
        data = ReportCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        closed = service_request_close(
            request=self._found(public_id), note=data.validated_data["note"], actor=request.user
        )
        return Response(StaffRequestSerializer(self._found(closed.public_id)).data)
