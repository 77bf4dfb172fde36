"""Fixtures of the NGSI-LD tests: a real HTTP receiver of notifications (http.server in a
thread), a real Celery worker (a thread of this process, on the test's Redis broker), and the
gateway's fixtures (tests/devices/gateway_helpers.py)."""

import pytest
from celery.contrib.testing.worker import start_worker

from cityplatform.celery import app as celery_app
from tests.devices.gateway_helpers import gateway, peer, prefix  # noqa: F401 (fixtures)
from tests.ngsi.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def celery_worker():
    """A real worker of the default queue (where the NGSI tasks go), on the test's Redis."""
    celery_app.control.purge()
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=["default"], shutdown_timeout=20
    ) as worker:
        yield worker
