"""The purpose register (Surveillance Camera Code, principles 1 and 3): why each camera is
there, under what lawful basis, who operates it, how long its footage is kept, when the purpose
was last reviewed, and whether the public register publishes it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cctv.choices import LawfulBasis

MAX_RETENTION_DAYS = 366  # evidential footage is kept at most 12 months (DOMAIN.md)


class Purpose(models.Model):
    """A specified purpose cameras serve. `name` is the staff's own; what the public sees is
    `public_description` (a welfare-site purpose is described there in neutral words)."""

    name = models.CharField(max_length=200, unique=True)
    public_description = models.TextField(help_text="What the public register says")
    lawful_basis = models.CharField(
        max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.PUBLIC_TASK
    )
    operator = models.CharField(max_length=200, help_text="Who operates the cameras")
    contact = models.CharField(max_length=200, help_text="Where the public can ask (e-mail)")
    # Empty: the platform's retention policy (CCTV_RETENTION_DAYS) applies.
    retention_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review = models.DateField(null=True, blank=True)
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("publish_purpose", "Can publish purposes on the public camera register"),
            ("view_review_report", "Can read the annual review report"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def retention_effective(self) -> int:
        return self.retention_days or settings.CCTV_RETENTION_DAYS

    def clean(self) -> None:
        errors = {}
        for field in ("name", "public_description", "operator", "contact"):
            if not (getattr(self, field) or "").strip():
                errors[field] = "This cannot be empty."
        if self.last_reviewed and self.next_review and self.next_review <= self.last_reviewed:
            errors["next_review"] = "The next review must come after the last one."
        if errors:
            raise ValidationError(errors)


class CameraPurpose(models.Model):
    """The purpose a camera serves (one each; a camera without one is never published)."""

    camera = models.OneToOneField(
        "devices.Asset", on_delete=models.CASCADE, related_name="register_purpose"
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="cameras")
    assigned_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.camera_id} → {self.purpose_id}"
