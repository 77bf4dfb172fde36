"""Fixtures of the NGSI-LD tests: a real HTTP receiver of notifications (http.server in a
thread), a real Celery worker (a thread of this process, on the test's Redis broker), and the
gateway's fixtures (tests/devices/gateway_helpers.py)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.contrib.testing.worker import start_worker

from cityplatform.celery import app as celery_app
from tests.devices.gateway_helpers import gateway, peer, prefix  # noqa: F401 (fixtures)


class Receiver:
    """Records every POST (its headers and JSON body); answers `status` (200 unless told)."""

    def __init__(self):
        self.received: list[tuple[dict, dict]] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                owner.received.append((dict(self.headers), body))
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [body for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


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
