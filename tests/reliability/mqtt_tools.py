"""Bare paho clients for the reliability tests: a collector that counts what arrives, a
publisher that waits for its PUBACKs."""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt

from tests.benchmarks.common import mqtt_address


def client(
    url: str,
    *,
    client_id: str | None = None,
    clean_session: bool = True,
    username: str | None = None,
    password: str | None = None,
    on_message=None,
) -> mqtt.Client:
    """A connected paho client (network loop running); raises when the broker refuses it."""
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"rel-{uuid.uuid4().hex[:12]}",
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
    )
    c.max_inflight_messages_set(100)
    c.max_queued_messages_set(0)
    if username is not None:
        c.username_pw_set(username, password)
    result: dict = {}
    connected = threading.Event()

    def on_connect(cl, userdata, flags, reason, props):
        result["reason"] = reason
        connected.set()

    c.on_connect = on_connect
    # Set before CONNECT: a resumed session's queued messages arrive right after the CONNACK.
    c.on_message = on_message
    host, port = mqtt_address(url)
    c.connect(host, port, keepalive=30)
    c.loop_start()
    if not connected.wait(10) or result["reason"].is_failure:
        c.loop_stop()
        raise ConnectionRefusedError(f"MQTT connect refused: {result.get('reason')}")
    c.on_connect = None
    return c


class Collector:
    """Subscribes to `topic` (QoS 1) and keeps every payload that arrives, per topic."""

    def __init__(self, url: str, topic: str, **options) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.client = client(url, on_message=self._on_message, **options)
        subscribed = threading.Event()
        self.client.on_subscribe = lambda c, u, mid, codes, props: subscribed.set()
        self.client.subscribe(topic, qos=1)
        if not subscribed.wait(10):
            raise TimeoutError("no SUBACK")

    def _on_message(self, c, userdata, message) -> None:
        with self.lock:
            self.messages.append((message.topic, message.payload))

    def wait_for(self, count: int, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publish_all(c: mqtt.Client, messages: list[tuple[str, bytes]], timeout: float = 60) -> int:
    """Publishes every (topic, payload) at QoS 1; returns how many the broker acknowledged."""
    infos = [c.publish(topic, payload, qos=1) for topic, payload in messages]
    deadline = time.monotonic() + timeout
    for info in infos:
        remaining = max(deadline - time.monotonic(), 0.01)
        info.wait_for_publish(remaining)
    return sum(info.is_published() for info in infos)
