"""The fixed configuration of the HTTP side: the REST framework, the OpenAPI schema, the
Content-Security-Policy. Kept out of settings.py so that it reads as the platform's knobs; the
knobs these take (rates, the map's tile server) are read from the environment there.

Plain data and pure functions: settings.py imports this before Django is set up.
"""

import csp.constants as csp


def rest_framework(*, login_rate: str, webhook_rate: str) -> dict:
    """REST_FRAMEWORK, with the sign-in and webhook throttle rates."""
    return {
        # Token first, so that an anonymous request is told 401 with a WWW-Authenticate header.
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "cityplatform.token_auth.TokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["cityplatform.permissions.RolePermission"],
        "DEFAULT_PAGINATION_CLASS": "cityplatform.api.Pagination",
        "PAGE_SIZE": 50,
        "DEFAULT_FILTER_BACKENDS": [
            "cityplatform.api.FilterBackend",  # integers and ids bounded (cityplatform.api)
            "rest_framework.filters.SearchFilter",
            "rest_framework.filters.OrderingFilter",
        ],
        "DEFAULT_SCHEMA_CLASS": "cityplatform.schema.AutoSchema",  # nulls and 429s as rendered
        "EXCEPTION_HANDLER": "cityplatform.api.exception_handler",
        "DEFAULT_PARSER_CLASSES": [  # the default three, refusing text with a NUL (nul_guard.py)
            "cityplatform.nul_guard.JSONParser",
            "cityplatform.nul_guard.FormParser",
            "cityplatform.nul_guard.MultiPartParser",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "login": login_rate,
            "webhook": webhook_rate,
        },
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
    }


SPECTACULAR_SETTINGS = {
    "TITLE": "Secure City Platform API",
    "DESCRIPTION": "Assets, lighting control, CCTV events and alarms of the Secure City Platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The API's one error shape on every operation (cityplatform/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cityplatform.schema.schema_postprocess",
    ],
    # Several apps have a "kind", "status" or "state": each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "AssetKindEnum": "devices.choices.AssetKind",
        "ZoneKindEnum": "devices.choices.ZoneKind",
        "LifecycleStatusEnum": "devices.choices.LifecycleStatus",
        "MaintenanceKindEnum": "devices.choices.MaintenanceKind",
        "MaintenanceStatusEnum": "devices.choices.MaintenanceStatus",
        "CommandStateEnum": "devices.choices.CommandState",
        "AlarmStateEnum": "cctv.choices.AlarmState",
        "AlarmCategoryEnum": "cctv.choices.AlarmCategory",
        "CapCategoryEnum": "emergency.choices.CAP_CATEGORIES",
        "CapUrgencyEnum": "emergency.choices.CAP_URGENCIES",
        "CapSeverityEnum": "emergency.choices.CAP_SEVERITIES",
        "CapCertaintyEnum": "emergency.choices.CAP_CERTAINTIES",
        "RuleKindEnum": "lighting.choices.RuleKind",
        "NotificationEventKindEnum": "notifications.choices.EventKind",
        "RecipientKindEnum": "notifications.choices.RecipientKind",
        "DeliveryStatusEnum": "notifications.choices.DeliveryStatus",
    },
}


def content_security_policy(*, tile_url: str) -> dict:
    """Content-Security-Policy (django-csp): scripts, styles, images and sockets from the site
    itself; the pages' few inline scripts carry the request's nonce. Style attributes stay allowed
    (level bars set their width in the template). The map's tile server, when set, may serve
    images."""
    tile_origin = "/".join(tile_url.split("/")[:3]) if "://" in tile_url else ""
    return {
        "DIRECTIVES": {
            "default-src": [csp.SELF],
            "script-src": [csp.SELF, csp.NONCE],  # NONCE: the request's nonce, when a page uses it
            "style-src": [csp.SELF],
            "style-src-attr": [csp.UNSAFE_INLINE],
            "img-src": [csp.SELF, "data:", *([tile_origin] if tile_origin else [])],
            "connect-src": [csp.SELF],  # the live WebSocket is same-origin
            "font-src": [csp.SELF],
            "object-src": [csp.NONE],
            "base-uri": [csp.SELF],
            "form-action": [csp.SELF],
            "frame-ancestors": [csp.NONE],
        }
    }
