"""Shared pieces of the gateway tests: a unique topic prefix, an in-process gateway, an MQTT
peer standing in for devices, and polling for an outcome.

The fixtures at the end (`prefix`, `gateway`, `peer`) serve the tests of tests/devices and
tests/cctv: their conftest.py files import them.
"""

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import jsonschema
import paho.mqtt.client as paho
import pytest
from django.conf import settings
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityplatform.mqtt import mqtt_address
from devices.choices import AssetKind
from devices.gateway import Gateway, GatewayOptions
from devices.models import Asset, StreetlightDetails

SCHEMAS = Path(settings.BASE_DIR) / "docs" / "schemas"


def schema_validate(name: str, payload) -> None:
    """Validates a payload against the published schema docs/schemas/<name>.json."""
    jsonschema.validate(payload, json.loads((SCHEMAS / f"{name}.json").read_text()))


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def unique_prefix() -> str:
    return f"test/{uuid.uuid4().hex[:12]}"


def make_light(device_id: str, **details) -> Asset:
    asset = Asset.objects.create(
        device_id=device_id, kind=AssetKind.STREETLIGHT, latitude=51.51, longitude=-0.09
    )
    StreetlightDetails.objects.create(asset=asset, **details)
    return asset


def gateway_options(prefix: str, **overrides) -> GatewayOptions:
    options = GatewayOptions(
        mqtt_url=settings.MQTT_URL,
        client_id=f"gw-{uuid.uuid4().hex[:10]}",
        prefix=prefix,
        frigate_topic=f"{prefix}/frigate/events",
        sweep_s=0.3,
        opcua=False,
    )
    for key, value in overrides.items():
        setattr(options, key, value)
    return options


def start_gateway(options: GatewayOptions) -> Gateway:
    gateway = Gateway(options)
    gateway.start()
    wait_for(gateway.mqtt.connected.is_set, what="the gateway's MQTT connection")
    time.sleep(0.3)  # the SUBACK
    return gateway


def forget_session(client_id: str) -> None:
    """Removes a persistent session from the broker (connect clean, expire at once)."""
    peer = Peer(client_id=client_id, clean=True)
    peer.close()


class Peer:
    """A paho client standing in for devices (or for a device simulator)."""

    def __init__(self, client_id: str | None = None, *, clean: bool = True):
        host, port = mqtt_address(settings.MQTT_URL)
        self.received: list[tuple[str, bytes]] = []
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"peer-{uuid.uuid4().hex[:10]}",
            protocol=paho.MQTTv5,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload))
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0
        self.client.connect(host, port, clean_start=clean, properties=properties)
        self.client.loop_start()
        wait_for(self.client.is_connected, what="the peer's connection")

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        time.sleep(0.3)

    def publish(self, topic: str, payload, *, qos: int = 1, retain: bool = False) -> None:
        if isinstance(payload, dict | list):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of the test's own on the shared broker."""
    return unique_prefix()


@pytest.fixture
def gateway(prefix):
    """An in-process gateway on `prefix` (no OPC-UA); its persistent session is removed after."""
    gw = start_gateway(gateway_options(prefix))
    yield gw
    gw.stop()
    forget_session(gw.options.client_id)


@pytest.fixture
def peer():
    """An MQTT client standing in for devices."""
    p = Peer()
    yield p
    p.close()
