"""The cctv REST API: views parse, call one service, render."""

from datetime import timedelta

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cctv import selectors
from cctv.api import serializers as s
from cctv.choices import AlarmState
from cctv.models import Alarm, AlarmRule, Event
from cctv.services import alarms as alarm_services
from cctv.services import rules, sources
from cityplatform.api import FilterSet, InstantFilter
from cityplatform.throttling import ScopedRateThrottle

VIEW_EVENT = "cctv.view_event"
VIEW_ALARM = "cctv.view_alarm"
WORK_ALARM = "cctv.work_alarm"


class WebhookIngestView(APIView):
    """A VMS posts one event, signed (X-Source, X-Timestamp, X-Signature: sha256=<hex>)."""

    authentication_classes: list = []
    permission_map = {"POST": None}  # public: the signature is the check
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "webhook"

    @extend_schema(
        request=s.WebhookEventSchema,
        responses={201: s.WebhookAnswer, 200: s.WebhookAnswer},
        parameters=[
            OpenApiParameter("X-Source", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description=(
                    "sha256=<hex HMAC-SHA256, with the source's secret, of the X-Timestamp value, "
                    "'.', and the raw body> (the body-only HMAC is accepted, deprecated)"
                ),
            ),
        ],
        auth=[],
    )
    def post(self, request):
        body = request.body
        result = sources.webhook_ingest(
            source_name=request.headers.get("X-Source", ""),
            timestamp=request.headers.get("X-Timestamp", ""),
            signature=request.headers.get("X-Signature", ""),
            body=body,
        )
        created = bool(result.created)
        ids = result.created or result.updated
        return Response(
            {"stored": created, "duplicate": not created, "event": ids[0] if ids else None},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EventFilter(FilterSet):
    camera = django_filters.CharFilter(field_name="device__device_id")
    since = InstantFilter(field_name="ts", lookup_expr="gte")
    until = InstantFilter(field_name="ts", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["camera", "zone", "type", "status", "source", "since", "until"]


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.EventSerializer
    permission_map = {"list": VIEW_EVENT, "retrieve": VIEW_EVENT}
    filterset_class = EventFilter
    ordering_fields = ["ts", "id", "confidence"]

    def get_queryset(self):
        return selectors.events_visible_to(self.request.user)


class AlarmFilter(FilterSet):
    camera = django_filters.CharFilter(field_name="camera__device_id")
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = Alarm
        fields = ["state", "category", "priority", "zone", "camera", "rule", "assignee"]

    def filter_open(self, queryset, name, value):
        return (
            queryset.exclude(state=AlarmState.CLOSED)
            if value
            else queryset.filter(state=AlarmState.CLOSED)
        )


class AlarmViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The alarm queue; each action is its own endpoint calling one service."""

    permission_map = {
        "list": VIEW_ALARM,
        "retrieve": VIEW_ALARM,
        "acknowledge": WORK_ALARM,
        "assign": WORK_ALARM,
        "hold": WORK_ALARM,
        "close": WORK_ALARM,
        "notes": WORK_ALARM,
    }
    filterset_class = AlarmFilter
    ordering_fields = ["priority", "raised_at", "last_event_at", "id"]

    def get_queryset(self):
        alarms = selectors.alarms_visible_to(self.request.user)
        if self.action == "retrieve":
            alarms = alarms.prefetch_related("log")
        return alarms

    def get_serializer_class(self):
        return s.AlarmDetailSerializer if self.action == "retrieve" else s.AlarmSerializer

    def _done(self, alarm, code=status.HTTP_200_OK):
        alarm = self.get_queryset().get(pk=alarm.pk)
        return Response(s.AlarmDetailSerializer(alarm).data, status=code)

    @extend_schema(request=None, responses=s.AlarmDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alarm = alarm_services.alarm_acknowledge(alarm=self.get_object(), actor=request.user)
        return self._done(alarm)

    @extend_schema(request=s.AssignInput, responses=s.AlarmDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = s.AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = alarm_services.alarm_assign(
            alarm=self.get_object(), assignee=data.validated_data["assignee"], actor=request.user
        )
        return self._done(alarm)

    @extend_schema(request=s.HoldInput, responses=s.AlarmDetailSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        data = s.HoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = alarm_services.alarm_hold(
            alarm=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return self._done(alarm)

    @extend_schema(request=s.CloseInput, responses=s.AlarmDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = s.CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = alarm_services.alarm_close(
            alarm=self.get_object(),
            actor=request.user,
            resolution=data.validated_data["resolution"],
            note=data.validated_data["note"],
        )
        return self._done(alarm)

    @extend_schema(request=s.NoteInput, responses={201: s.AlarmDetailSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        data = s.NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = self.get_object()
        alarm_services.alarm_note_add(
            alarm=alarm, actor=request.user, text=data.validated_data["text"]
        )
        return self._done(alarm, status.HTTP_201_CREATED)


class AlarmRuleViewSet(viewsets.ModelViewSet):
    """Alarm rules, configured by security supervisors."""

    serializer_class = s.AlarmRuleSerializer
    permission_map = {
        "list": "cctv.view_alarmrule",
        "retrieve": "cctv.view_alarmrule",
        "create": "cctv.add_alarmrule",
        "update": "cctv.change_alarmrule",
        "partial_update": "cctv.change_alarmrule",
        "destroy": "cctv.delete_alarmrule",
    }
    filterset_fields = ["enabled", "category", "window"]

    def get_queryset(self):
        return selectors.alarm_rules()

    @staticmethod
    def _data(validated: dict) -> dict:
        data = dict(validated)
        if "cameras" in data:
            data["cameras"] = [c.pk for c in data["cameras"]]
        if "zones" in data:
            data["zones"] = [z.pk for z in data["zones"]]
        return data

    def perform_create(self, serializer):
        serializer.instance = rules.alarm_rule_create(
            actor=self.request.user, **self._data(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = rules.alarm_rule_update(
            rule=serializer.instance,
            actor=self.request.user,
            **self._data(serializer.validated_data),
        )

    def perform_destroy(self, instance: AlarmRule):
        rules.alarm_rule_delete(rule=instance, actor=self.request.user)


class EventSourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook sources and their secrets: administrators only. A secret is shown once."""

    serializer_class = s.EventSourceSerializer
    permission_map = {
        "list": "cctv.view_eventsource",
        "retrieve": "cctv.view_eventsource",
        "create": "cctv.add_eventsource",
        "update": "cctv.change_eventsource",
        "partial_update": "cctv.change_eventsource",
        "rotate": "cctv.change_eventsource",
    }

    def get_queryset(self):
        return selectors.sources_list()

    @extend_schema(responses={201: s.EventSourceSecretSerializer})
    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        source, secret = sources.source_create(
            name=data.validated_data["name"],
            description=data.validated_data.get("description", ""),
            cameras=data.validated_data.get("cameras", []),
            actor=request.user,
        )
        body = {**s.EventSourceSerializer(source).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = sources.source_update(
            source=serializer.instance,
            actor=self.request.user,
            active=serializer.validated_data.get("active"),
            description=serializer.validated_data.get("description"),
            cameras=serializer.validated_data.get("cameras"),
        )

    @extend_schema(request=s.RotateInput, responses=s.EventSourceSecretSerializer)
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        data = s.RotateInput(data=request.data)
        data.is_valid(raise_exception=True)
        source = self.get_object()
        secret = sources.source_secret_rotate(
            source=source,
            actor=request.user,
            grace=timedelta(seconds=data.validated_data["grace_s"]),
        )
        return Response({**s.EventSourceSerializer(source).data, "secret": secret})


class CameraReviewView(APIView):
    """Cameras without a purpose or with an overdue purpose review."""

    permission_map = {"GET": VIEW_ALARM}

    @extend_schema(
        responses={
            200: inline_serializer(
                "CameraReview",
                {
                    "id": drf_serializers.IntegerField(),
                    "device_id": drf_serializers.CharField(),
                    "name": drf_serializers.CharField(),
                    "no_purpose": drf_serializers.BooleanField(),
                    "review_due": drf_serializers.DateField(allow_null=True),
                    "review_overdue": drf_serializers.BooleanField(),
                },
                many=True,
            )
        }
    )
    def get(self, request):
        return Response(selectors.cameras_review_overdue())
