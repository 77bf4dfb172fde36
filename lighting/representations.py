"""The JSON shapes of programmes and calendars, shared by the lighting API (which lists and
returns them) and the pages' editors (which start from the shape they then save through the
API): one definition, below both `lighting.api` and `lighting.selectors`."""

from rest_framework import serializers

from lighting.models import Calendar, CalendarRule, Programme


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "name", "description", "steps", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class RuleSerializer(serializers.ModelSerializer):
    programme_id = serializers.IntegerField()

    class Meta:
        model = CalendarRule
        fields = [
            "position",
            "kind",
            "date_from",
            "date_to",
            "weekdays",
            "nth",
            "months",
            "programme_id",
            "label",
        ]
        read_only_fields = ["position"]


class CalendarSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, read_only=True)
    default_programme_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Calendar
        fields = [
            "id",
            "name",
            "description",
            "default_programme_id",
            "rules",
            "created_at",
            "updated_at",
        ]
