"""Fixtures of the devices tests: the gateway's (a topic prefix, an in-process gateway, an MQTT
peer), defined in gateway_helpers.py and shared with tests/cctv."""

from tests.devices.gateway_helpers import gateway, peer, prefix  # noqa: F401 (fixtures)
