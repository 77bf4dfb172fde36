"""The gateway's MQTT connection on the real broker: a stop is a quiet goodbye, a dropped
connection is a warning (the demo log said 'reconnecting with backoff' on every Ctrl-C)."""

import logging
import uuid

from django.conf import settings

from devices.protocols.mqtt import MqttConnection


def _connection(name: str = "") -> MqttConnection:
    name = name or f"test-conn-{uuid.uuid4().hex[:8]}"
    return MqttConnection(
        url=settings.MQTT_URL,
        client_id=name,
        subscriptions=[f"{name}/#"],
        status_topic=f"{name}/status",
        on_message=lambda message: None,
    )


def test_stopping_is_not_reported_as_a_lost_connection(caplog):
    connection = _connection()
    connection.start()
    assert connection.connected.wait(10), "the broker did not answer"
    with caplog.at_level(logging.INFO, logger="devices.protocols.mqtt"):
        connection.stop()
    records = [r for r in caplog.records if r.name == "devices.protocols.mqtt"]
    assert not [r for r in records if r.levelno >= logging.WARNING]
    assert any("stopping" in r.getMessage() for r in records)


def test_a_connection_the_broker_drops_is_a_warning(caplog):
    name = f"test-conn-{uuid.uuid4().hex[:8]}"
    connection = _connection(name)
    connection.start()
    assert connection.connected.wait(10), "the broker did not answer"
    with caplog.at_level(logging.WARNING, logger="devices.protocols.mqtt"):
        # Another client with the same id takes the session over: the broker drops this one.
        thief = _connection(name)
        thief.start()
        assert thief.connected.wait(10)
        for _ in range(100):
            if any("reconnecting" in r.getMessage() for r in caplog.records):
                break
            connection.connected.wait(0.05)
    thief.stop()
    connection.stop()
    assert any("reconnecting with backoff" in r.getMessage() for r in caplog.records)
