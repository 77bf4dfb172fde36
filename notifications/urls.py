"""This app's REST API routes, mounted under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from notifications.api import views

router = DefaultRouter()
router.register("notifications/recipients", views.RecipientViewSet, basename="notify-recipient")
router.register(
    "notifications/subscriptions", views.SubscriptionViewSet, basename="notify-subscription"
)
router.register("notifications/deliveries", views.DeliveryViewSet, basename="notify-delivery")

urlpatterns = [path("", include(router.urls))]
