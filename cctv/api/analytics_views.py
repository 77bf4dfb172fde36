"""The correlation analytics API: zone-hour series, hotspots, recommendations (each with a CSV
export), and the draft of a recommended programme change. Views parse, call one service or
selector, render."""

import io
import json
from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cctv.analytics import hotspots as analytics_hotspots
from cctv.analytics.latency import latency_summary
from cctv.analytics.reports import recommendation_draft
from cctv.models import AnalyticsReport, ZoneHour
from cctv.selectors import event_counts_shown, event_types_hidden_from
from cityplatform.api import MAX_ID
from cityplatform.csvsafe import SafeWriter

VIEW_ANALYTICS = "cctv.view_zonehour"
DRAFT_PROGRAMME = "lighting.add_programme"
MAX_DAYS = 92
# The analytics compare a period with the 28 days before it; nothing is older than this.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def _check_period(since, until) -> None:
    if since < EARLIEST:
        raise serializers.ValidationError({"since": ["must be on or after 1970-01-01"]})
    if since >= until:
        raise serializers.ValidationError({"until": ["must be after since"]})
    if until - since > timedelta(days=MAX_DAYS):
        raise serializers.ValidationError({"since": [f"at most {MAX_DAYS} days"]})


class PeriodInput(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    zone = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    type = serializers.CharField(required=False, max_length=64, allow_blank=True)

    def validate(self, data):
        until = data.get("until") or timezone.now()
        since = data.get("since") or until - timedelta(days=7)
        _check_period(since, until)
        return {**data, "since": since, "until": until}


PERIOD_PARAMETERS = [
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Default: 7 days before until"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Default: now"),
    OpenApiParameter("zone", OpenApiTypes.INT),
    OpenApiParameter("type", OpenApiTypes.STR, description="Event type"),
]


def _period(request) -> dict:
    data = PeriodInput(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _csv(rows: list[dict], columns: list[str], filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v
                for v in (row.get(c) for c in columns)
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EVENT_COUNT_FIELDS = ("events", "events_dim", "events_lit", "events_boosted")


def _hidden(request) -> frozenset[str]:
    """The event types this caller may not see, left out of every answer (welfare types for
    those without cctv.view_welfare_alarm)."""
    return event_types_hidden_from(request.user)


class ZoneHourSerializer(serializers.ModelSerializer):
    """Counts by event type without the types the requesting user may not see."""

    zone_name = serializers.CharField(source="zone.name")

    def to_representation(self, row):
        data = super().to_representation(row)
        hidden = _hidden(self.context["request"])
        for name in EVENT_COUNT_FIELDS:
            data[name] = event_counts_shown(data[name], hidden)
        return data

    class Meta:
        model = ZoneHour
        fields = [
            "zone",
            "zone_name",
            "hour",
            "events",
            "events_dim",
            "events_lit",
            "events_boosted",
            "lights",
            "cameras",
            "mean_level",
            "boost_share",
            "dark_fraction",
            "dark_dim_share",
            "dark_lit_share",
            "dark_boost_share",
            "camera_uptime",
            "footfall",
            "dim_level",
            "computed_at",
        ]


def _zone_hours(period: dict, hidden: frozenset[str]):
    if period.get("type") in hidden:
        return ZoneHour.objects.none()
    rows = (
        ZoneHour.objects.filter(hour__gte=period["since"], hour__lt=period["until"])
        .select_related("zone")
        .defer("zone__boundary")
        .order_by("hour", "zone_id")
    )
    if period.get("zone"):
        rows = rows.filter(zone_id=period["zone"])
    if period.get("type"):
        rows = rows.filter(events__has_key=period["type"])
    return rows


@extend_schema(parameters=PERIOD_PARAMETERS)
class ZoneHourListView(ListAPIView):
    """Per zone and hour: events by type (and by lighting side), mean reported level, share of
    light-time under a boost, darkness, camera uptime, footfall."""

    serializer_class = ZoneHourSerializer
    permission_map = {"GET": VIEW_ANALYTICS}
    filter_backends: list = []

    def get_queryset(self):
        return _zone_hours(_period(self.request), _hidden(self.request))


class ZoneHourCsvView(APIView):
    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        rows = ZoneHourSerializer(
            _zone_hours(_period(request), _hidden(request))[:50_000],
            many=True,
            context={"request": request},
        ).data
        columns = list(ZoneHourSerializer.Meta.fields)
        return _csv(rows, columns, "zone-hours.csv")


HOTSPOT_COLUMNS = [
    "zone_id",
    "zone_name",
    "event_type",
    "dim_events",
    "dim_hours",
    "dim_rate",
    "city_rate",
    "control_rate",
    "history_rate",
    "lit_rate",
    "ratio_city",
    "ratio_control",
    "ratio_history",
    "ratio_lit",
    "p_value",
    "boosted_events_excluded",
    "control_zones",
    "cameras",
]
RECOMMENDATION_COLUMNS = [
    "zone_id",
    "zone_name",
    "event_type",
    "start_hour",
    "end_hour",
    "current_level",
    "proposed_level",
    "dim_level",
    "text",
    "numbers",
]


def _hotspots(request) -> list[dict]:
    p = _period(request)
    return analytics_hotspots.hotspots_list(
        since=p["since"],
        until=p["until"],
        zone_id=p.get("zone"),
        event_type=p.get("type"),
        hidden_types=_hidden(request),
    )


def _recommendations(request) -> list[dict]:
    p = _period(request)
    return analytics_hotspots.recommendations_list(
        since=p["since"],
        until=p["until"],
        zone_id=p.get("zone"),
        event_type=p.get("type"),
        hidden_types=_hidden(request),
    )


class HotspotListView(APIView):
    """Zones where events of a type concentrate in dim, scheduled lighting, against the rest of
    the city, matched control zones and the zone's own history (boost-lit time left out)."""

    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"results": _hotspots(request)})


