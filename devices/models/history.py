"""The rolled-up telemetry history: one row per device, metric and hour, kept beside the raw
samples (a table of its own, so the partitioned raw history of issue #20 can replace
`devices_telemetry` without touching it). Filled by `devices.services.rollup`."""

from django.db import models


class TelemetryMetric(models.TextChoices):
    LEVEL = "level", "Level %"
    POWER_W = "power_w", "Power W"
    ENERGY_WH = "energy_wh", "Energy meter Wh"
    LUX = "lux", "Light lx"
    TEMP_C = "temp_c", "Temperature °C"


class TelemetryHourly(models.Model):
    """The samples of one metric of one device within one UTC hour: how many, their least,
    greatest and sum (the mean is sum / count, and a day is summed from its hours exactly)."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(
        "devices.Asset", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.CharField(max_length=10, choices=TelemetryMetric.choices)
    hour = models.DateTimeField(help_text="The hour's start (UTC)")
    count = models.PositiveIntegerField()
    min = models.FloatField()
    max = models.FloatField()
    sum = models.FloatField()

    class Meta:
        verbose_name_plural = "telemetry hourly"
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "metric", "hour"], name="telemetry_hourly_one_per_hour"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.metric} @ {self.hour:%Y-%m-%d %H}:00"

    @property
    def avg(self) -> float:
        return self.sum / self.count


class RollupWatermark(models.Model):
    """How far a roll-up has read its source: the greatest raw id already rolled up."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ≤ {self.last_id}"
