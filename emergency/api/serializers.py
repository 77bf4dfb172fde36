"""The emergency API's shapes: alerts received and refused, feeds, the city's published alerts
and the input of publishing, updating and cancelling one."""

from rest_framework import serializers

from emergency.choices import CAP_CATEGORIES as CATEGORIES
from emergency.choices import CAP_CERTAINTIES as CERTAINTIES
from emergency.choices import CAP_SEVERITIES as SEVERITIES
from emergency.choices import CAP_URGENCIES as URGENCIES
from emergency.models import CapAlert, CapFeed, PublishedAlert, RefusedAlert, ThresholdRule


class CapAlertSerializer(serializers.ModelSerializer):
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CapAlert
        fields = [
            "id", "identifier", "sender", "sent", "status", "msg_type", "scope", "references",
            "event", "headline", "description", "instruction", "urgency", "severity",
            "certainty", "effective", "expires", "areas", "zones", "state", "state_reason",
            "alarm", "origin", "origin_name", "url", "received_at",
        ]  # fmt: skip


class RefusedAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefusedAlert
        fields = ["id", "received_at", "origin", "origin_name", "url", "reason", "detail", "body"]


class CapFeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapFeed
        fields = [
            "id", "name", "url", "interval_s", "trusted", "enabled", "last_polled_at",
            "last_ok", "last_error", "created_at",
        ]  # fmt: skip
        read_only_fields = ["last_polled_at", "last_ok", "last_error", "created_at"]


class PublishedAlertSerializer(serializers.ModelSerializer):
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    replaces = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    cap_url = serializers.SerializerMethodField()

    class Meta:
        model = PublishedAlert
        fields = [
            "id", "identifier", "msg_type", "replaces", "sent", "event", "headline",
            "description", "instruction", "category", "urgency", "severity", "certainty",
            "expires", "zones", "cap_url",
        ]  # fmt: skip

    def get_cap_url(self, alert) -> str:
        return f"/cap/alerts/{alert.pk}.xml"


class PublishedAlertInput(serializers.Serializer):
    """What, where and what to do."""

    event = serializers.CharField(max_length=200)
    headline = serializers.CharField(max_length=300)
    instruction = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    zones = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    category = serializers.ChoiceField(CATEGORIES, default="Safety")
    urgency = serializers.ChoiceField(URGENCIES, default="Immediate")
    severity = serializers.ChoiceField(SEVERITIES, default="Severe")
    certainty = serializers.ChoiceField(CERTAINTIES, default="Observed")
    expires = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PublishedUpdateInput(serializers.Serializer):
    """The fields that change; the others are carried over from the current message."""

    event = serializers.CharField(max_length=200, required=False)
    headline = serializers.CharField(max_length=300, required=False)
    instruction = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    zones = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, required=False
    )
    urgency = serializers.ChoiceField(URGENCIES, required=False)
    severity = serializers.ChoiceField(SEVERITIES, required=False)
    certainty = serializers.ChoiceField(CERTAINTIES, required=False)
    expires = serializers.DateTimeField(required=False, allow_null=True)


class PublishedCancelInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CapPushAnswer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    alarm = serializers.IntegerField(allow_null=True)


class ThresholdRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThresholdRule
        fields = [
            "id", "name", "asset", "measures", "metric", "kind", "level", "clear_level",
            "for_s", "window_min", "priority", "enabled", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
