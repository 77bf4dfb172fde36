"""The notifications API's shapes: recipients (the webhook secret only in the answer that makes
it), subscriptions, and the delivery log with each attempt."""

from rest_framework import serializers

from devices.models import Zone
from notifications.choices import EventKind
from notifications.models import Delivery, DeliveryAttempt, Recipient, Subscription

RECIPIENT_FIELDS = [
    "id", "name", "slug", "kind", "email", "webhook_url", "wants_cap", "may_see_welfare",
    "active", "created_at",
]  # fmt: skip


class RecipientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recipient
        fields = RECIPIENT_FIELDS
        read_only_fields = ["created_at"]


class RecipientWithSecretSerializer(serializers.ModelSerializer):
    """The answer to a creation or a rotation: the only time the secret is shown."""

    class Meta:
        model = Recipient
        fields = [*RECIPIENT_FIELDS, "webhook_secret"]
        read_only_fields = fields


class SubscriptionSerializer(serializers.ModelSerializer):
    recipient = serializers.SlugRelatedField(slug_field="slug", queryset=Recipient.objects.all())
    event_kinds = serializers.ListField(
        child=serializers.ChoiceField(EventKind.choices), required=False, default=list
    )
    zones = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Zone.objects.all(), required=False, default=list
    )
    min_priority = serializers.IntegerField(min_value=1, max_value=255, required=False)

    class Meta:
        model = Subscription
        fields = ["id", "recipient", "event_kinds", "zones", "min_priority", "created_at"]
        read_only_fields = ["created_at"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "ok", "status_code", "error", "duration_ms"]


class DeliverySerializer(serializers.ModelSerializer):
    recipient = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id", "recipient", "channel", "event_kind", "subject", "body", "payload", "cap_xml",
            "welfare_withheld", "status", "attempts", "last_error", "next_attempt_at", "sent_at",
            "created_at", "attempt_log",
        ]  # fmt: skip
        read_only_fields = fields
