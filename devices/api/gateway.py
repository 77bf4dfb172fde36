"""Gateway API: rejected device messages, commands (read-only), telemetry per asset."""

from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from cityplatform.api import InstantInput
from cityplatform.permissions import ACCESS_PLATFORM
from devices.choices import CommandState, RejectReason
from devices.models import Asset, Command, RejectedMessage, Telemetry
from devices.selectors.commands import commands_list
from devices.selectors.gateway import rejected_messages_list, telemetry_for_asset
from devices.wire import TELEMETRY_METRICS


def _query(serializer_class, request) -> dict:
    """Validated query parameters (a 400 naming the field otherwise)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RejectedMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = RejectedMessage
        fields = ["id", "received_at", "topic", "device_id", "reason_code", "reason", "count"]
        read_only_fields = fields


class RejectedMessageDetailSerializer(RejectedMessageSerializer):
    class Meta(RejectedMessageSerializer.Meta):
        fields = [*RejectedMessageSerializer.Meta.fields, "payload"]
        read_only_fields = fields


class RejectedMessageFilter(serializers.Serializer):
    device_id = serializers.CharField(required=False, max_length=64)
    reason_code = serializers.ChoiceField(choices=RejectReason.choices, required=False)
    since = InstantInput(required=False)
    topic = serializers.CharField(required=False, max_length=255)


class RejectedMessageListApi(ListAPIView):
    """Device messages the gateway refused, newest first (filters: device_id, reason_code,
    since, topic). The payload (first 4 KiB, identity fields removed) is on the detail."""

    serializer_class = RejectedMessageSerializer
    permission_map = {"GET": "devices.view_rejectedmessage"}

    def get_queryset(self):
        query = _query(RejectedMessageFilter, self.request)
        return rejected_messages_list(
            device_id=query.get("device_id"),
            reason_code=query.get("reason_code"),
            since=query.get("since"),
            topic_contains=query.get("topic"),
        )


class RejectedMessageDetailApi(RetrieveAPIView):
    serializer_class = RejectedMessageDetailSerializer
    permission_map = {"GET": "devices.view_rejectedmessage"}
    queryset = RejectedMessage.objects.all()


class CommandSerializer(serializers.ModelSerializer):
    device_id = serializers.CharField(source="asset.device_id", read_only=True)

    class Meta:
        model = Command
        fields = [
            "id",
            "device_id",
            "op",
            "level",
            "fade_s",
            "state",
            "reason",
            "issued_by",
            "context",
            "attempts",
            "created_at",
            "sent_at",
            "completed_at",
            "next_attempt_at",
            "expires_at",
            "reported_level",
            "error",
            "superseded_by",
        ]
        read_only_fields = fields


class CommandFilter(serializers.Serializer):
    state = serializers.ChoiceField(choices=CommandState.choices, required=False)
    device_id = serializers.CharField(required=False, max_length=64)
    since = InstantInput(required=False)


class CommandListApi(ListAPIView):
    """Commands to devices, newest first (filters: state, device_id, since). Read-only:
    commands are issued by lighting control, never through this endpoint."""

    serializer_class = CommandSerializer
    permission_map = {"GET": ACCESS_PLATFORM}

    def get_queryset(self):
        query = _query(CommandFilter, self.request)
        return commands_list(
            state=query.get("state"), device_id=query.get("device_id"), since=query.get("since")
        )


class CommandDetailApi(RetrieveAPIView):
    serializer_class = CommandSerializer
    permission_map = {"GET": ACCESS_PLATFORM}
    queryset = Command.objects.select_related("asset")


class TelemetrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Telemetry
        fields = ["ts", *TELEMETRY_METRICS]
        read_only_fields = fields


class TelemetryFilter(serializers.Serializer):
    since = InstantInput(required=False)
    until = InstantInput(required=False)

    def validate(self, data):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise serializers.ValidationError({"until": "must be after since"})
        return data


class AssetTelemetryApi(ListAPIView):
    """An asset's telemetry samples, newest first (filters: since, until)."""

    serializer_class = TelemetrySerializer
    permission_map = {"GET": ACCESS_PLATFORM}
    queryset = Telemetry.objects.none()  # for the schema; the real one is per asset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = _query(TelemetryFilter, self.request)
        asset = get_object_or_404(Asset, device_id=self.kwargs["device_id"])
        return telemetry_for_asset(asset=asset, since=query.get("since"), until=query.get("until"))
