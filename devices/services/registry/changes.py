"""What every write of the registry does besides its change: the audit's JSON values, and the
gateways told once the transaction commits."""

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from channels.layers import get_channel_layer
from django.db import models, transaction

from cityplatform.live import layer_run
from devices.services.commands import GATEWAY_GROUP

log = logging.getLogger("devices.services.registry")
# What the gateways are told after a registry change is committed (on GATEWAY_GROUP, beside the
# commands' nudge): they reload the devices they know, the Frigate names and their OPC-UA
# controllers at once instead of at their next periodic refresh.
REGISTRY_CHANGED = "registry.changed"


def audit_value(value: Any) -> Any:
    """A field's value as the audit log's JSON keeps it (dates as ISO text, rows as their pk)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def registry_changed_notify(*, device_ids: Iterable[str] = ()) -> None:
    """Tells every gateway, once the transaction commits, that the registry changed (assets,
    their details, zones): a device registered through the API is known to the gateway within
    a second, not at its next refresh. A lost notification only delays (the gateways still
    refresh periodically); a rollback sends none."""
    ids = sorted(set(device_ids))[:100]  # for the gateway's log; it reloads everything anyway
    transaction.on_commit(lambda: _registry_changed_send(ids))


def _registry_changed_send(device_ids: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": REGISTRY_CHANGED, "device_ids": device_ids}
    try:
        layer_run(layer, lambda: layer.group_send(GATEWAY_GROUP, event))
    except Exception:
        log.exception("could not tell the gateways that the registry changed")
