"""Lighting control: programmes, calendars, light groups, calendar assignments, overrides.

How they combine is in docs/lighting.md; the pure rules are in `lighting.core`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from lighting.choices import Operation, OverrideState, RuleKind, ScopeKind
from lighting.core.schedule import ScheduleError, parse_steps, rule_from_fields

LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Programme(models.Model):
    """An ordered list of steps, each at a fixed local time or at a sun event plus an offset.

    `steps` is a list of `{"trigger": "time"|"sunset"|"sunrise"|"dusk"|"dawn", "time": "HH:MM"
    (for "time"), "offset_min": int, "level": 0-100}`, in the order they happen within a
    lighting night (noon to noon).
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    steps = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_steps(self.steps)
        except ScheduleError as error:
            raise ValidationError({"steps": str(error)}) from error


class Calendar(models.Model):
    """Ordered rules, first match wins; the default programme when none matches (TALQ)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    default_programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarRule(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(help_text="Rules are tried in this order")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday")
    nth = models.SmallIntegerField(null=True, blank=True, help_text="1–5, or -1 for the last")
    months = models.JSONField(default=list, blank=True, help_text="1–12; empty: every month")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "position"], name="calendar_rule_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} #{self.position} {self.kind}"

    def clean(self) -> None:
        try:
            rule_from_fields(
                kind=self.kind,
                date_from=self.date_from,
                date_to=self.date_to,
                weekdays=self.weekdays,
                nth=self.nth,
                months=self.months,
                programme_id=0,
            )
        except ScheduleError as error:
            raise ValidationError(str(error)) from error


class LightGroup(models.Model):
    """A named set of lights (a street, a park path, a venue's approaches)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    lights = models.ManyToManyField("devices.Asset", blank=True, related_name="light_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarAssignment(models.Model):
    """A calendar for a zone (and the zones within it) or for a light group.

    The most specific assignment wins: a group's over a zone's, a street's over its ward's.
    """

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="assignments")
    zone = models.OneToOneField(
        "devices.Zone",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lighting_assignment",
    )
    group = models.OneToOneField(
        LightGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="assignment"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(zone__isnull=False) & Q(group__isnull=True))
                | (Q(zone__isnull=True) & Q(group__isnull=False)),
                name="assignment_zone_xor_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} → {self.zone or self.group}"


class Override(models.Model):
    """A prioritised, time-bounded change of the level of some lights (BACnet-style, 1–16)."""

    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    light_ids = models.JSONField(default=list, blank=True, help_text="Asset pks (scope lights)")
    group = models.ForeignKey(
        LightGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="overrides"
    )
    zone = models.ForeignKey(
        "devices.Zone", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(1)])
    level = models.FloatField(validators=LEVEL_VALIDATORS)
    operation = models.CharField(max_length=4, choices=Operation.choices)
    priority = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.CharField(max_length=150, help_text="User name or process")
    alarm_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Who may see why (reason, alarm link, how it ended): blank for everyone. An alarm's
    # response sets it for a welfare alarm; others see the neutral view of
    # `lighting.visibility`.
    details_permission = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the override ended early (cancelled) or was seen expired by the sweep.
    ended_at = models.DateTimeField(null=True, blank=True)
    end_state = models.CharField(
        max_length=10,
        blank=True,
        choices=[(OverrideState.EXPIRED, "Expired"), (OverrideState.CANCELLED, "Cancelled")],
    )
    ended_by = models.CharField(max_length=150, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    # The start was announced (override.started) and its lights reconciled.
    started_announced = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("cancel_override", "Can cancel an override"),
            ("create_security_boost", "Can create and cancel short max boosts in zones"),
            ("emergency_mode", "Can switch emergency lighting on and off"),
        ]
        indexes = [
            models.Index(fields=["ended_at", "expires_at"]),
            models.Index(fields=["starts_at"]),
            # "In force at instant t" (a past event's boosts, a period's analytics): expiry
            # after t, or none. Without it every such query read every override ever made.
            models.Index(fields=["expires_at"], name="lighting_override_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority=1) | Q(expires_at__isnull=False),
                name="override_expiry_required_below_emergency",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=100), name="override_level_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"override #{self.pk} {self.operation} {self.level:g} % p{self.priority}"

    def state_at(self, now) -> str:
        if self.end_state == OverrideState.CANCELLED:
            return OverrideState.CANCELLED
        if self.ended_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return OverrideState.EXPIRED
        if self.starts_at > now:
            return OverrideState.SCHEDULED
        return OverrideState.ACTIVE

    def clean(self) -> None:
        errors = {}
        if self.priority != 1 and self.expires_at is None:
            errors["expires_at"] = "An expiry is required (only emergency overrides may omit it)."
        if self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            errors["expires_at"] = "The expiry must be after the start."
        wanted = {
            ScopeKind.LIGHTS: bool(self.light_ids),
            ScopeKind.GROUP: self.group_id is not None,
            ScopeKind.ZONE: self.zone_id is not None,
            ScopeKind.RADIUS: None not in (self.latitude, self.longitude, self.radius_m),
            ScopeKind.CITY: True,
        }
        if not wanted.get(self.scope_kind, False):
            errors["scope_kind"] = f"The scope {self.scope_kind!r} is incomplete."
        if errors:
            raise ValidationError(errors)
