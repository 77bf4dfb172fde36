"""Commands to devices and their life-cycle.

A service decides a light's new level → a `Command` (QUEUED) → after the commit the gateway
publishes it (MQTT) or writes it (OPC-UA) → SENT → the device's ack or read-back → SUCCEEDED;
or time-out, retry, and finally FAILED / TIMED_OUT / EXPIRED; CANCELLED when a newer command
for the same device supersedes it. At most one command per device is pending at a time.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from devices.choices import CommandState


class Command(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey("devices.Asset", on_delete=models.CASCADE, related_name="commands")
    op = models.CharField(max_length=20, default="set_level")
    level = models.FloatField()
    fade_s = models.FloatField(default=0)
    state = models.CharField(
        max_length=12, choices=CommandState.choices, default=CommandState.QUEUED
    )
    reason = models.CharField(max_length=300, blank=True)
    issued_by = models.CharField(max_length=150, help_text="User or process that decided it")
    context = models.JSONField(default=dict, blank=True, help_text="override, alarm, …")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reported_level = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(state__in=["queued", "sent"]),
                name="command_one_pending_per_asset",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["asset", "-created_at"]),
            # The commands of an override (`context__override_id=…`: an alarm's detail, the
            # correlation's latency task); partial, so commands of schedules add no entry.
            models.Index(
                KeyTransform("override_id", "context"),
                condition=Q(context__override_id__isnull=False),
                name="command_context_override_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.level} % → {self.asset_id} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state in (CommandState.QUEUED, CommandState.SENT)
