"""TALQ 2.7.1 CMS API: a gateway registering devices and sending log reports through the HTTP
stack in-process (Django's test client: the URL conf, the key check, openapi-core's validation
against the vendored file, the services, PostgreSQL).

    python -m tests.benchmarks --only talq
    DATABASE_URL=postgres://…/db python -m tests.benchmarks.bench_talq [--quick]

Goals (issue #16): registration of 10,000 devices ≤ 30 s (here: devices/s, goal ≥ 333/s);
log reports ingested ≥ 10,000 values/s. Everything it creates carries the `talq-bench` gateway
and is deleted at the end (audit entries stay: the log is append-only).
"""

from __future__ import annotations

import sys
import uuid

from tests.benchmarks import common

BATCH = 500  # devices per registration request


def _ts(second: int) -> str:
    """A distinct instant per report round (one telemetry row per device and instant)."""
    return f"2026-12-07T18:{second // 60 % 60:02d}:{second % 60:02d}Z"


def run(*, quick: bool) -> list[dict]:
    from django.test import override_settings

    from devices.models import Asset
    from tests.devices.talq_helpers import Talq, attribute, lamp, make_talq_gateway

    devices = 50 if quick else 2000
    entries = 200 if quick else 5000
    with override_settings(ALLOWED_HOSTS=["*"]):
        key = f"bench-{uuid.uuid4().hex}"
        gateway = make_talq_gateway(device_id="talq-bench", cms_key=key)
        talq = Talq(key=key, check=False)
        talq.post("services", [{"name": "DataCollectService"}])
        addresses = [str(uuid.uuid4()) for _ in range(devices)]
        try:
            with common.stopwatch() as registration:
                for start in range(0, devices, BATCH):
                    batch = [lamp(a) for a in addresses[start : start + BATCH]]
                    assert talq.post("devices", batch).status_code == 201
            report = {
                "address": "cms-values",
                "entries": [
                    attribute(
                        f"{addresses[i % devices]}/mon", "activePower", 1.0 + i, _ts(i // devices)
                    )
                    for i in range(entries)
                ],
            }
            with common.stopwatch() as ingest:
                assert talq.post("log-reports", report).status_code == 201
        finally:
            Asset.objects.filter(attributes__talq__gateway="talq-bench").delete()
            Asset.objects.filter(pk=gateway.pk).delete()
    per_device = devices / registration.elapsed
    values = entries / ingest.elapsed
    return [
        common.figure(
            f"TALQ registration ({devices} devices, {BATCH} a request)",
            per_device,
            "devices/s",
            goal="≥ 333 devices/s (10,000 in 30 s)",
            ok=per_device >= 333,
        ),
        common.figure(
            f"TALQ log report ingested ({entries} values, one request)",
            values,
            "values/s",
            goal="≥ 10,000 values/s",
            ok=values >= 10_000,
        ),
    ]


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
    django.setup()
    for item in run(quick="--quick" in sys.argv):
        print(item)
