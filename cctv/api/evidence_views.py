"""The evidence API: legal holds, evidence exports (with their download and disclosure log)
and the purge runs. Supervisors' work (`cctv.manage_evidence`); views parse, call one service
or selector, render."""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cctv import selectors
from cctv.api import serializers as s
from cctv.services import evidence, retention

MANAGE_EVIDENCE = "cctv.manage_evidence"


class LegalHoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.LegalHoldSerializer
    permission_map = {
        "list": MANAGE_EVIDENCE,
        "retrieve": MANAGE_EVIDENCE,
        "create": MANAGE_EVIDENCE,
        "release": MANAGE_EVIDENCE,
    }

    def get_queryset(self):
        return selectors.legal_holds().prefetch_related("events", "alarms")

    @extend_schema(request=s.LegalHoldInput, responses={201: s.LegalHoldSerializer})
    def create(self, request):
        data = s.LegalHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        hold = retention.legal_hold_create(
            reason=v["reason"],
            owner=v["owner"],
            review_due=v["review_due"],
            actor=request.user,
            event_ids=v["events"],
            alarm_ids=[
                a.pk for a in selectors.alarms_visible_to(request.user).filter(pk__in=v["alarms"])
            ],
            camera_id=v["camera"].pk if v.get("camera") else None,
            start=v.get("start"),
            end=v.get("end"),
        )
        return Response(self.get_serializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReleaseInput, responses=s.LegalHoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        data = s.ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = retention.legal_hold_release(
            hold=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(hold).data)


class EvidenceExportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.EvidenceExportSerializer
    permission_map = {
        "list": MANAGE_EVIDENCE,
        "retrieve": MANAGE_EVIDENCE,
        "create": MANAGE_EVIDENCE,
        "download": MANAGE_EVIDENCE,
        "disclosures": MANAGE_EVIDENCE,
    }

    def get_queryset(self):
        return selectors.evidence_exports()

    @extend_schema(request=s.ExportInput, responses={201: s.EvidenceExportSerializer})
    def create(self, request):
        data = s.ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        alarm = None
        if v.get("alarm") is not None:
            alarm = selectors.alarms_visible_to(request.user).filter(pk=v["alarm"]).first()
            if alarm is None:
                return Response(
                    {"message": "No such alarm.", "extra": {"fields": {"alarm": ["not found"]}}},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        export = evidence.evidence_export(
            actor=request.user,
            purpose=v["purpose"],
            requested_by=v["requested_by"],
            alarm=alarm,
            camera_id=v["camera"].pk if v.get("camera") else None,
            start=v.get("start"),
            end=v.get("end"),
            event_type=v.get("type", ""),
        )
        return Response(self.get_serializer(export).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        export = self.get_object()
        return FileResponse(
            open(export.file, "rb"),
            as_attachment=True,
            filename=f"{export.exhibit_ref}.zip",
            content_type="application/zip",
        )

    @extend_schema(methods=["GET"], responses=s.DisclosureSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.DisclosureSerializer, responses={201: s.DisclosureSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def disclosures(self, request, pk=None):
        export = self.get_object()
        if request.method == "GET":
            items = selectors.disclosures().filter(export=export)
            return Response(s.DisclosureSerializer(items, many=True).data)
        data = s.DisclosureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disclosure = evidence.disclosure_record(
            export=export, actor=request.user, **data.validated_data
        )
        return Response(s.DisclosureSerializer(disclosure).data, status=status.HTTP_201_CREATED)


class PurgeRunViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PurgeRunSerializer
    permission_map = {"list": MANAGE_EVIDENCE}

    def get_queryset(self):
        return selectors.purge_runs()
