"""The emergency plans API's shapes: plans (out, and the input of creating or changing one),
their runs, and the note of a stop or a dismissal."""

from rest_framework import serializers

from devices.selectors.registry import zones_list
from emergency.choices import PlanHazard
from emergency.models import EmergencyPlan, PlanRun
from emergency.selectors import threshold_rules


class PlanStep(serializers.Serializer):
    """One step: which lights (a zone, or listed streetlights) to which level, and why."""

    label = serializers.CharField(max_length=100)
    level = serializers.FloatField(min_value=0, max_value=100)
    zone = serializers.IntegerField(required=False, min_value=1)
    lights = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


class EmergencyPlanSerializer(serializers.ModelSerializer):
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    threshold_rules = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    steps = PlanStep(many=True, read_only=True)

    class Meta:
        model = EmergencyPlan
        fields = [
            "id", "name", "hazard", "zones", "steps", "partners", "procedure", "match_words",
            "threshold_rules", "enabled", "created_at", "updated_at",
        ]  # fmt: skip


class EmergencyPlanInput(serializers.Serializer):
    """What a plan lights, where, for which hazard; whom to notify; what to do."""

    name = serializers.CharField(max_length=200)
    hazard = serializers.ChoiceField(PlanHazard.choices)
    zones = serializers.PrimaryKeyRelatedField(many=True, queryset=zones_list(), allow_empty=False)
    # Checked by the service (a step names a zone or lights, both existing): the one place.
    steps = serializers.ListField(child=serializers.DictField())
    partners = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    procedure = serializers.CharField(required=False, allow_blank=True, default="")
    match_words = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list
    )
    threshold_rules = serializers.PrimaryKeyRelatedField(
        many=True, queryset=threshold_rules(), required=False, default=list
    )
    enabled = serializers.BooleanField(required=False, default=True)

    def validate_name(self, value: str) -> str:
        taken = EmergencyPlan.objects.filter(name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A plan of this name exists.")
        return value


class PlanRunSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    hazard = serializers.CharField(source="plan.hazard", read_only=True)
    overrides = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PlanRun
        fields = [
            "id", "plan", "plan_name", "hazard", "state", "trigger", "alert", "alarm", "reason",
            "proposed_at", "proposed_by", "started_at", "started_by", "stopped_at",
            "stopped_by", "stop_reason", "overrides",
        ]  # fmt: skip


class PlanRunNote(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
