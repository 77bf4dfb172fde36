"""Health, readiness and metrics endpoints."""

import pytest


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ready_when_database_redis_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "mqtt": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_unreachable(client, settings, free_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["checks"]["redis"].startswith("down: ConnectionError")


@pytest.mark.django_db
def test_readyz_names_the_mqtt_broker_when_it_is_unreachable(client, settings, free_port):
    settings.MQTT_URL = f"mqtt://127.0.0.1:{free_port}"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["mqtt"]


def test_metrics_are_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"city_live_messages_total" in response.content


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"swagger-ui" in docs.content
