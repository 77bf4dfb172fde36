"""What the analytics store: each alarm's latency record, the zone-hour aggregates and the
nightly reports (cctv.analytics computes them)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from cctv.models.alarms import Alarm
from cctv.models.events import Event


class AlarmLatency(models.Model):
    """How long the alert path took for one alarm: event received → lighting context →
    alarm raised → override created → commands queued (→ published, once the gateway marks
    the commands sent). Each instant is the platform's clock when the step finished."""

    alarm = models.OneToOneField(Alarm, on_delete=models.CASCADE, related_name="latency")
    event = models.ForeignKey(Event, null=True, on_delete=models.SET_NULL, related_name="+")
    event_ts = models.DateTimeField(help_text="The event's own time (the camera's clock)")
    received_at = models.DateTimeField(help_text="Stored by the platform")
    context_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    override_at = models.DateTimeField(null=True, blank=True)
    commands_queued_at = models.DateTimeField(null=True, blank=True)
    commands_published_at = models.DateTimeField(
        null=True, blank=True, help_text="The last of the override's commands marked sent"
    )
    commands = models.PositiveIntegerField(default=0, help_text="Counted with the sent instant")

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["raised_at"])]

    def __str__(self) -> str:
        return f"latency of alarm {self.alarm_id}"

    def ms(self, start: str, end: str) -> float | None:
        a, b = getattr(self, start), getattr(self, end)
        return None if a is None or b is None else (b - a).total_seconds() * 1000


class ZoneHour(models.Model):
    """One zone's hour, as the periodic analytics computed it (re-computed whole; idempotent).

    Light-time shares are over the zone's lights (reported levels, time-weighted); the dark
    shares are over the part of the hour between dusk and dawn, split into boost-lit (a `max`
    override in force), dim (unboosted, under the dim level) and lit (unboosted, at or above
    it). Events are the accepted events of the zone's cameras, by type, and the same split by
    their lighting context.
    """

    zone = models.ForeignKey("devices.Zone", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(help_text="Start of the hour (UTC)")
    events = models.JSONField(default=dict, help_text="type → count")
    events_dim = models.JSONField(default=dict, help_text="dark, unboosted, dim: type → count")
    events_lit = models.JSONField(default=dict, help_text="dark, unboosted, lit: type → count")
    events_boosted = models.JSONField(default=dict, help_text="dark, boost-lit: type → count")
    lights = models.PositiveIntegerField(default=0)
    cameras = models.PositiveIntegerField(default=0)
    mean_level = models.FloatField(null=True, help_text="Time-weighted mean reported level, %")
    boost_share = models.FloatField(null=True, help_text="Share of light-time under a boost")
    dark_fraction = models.FloatField(default=0, help_text="Share of the hour between dusk, dawn")
    dark_dim_share = models.FloatField(null=True, help_text="Of the dark light-time: dim")
    dark_lit_share = models.FloatField(null=True, help_text="Of the dark light-time: lit")
    dark_boost_share = models.FloatField(null=True, help_text="Of the dark light-time: boosted")
    camera_uptime = models.FloatField(null=True, help_text="Share of camera-time online")
    footfall = models.FloatField(null=True, help_text="People counted (footfall sensors)")
    dim_level = models.FloatField(help_text="The dim level used, %")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["hour", "zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "hour"], name="cctv_zone_hour_once"),
        ]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.zone_id} @ {self.hour:%Y-%m-%d %H}:00"


class AnalyticsReport(models.Model):
    """The hotspots and recommendations of one period, as the nightly task computed them from
    the zone-hour analytics (all zones, every event type). A re-run for the same period replaces
    its report: one per period. The API's hotspot and recommendation endpoints compute any
    period on request; the reports keep what each night found, to compare over time."""

    since = models.DateTimeField(help_text="Start of the period (UTC, whole hour)")
    until = models.DateTimeField(help_text="End of the period, exclusive")
    hotspots = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    recommendations = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    dim_level = models.FloatField(help_text="The dim level used, %")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-until", "-since"]
        constraints = [
            models.UniqueConstraint(fields=["since", "until"], name="cctv_report_once"),
        ]

    def __str__(self) -> str:
        return f"analytics {self.since:%Y-%m-%d} – {self.until:%Y-%m-%d}"
