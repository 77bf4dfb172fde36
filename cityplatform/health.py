"""Health, readiness and metrics endpoints for load balancers and Prometheus."""

import hmac
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cityplatform.mqtt import mqtt_anonymous_warning, mqtt_connect_probe

CHECK_TIMEOUT_S = 2.0
# A broker's anonymous access changes with its configuration, not from one probe to the next:
# asked again at most once a minute, so /readyz stays one connection per call.
ANONYMOUS_RECHECK_S = 60.0
_anonymous_seen: dict[str, tuple[float, str | None]] = {}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )
    try:
        client.ping()
    finally:
        client.close()


def check_mqtt() -> None:
    """A real MQTT CONNECT/CONNACK exchange with the broker at MQTT_URL, signed in as the
    gateway is (with the URL's user and password)."""
    if not mqtt_connect_probe(settings.MQTT_URL, timeout=CHECK_TIMEOUT_S):
        raise ConnectionRefusedError("the broker refused the connection")


def warn_mqtt_anonymous() -> str | None:
    """Why the broker is open, when it accepts a client without credentials (and the
    installation has not said that is fine, MQTT_ANONYMOUS_ALLOWED, as the demo does)."""
    if settings.MQTT_ANONYMOUS_ALLOWED:
        return None
    url, now = settings.MQTT_URL, time.monotonic()
    seen = _anonymous_seen.get(url)
    if seen is None or now - seen[0] > ANONYMOUS_RECHECK_S:
        seen = (now, mqtt_anonymous_warning(url, timeout=CHECK_TIMEOUT_S))
        _anonymous_seen[url] = seen
    return seen[1]


def readiness_checks() -> dict:
    checks = {"database": check_database, "mqtt": check_mqtt}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database, Redis (when configured) and the MQTT broker answer; else 503.
    `warnings` (only when there are any) names what is up but unsafe: a broker open to anyone."""
    results, down = {}, []
    for name, check in readiness_checks().items():
        try:
            check()
        except Exception as error:
            results[name] = f"down: {type(error).__name__}: {error}"
            down.append(name)
        else:
            results[name] = "ok"
    body = {"status": "unavailable" if down else "ready", "checks": results, "down": down}
    # Warnings do not make the platform unready (a load balancer must not drop it for them);
    # they are for whoever watches it (docs/security.md, "Anonymous clients").
    warnings = {}
    if "mqtt" not in down and (anonymous := warn_mqtt_anonymous()):
        warnings["mqtt_anonymous"] = anonymous
    if warnings:
        body["warnings"] = warnings
    return JsonResponse(body, status=503 if down else 200)


def metrics_allowed(request: HttpRequest) -> bool:
    """With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` reads /metrics."""
    if not settings.METRICS_TOKEN:
        return True
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format (this process's metrics); 401 without the token when one is set."""
    if not metrics_allowed(request):
        response = JsonResponse(
            {"message": "The metrics need `Authorization: Bearer <METRICS_TOKEN>`.", "extra": {}},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
