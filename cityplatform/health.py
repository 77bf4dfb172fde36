"""Health, readiness and metrics endpoints for load balancers and Prometheus."""

import hmac
import time
import uuid

import paho.mqtt.client as mqtt
import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cityplatform.mqtt import mqtt_address

CHECK_TIMEOUT_S = 2.0


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
    """A real MQTT CONNECT/CONNACK exchange with the broker at MQTT_URL."""
    host, port = mqtt_address(settings.MQTT_URL)
    connected: list[bool] = []
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"readyz-{uuid.uuid4().hex[:12]}"
    )
    client.on_connect = lambda c, u, flags, reason, props: connected.append(not reason.is_failure)
    client.connect(host, port, keepalive=10)
    deadline = time.monotonic() + CHECK_TIMEOUT_S
    try:
        while not connected and time.monotonic() < deadline:
            client.loop(timeout=0.05)
    finally:
        client.disconnect()
    if not connected:
        raise TimeoutError("no CONNACK")
    if not connected[0]:
        raise ConnectionRefusedError("the broker refused the connection")


def readiness_checks() -> dict:
    checks = {"database": check_database, "mqtt": check_mqtt}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database, Redis (when configured) and the MQTT broker answer; else 503."""
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
