"""Gateway routes: rejected device messages, commands, telemetry and its history."""

from django.urls import path

from devices.api import gateway, history

urlpatterns = [
    path(
        "rejected-messages/",
        gateway.RejectedMessageListApi.as_view(),
        name="rejected-message-list",
    ),
    path(
        "rejected-messages/<int:pk>/",
        gateway.RejectedMessageDetailApi.as_view(),
        name="rejected-message-detail",
    ),
    path("commands/", gateway.CommandListApi.as_view(), name="command-list"),
    path("commands/<uuid:pk>/", gateway.CommandDetailApi.as_view(), name="command-detail"),
    path(
        "assets/<str:device_id>/telemetry/",
        gateway.AssetTelemetryApi.as_view(),
        name="asset-telemetry",
    ),
    path(
        "assets/<str:device_id>/telemetry/history/",
        history.AssetTelemetryHistoryApi.as_view(),
        name="asset-telemetry-history",
    ),
]
