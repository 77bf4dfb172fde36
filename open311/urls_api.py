"""This app's REST API routes (the staff side), mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from open311.api.staff import ServiceRequestViewSet

router = DefaultRouter()
router.register("open311/requests", ServiceRequestViewSet, basename="open311-staff-request")

urlpatterns = router.urls
