"""The alert path's latency: the record of each new alarm's instants (event received, context
computed, alarm raised, commands queued and sent), completed later off the alert path, and
their percentiles per stage for the analytics API. The stages are in
`cctv.analytics.core.latency`."""

from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from cctv.analytics.core.latency import stage_summary
from cctv.choices import AlarmCategory
from cctv.models import Alarm, AlarmLatency, Event

# Not through a devices selector yet: the commands of an override, counted with their last
# `sent_at` (devices.selectors.cameras.commands_of_override lists 500 without `sent_at`).
from devices.models import Command


def alarm_latency_record(
    *,
    alarm: Alarm,
    event: Event,
    context_at: datetime | None,
    raised_at: datetime,
    override_at: datetime | None,
    commands_queued_at: datetime | None,
) -> AlarmLatency:
    """Stores the alert path's instants for a newly raised alarm (once per alarm). The number
    of commands is counted later, off the alert path, with the instant they were sent."""
    # A new alarm (its row was just inserted): one INSERT, no look-up.
    return AlarmLatency.objects.create(
        alarm=alarm,
        event=event,
        event_ts=event.ts,
        received_at=event.received_at,
        context_at=context_at,
        raised_at=raised_at,
        override_at=override_at,
        commands_queued_at=commands_queued_at,
    )


def latency_fill_published(*, limit: int = 1000, within: timedelta = timedelta(days=1)) -> int:
    """Completes the latency records of recent alarms whose override issued commands: how many
    commands, and `commands_published_at`, the last `sent_at` of them once the gateway has
    marked them all sent. Idempotent; run by beat (off the alert path: commands are found by
    their JSON context, which has no index)."""
    since = timezone.now() - within
    pending = (
        AlarmLatency.objects.filter(
            commands_published_at__isnull=True,
            override_at__isnull=False,
            raised_at__gte=since,
        )
        .select_related("alarm")
        .order_by("-raised_at")[:limit]
    )
    filled = 0
    for latency in pending:
        override_id = latency.alarm.override_id
        if override_id is None:
            continue
        commands = Command.objects.filter(context__override_id=override_id)
        total = commands.count()
        sent = commands.filter(sent_at__isnull=False).aggregate(n=Count("pk"), last=Max("sent_at"))
        latency.commands = total
        fields = ["commands"]
        if total and sent["n"] == total:
            latency.commands_published_at = sent["last"]
            fields.append("commands_published_at")
            filled += 1
        latency.save(update_fields=fields)
    return filled


def latency_summary(
    *, since: datetime, until: datetime, hidden_types: frozenset[str] = frozenset()
) -> dict:
    """p50/p95/p99 (ms) of each stage of the alert path over the alarms raised in the period,
    from their latency records (without the alarms of events of the `hidden_types`: how many
    welfare alarms there were is welfare data)."""
    latencies = AlarmLatency.objects.filter(raised_at__gte=since, raised_at__lt=until)
    if hidden_types:
        latencies = latencies.exclude(alarm__category=AlarmCategory.WELFARE).exclude(
            event__type__in=hidden_types
        )
    rows = list(
        latencies.values(
            "received_at", "context_at", "raised_at", "commands_queued_at", "commands_published_at"
        )[:100_000]
    )
    return {"alarms": len(rows), "stages": stage_summary(rows)}
