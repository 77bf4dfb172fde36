"""Fixtures of the Open311 tests: a client with its API key, lights and a camera on a street,
and a fresh rate count (the throttles count in Redis, which outlives a test)."""

import pytest
from django.core.cache import cache
from django.test import Client

from open311.services.clients import open311_client_create
from tests.devices.registry_factories import make_camera, make_light

# A street in the City of London: lights every 40 m along a line of latitude.
LAT, LON = 51.5155, -0.0922
METRE_LON = 1 / (111_195 * 0.6225)  # degrees of longitude per metre at this latitude
METRE_LAT = 1 / 111_195


@pytest.fixture(autouse=True)
def _open311_rates_forgotten():
    backend = getattr(cache, "_cache", None)
    if hasattr(backend, "get_client"):
        redis = backend.get_client(write=True)
        keys = list(redis.scan_iter(match=cache.make_key("throttle_open311_") + "*"))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
    yield


@pytest.fixture
def fms(db):
    """A FixMyStreet instance registered as a client: (client, api key)."""
    return open311_client_create(name="FixMyStreet", actor="test")


@pytest.fixture
def street(db):
    """SL-1, SL-2, SL-3 40 m apart eastwards from (LAT, LON), and camera CAM-1 by SL-2."""
    lights = [make_light(f"SL-{i + 1}", LAT, LON + i * 40 * METRE_LON) for i in range(3)]
    camera = make_camera("CAM-1", LAT + 5 * METRE_LAT, LON + 40 * METRE_LON)
    return {"lights": lights, "camera": camera}


@pytest.fixture
def web():
    return Client()


def east(metres: float) -> str:
    return f"{LON + metres * METRE_LON:.7f}"


def north(metres: float) -> str:
    return f"{LAT + metres * METRE_LAT:.7f}"
