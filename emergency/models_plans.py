"""Emergency lighting plans (issue #18): which lights to which level for a hazard in an area,
which partners to tell, which procedure; and each run of a plan, proposed by an alert or a
threshold alarm (never started by itself), started and stopped by a supervisor or by the
alert's end. Imported by `emergency.models`."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from emergency.choices import OPEN_RUN_STATES, PlanHazard, PlanRunState, PlanTrigger

USER = settings.AUTH_USER_MODEL


class EmergencyPlan(models.Model):
    """`steps` is a list of `{"label": "evacuation route", "level": 0-100, and exactly one of
    "zone": zone pk or "lights": [streetlight asset pks]}`, each lit at its level at priority 1
    (emergency) while the plan runs. A marking (a flooded underpass) is a level: the lighting
    model has no patterns, and an emergency plan never flashes a street."""

    name = models.CharField(max_length=200, unique=True)
    hazard = models.CharField(max_length=14, choices=PlanHazard.choices)
    zones = models.ManyToManyField("devices.Zone", related_name="+", help_text="The plan's area")
    steps = models.JSONField(default=list)
    partners = models.JSONField(default=list, blank=True, help_text="Partner slugs to notify")
    procedure = models.TextField(blank=True)
    match_words = models.JSONField(
        default=list, blank=True, help_text="CAP event/headline words; empty: the hazard's words"
    )
    threshold_rules = models.ManyToManyField(
        "emergency.ThresholdRule", blank=True, related_name="plans"
    )
    enabled = models.BooleanField(default=True, help_text="May be proposed and started")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("run_plan", "Can start, stop and dismiss emergency plans")]

    def __str__(self) -> str:
        return self.name


class PlanRun(models.Model):
    """One run of a plan: proposed → running → stopped, or proposed → dismissed; or started by
    hand (running at once). At most one open (proposed or running) run per plan."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="runs")
    state = models.CharField(max_length=10, choices=PlanRunState.choices)
    trigger = models.CharField(max_length=10, choices=PlanTrigger.choices)
    alert = models.ForeignKey(
        "emergency.CapAlert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alarm = models.ForeignKey(
        "cctv.Alarm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was proposed")
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=150, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Stopped or dismissed")
    stopped_by = models.CharField(max_length=150, blank=True)
    stop_reason = models.CharField(max_length=300, blank=True)
    overrides = models.ManyToManyField("lighting.Override", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(state__in=OPEN_RUN_STATES),
                name="plan_one_open_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} run {self.pk} ({self.state})"
