"""Recomputes the zone-hour analytics of any past period (idempotent).

manage.py cctv_analytics --since 2026-01-14T00:00Z --until 2026-01-15T00:00Z
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cctv.analytics.core.exposure import hour_floor
from cctv.analytics.zone_hours import zone_hours_compute


class Command(BaseCommand):
    help = "Recomputes the zone-hour analytics of a period (default: yesterday, UTC)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="ISO instant (start, inclusive)")
        parser.add_argument("--until", help="ISO instant (end, exclusive)")

    def handle(self, *args, since=None, until=None, **options):
        if since:
            start = parse_datetime(since)
            end = parse_datetime(until) if until else start + timedelta(days=1)
            if start is None or end is None:
                raise CommandError("--since/--until must be ISO instants with an offset")
        else:
            end = hour_floor(timezone.now()).replace(hour=0)
            start = end - timedelta(days=1)
        count = zone_hours_compute(start=start, end=end)
        self.stdout.write(f"{count} zone-hour rows for {start:%Y-%m-%d %H:%M} – {end:%H:%M}")
