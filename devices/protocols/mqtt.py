"""The gateway's one MQTT connection (paho-mqtt 2.x, MQTT v5).

- Persistent session: a fixed client id, clean start off and a session expiry, so that what
  devices publish while the gateway is down waits at the broker and is delivered on return.
- Manual acknowledgements: a QoS 1 message is acknowledged (`ack(mid, qos)`) only once the
  gateway has stored it; a crash before that makes the broker redeliver it.
- Receive Maximum raised so the broker keeps many unacknowledged messages in flight while a
  batch is being written (Mosquitto's default for v3 clients is 20).
- Reconnects with backoff and subscribes again after every connect; a will and a birth on
  `P/_gateway/status` say whether the gateway is up.
- `share`: subscriptions become `$share/<group>/<filter>`, so several gateways split the load.
"""

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityplatform.mqtt import mqtt_anonymous_warning
from devices import metrics

log = logging.getLogger(__name__)

GATEWAY_STATUS_ID = "_gateway"
SESSION_EXPIRY_S = 7 * 24 * 3600
RECEIVE_MAXIMUM = 65535


@dataclass(frozen=True, slots=True)
class Inbound:
    topic: str
    payload: bytes
    mid: int
    qos: int
    received: float


class MqttConnection:
    """Owns the paho client; `on_message(Inbound)` runs on paho's network thread and must only
    hand the message over (a queue put)."""

    def __init__(
        self,
        *,
        url: str,
        client_id: str,
        subscriptions: list[str],
        status_topic: str,
        on_message: Callable[[Inbound], None],
        share: str | None = None,
        clean_start: bool = False,
        protocol: str = "5",
    ):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.filters = [f"$share/{share}/{f}" if share else f for f in subscriptions]
        self.status_topic = status_topic
        self.connected = threading.Event()
        self.connects = 0  # successful connects (more than one: the broker dropped us)
        self._on_message = on_message
        self._clean_start = clean_start
        # MQTT 5 by default; "3.1.1" for brokers without it (the embedded amqtt broker), where
        # the persistent session is clean_session=False.
        self.v5 = protocol != "3.1.1"
        if self.v5:
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                protocol=paho.MQTTv5,
                manual_ack=True,
            )
        else:
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                protocol=paho.MQTTv311,
                clean_session=clean_start,
                manual_ack=True,
            )
        if parts.username:
            client.username_pw_set(parts.username, parts.password)
        if parts.scheme == "mqtts":
            client.tls_set()
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.will_set(status_topic, b"offline", qos=1, retain=True)
        client.on_socket_open = _no_delay
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._message
        self.client = client
        self.stopping = False

    def start(self) -> None:
        if not self.v5:
            self.client.connect_async(self.host, self.port, keepalive=30)
            self.client.loop_start()
            return
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.host,
            self.port,
            keepalive=30,
            clean_start=self._clean_start,
            properties=properties,
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping = True
        if self.connected.is_set():
            self.client.publish(self.status_topic, b"offline", qos=1, retain=True).wait_for_publish(
                2
            )
        self.client.disconnect()
        self.client.loop_stop()

    def ack(self, mid: int, qos: int) -> None:
        if qos > 0:
            self.client.ack(mid, qos)

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> paho.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=qos)

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT connection refused: %s", reason_code)
            return
        log.info(
            "MQTT connected to %s:%s (session present: %s)",
            self.host,
            self.port,
            flags.session_present,
        )
        # Subscribing again after each connect: harmless with a kept session, needed without.
        if self.v5:
            client.subscribe([(f, paho.SubscribeOptions(qos=1)) for f in self.filters])
        else:
            client.subscribe([(f, 1) for f in self.filters])
        client.publish(self.status_topic, b"online", qos=1, retain=True)
        self.connects += 1
        self.connected.set()
        metrics.CONNECTED.set(1)

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        metrics.CONNECTED.set(0)
        if self.stopping:  # our own disconnect, on the way out: nothing is wrong
            log.info("MQTT disconnected from %s:%s (stopping)", self.host, self.port)
            return
        log.warning("MQTT disconnected (%s); reconnecting with backoff", reason_code)

    def _message(self, client, userdata, message: paho.MQTTMessage) -> None:
        try:
            self._on_message(
                Inbound(message.topic, message.payload, message.mid, message.qos, message.timestamp)
            )
        except Exception:  # one bad message must never stop the network loop
            log.exception("could not take in a message on %s", message.topic)


def _no_delay(client, userdata, sock) -> None:
    """Turns off Nagle's algorithm on the broker connection. The gateway sends commands in
    bursts of small packets (an alarm's five lights): with Nagle, the second waits for the
    broker's TCP acknowledgement of the first, which Linux delays by up to 40 ms."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def warn_if_broker_anonymous(url: str) -> bool:
    """Logs a warning when the broker at `url` lets in clients without credentials; returns
    whether it does (docs/security.md, "Anonymous clients")."""
    warning = mqtt_anonymous_warning(url)
    if warning:
        log.warning("%s", warning)
    return warning is not None
