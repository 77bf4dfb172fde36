"""Platform-wide API views: the audit log (read-only) and API tokens."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from cityplatform import selectors
from cityplatform.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target_type", "target_id", "details"]


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit log. Append-only: there is no create, change or delete here or anywhere."""

    serializer_class = AuditEntrySerializer
    permission_map = {
        "list": "cityplatform.view_auditentry",
        "retrieve": "cityplatform.view_auditentry",
    }
    filterset_fields = ["action", "target_type", "target_id", "actor_label"]
    search_fields = ["action", "actor_label", "target_id"]
    ordering_fields = ["at", "id"]

    def get_queryset(self):
        return selectors.audit_entries()


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenView(ObtainAuthToken):
    """Exchanges a username and password for an API token (for scripts); rate-limited."""

    permission_map = {"POST": None}  # public: the credentials are the check
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # the bounded ones, not DRF's own
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
