"""Fixtures of the devices tests: the gateway's (a topic prefix, an in-process gateway, an MQTT
peer: defined in gateway_helpers.py, shared with tests/cctv) and API clients in roles."""

import pytest

from cityplatform.roles import Role
from tests.devices.gateway_helpers import gateway, peer, prefix  # noqa: F401 (fixtures)


@pytest.fixture
def manager_client(make_user, api_client):
    return api_client(make_user(Role.ASSET_MANAGER))


@pytest.fixture
def viewer_client(make_user, api_client):
    return api_client(make_user(Role.VIEWER))
