"""Which pages may open the live WebSocket: exact origins, never "any port or scheme of a host".

Channels' AllowedHostsOriginValidator accepts any scheme and port of an allowed host, so a page
served by another program on the same machine (http://city.example.org:8081) could open the
socket with the operator's session cookie. Here, as Django's CSRF check does for forms, the
Origin must be the socket's own origin (the scheme it is served on, its Host, which must be in
ALLOWED_HOSTS, and its port) or one of CSRF_TRUSTED_ORIGINS exactly.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(text: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, or None for anything that is not one."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def origin_allowed(*, origin: str, host: str, secure: bool) -> bool:
    """Whether a page of `origin` may open a socket served at `host` (the Host header)."""
    wanted = _origin(origin)
    if wanted is None:
        return False
    if wanted in {_origin(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS}:
        return True
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if secure or settings.HTTPS else "http"
    own = (scheme, domain.strip("[]"), int(port) if port else DEFAULT_PORTS[scheme])
    return wanted == own


class SiteOriginValidator:
    """ASGI middleware: a WebSocket whose Origin is not allowed is refused at the handshake."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SiteOriginValidator guards WebSocket connections only")
        headers = [(name.lower(), value) for name, value in scope.get("headers", [])]
        origins = [value for name, value in headers if name == b"origin"]
        hosts = [value for name, value in headers if name == b"host"]
        allowed = (
            len(origins) == 1
            and len(hosts) == 1
            and origin_allowed(
                origin=origins[0].decode("latin1"),
                host=hosts[0].decode("latin1"),
                secure=scope.get("scheme") == "wss",
            )
        )
        if allowed:
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
