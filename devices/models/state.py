"""What devices report: current state per asset, telemetry history, level changes, and the
messages the gateway refused."""

from django.db import models

from devices.choices import LevelSource, RejectReason


class AssetState(models.Model):
    """An asset's connectivity and last reported values, in a narrow row of its own so that the
    gateway's frequent writes never touch the registry row (but for a change of `online`, which
    PostgreSQL triggers copy into `Asset.online_copy` for the list's filter). For lights, the
    desired level (set by lighting control) sits beside the reported one, so the pages can show
    "pending 100 %"."""

    asset = models.OneToOneField(
        "devices.Asset", primary_key=True, on_delete=models.CASCADE, related_name="state"
    )
    online = models.BooleanField(null=True, help_text="None: never heard from")
    last_seen_at = models.DateTimeField(null=True, blank=True, db_index=True)
    level = models.FloatField(null=True, blank=True, help_text="Reported level, %")
    power_w = models.FloatField(null=True, blank=True)
    energy_wh = models.FloatField(null=True, blank=True)
    lux = models.FloatField(null=True, blank=True)
    temp_c = models.FloatField(null=True, blank=True)
    device_status = models.CharField(max_length=30, blank=True, help_text="As the device says")
    reported_at = models.DateTimeField(null=True, blank=True)
    desired_level = models.FloatField(null=True, blank=True, help_text="Desired level, %")
    desired_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"state of {self.asset_id}"


class Telemetry(models.Model):
    """One sample from a device. Narrow, append-mostly, inserted in bulk; the same device and
    timestamp is stored once (redelivery is absorbed). On PostgreSQL `ts` has a BRIN index."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(
        "devices.Asset", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ts = models.DateTimeField()
    level = models.FloatField(null=True)
    power_w = models.FloatField(null=True)
    energy_wh = models.FloatField(null=True)
    lux = models.FloatField(null=True)
    temp_c = models.FloatField(null=True)
    # Environment sensors (optional): water level cm, rainfall mm/h, wind m/s, PM2.5, NO2 µg/m³.
    level_cm = models.FloatField(null=True)
    rain_mm_h = models.FloatField(null=True)
    wind_m_s = models.FloatField(null=True)
    pm25_ug_m3 = models.FloatField(null=True)
    no2_ug_m3 = models.FloatField(null=True)

    class Meta:
        verbose_name_plural = "telemetry"
        constraints = [
            models.UniqueConstraint(fields=["asset", "ts"], name="telemetry_one_sample_per_ts"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} @ {self.ts:%Y-%m-%d %H:%M:%S}"


class LevelChange(models.Model):
    """Each change of a light's reported level, with its exact time: the level at any past
    instant is the last change at or before it (one index lookup), and the half-hourly
    switching and dimming log of unmetered supplies (BSCP520) is read from here."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(
        "devices.Asset", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    level = models.FloatField()
    source = models.CharField(max_length=10, choices=LevelSource.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "at"], name="level_change_one_per_instant"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.level} % @ {self.at:%Y-%m-%d %H:%M:%S}"


class RejectedMessage(models.Model):
    """A device message the gateway refused: kept with its reason, never dropped in silence."""

    received_at = models.DateTimeField(db_index=True)
    topic = models.CharField(max_length=255)
    device_id = models.CharField(max_length=64, blank=True, db_index=True)
    payload = models.TextField(blank=True, help_text="The first 4 KiB, as received")
    reason_code = models.CharField(max_length=20, choices=RejectReason.choices)
    reason = models.TextField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.topic}: {self.reason_code}"
