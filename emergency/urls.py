"""This app's REST API routes, mounted under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from emergency.api import views, views_plans

router = DefaultRouter()
router.register("emergency/alerts", views.CapAlertViewSet, basename="emergency-alert")
router.register("emergency/refused", views.RefusedAlertViewSet, basename="emergency-refused")
router.register("emergency/feeds", views.CapFeedViewSet, basename="emergency-feed")
router.register("emergency/published", views.PublishedAlertViewSet, basename="emergency-published")
router.register("emergency/thresholds", views.ThresholdRuleViewSet, basename="emergency-threshold")
router.register("emergency/plans", views_plans.EmergencyPlanViewSet, basename="emergency-plan")
router.register("emergency/plan-runs", views_plans.PlanRunViewSet, basename="emergency-plan-run")

urlpatterns = [
    path("emergency/cap/", views.CapPushView.as_view(), name="emergency-cap-push"),
    path("", include(router.urls)),
]
