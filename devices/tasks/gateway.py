"""Gateway tasks: offline detection, command time-outs and retries.

Beat entries (cityplatform/celery.py):
    "devices-offline-sweep": {"task": "devices.tasks.gateway.devices_offline_sweep",
                              "schedule": timedelta(seconds=60)},
    "devices-command-sweep": {"task": "devices.tasks.gateway.command_sweep",
                              "schedule": timedelta(seconds=10)},
`command_*` tasks are routed to the `commands` queue.
"""

from celery import shared_task

from devices.selectors.commands import commands_due_ids
from devices.services.commands import commands_sweep, notify_gateway
from devices.services.status import devices_mark_silent_offline


@shared_task(name="devices.tasks.gateway.devices_offline_sweep")
def devices_offline_sweep() -> int:
    """Marks offline (with a fault) every device silent past DEVICE_OFFLINE_AFTER_S."""
    return devices_mark_silent_offline()


@shared_task(name="devices.tasks.gateway.command_sweep")
def command_sweep() -> dict:
    """Ends expired and timed-out commands, and nudges the gateways about due re-sends."""
    counts = commands_sweep()
    due = commands_due_ids(limit=10_000)
    if due:
        notify_gateway(due)
    return {str(k): v for k, v in counts.items()} | {"due": len(due)}
