"""Open311 clients (a FixMyStreet instance, the city's own app) and the reports they send.

A report names a service and a point or an asset; it becomes a fault on the asset (devices'
`Fault`), and its status is read from that fault, never copied: open while the fault is open,
in progress once someone acknowledged it, closed when it is cleared. A report no single asset
matches waits for a person to pick one (triage). The reporter's contact details are kept for
the city's staff only and never published.
"""

from django.db import models
from django.db.models import Q

from open311.choices import ServiceCode, TriageReason


class Open311Client(models.Model):
    """A client allowed to POST reports, by its API key (kept hashed: shown once, at creation)."""

    name = models.CharField(max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters, so that staff can tell which key a client holds.
    key_prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "Open311 client"

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """A resident's report (GeoReport v2 service request)."""

    public_id = models.CharField(max_length=16, unique=True, editable=False)
    service_code = models.CharField(max_length=40, choices=ServiceCode.choices)
    client = models.ForeignKey(  # none: the city's own public page
        Open311Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address_string = models.CharField(max_length=250, blank=True)
    asset = models.ForeignKey(
        "devices.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fault = models.ForeignKey(
        "devices.Fault", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True, max_length=4000)  # published
    media_url = models.URLField(blank=True, max_length=500)
    # Private: e-mail, names, phone, device and account ids as the client sent them.
    contact = models.JSONField(default=dict, blank=True)
    triage_reason = models.CharField(
        max_length=20, choices=TriageReason.choices, blank=True, default=TriageReason.NONE
    )
    # The matching assets near the point when it went to triage: device id → distance in m.
    candidates = models.JSONField(default=dict, blank=True)
    public_note = models.TextField(blank=True, max_length=2000)  # staff's words, published
    closed_at = models.DateTimeField(null=True, blank=True)  # closed without a fault (triage)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("triage_servicerequest", "Can place and close residents' reports")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(fault__isnull=True, closed_at__isnull=True),
                name="open311_awaiting_triage",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id
