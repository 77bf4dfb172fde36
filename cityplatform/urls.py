"""Root URLs: pages, the REST API under /api/v1/, its schema and docs, health and metrics."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cityplatform import health, views
from cityplatform.auth import ThrottledLoginView

# Under /api/ these answer JSON in the one error form; pages get the site's error pages
# (cityplatform.error_pages: drawn by dashboards, in the site's layout).
handler400 = "cityplatform.api.bad_request"
handler403 = "cityplatform.api.permission_denied"
handler404 = "cityplatform.api.not_found"
handler500 = "cityplatform.api.server_error"

router = DefaultRouter()
router.register("audit", views.AuditEntryViewSet, basename="audit")
router.register("auth/tokens", views.TokenViewSet, basename="auth-token")

api_v1 = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("", include("devices.urls")),
    path("", include("lighting.urls")),
    path("", include("cctv.urls")),
    path("", include("emergency.urls")),
    path("", include("open311.urls_api")),
    path("", include("notifications.urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (no inline script, for the CSP);
        # Swagger UI's own <style> blocks are allowed on this page only.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema", permission_classes=[])
        ),
        name="api-docs",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    # Sign-out and password change; no password reset (no mail is set up: docs/security.md).
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(
            template_name="dashboards/account/password_change_form.html"
        ),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="dashboards/account/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("ngsi-ld/v1/", include("ngsi.urls")),  # NGSI-LD (ETSI GS CIM 009): docs/ngsi-ld.md
    path("talq/v2/", include("devices.api.urls_talq")),  # TALQ 2.7.1 CMS API: docs/talq.md
    path("cap/", include("emergency.urls_cap")),  # the city's public CAP alerts (no sign-in)
    path("open311/v2/", include("open311.urls")),  # Open311 GeoReport v2: docs/open311.md
    path("cameras/", include("cctv.urls_register")),  # the public camera register's data
    path("", include("dashboards.urls")),
]
