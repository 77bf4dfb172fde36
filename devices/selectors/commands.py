"""Reads of commands."""

from django.db.models import QuerySet

from devices.choices import PENDING_COMMAND_STATES
from devices.models import Command


def commands_pending(*, asset_ids=None) -> QuerySet[Command]:
    commands = Command.objects.filter(state__in=PENDING_COMMAND_STATES)
    if asset_ids is not None:
        commands = commands.filter(asset_id__in=asset_ids)
    return commands
