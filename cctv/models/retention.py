"""What keeps or releases footage: legal holds, the purge runs, evidence exports and the
disclosure log."""

from django.conf import settings
from django.db import models

from cctv.models.alarms import Alarm
from cctv.models.events import Event

USER = settings.AUTH_USER_MODEL


class LegalHold(models.Model):
    """Records kept beyond the retention period for a reason, under an owner, until reviewed
    (at most 12 months ahead; DOMAIN.md: evidential footage up to 12 months under review)."""

    reason = models.TextField()
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    review_due = models.DateField()
    events = models.ManyToManyField(Event, blank=True, related_name="holds")
    alarms = models.ManyToManyField(Alarm, blank=True, related_name="holds")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_evidence", "Can place legal holds and export evidence")]

    def __str__(self) -> str:
        return f"hold {self.pk}: {self.reason[:40]}"


class PurgeRun(models.Model):
    """What one retention purge deleted."""

    at = models.DateTimeField()
    cutoff = models.DateTimeField()
    events_deleted = models.PositiveIntegerField(default=0)
    alarms_deleted = models.PositiveIntegerField(default=0)
    snapshots_deleted = models.PositiveIntegerField(default=0)
    events_held = models.PositiveIntegerField(default=0)
    alarms_held = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"purge {self.at:%Y-%m-%d %H:%M}: {self.events_deleted} events"


class EvidenceExport(models.Model):
    """An evidence package (ZIP): what it holds, its exhibit reference, who, why, for whom."""

    exhibit_ref = models.CharField(max_length=64, unique=True)
    alarm = models.ForeignKey(Alarm, null=True, blank=True, on_delete=models.SET_NULL)
    camera = models.ForeignKey(
        "devices.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    purpose = models.TextField(help_text="Why it is exported")
    requested_by = models.CharField(max_length=200, help_text="For whom (name, organisation)")
    exported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField()
    file = models.CharField(max_length=500)
    package_sha256 = models.CharField(max_length=64)
    manifest = models.JSONField(default=dict)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return self.exhibit_ref


class Disclosure(models.Model):
    """The disclosure log (ICO): date, recipient and organisation, reason, method."""

    export = models.ForeignKey(EvidenceExport, on_delete=models.PROTECT, related_name="disclosures")
    disclosed_on = models.DateField()
    recipient = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    reason = models.TextField()
    method = models.CharField(max_length=100, blank=True, help_text="e.g. encrypted USB, portal")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-disclosed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.export_id} → {self.recipient} ({self.organisation})"
