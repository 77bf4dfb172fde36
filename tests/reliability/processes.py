"""The platform's processes under test, started as they run in production."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from tests.benchmarks.common import child_env, mqtt_address, wait_gateway_online

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class GatewayProcess:
    """`manage.py run_gateway --no-opcua` on the given broker, database and topic prefix."""

    mqtt_url: str
    prefix: str
    client_id: str = field(default_factory=lambda: f"gw-rel-{uuid.uuid4().hex[:8]}")
    database_url: str | None = None
    extra_env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> GatewayProcess:
        env = child_env(
            MQTT_URL=self.mqtt_url,
            MQTT_TOPIC_PREFIX=self.prefix,
            MQTT_CLIENT_ID=self.client_id,
            FRIGATE_TOPIC=f"{self.prefix}/frigate/events",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        self.log = self.log or Path(tempfile.gettempdir()) / f"gateway-{self.client_id}.log"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_gateway", "--no-opcua"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_online(self, timeout: float = 60) -> None:
        """Until the gateway's birth message is seen (it has subscribed by then)."""
        try:
            wait_gateway_online(self.mqtt_url, self.prefix, self.process, timeout)
        except RuntimeError as error:
            raise RuntimeError(f"{error}: {self.log.read_text()[-3000:]}") from error

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


MAX_OUTSTANDING = 30_000


class DevicePublisher:
    """Devices publishing QoS 1 telemetry through one persistent paho session: unacknowledged
    messages are re-sent after a reconnect, as a device with a session does."""

    def __init__(
        self, url: str, prefix: str, *, username: str | None = None, password: str | None = None
    ) -> None:
        self.prefix = prefix
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"dev-{uuid.uuid4().hex[:8]}",
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=2)
        host, port = mqtt_address(url)
        self.client.connect(host, port, keepalive=10)
        self.client.loop_start()
        self.infos: list = []
        self._oldest = 0  # infos before this one are acknowledged

    def publish(self, device_id: str, payload: bytes) -> None:
        # QoS 1 message ids are 16-bit: one session cannot hold 65,535 unacknowledged messages
        # (paho refuses the next with ERR_QUEUE_SIZE when an id comes round again). A device
        # waits instead, as the 100,000-message runs do while the broker or gateway is away.
        while len(self.infos) - self._oldest >= MAX_OUTSTANDING:
            if self.infos[self._oldest].is_published():
                self._oldest += 1
            else:
                time.sleep(0.01)
        self.infos.append(
            self.client.publish(f"{self.prefix}/{device_id}/telemetry", payload, qos=1)
        )

    def wait_all_acked(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(info.is_published() for info in self.infos):
                break
            time.sleep(0.1)
        return sum(info.is_published() for info in self.infos)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
