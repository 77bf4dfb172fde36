"""Every choice of the open311 app, in one place."""

from django.db import models


class ServiceCode(models.TextChoices):
    """What a resident may report (GeoReport v2 `service_code`); see `open311.catalogue`."""

    LIGHT_OUT = "streetlight_out", "Street light not working"
    DAY_BURNING = "streetlight_day_burning", "Street light on during the day"
    COLUMN_DAMAGED = "streetlight_damaged", "Damaged lamp column"
    CAMERA_DAMAGED = "camera_damaged", "Damaged CCTV camera"


class RequestStage(models.TextChoices):
    """Where a report stands, from its fault: GeoReport's `status` is only open or closed, so
    `in_progress` is told in the status notes and on the public page."""

    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class GeoReportStatus(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


class TriageReason(models.TextChoices):
    """Why a report did not become a fault at once: a person picks the asset."""

    NONE = "", "Matched"
    NO_ASSET = "no_asset", "No matching asset near the point"
    AMBIGUOUS = "ambiguous", "Several matching assets equally near"
