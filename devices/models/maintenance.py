"""Faults and maintenance work orders (Smart Data Models `DeviceOperation`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from devices.choices import FaultType, MaintenanceKind, MaintenanceStatus


class Fault(models.Model):
    """A fault of an asset, open until cleared; one open fault per asset and type."""

    asset = models.ForeignKey("devices.Asset", on_delete=models.CASCADE, related_name="faults")
    type = models.CharField(max_length=30, choices=FaultType.choices)
    raised_at = models.DateTimeField(db_index=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Someone has seen it and owns it (an asset manager, from the asset's page); still open.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "type"],
                condition=Q(cleared_at__isnull=True),
                name="fault_one_open_per_asset_and_type",
            ),
        ]
        indexes = [models.Index(fields=["type", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.type}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class MaintenanceRecord(models.Model):
    """A work order on an asset."""

    asset = models.ForeignKey(
        "devices.Asset", on_delete=models.CASCADE, related_name="maintenance_records"
    )
    kind = models.CharField(max_length=20, choices=MaintenanceKind.choices)
    status = models.CharField(
        max_length=20, choices=MaintenanceStatus.choices, default=MaintenanceStatus.OPEN
    )
    fault = models.ForeignKey(
        Fault, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    opened_by = models.ForeignKey(  # none when a process or a person outside opened it
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_to = models.CharField(max_length=150, blank=True, help_text="Crew or contractor")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.kind} ({self.status})"
