"""This app's REST API routes, mounted under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cctv.api import analytics_views, evidence_views, register_views, views

router = DefaultRouter()
router.register("cctv/events", views.EventViewSet, basename="cctv-event")
router.register("cctv/alarms", views.AlarmViewSet, basename="cctv-alarm")
router.register("cctv/rules", views.AlarmRuleViewSet, basename="cctv-rule")
router.register("cctv/sources", views.EventSourceViewSet, basename="cctv-source")
router.register("cctv/holds", evidence_views.LegalHoldViewSet, basename="cctv-hold")
router.register("cctv/exports", evidence_views.EvidenceExportViewSet, basename="cctv-export")
router.register("cctv/purges", evidence_views.PurgeRunViewSet, basename="cctv-purge")
router.register("cctv/purposes", register_views.PurposeViewSet, basename="cctv-purpose")

urlpatterns = [
    path("cctv/events/ingest/", views.WebhookIngestView.as_view(), name="cctv-webhook-ingest"),
    path("cctv/cameras/review/", views.CameraReviewView.as_view(), name="cctv-camera-review"),
    path(
        "cctv/analytics/zone-hours/",
        analytics_views.ZoneHourListView.as_view(),
        name="cctv-analytics-zone-hours",
    ),
    path(
        "cctv/analytics/zone-hours/csv/",
        analytics_views.ZoneHourCsvView.as_view(),
        name="cctv-analytics-zone-hours-csv",
    ),
    path(
        "cctv/analytics/reports/",
        analytics_views.AnalyticsReportListView.as_view(),
        name="cctv-analytics-reports",
    ),
    path(
        "cctv/analytics/reports/<int:pk>/",
        analytics_views.AnalyticsReportDetailView.as_view(),
        name="cctv-analytics-report",
    ),
    path(
        "cctv/analytics/hotspots/",
        analytics_views.HotspotListView.as_view(),
        name="cctv-analytics-hotspots",
    ),
    path(
        "cctv/analytics/hotspots/csv/",
        analytics_views.HotspotCsvView.as_view(),
        name="cctv-analytics-hotspots-csv",
    ),
    path(
        "cctv/analytics/recommendations/",
        analytics_views.RecommendationListView.as_view(),
        name="cctv-analytics-recommendations",
    ),
    path(
        "cctv/analytics/recommendations/csv/",
        analytics_views.RecommendationCsvView.as_view(),
        name="cctv-analytics-recommendations-csv",
    ),
    path(
        "cctv/analytics/recommendations/draft/",
        analytics_views.RecommendationDraftView.as_view(),
        name="cctv-analytics-recommendation-draft",
    ),
    path(
        "cctv/analytics/latency/",
        analytics_views.LatencySummaryView.as_view(),
        name="cctv-analytics-latency",
    ),
    path("", include(router.urls)),
]
