"""Reads of commands."""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from devices.choices import PENDING_COMMAND_STATES, CommandState
from devices.models import Command


def commands_pending(*, asset_ids=None) -> QuerySet[Command]:
    commands = Command.objects.filter(state__in=PENDING_COMMAND_STATES)
    if asset_ids is not None:
        commands = commands.filter(asset_id__in=asset_ids)
    return commands


def commands_due_ids(*, now=None, limit: int = 10_000) -> list[str]:
    """Ids of commands due for (re)sending now (as `commands_claim_due` would claim them)."""
    now = now or timezone.now()
    due = (
        commands_pending()
        .filter(next_attempt_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(state=CommandState.QUEUED) | Q(attempts__lt=settings.COMMAND_MAX_ATTEMPTS))
    )
    return [str(pk) for pk in due.values_list("pk", flat=True)[:limit]]


def commands_list(*, state=None, device_id=None, since=None):
    commands = Command.objects.select_related("asset")
    if state:
        commands = commands.filter(state=state)
    if device_id:
        commands = commands.filter(asset__device_id=device_id)
    if since:
        commands = commands.filter(created_at__gte=since)
    return commands
