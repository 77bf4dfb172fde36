"""One MQTT connection of the simulators (paho-mqtt 2.x, its own network thread).

A link publishes for one device (per-device mode: its will is that device's `status`
"offline", as on a real lamp) or for many (multiplexed mode: a broker sees few connections; a
connection has one will only, so a link's will marks its first device offline and the others
are marked offline by the simulator when it stops cleanly). On every (re)connect the link
subscribes to the `cmd` topics of its devices and publishes their retained `online`.
"""

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from cityplatform.mqtt import mqtt_address

log = logging.getLogger("devices.simulators.mqtt")

SUBSCRIBE_CHUNK = 200


class MqttLink:
    def __init__(
        self,
        *,
        broker_url: str,
        client_id: str,
        prefix: str,
        devices: Sequence[str],
        command_devices: Sequence[str] = (),
        on_command: Callable[[str, bytes], None] | None = None,
        keepalive: int = 30,
    ) -> None:
        self.host, self.port = mqtt_address(broker_url)
        self.client_id = client_id
        self.prefix = prefix
        self.devices = list(devices)
        self.command_devices = list(command_devices)
        self.on_command = on_command
        self.connected = threading.Event()
        self.connects = 0
        self._stopping = False
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)  # unbounded: the simulators pace themselves
        client.reconnect_delay_set(1, 10)
        if self.devices:
            client.will_set(self.status_topic(self.devices[0]), "offline", qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    def status_topic(self, device_id: str) -> str:
        return f"{self.prefix}/{device_id}/status"

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=60)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False):
        return self.client.publish(topic, payload, qos=qos, retain=retain)

    def drop(self) -> None:
        """Cuts the connection without a DISCONNECT packet: the broker publishes the will;
        paho reconnects by itself a second or so later."""
        sock = self.client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self, *, mark_offline: bool = True, timeout: float = 5.0) -> None:
        self._stopping = True
        if mark_offline and self.connected.is_set():
            last = None
            for device_id in self.devices:
                last = self.publish(self.status_topic(device_id), "offline", retain=True)
            if last is not None:
                with contextlib.suppress(RuntimeError, ValueError):
                    last.wait_for_publish(timeout)
        self.client.disconnect()
        self.client.loop_stop()

    # --- paho callbacks (network thread) ------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties=None) -> None:
        if reason_code.is_failure:
            log.warning("simulator link %s refused: %s", self.client_id, reason_code)
            return
        self.connects += 1
        topics = [(f"{self.prefix}/{d}/cmd", 1) for d in self.command_devices]
        for start in range(0, len(topics), SUBSCRIBE_CHUNK):
            client.subscribe(topics[start : start + SUBSCRIBE_CHUNK])
        for device_id in self.devices:
            client.publish(self.status_topic(device_id), "online", qos=1, retain=True)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties=None) -> None:
        self.connected.clear()
        if not self._stopping:
            log.info("simulator link %s disconnected: %s", self.client_id, reason_code)

    def _on_message(self, client, userdata, message) -> None:
        if self.on_command is None:
            return
        parts = message.topic.split("/")
        if len(parts) < 2 or parts[-1] != "cmd":
            return
        try:
            self.on_command(parts[-2], message.payload)
        except Exception:
            log.exception("simulated device could not take a command on %s", message.topic)
