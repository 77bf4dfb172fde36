"""A Celery worker killed (SIGKILL) in the middle of an alert job, on a private Redis broker:
after a new worker starts, each alarm and its lighting override exist exactly once.

The job evaluates two events of two cameras under one rule with a lighting response. The
first camera's alarm and override are committed when the worker dies; the second camera's are
half-written (its transaction is open, held up by a row lock this test holds). The task is
acknowledged late, so Redis hands it to the next worker once the visibility timeout has passed
(CELERY_VISIBILITY_TIMEOUT_S); the rules' idempotency (an event feeds a rule's alarm once) keeps
the first alarm single, and the rolled-back second one is raised again, once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from django.db import connection

from cctv.models import Alarm, AlarmEvent, Event
from cctv.services.ingest import events_ingest
from cctv.services.rules import alarm_rule_create
from devices.choices import AssetKind, CommandState, ZoneKind
from devices.events import DeviceEvent
from devices.models import Asset, CameraDetails, CameraLight, Command, Zone
from devices.services.commands import commands_issue
from lighting.models import Override
from tests.benchmarks.common import child_env, django_database_url
from tests.devices.gateway_helpers import wait_for
from tests.reliability.processes import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VISIBILITY_S = 4


def start_worker(redis_url: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "cityplatform", "worker", "--pool=solo"),
            *("-Q", "alerts", "--without-heartbeat", "--without-mingle", "--without-gossip"),
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=child_env(REDIS_URL=redis_url, CELERY_VISIBILITY_TIMEOUT_S=str(VISIBILITY_S)),
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def camera_with_light(name: str, zone: Zone) -> tuple[Asset, Asset]:
    camera = Asset.objects.create(
        device_id=f"CAM-{name}", kind=AssetKind.CAMERA, latitude=51.51, longitude=-0.09, zone=zone
    )
    CameraDetails.objects.create(
        asset=camera, analytics_allowlist=["intrusion"], purpose="Public safety"
    )
    light = Asset.objects.create(
        device_id=f"SL-{name}", kind=AssetKind.STREETLIGHT, latitude=51.51, longitude=-0.09
    )
    CameraLight.objects.create(camera=camera, light=light, distance_m=10.0)
    return camera, light


def stored_events(monkeypatch) -> list[int]:
    """Two events stored as the gateway stores them; the task their commit would send is
    captured, to be sent to the private broker by the test."""
    from cctv import tasks

    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.event_evaluate, "delay", lambda ids, *rest: sent.append(ids))
    zone = Zone.objects.create(name="Cheapside", kind=ZoneKind.STREET)
    first, _ = camera_with_light("K1", zone)
    second, _ = camera_with_light("K2", zone)
    now = time.time()
    from datetime import UTC, datetime

    events = [
        DeviceEvent(
            device_id=camera.device_id,
            event_id=f"kill-{n}",
            ts=datetime.fromtimestamp(now + n, UTC),  # the first camera's is evaluated first
            type="intrusion",
            source="mqtt",
            confidence=0.9,
        )
        for n, camera in enumerate((first, second))
    ]
    events_ingest(events)
    assert len(sent) == 1 and len(sent[0]) == 2
    return sent[0]


def waiting_on_a_lock(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [database],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_alert_job_leaves_each_alarm_and_override_once(
    private_redis, monkeypatch, tmp_path
):
    alarm_rule_create(
        actor="test",
        name="Boost on intrusion",
        event_types=["intrusion"],
        retrigger_s=300,
        light_scope="linked",
        light_level=100,
        light_duration_s=600,
    )
    event_ids = stored_events(monkeypatch)
    second_light = Asset.objects.get(device_id="SL-K2")
    # A command already queued for the second camera's light: issuing the override's command
    # locks it, so a lock held on it here stops the job inside the second alarm's transaction.
    (pending,) = commands_issue(levels={second_light.pk: 30.0}, reason="before", issued_by="test")
    server = private_redis()
    log = tmp_path / "worker.log"
    database = connection.settings_dict["NAME"]
    holder = psycopg.connect(django_database_url())
    client = Celery(broker=server.url, backend=server.url, set_as_current=False)
    workers: list[subprocess.Popen] = []
    try:
        holder.execute("SELECT id FROM devices_command WHERE id = %s FOR UPDATE", [pending.pk])
        workers.append(start_worker(server.url, log))
        client.send_task("cctv.tasks.event_evaluate", args=[event_ids, []], queue="alerts")
        wait_for(lambda: waiting_on_a_lock(database), timeout=60, what="the job blocked")
        # The first alarm is committed; the second is written but not committed.
        assert Alarm.objects.filter(camera__device_id="CAM-K1").count() == 1
        assert not Alarm.objects.filter(camera__device_id="CAM-K2").exists()
        delivered_at = time.monotonic()

        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        holder.rollback()  # the dead worker's transaction is rolled back by PostgreSQL
        time.sleep(max(0.0, VISIBILITY_S + 0.5 - (time.monotonic() - delivered_at)))

        workers.append(start_worker(server.url, log))
        wait_for(
            lambda: Alarm.objects.filter(camera__device_id="CAM-K2").exists(),
            timeout=90,
            what=f"the redelivered job; worker log: {log.read_text()[-2000:]}",
        )
        wait_for(
            lambda: Event.objects.filter(pk__in=event_ids, evaluated_at__isnull=False).count() == 2,
            timeout=30,
            what="both events evaluated",
        )
        time.sleep(VISIBILITY_S + 1)  # a second redelivery, if the job were not acked, shows now

        alarms = list(Alarm.objects.order_by("camera__device_id"))
        assert [a.camera.device_id for a in alarms] == ["CAM-K1", "CAM-K2"]
        assert AlarmEvent.objects.count() == 2
        overrides = list(Override.objects.order_by("alarm_id"))
        assert [o.alarm_id for o in overrides] == [a.pk for a in alarms]
        assert [a.override_id for a in alarms] == [o.pk for o in overrides]
        # The override's command superseded the one queued before: one live command per light.
        live = Command.objects.filter(state=CommandState.QUEUED)
        assert sorted(live.values_list("asset__device_id", flat=True)) == ["SL-K1", "SL-K2"]
        assert workers[1].poll() is None
    finally:
        holder.close()
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(30)
        client.close()
        if os.environ.get("KEEP_SERVICE_DIRS"):
            print(log.read_text())
