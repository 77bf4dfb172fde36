"""Serializers of the cctv API: thin, output and input apart."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from cctv.choices import AlarmResolution, LightScope, TimeWindow
from cctv.models import (
    Alarm,
    AlarmLatency,
    AlarmLog,
    AlarmRule,
    Disclosure,
    Event,
    EventSource,
    EvidenceExport,
    LegalHold,
    PurgeRun,
)
from cctv.services.rules import RULE_FIELDS
from cityplatform.api import InstantInput
from devices.choices import AssetKind
from devices.selectors.cameras import commands_of_override
from devices.selectors.registry import assets_list, zones_list


class EventSerializer(serializers.ModelSerializer):
    device = serializers.CharField(source="device.device_id")

    class Meta:
        model = Event
        fields = [
            "id",
            "device",
            "event_id",
            "source",
            "ts",
            "end_ts",
            "type",
            "confidence",
            "count",
            "zone",
            "zones",
            "attributes",
            "snapshot_ref",
            "status",
            "reject_reason",
            "stripped",
            "updates",
            "received_at",
            "lighting_context",
        ]


class AlarmLogSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="actor_label")

    class Meta:
        model = AlarmLog
        fields = ["at", "action", "by", "text", "details"]


class AlarmSerializer(serializers.ModelSerializer):
    camera = serializers.CharField(source="camera.device_id", default=None, allow_null=True)
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    rule = serializers.CharField(source="rule.name", default=None)
    assignee = serializers.CharField(source="assignee.username", default=None)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "title",
            "category",
            "priority",
            "state",
            "resolution",
            "camera",
            "zone",
            "zones",
            "rule",
            "condition",
            "raised_at",
            "last_event_at",
            "event_count",
            "assignee",
            "assigned_at",
            "assigned_by",
            "acknowledged_at",
            "acknowledged_by",
            "held_at",
            "held_by",
            "closed_at",
            "closed_by",
            "lighting",
            "lighting_context",
        ]


class AlarmLatencySerializer(serializers.ModelSerializer):
    """The alert path's instants and the milliseconds between them."""

    context_ms = serializers.SerializerMethodField()
    raise_ms = serializers.SerializerMethodField()
    override_ms = serializers.SerializerMethodField()
    total_queued_ms = serializers.SerializerMethodField()
    total_published_ms = serializers.SerializerMethodField()

    class Meta:
        model = AlarmLatency
        fields = [
            "event_ts",
            "received_at",
            "context_at",
            "raised_at",
            "override_at",
            "commands_queued_at",
            "commands_published_at",
            "commands",
            "context_ms",
            "raise_ms",
            "override_ms",
            "total_queued_ms",
            "total_published_ms",
        ]

    def get_context_ms(self, latency) -> float | None:
        return latency.ms("received_at", "context_at")

    def get_raise_ms(self, latency) -> float | None:
        return latency.ms("context_at", "raised_at")

    def get_override_ms(self, latency) -> float | None:
        return latency.ms("raised_at", "override_at")

    def get_total_queued_ms(self, latency) -> float | None:
        return latency.ms("received_at", "commands_queued_at")

    def get_total_published_ms(self, latency) -> float | None:
        return latency.ms("received_at", "commands_published_at")


