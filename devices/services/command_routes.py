"""Why a queued command is not being sent, written on the command.

A command for an OPC-UA light goes through its controller's session; until there is one that is
connected, the command stays QUEUED (it is sent as soon as the controller is reachable, or
expires). Without this, such a command sat `queued`, attempts 0, no error, with nothing to tell
an operator why. The gateway calls `commands_unsent_explain` on its sweep: each such command's
`error` says why (beginning "not sent: "), and the change goes to the live channel like any
other command update. The claim clears it when the command is finally sent.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping

from django.db import transaction

from devices.choices import CommandState, ControlProtocol, LifecycleStatus
from devices.models import Command
from devices.services.commands import UNSENT_PREFIX as NOT_SENT
from devices.services.commands import CommandUpdate, publish_command_updates

EXPLAIN_LIMIT = 5000  # commands looked at per sweep

_COLUMNS = (
    "pk",
    "asset_id",
    "asset__device_id",
    "asset__zone_id",
    "level",
    "attempts",
    "reason",
    "error",
    "asset__streetlight__controller__device_id",
    "asset__streetlight__controller__status",
    "asset__streetlight__controller__controller__protocol",
    "asset__streetlight__controller__controller__endpoint_url",
)


def route_missing(
    *,
    controller: str | None,
    controller_status: str | None,
    controller_protocol: str | None,
    endpoint_url: str | None,
) -> str | None:
    """Why no gateway can send a command for an OPC-UA light (the registry gives it no
    route), or None."""
    if controller is None:
        return "the light is driven over OPC-UA but has no controller"
    if controller_status == LifecycleStatus.DECOMMISSIONED:
        return f"its controller {controller} is decommissioned"
    if controller_protocol != ControlProtocol.OPCUA or not endpoint_url:
        return f"its controller {controller} has no OPC-UA endpoint URL"
    return None


def commands_unsent_explain(
    *, unreachable: Mapping[str, str], owns: Callable[[str], bool] = lambda _controller: False
) -> int:
    """Writes on each queued command of an OPC-UA light that cannot be sent why it is not.

    A missing route any gateway may say. Whether a controller is reachable only the gateway
    that owns its session knows: `owns(controller)` tells the caller's controllers apart, and
    `unreachable` maps those of them not connected to why. The others' commands are left to
    their own gateway (two gateways must not undo each other's reasons). Returns how many
    commands changed."""
    rows = list(
        Command.objects.filter(
            state=CommandState.QUEUED, asset__streetlight__protocol=ControlProtocol.OPCUA
        )
        .order_by("next_attempt_at")
        .values_list(*_COLUMNS)[:EXPLAIN_LIMIT]
    )
    by_error: dict[str, list] = defaultdict(list)
    for row in rows:
        reason = route_missing(
            controller=row[8],
            controller_status=row[9],
            controller_protocol=row[10],
            endpoint_url=row[11],
        )
        if reason is None:
            if not owns(row[8]):
                continue
            reason = unreachable.get(row[8])
        error = f"{NOT_SENT}{reason}"[:1000] if reason else ""
        explained = row[7].startswith(NOT_SENT)
        if error != row[7] and (reason or explained):  # never overwrite another error
            by_error[error].append(row)
    if not by_error:
        return 0
    updates = []
    with transaction.atomic():
        for error, changed in by_error.items():
            Command.objects.filter(
                pk__in=[r[0] for r in changed], state=CommandState.QUEUED
            ).update(error=error)
            updates += [
                CommandUpdate(
                    id=str(r[0]),
                    asset_pk=r[1],
                    device_id=r[2],
                    zone_id=r[3],
                    level=r[4],
                    state=CommandState.QUEUED,
                    attempts=r[5],
                    reason=r[6],
                    error=error,
                )
                for r in changed
            ]
        publish_command_updates(updates)
    return len(updates)
