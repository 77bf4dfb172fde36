"""This app's REST API routes, mounted under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cctv.api import views

router = DefaultRouter()
router.register("cctv/events", views.EventViewSet, basename="cctv-event")
router.register("cctv/alarms", views.AlarmViewSet, basename="cctv-alarm")
router.register("cctv/rules", views.AlarmRuleViewSet, basename="cctv-rule")
router.register("cctv/sources", views.EventSourceViewSet, basename="cctv-source")
router.register("cctv/holds", views.LegalHoldViewSet, basename="cctv-hold")
router.register("cctv/exports", views.EvidenceExportViewSet, basename="cctv-export")
router.register("cctv/purges", views.PurgeRunViewSet, basename="cctv-purge")

urlpatterns = [
    path("cctv/events/ingest/", views.WebhookIngestView.as_view(), name="cctv-webhook-ingest"),
    path("cctv/cameras/review/", views.CameraReviewView.as_view(), name="cctv-camera-review"),
    path("", include(router.urls)),
]
