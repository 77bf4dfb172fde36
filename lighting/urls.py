"""This app's REST API routes, mounted under /api/v1/ (all under lighting/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from lighting.api import energy, profile, views

router = DefaultRouter()
router.register("programmes", views.ProgrammeViewSet, basename="lighting-programme")
router.register("calendars", views.CalendarViewSet, basename="lighting-calendar")
router.register("groups", views.LightGroupViewSet, basename="lighting-group")
router.register("assignments", views.AssignmentViewSet, basename="lighting-assignment")
router.register("overrides", views.OverrideViewSet, basename="lighting-override")
router.register("commands", views.CommandViewSet, basename="lighting-command")

urlpatterns = [
    path("lighting/", include(router.urls)),
    path("lighting/energy/", energy.EnergyView.as_view(), name="lighting-energy"),
    path("lighting/profile/", profile.ProfileView.as_view(), name="lighting-profile"),
    path("lighting/emergency/", views.EmergencyView.as_view(), name="lighting-emergency"),
    path(
        "lighting/lights/<str:light>/explain/",
        views.ExplainView.as_view(),
        name="lighting-light-explain",
    ),
]
