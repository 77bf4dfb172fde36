"""Fixtures of the fault-injection tests: private Mosquitto, Redis and PostgreSQL instances that a
test may stop, kill and restart, and the sizes of the run.

Sizes: small in `make test` (the whole suite stays under 15 minutes on a 2-core machine); the
issue's full sizes with RELIABILITY_FULL=1 (`make reliability`).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.reliability.services import (
    PrivateMosquitto,
    PrivatePostgres,
    PrivateRedis,
    private_dir,
)

FULL = os.environ.get("RELIABILITY_FULL", "").lower() in {"1", "true", "yes"}


def size(small: int, full: int) -> int:
    """The size of a reliability test: `full` under `make reliability`, else `small`."""
    return full if FULL else small


def _require(program: str) -> None:
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed (apt-get install it: the tests need it)")


@pytest.fixture
def private_mosquitto():
    """private_mosquitto(password_file=…, acl_file=…) → a started PrivateMosquitto."""
    _require("mosquitto")
    started: list[PrivateMosquitto] = []

    def make(**options) -> PrivateMosquitto:
        broker = PrivateMosquitto(directory=private_dir("mosquitto"), **options).start()
        started.append(broker)
        return broker

    yield make
    for broker in started:
        broker.kill()
        if os.environ.get("KEEP_SERVICE_DIRS"):
            print(f"kept {broker.directory}")
        else:
            shutil.rmtree(broker.directory, ignore_errors=True)


@pytest.fixture
def private_redis():
    _require("redis-server")
    started: list[PrivateRedis] = []

    def make(**options) -> PrivateRedis:
        server = PrivateRedis(directory=private_dir("redis"), **options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.kill()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    started: list[PrivatePostgres] = []

    def make() -> PrivatePostgres:
        server = PrivatePostgres(directory=private_dir("postgres"))
        started.append(server)
        return server.start()

    yield make
    for server in started:
        try:
            server.stop(mode="immediate")
        finally:
            shutil.rmtree(server.directory, ignore_errors=True)
