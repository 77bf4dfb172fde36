"""The public CAP feed, mounted at /cap/: the Atom index and each message's CAP 1.2 document."""

from django.urls import path

from emergency.api import views

urlpatterns = [
    path("alerts.atom", views.cap_feed, name="cap-feed"),
    path("alerts/<int:pk>.xml", views.cap_alert_document, name="cap-alert"),
]
