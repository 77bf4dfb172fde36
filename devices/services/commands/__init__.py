"""The command life-cycle of a light: issue → claim (SENT) → ack (SUCCEEDED / FAILED), or
time-out, retry, EXPIRED / TIMED_OUT, each change on the live channel as `command.updated`.

    records     the shared values (CommandUpdate, CommandToSend, CommandError) and settings
    updates     `command.updated` payloads, published after the commit
    notify      the nudge to the gateways that commands are due
    issue       `commands_issue`: COPY and set-based statements, superseding pending commands
    dispatch    the gateway's bookkeeping: claim what is due, sweep, a send that failed
    completion  device acknowledgements end commands

Lighting only ever calls `commands_issue` (cctv's lighting responses are lighting overrides);
the gateway calls the rest. Callers import from here (`from devices.services.commands import
commands_issue`); the modules import each other downwards only (records ← updates ← issue,
dispatch, completion).
"""

from devices.services.commands.completion import commands_complete
from devices.services.commands.dispatch import (
    commands_claim_due,
    commands_send_failed,
    commands_send_later,
    commands_sweep,
)
from devices.services.commands.issue import commands_issue
from devices.services.commands.notify import GATEWAY_GROUP, notify_gateway
from devices.services.commands.records import (
    DEFAULT_COMMAND_TTL,
    UNSENT_PREFIX,
    CommandError,
    CommandToSend,
    CommandUpdate,
    ack_timeout,
    max_attempts,
)
from devices.services.commands.updates import command_updated_payloads, publish_command_updates

__all__ = [
    "DEFAULT_COMMAND_TTL",
    "GATEWAY_GROUP",
    "UNSENT_PREFIX",
    "CommandError",
    "CommandToSend",
    "CommandUpdate",
    "ack_timeout",
    "command_updated_payloads",
    "commands_claim_due",
    "commands_complete",
    "commands_issue",
    "commands_send_failed",
    "commands_send_later",
    "commands_sweep",
    "max_attempts",
    "notify_gateway",
    "publish_command_updates",
]
