"""The notifications REST API, for administrators: recipients, subscriptions, the delivery log
(read-only, filterable) and the retry of a failed delivery. Views parse, call one service,
render."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors
from notifications.api import serializers as s
from notifications.services import notify as notify_services
from notifications.services import recipients as recipient_services


class RecipientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners and people notified. A recipient is never deleted (its deliveries are the log):
    set `active` false. The webhook secret is shown once: in the answer to the creation and to
    `rotate-secret`."""

    serializer_class = s.RecipientSerializer
    permission_map = {
        "list": "notifications.view_recipient",
        "retrieve": "notifications.view_recipient",
        "create": "notifications.add_recipient",
        "update": "notifications.change_recipient",
        "partial_update": "notifications.change_recipient",
        "rotate_secret": "notifications.change_recipient",
    }
    filterset_fields = ["kind", "active", "wants_cap", "may_see_welfare"]

    def get_queryset(self):
        return selectors.recipients_list()

    @extend_schema(request=s.RecipientSerializer, responses={201: s.RecipientWithSecretSerializer})
    def create(self, request):
        data = s.RecipientSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recipient = recipient_services.recipient_create(actor=request.user, **data.validated_data)
        return Response(
            s.RecipientWithSecretSerializer(recipient).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        serializer.instance = recipient_services.recipient_update(
            recipient=serializer.instance, data=serializer.validated_data, actor=self.request.user
        )

    @extend_schema(request=None, responses={200: s.RecipientWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        recipient = recipient_services.recipient_secret_rotate(
            recipient=self.get_object(), actor=request.user
        )
        return Response(s.RecipientWithSecretSerializer(recipient).data)


class SubscriptionViewSet(viewsets.ModelViewSet):
    """What each recipient wants to hear of: event kinds (all when empty), zones (anywhere when
    empty; a zone covers the zones inside it), and the least urgent priority (1 most urgent)."""

    serializer_class = s.SubscriptionSerializer
    permission_map = {
        "list": "notifications.view_subscription",
        "retrieve": "notifications.view_subscription",
        "create": "notifications.add_subscription",
        "update": "notifications.change_subscription",
        "partial_update": "notifications.change_subscription",
        "destroy": "notifications.delete_subscription",
    }
    filterset_fields = ["recipient__slug"]

    def get_queryset(self):
        return selectors.subscriptions_list()

    @staticmethod
    def _values(data: dict) -> dict:
        values = dict(data)
        if "zones" in values:
            values["zone_ids"] = [zone.pk for zone in values.pop("zones")]
        return values

    def perform_create(self, serializer):
        serializer.instance = recipient_services.subscription_create(
            actor=self.request.user, **self._values(serializer.validated_data)
        )

    def perform_update(self, serializer):
        values = self._values(serializer.validated_data)
        values.pop("recipient", None)  # a subscription stays its recipient's
        serializer.instance = recipient_services.subscription_update(
            subscription=serializer.instance, actor=self.request.user, **values
        )

    def perform_destroy(self, instance):
        recipient_services.subscription_delete(subscription=instance, actor=self.request.user)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log: every notification sent or tried, with each attempt, newest first.
    Filters: status, channel, event_kind, recipient__slug."""

    serializer_class = s.DeliverySerializer
    permission_map = {
        "list": "notifications.view_delivery",
        "retrieve": "notifications.view_delivery",
        "retry": "notifications.retry_delivery",
    }
    filterset_fields = ["status", "channel", "event_kind", "recipient__slug"]

    def get_queryset(self):
        return selectors.deliveries_list()

    @extend_schema(request=None, responses={200: s.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        delivery = notify_services.delivery_retry(delivery=self.get_object(), actor=request.user)
        return Response(s.DeliverySerializer(selectors.deliveries_list().get(pk=delivery.pk)).data)
