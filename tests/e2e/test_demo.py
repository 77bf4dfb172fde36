"""`manage.py demo` (what `make demo` runs) starts, serves, and stops cleanly on SIGINT."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 180


def free_port_pair() -> int:
    """A port p with p and p + 1 both free (the demo's two OPC-UA controllers)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two consecutive free ports")


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local http URL)
        return response.status, response.read()


@pytest.mark.slow
def test_demo_serves_and_stops_on_sigint(tmp_path, free_port):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # Its own data folder and topics, so it shares nothing with the other tests.
    env.update(
        VAR_DIR=str(tmp_path),
        MQTT_TOPIC_PREFIX=f"demo-{uuid.uuid4().hex[:8]}/v1",
        DEMO_OPCUA_PORT=str(free_port_pair()),  # the simulated controllers, clear of other tests
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--port", str(free_port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "demo did not serve /healthz in time"
                time.sleep(0.5)
        assert status == 200 and b'"ok"' in body
        status, body = get(f"{base}/api/docs/")
        assert status == 200 and b"swagger-ui" in body
        status, _ = get(f"{base}/static/vendor/leaflet/leaflet.js")
        assert status == 200
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    output = (tmp_path / "demo.log").read_text()
    assert code == 0, output
    assert "running at" in output and "password" in output
    assert (tmp_path / "demo-credentials.txt").exists()
    assert "Traceback" not in output, output
