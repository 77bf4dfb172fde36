"""The emergency REST API (views parse, call one service, render) and the public CAP feed."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.throttling import ScopedRateThrottle
from emergency import selectors
from emergency.api import serializers as s
from emergency.cap.document import FeedEntry, atom_feed
from emergency.services import feeds as feed_services
from emergency.services import published as published_services
from emergency.services import thresholds as threshold_services
from emergency.services.push import cap_push

CAP_XML = "application/cap+xml"
PUBLISH = "emergency.publish_alert"
VIEW_PUBLISHED = "emergency.view_publishedalert"


class CapPushView(APIView):
    """A warning system pushes one CAP 1.2 message (XML body), signed like the VMS webhook."""

    authentication_classes: list = []
    permission_map = {"POST": None}  # public: the signature is the check
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "webhook"

    @extend_schema(
        request={CAP_XML: OpenApiTypes.STR, "application/xml": OpenApiTypes.STR},
        responses={201: s.CapPushAnswer},
        parameters=[
            OpenApiParameter("X-Source", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the X-Timestamp value, '.', the body>",
            ),
        ],
        auth=[],
    )
    def post(self, request):
        alert = cap_push(
            source_name=request.headers.get("X-Source", ""),
            timestamp=request.headers.get("X-Timestamp", ""),
            signature=request.headers.get("X-Signature", ""),
            body=request.body,
        )
        return Response(
            {"id": alert.pk, "state": alert.state, "alarm": alert.alarm_id},
            status=status.HTTP_201_CREATED,
        )


class CapAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """CAP messages received (pushed or polled) and what was done with each."""

    serializer_class = s.CapAlertSerializer
    permission_map = {"list": "emergency.view_capalert", "retrieve": "emergency.view_capalert"}
    filterset_fields = ["state", "msg_type", "origin"]

    def get_queryset(self):
        return selectors.alerts_list()


class RefusedAlertViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """CAP messages refused, with the reason."""

    serializer_class = s.RefusedAlertSerializer
    permission_map = {
        "list": "emergency.view_refusedalert",
        "retrieve": "emergency.view_refusedalert",
    }
    filterset_fields = ["reason", "origin"]

    def get_queryset(self):
        return selectors.refusals_list()


class CapFeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The polled CAP feeds (administrators configure them)."""

    serializer_class = s.CapFeedSerializer
    permission_map = {
        "list": "emergency.view_capfeed",
        "retrieve": "emergency.view_capfeed",
        "create": "emergency.add_capfeed",
        "update": "emergency.change_capfeed",
        "partial_update": "emergency.change_capfeed",
    }

    def get_queryset(self):
        return selectors.feeds_list()

    def perform_create(self, serializer):
        serializer.instance = feed_services.feed_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = feed_services.feed_update(
            feed=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )


class PublishedAlertViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The city's public alerts: publish (supervisors), then update or cancel the current one."""

    serializer_class = s.PublishedAlertSerializer
    permission_map = {
        "list": VIEW_PUBLISHED,
        "retrieve": VIEW_PUBLISHED,
        "create": PUBLISH,
        "update_alert": PUBLISH,
        "cancel": PUBLISH,
    }

    def get_queryset(self):
        return selectors.published_list()

    def _done(self, alert, code=status.HTTP_201_CREATED):
        return Response(s.PublishedAlertSerializer(alert).data, status=code)

    @extend_schema(request=s.PublishedAlertInput, responses={201: s.PublishedAlertSerializer})
    def create(self, request):
        data = s.PublishedAlertInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        alert = published_services.published_alert_create(
            zone_ids=values.pop("zones"), actor=request.user, **values
        )
        return self._done(alert)

    @extend_schema(request=s.PublishedUpdateInput, responses={201: s.PublishedAlertSerializer})
    @action(detail=True, methods=["post"], url_path="update")
    def update_alert(self, request, pk=None):
        data = s.PublishedUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        alert = published_services.published_alert_update(
            alert=self.get_object(),
            actor=request.user,
            zone_ids=values.pop("zones", None),
            **values,
        )
        return self._done(alert)

    @extend_schema(request=s.PublishedCancelInput, responses={201: s.PublishedAlertSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = s.PublishedCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = published_services.published_alert_cancel(
            alert=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return self._done(alert)


# --- The public feed (no sign-in: public alerts are public) ----------------------------------

FEED_SIZE = 50


@require_safe
def cap_feed(request):
    """GET /cap/alerts.atom: the current message of each published alert, newest first."""
    entries = [
        FeedEntry(
            identifier=f"urn:cap:{alert.identifier}",
            title=f"{alert.msg_type}: {alert.headline}",
            summary=alert.instruction or alert.description or alert.event,
            updated=alert.sent,
            href=request.build_absolute_uri(f"/cap/alerts/{alert.pk}.xml"),
        )
        for alert in selectors.published_current()[:FEED_SIZE]
    ]
    body = atom_feed(
        feed_id=request.build_absolute_uri("/cap/alerts.atom"),
        title=settings.CAP_FEED_TITLE,
        self_href=request.build_absolute_uri("/cap/alerts.atom"),
        entries=entries,
        now=timezone.now(),
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_safe
def cap_alert_document(request, pk: int):
    """GET /cap/alerts/{id}.xml: one published message as CAP 1.2."""
    alert = selectors.published_list().filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert")
    body = selectors.published_document(
        alert, sender=settings.CAP_SENDER, web=request.build_absolute_uri("/cap/alerts.atom")
    )
    return HttpResponse(body, content_type=f"{CAP_XML}; charset=utf-8")


class ThresholdRuleViewSet(viewsets.ModelViewSet):
    """Sensor threshold rules (docs/emergency.md, "Sensor thresholds"): operators read them,
    security supervisors and administrators edit them."""

    serializer_class = s.ThresholdRuleSerializer
    permission_map = {
        "list": "emergency.view_thresholdrule",
        "retrieve": "emergency.view_thresholdrule",
        "create": "emergency.add_thresholdrule",
        "update": "emergency.change_thresholdrule",
        "partial_update": "emergency.change_thresholdrule",
        "destroy": "emergency.delete_thresholdrule",
    }

    def get_queryset(self):
        return selectors.threshold_rules()

    def perform_create(self, serializer):
        serializer.instance = threshold_services.rule_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = threshold_services.rule_update(
            rule=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )

    def perform_destroy(self, instance):
        threshold_services.rule_delete(rule=instance, actor=self.request.user)
