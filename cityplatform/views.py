"""Platform-wide API views: the audit log (read-only) and API tokens."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from knox.models import AuthToken
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform import selectors, tokens
from cityplatform.models import AuditEntry
from cityplatform.permissions import RolePermission
from cityplatform.schema import ERROR_SCHEMA
from cityplatform.throttling import ScopedRateThrottle


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


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown once")
    expiry = serializers.DateTimeField(allow_null=True)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenView(APIView):
    """Exchanges a username and password for a new API token (for scripts), valid TOKEN_TTL.

    Rate-limited per address (LOGIN_RATE); failed attempts lock the username, and the address,
    out for a while (429, docs/security.md)."""

    authentication_classes: list = []
    permission_map = {"POST": None}  # public: the credentials are the check
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=SignInSerializer,
        responses={
            200: IssuedTokenSerializer,
            429: OpenApiResponse(
                ERROR_SCHEMA, description="Too many attempts: throttled, or locked out"
            ),
        },
        auth=[],
    )
    def post(self, request):
        credentials = SignInSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        instance, token = tokens.token_issue(
            request=request._request,  # Django's own: django-axes marks a lockout on it
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        return Response(IssuedTokenSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", help_text="The token's first characters")
    user = serializers.CharField(source="user.username")
    current = serializers.SerializerMethodField(help_text="The token of this request")

    class Meta:
        model = AuthToken
        fields = ["id", "user", "created", "expiry", "current"]

    def get_current(self, token: AuthToken) -> bool:
        return getattr(self.context["request"].auth, "digest", None) == token.digest


class RevokeAllSerializer(serializers.Serializer):
    user = serializers.CharField(
        required=False, allow_blank=True, help_text="Administrators: whose tokens (default: own)"
    )


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """API tokens: each user lists and revokes their own; administrators (superusers, or staff
    with knox's "delete auth token" permission) everyone's (`?user=<name>`)."""

    serializer_class = TokenSerializer
    lookup_field = "token_key"
    lookup_url_kwarg = "id"
    permission_classes = [IsAuthenticated, RolePermission]
    permission_map = {"*": None}  # any signed-in user, for their own tokens (the queryset)
    filter_backends: list = []  # `?user=` alone

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AuthToken.objects.none()
        return tokens.tokens_visible_to(
            self.request.user, owner=str(self.request.query_params.get("user", ""))[:150]
        )

    @extend_schema(parameters=[OpenApiParameter("user", str, description="Administrators")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_destroy(self, instance):
        tokens.token_revoke(token=instance, actor=self.request.user)

    @extend_schema(
        request=RevokeAllSerializer,
        responses={
            200: inline_serializer("TokensRevoked", {"revoked": serializers.IntegerField()})
        },
    )
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        """Revokes every token of the caller (administrators: of `user`), this one included."""
        body = RevokeAllSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = tokens.token_owner_for(actor=request.user, username=body.validated_data.get("user"))
        count = tokens.tokens_revoke_all(owner=owner, actor=request.user)
        return Response({"revoked": count}, status=status.HTTP_200_OK)
