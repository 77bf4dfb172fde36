"""Thin input and output serializers of the lighting API."""

from rest_framework import serializers

from cityplatform.api import InstantInput
from lighting.choices import Operation, RuleKind
from lighting.core.schedule import ScheduleError, parse_steps, rule_from_fields
from lighting.models import (
    Calendar,
    CalendarAssignment,
    LightGroup,
    Override,
    Programme,
)
from lighting.visibility import may_see_of, override_shown

STEP_FIELDS = ("trigger", "level", "offset_min", "time")


def _field_of(message: str, fields: tuple[str, ...]) -> str:
    """The field a core validation message is about (its first word), else the whole item."""
    first = message.split(" ", 1)[0]
    return first if first in fields else "non_field_errors"


def steps_errors(raw) -> list | None:
    """Every invalid step's errors by field, `[{}, {"level": [...]}, …]` (one entry per step,
    so a form can show each beside its field); None when the steps are valid."""
    try:
        parse_steps(raw)
    except ScheduleError as error:
        if not isinstance(raw, list) or len(raw) > 48:
            return [str(error)]
    else:
        return None
    found = []
    for item in raw:
        try:
            parse_steps([item])
        except ScheduleError as error:
            message = str(error).split(": ", 1)[-1]
            found.append({_field_of(message, STEP_FIELDS): [message]})
        else:
            found.append({})
    return found


class ProgrammeInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    steps = serializers.JSONField()

    def validate_steps(self, value):
        errors = steps_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class RuleInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    nth = serializers.IntegerField(required=False, allow_null=True)
    months = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    programme_id = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    label = serializers.CharField(required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["programme_id"] = value["programme_id"].pk
        return value

    def validate(self, attrs):
        """The calendar's rule checks, reported on the field they are about."""
        fields = ("kind", "date_from", "date_to", "weekdays", "nth", "months")
        try:
            rule_from_fields(**{f: attrs.get(f) for f in fields}, programme_id=0)
        except ScheduleError as error:
            field = error.field if error.field in fields else _field_of(str(error), fields)
            raise serializers.ValidationError({field: [str(error)]}) from error
        return attrs


class CalendarInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    default_programme_id = serializers.PrimaryKeyRelatedField(
        queryset=Programme.objects.all(), allow_null=True, required=False, default=None
    )
    rules = RuleInput(many=True, required=False, default=list)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        programme = value.get("default_programme_id")
        value["default_programme_id"] = programme.pk if programme else None
        return value


class LightGroupSerializer(serializers.ModelSerializer):
    light_ids = serializers.SerializerMethodField()

    class Meta:
        model = LightGroup
        fields = ["id", "name", "description", "light_ids", "created_at", "updated_at"]

    def get_light_ids(self, group) -> list[int]:
        return sorted(light.pk for light in group.lights.all())


class LightGroupInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    light_ids = serializers.ListField(child=serializers.IntegerField(), default=list)


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarAssignment
        fields = ["id", "calendar", "zone", "group", "created_at"]


class AssignmentInput(serializers.Serializer):
    calendar = serializers.PrimaryKeyRelatedField(queryset=Calendar.objects.all())
    zone = serializers.IntegerField(required=False, allow_null=True, default=None)
    group = serializers.IntegerField(required=False, allow_null=True, default=None)


class OverrideSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Override
        fields = [
            "id",
            "state",
            "scope_kind",
            "light_ids",
            "group",
            "zone",
            "latitude",
            "longitude",
            "radius_m",
            "level",
            "operation",
            "priority",
            "starts_at",
            "expires_at",
            "reason",
            "author",
            "alarm_id",
            "created_at",
            "ended_at",
            "end_state",
            "ended_by",
            "end_reason",
        ]

    def get_state(self, override) -> str:
        return override.state_at(self.context["now"])

    def to_representation(self, override):
        """As the requesting user may see it: a welfare alarm's response shows a neutral reason
        and no alarm link to those who may not see welfare alarms."""
        request = self.context.get("request")
        return override_shown(
            super().to_representation(override),
            details_permission=override.details_permission,
            may_see=may_see_of(request.user if request is not None else None),
        )


class ScopeInput(serializers.Serializer):
    light_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    group_id = serializers.IntegerField(required=False)
    zone_id = serializers.IntegerField(required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_m = serializers.FloatField(required=False, min_value=1, max_value=50_000)
    city = serializers.BooleanField(required=False, default=False)


class OverrideInput(serializers.Serializer):
    scope = ScopeInput()
    level = serializers.FloatField(min_value=0, max_value=100)
    operation = serializers.ChoiceField(choices=Operation.choices)
    priority = serializers.IntegerField(min_value=1, max_value=16)
    starts_at = InstantInput(required=False, allow_null=True, default=None)
    expires_at = InstantInput(required=False, allow_null=True, default=None)
    duration_min = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    reason = serializers.CharField(max_length=300)

    def validate(self, attrs):
        # An override's alarm link is set by the alarm's lighting response, never by a caller
        # (who could tie an override to any alarm, a welfare alarm or one that does not exist).
        if isinstance(self.initial_data, dict) and self.initial_data.get("alarm_id") is not None:
            raise serializers.ValidationError(
                {"alarm_id": ["set only by an alarm's lighting response; leave it out"]}
            )
        return attrs


class ExtendInput(serializers.Serializer):
    expires_at = InstantInput()


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class EmergencyInput(serializers.Serializer):
    zone_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=280)


class LightCommandSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    device_id = serializers.CharField(source="asset.device_id")
    light_id = serializers.IntegerField(source="asset_id")
    level = serializers.FloatField()
    state = serializers.CharField()
    reason = serializers.CharField()
    issued_by = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)  # null until sent
    completed_at = serializers.DateTimeField(allow_null=True)  # null until it ends
    error = serializers.CharField()
