"""The Celery app: queues, routing and the whole beat schedule, in one place.

Queues are split by latency: `alerts` (camera events → alarms → lighting responses, in
milliseconds), `commands` (device command dispatch, time-outs and retries), `default` (reports,
analytics, housekeeping). Without `REDIS_URL` the embedded runner (`manage.py demo`) runs the
same tasks in-process, on the same schedule.
"""

import logging
import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from celery.signals import celeryd_init, task_postrun
from django.db import close_old_connections
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")

log = logging.getLogger("cityplatform")
app = Celery("cityplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.conf.task_queues = (Queue("alerts"), Queue("commands"), Queue("default"))
app.conf.task_default_queue = "default"
app.conf.task_routes = {
    "cctv.tasks.alert_*": {"queue": "alerts"},
    "cctv.tasks.event_*": {"queue": "alerts"},
    "lighting.tasks.command_*": {"queue": "commands"},
    "lighting.tasks.reconcile_*": {"queue": "commands"},
    "devices.tasks.command_*": {"queue": "commands"},
    "devices.tasks.gateway.command_*": {"queue": "commands"},
}

# Each later app adds its periodic tasks here, so the schedule is read in one place.
app.conf.beat_schedule = {
    "platform-heartbeat": {
        "task": "cityplatform.tasks.heartbeat",
        "schedule": timedelta(seconds=60),
    },
    # Devices: silent devices marked offline, commands timed out, retried or expired.
    "devices-offline-sweep": {
        "task": "devices.tasks.gateway.devices_offline_sweep",
        "schedule": timedelta(seconds=60),
    },
    "devices-command-sweep": {
        "task": "devices.tasks.gateway.command_sweep",
        "schedule": timedelta(seconds=10),
    },
    # Devices: telemetry retention, camera ↔ light proximity kept whole.
    "devices-telemetry-purge": {
        "task": "devices.tasks.telemetry_purge",
        "schedule": timedelta(hours=6),
    },
    # Devices: the hourly roll-up of telemetry every history chart longer than a day reads.
    "devices-telemetry-rollup": {
        "task": "devices.tasks.telemetry_rollup",
        "schedule": timedelta(minutes=5),
    },
    # Devices: asset imports whose worker was lost mid-run said failed, not left "running".
    "devices-import-jobs-sweep": {
        "task": "devices.tasks.import_jobs_sweep",
        "schedule": timedelta(minutes=5),
    },
    "devices-proximity-rebuild": {
        "task": "devices.tasks.proximity_rebuild",
        "schedule": timedelta(hours=24),
    },
    # CCTV: rules for events still to evaluate, technical alarms following faults, alarm
    # boosts extended while open, the nightly retention purge (legal holds kept).
    "cctv-evaluate-pending": {
        "task": "cctv.tasks.event_evaluate_pending",
        "schedule": timedelta(seconds=60),
    },
    "cctv-technical-reconcile": {
        "task": "cctv.tasks.alert_technical_reconcile",
        "schedule": timedelta(seconds=60),
    },
    "cctv-lighting-extend": {
        "task": "cctv.tasks.alert_lighting_extend",
        "schedule": timedelta(seconds=60),
    },
    "cctv-retention-purge": {
        "task": "cctv.tasks.retention_purge",
        "schedule": crontab(hour=3, minute=15),
    },
    # CCTV correlation: zone-hour analytics of the last hours, and of yesterday again (late
    # data); alarms' latency records completed once their commands were sent.
    "cctv-analytics-recent": {
        "task": "cctv.tasks.analytics_zone_hours",
        "schedule": crontab(minute=7),
    },
    "cctv-analytics-day": {
        "task": "cctv.tasks.analytics_day",
        "schedule": crontab(hour=4, minute=30),
    },
    "cctv-analytics-report": {
        "task": "cctv.tasks.analytics_report",
        "schedule": crontab(hour=4, minute=50),
    },
    "cctv-latency-published": {
        "task": "cctv.tasks.latency_published",
        "schedule": timedelta(seconds=60),
    },
    # Emergency: CAP feeds polled (each at its own interval), alerts past `expires` ended.
    "emergency-feeds-poll": {
        "task": "emergency.tasks.feeds_poll",
        "schedule": timedelta(seconds=30),
    },
    "emergency-alerts-expire": {
        "task": "emergency.tasks.alerts_expire",
        "schedule": timedelta(seconds=30),
    },
    # Emergency: sensor thresholds judged against new telemetry (alarms raised and cleared).
    "emergency-thresholds-judge": {
        "task": "emergency.tasks.thresholds_judge",
        "schedule": timedelta(seconds=30),
    },
    # Notifications: deliveries due (queued, or retrying past their backoff) that no task took.
    "notifications-deliveries-sweep": {
        "task": "notifications.tasks.deliveries_sweep",
        "schedule": timedelta(seconds=15),
    },
    # Lighting: desired levels for every light, overrides starting and ending, lamp faults.
    "lighting-reconcile": {
        "task": "lighting.tasks.reconcile_all",
        "schedule": timedelta(seconds=30),
    },
    "lighting-overrides-sweep": {
        "task": "lighting.tasks.overrides_sweep",
        "schedule": timedelta(seconds=10),
    },
    "lighting-faults": {
        "task": "lighting.tasks.faults_detect",
        "schedule": timedelta(minutes=5),
    },
}

app.autodiscover_tasks()


@celeryd_init.connect
def _say_runtime(**kwargs) -> None:
    # deferred: cityplatform/__init__ imports this module while the settings are read;
    # cityplatform.apps would load Django's app and model machinery then (~0.1 s), before
    # any process needs it
    from cityplatform.apps import describe_runtime

    for line in describe_runtime():
        log.info("%s", line)


@task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """After each task, as after each web request: a database connection that broke or passed
    CONN_MAX_AGE is closed (the next task opens a new one); a healthy one is kept. Not after a
    task run in-process (eager), whose caller owns the connection and its transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return

    close_old_connections()