class AlarmDetailSerializer(AlarmSerializer):
    events = serializers.SerializerMethodField()
    timeline = AlarmLogSerializer(source="log", many=True)
    commands = serializers.SerializerMethodField()
    latency = serializers.SerializerMethodField()

    class Meta(AlarmSerializer.Meta):
        fields = [*AlarmSerializer.Meta.fields, "events", "timeline", "commands", "latency"]

    def get_latency(self, alarm) -> dict | None:
        latency = AlarmLatency.objects.filter(alarm=alarm).first()
        return AlarmLatencySerializer(latency).data if latency else None

    def get_events(self, alarm) -> list[int]:
        return list(alarm.events.order_by("ts").values_list("pk", flat=True))

    def get_commands(self, alarm) -> list[dict]:
        if alarm.override_id is None:
            return []
        return commands_of_override(override_id=alarm.override_id)


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class HoldInput(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CloseInput(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=AlarmResolution.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AssignInput(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )


class AlarmRuleSerializer(serializers.ModelSerializer):
    cameras = serializers.SlugRelatedField(
        slug_field="device_id",
        queryset=assets_list().filter(kind=AssetKind.CAMERA),
        many=True,
        required=False,
    )
    zones = serializers.PrimaryKeyRelatedField(queryset=zones_list(), many=True, required=False)
    event_types = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)
    window = serializers.ChoiceField(choices=TimeWindow.choices, default=TimeWindow.ALWAYS)
    light_scope = serializers.ChoiceField(
        choices=LightScope.choices, default=LightScope.NONE, allow_blank=True
    )

    class Meta:
        model = AlarmRule
        fields = ["id", *RULE_FIELDS, "cameras", "zones", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class EventSourceSerializer(serializers.ModelSerializer):
    # The cameras the source may send events for, by device id (the service checks each one);
    # given on create and update, shown in every answer.
    cameras = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=10_000
    )

    class Meta:
        model = EventSource
        fields = ["id", "name", "description", "active", "cameras", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        shown = {name: field for name, field in self.fields.items() if name != "cameras"}
        data = {
            name: field.to_representation(field.get_attribute(instance))
            for name, field in shown.items()
        }
        data["cameras"] = sorted(camera.device_id for camera in instance.cameras.all())
        return data


class EventSourceSecretSerializer(EventSourceSerializer):
    """A source with its new secret: the answer of a creation or a rotation, shown once."""

    secret = serializers.CharField(help_text="The signing secret; it is never shown again")

    class Meta(EventSourceSerializer.Meta):
        fields = [*EventSourceSerializer.Meta.fields, "secret"]


class RotateInput(serializers.Serializer):
    grace_s = serializers.IntegerField(min_value=0, max_value=30 * 86400, default=86400)


class LegalHoldSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    events = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    alarms = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "reason",
            "owner",
            "review_due",
            "events",
            "alarms",
            "created_at",
            "created_by",
            "released_at",
            "released_by",
        ]


class LegalHoldInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    review_due = serializers.DateField()
    events = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    alarms = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    camera = serializers.SlugRelatedField(
        slug_field="device_id", queryset=assets_list(), required=False, allow_null=True
    )
    start = InstantInput(required=False, allow_null=True)
    end = InstantInput(required=False, allow_null=True)


class ReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class EvidenceExportSerializer(serializers.ModelSerializer):
    exported_by = serializers.CharField(source="exported_by.username")

    class Meta:
        model = EvidenceExport
        fields = [
            "id",
            "exhibit_ref",
            "alarm",
            "camera",
            "start",
            "end",
            "purpose",
            "requested_by",
            "exported_by",
            "exported_at",
            "package_sha256",
            "manifest",
            "event_count",
        ]


class ExportInput(serializers.Serializer):
    purpose = serializers.CharField(max_length=5000)
    requested_by = serializers.CharField(max_length=200)
    alarm = serializers.IntegerField(required=False, allow_null=True)
    camera = serializers.SlugRelatedField(
        slug_field="device_id", queryset=assets_list(), required=False, allow_null=True
    )
    start = InstantInput(required=False, allow_null=True)
    end = InstantInput(required=False, allow_null=True)
    type = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class DisclosureSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    exhibit_ref = serializers.CharField(source="export.exhibit_ref", read_only=True)

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "exhibit_ref",
            "disclosed_on",
            "recipient",
            "organisation",
            "reason",
            "method",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]


class PurgeRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurgeRun
        fields = "__all__"


class WebhookEventSchema(serializers.Serializer):
    """The webhook's body (documentation only: the service validates the raw, signed bytes)."""

    camera = serializers.CharField(help_text="The camera's device id")
    id = serializers.CharField(help_text="The event's id, unique per camera")
    ts = serializers.CharField(help_text="RFC 3339 with an offset, or epoch seconds")
    type = serializers.CharField()
    confidence = serializers.FloatField(required=False, min_value=0, max_value=1)
    count = serializers.IntegerField(required=False, min_value=0)
    attributes = serializers.DictField(required=False)


class WebhookAnswer(serializers.Serializer):
    stored = serializers.BooleanField()
    duplicate = serializers.BooleanField()
    event = serializers.IntegerField(allow_null=True)
