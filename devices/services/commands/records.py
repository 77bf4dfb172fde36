"""The values every step of the command life-cycle shares, at the bottom of the package.

Issue, dispatch, completion and the live payloads all speak in `CommandUpdate`s and read the
same two settings; they sit here so that no module of the package imports another sideways
(`commands` and `commands_bulk` used to import each other for `CommandError`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from devices.models import Command

# How an `error` saying why a queued command is not sent begins (services/command_routes.py);
# the claim clears it when the command goes out.
UNSENT_PREFIX = "not sent: "
DEFAULT_COMMAND_TTL = timedelta(minutes=10)


class CommandError(ValueError):
    pass


def ack_timeout() -> float:
    return settings.COMMAND_ACK_TIMEOUT_S


def max_attempts() -> int:
    return settings.COMMAND_MAX_ATTEMPTS


@dataclass(frozen=True)
class CommandUpdate:
    """A state change of a command, for the live channel and the gateway's bookkeeping."""

    id: str
    asset_pk: int
    device_id: str
    zone_id: int | None
    level: float
    state: str
    attempts: int
    reason: str = ""
    error: str = ""


@dataclass(frozen=True)
class CommandToSend:
    """What the gateway needs to send one command."""

    id: str
    asset_pk: int
    device_id: str
    protocol: str
    controller_device_id: str | None
    level: float
    fade_s: float
    expires_at: datetime | None
    attempt: int


def command_update(command: Command, device_id: str, zone_id: int | None) -> CommandUpdate:
    """The update a command's current state makes (the caller knows where its light is)."""
    return CommandUpdate(
        id=str(command.pk),
        asset_pk=command.asset_id,
        device_id=device_id,
        zone_id=zone_id,
        level=command.level,
        state=command.state,
        attempts=command.attempts,
        reason=command.reason,
        error=command.error,
    )
