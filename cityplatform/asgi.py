"""ASGI entry point: HTTP through Django, WebSockets through Channels with session auth.

Run with `uvicorn cityplatform.asgi:application` (production) or `manage.py demo`.
"""

import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from cityplatform.apps import describe_runtime  # noqa: E402
from cityplatform.routing import websocket_urlpatterns  # noqa: E402
from cityplatform.websocket_origin import SiteOriginValidator  # noqa: E402

for line in describe_runtime():
    logging.getLogger("cityplatform").info("%s", line)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Exact origins only: the socket's own (scheme, host, port) or CSRF_TRUSTED_ORIGINS.
        "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