class HotspotCsvView(APIView):
    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return _csv(_hotspots(request), HOTSPOT_COLUMNS, "hotspots.csv")


class RecommendationListView(APIView):
    """Programme changes an officer can act on, each with its numbers and a draft request."""

    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"results": _recommendations(request)})


class RecommendationCsvView(APIView):
    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return _csv(_recommendations(request), RECOMMENDATION_COLUMNS, "recommendations.csv")


def _report_rows(rows: list[dict], hidden: frozenset[str]) -> list[dict]:
    """A stored report's hotspots or recommendations the caller may see: the nightly report is
    computed over every event type, and read by roles that see fewer."""
    return [row for row in rows if row.get("event_type") not in hidden]


class AnalyticsReportSerializer(serializers.ModelSerializer):
    """A stored report as the requesting user may see it (no row of a hidden event type)."""

    hotspot_count = serializers.SerializerMethodField()
    recommendation_count = serializers.SerializerMethodField()

    class Meta:
        model = AnalyticsReport
        fields = [
            "id",
            "since",
            "until",
            "computed_at",
            "dim_level",
            "hotspot_count",
            "recommendation_count",
        ]

    def _shown(self, report, field: str) -> list[dict]:
        return _report_rows(getattr(report, field), _hidden(self.context["request"]))

    def get_hotspot_count(self, report) -> int:
        return len(self._shown(report, "hotspots"))

    def get_recommendation_count(self, report) -> int:
        return len(self._shown(report, "recommendations"))


class AnalyticsReportDetailSerializer(AnalyticsReportSerializer):
    class Meta(AnalyticsReportSerializer.Meta):
        fields = [*AnalyticsReportSerializer.Meta.fields, "hotspots", "recommendations"]

    def to_representation(self, report):
        data = super().to_representation(report)
        data["hotspots"] = self._shown(report, "hotspots")
        data["recommendations"] = self._shown(report, "recommendations")
        return data


class AnalyticsReportListView(ListAPIView):
    """The nightly reports: each period's hotspots and recommendations as they were computed
    (newest first), to see how a zone's picture changes from night to night."""

    serializer_class = AnalyticsReportSerializer
    permission_map = {"GET": VIEW_ANALYTICS}
    filter_backends: list = []
    queryset = AnalyticsReport.objects.all()


class AnalyticsReportDetailView(RetrieveAPIView):
    """One report, with its hotspots and recommendations (the shapes of the hotspot and
    recommendation endpoints)."""

    serializer_class = AnalyticsReportDetailSerializer
    permission_map = {"GET": VIEW_ANALYTICS}
    queryset = AnalyticsReport.objects.all()


class DraftInput(serializers.Serializer):
    zone = serializers.IntegerField(min_value=1)
    type = serializers.CharField(max_length=64)
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()

    def validate(self, data):
        _check_period(data["since"], data["until"])
        return data


class RecommendationDraftView(APIView):
    """Drafts a recommendation's programme change: a new programme, assigned to no calendar,
    so that nothing changes until an officer assigns it."""

    permission_map = {"POST": DRAFT_PROGRAMME}

    @extend_schema(request=DraftInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = recommendation_draft(
            zone_id=v["zone"],
            event_type=v["type"],
            since=v["since"],
            until=v["until"],
            actor=request.user,
            hidden_types=_hidden(request),
        )
        code = status.HTTP_201_CREATED if result["created"] else status.HTTP_200_OK
        return Response(result, status=code)


class LatencySummaryView(APIView):
    """p50/p95/p99 of each stage of the alert path (event stored → context → alarm → commands
    queued → sent) over the alarms raised in the period."""

    permission_map = {"GET": VIEW_ANALYTICS}

    @extend_schema(parameters=PERIOD_PARAMETERS[:2], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        p = _period(request)
        return Response(
            latency_summary(since=p["since"], until=p["until"], hidden_types=_hidden(request))
        )
