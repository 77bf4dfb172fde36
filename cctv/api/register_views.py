"""The purpose register's API (supervisors edit, publish and review purposes and link cameras)
and the public camera register's JSON and CSV (no sign-in, nothing personal, GET only)."""

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cctv.models import Purpose
from cctv.register import selectors as selectors_register
from cctv.services import register
from cityplatform.csvsafe import csv_lines

VIEW_PURPOSE = "cctv.view_purpose"
CHANGE_PURPOSE = "cctv.change_purpose"
PUBLISH_PURPOSE = "cctv.publish_purpose"

# The public register changes when a supervisor acts: caches may keep it a few minutes.
PUBLIC_CACHE = "public, max-age=300"


class PurposeSerializer(serializers.ModelSerializer):
    camera_count = serializers.IntegerField(read_only=True)
    retention_effective = serializers.IntegerField(read_only=True)

    class Meta:
        model = Purpose
        fields = [
            "id",
            "name",
            "public_description",
            "lawful_basis",
            "operator",
            "contact",
            "retention_days",
            "retention_effective",
            "last_reviewed",
            "next_review",
            "published",
            "camera_count",
            "updated_at",
        ]
        read_only_fields = ["published", "updated_at"]


class PublishInput(serializers.Serializer):
    published = serializers.BooleanField()


class ReviewInput(serializers.Serializer):
    next_review = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CameraInput(serializers.Serializer):
    camera = serializers.IntegerField(min_value=1)
    linked = serializers.BooleanField(default=True)


class PurposeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PurposeSerializer
    permission_map = {
        "list": VIEW_PURPOSE,
        "retrieve": VIEW_PURPOSE,
        "create": "cctv.add_purpose",
        "partial_update": CHANGE_PURPOSE,
        "publish": PUBLISH_PURPOSE,
        "review": CHANGE_PURPOSE,
        "cameras": CHANGE_PURPOSE,
    }

    def get_queryset(self):
        return selectors_register.purposes_list()

    def _data(self, request, *, instance: Purpose | None = None) -> dict:
        data = PurposeSerializer(instance, data=request.data, partial=instance is not None)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=PurposeSerializer, responses={201: PurposeSerializer})
    def create(self, request):
        purpose = register.purpose_create(data=self._data(request), actor=request.user)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=purpose.pk)).data, status=201
        )

    @extend_schema(request=PurposeSerializer, responses=PurposeSerializer)
    def partial_update(self, request, pk=None):
        purpose = self.get_object()
        register.purpose_update(
            purpose=purpose, data=self._data(request, instance=purpose), actor=request.user
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=purpose.pk)).data)

    @extend_schema(request=PublishInput, responses=PurposeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        data = PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        purpose = register.purpose_publish(
            purpose=self.get_object(),
            published=data.validated_data["published"],
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=purpose.pk)).data)

    @extend_schema(request=ReviewInput, responses=PurposeSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        purpose = register.purpose_review(
            purpose=self.get_object(),
            next_review=data.validated_data["next_review"],
            note=data.validated_data["note"],
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=purpose.pk)).data)

    @extend_schema(request=CameraInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def cameras(self, request, pk=None):
        """Links a camera to this purpose (`linked: false` unlinks it)."""
        data = CameraInput(data=request.data)
        data.is_valid(raise_exception=True)
        purpose = self.get_object()
        v = data.validated_data
        register.camera_purpose_set(
            camera_id=v["camera"], purpose=purpose if v["linked"] else None, actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = PUBLIC_CACHE
    return response


@require_safe
def public_register_json(request):
    """GET /cameras/register.json: the public camera register."""
    entries = selectors_register.public_register()
    body = {
        "generated": timezone.now().isoformat(),
        "count": len(entries),
        "cameras": [entry.as_json() for entry in entries],
    }
    return _public(JsonResponse(body))


@require_safe
def public_register_csv(request):
    """GET /cameras/register.csv: the same, one camera a row."""
    columns = selectors_register.REGISTER_COLUMNS
    rows = [
        [row[c] for c in columns]
        for row in (e.as_json() for e in selectors_register.public_register())
    ]
    response = HttpResponse(
        "".join(csv_lines(columns, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="camera-register.csv"'
    return _public(response)
