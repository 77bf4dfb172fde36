"""Root URLs: pages, the REST API under /api/v1/, its schema and docs, health and metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cityplatform import health, views
from cityplatform.auth import ThrottledLoginView

# Under /api/ these answer JSON in the one error form; pages keep Django's HTML.
handler400 = "cityplatform.api.bad_request"
handler403 = "cityplatform.api.permission_denied"
handler404 = "cityplatform.api.not_found"
handler500 = "cityplatform.api.server_error"

router = DefaultRouter()
router.register("audit", views.AuditEntryViewSet, basename="audit")

api_v1 = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("", include("devices.urls")),
    path("", include("lighting.urls")),
    path("", include("cctv.urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[]),
        name="api-docs",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("dashboards.urls")),
]
