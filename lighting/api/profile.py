"""GET/POST lighting/profile/: a lighting night's level profile (noon to noon) with its sun times.

GET `?zone=<id>[&night=YYYY-MM-DD]`: the night of the programme the zone's calendar picks (the
zone's own assignment, else its nearest ancestor's, as the resolver reads it). POST `{"steps":
[…], "zone": id?, "night": date?}`: the same for a programme being edited, before it is saved.
Thin: the profile is `lighting.core.profile.night_profile`, the calendar pick
`lighting.core.schedule.calendar_pick`.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import ApplicationError, day_problem, parse_id
from cityplatform.schema import MAY_MISS
from devices.models import Zone
from lighting import selectors
from lighting.api.serializers import steps_errors
from lighting.core.profile import night_profile
from lighting.core.schedule import calendar_pick, night_of, parse_steps
from lighting.services.config import schedule_load


class ProfileInput(serializers.Serializer):
    steps = serializers.JSONField()
    zone = serializers.IntegerField(required=False, allow_null=True, default=None)
    night = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_night(self, value):
        if value is not None and (problem := day_problem(value)):
            raise serializers.ValidationError(problem)
        return value

    def validate_steps(self, value):
        errors = steps_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


def _place(zone_id: int | None) -> tuple[dict | None, str, float, float]:
    """The zone (id and name), its time zone and its position (its boundary's centre; the
    site's without one)."""
    if zone_id is None:
        return None, settings.TIME_ZONE, settings.SITE_LATITUDE, settings.SITE_LONGITUDE
    zone = (
        Zone.objects.filter(pk=zone_id)
        .values(
            "pk",
            "name",
            "time_zone",
            "min_latitude",
            "max_latitude",
            "min_longitude",
            "max_longitude",
        )
        .first()
    )
    if zone is None:
        raise ApplicationError("No such zone.", status_code=404, extra={"fields": {"zone": ["?"]}})
    lat, lon = settings.SITE_LATITUDE, settings.SITE_LONGITUDE
    if zone["min_latitude"] is not None and zone["min_longitude"] is not None:
        lat = (zone["min_latitude"] + zone["max_latitude"]) / 2
        lon = (zone["min_longitude"] + zone["max_longitude"]) / 2
    return {"id": zone["pk"], "name": zone["name"]}, zone["time_zone"], lat, lon


def _night(raw, tz_name: str):
    if raw:
        return raw
    return night_of(timezone.now(), ZoneInfo(tz_name))


class ProfileView(APIView):
    """A lighting night's level profile for a zone (GET) or for unsaved steps (POST)."""

    permission_map = {"POST": "cityplatform.access_platform"}  # a preview writes nothing

    @extend_schema(
        parameters=[
            OpenApiParameter("zone", OpenApiTypes.INT, required=True),
            OpenApiParameter("night", OpenApiTypes.DATE, description="default: tonight"),
        ],
        responses=OpenApiTypes.OBJECT,
        extensions={MAY_MISS: True},  # 404 for a zone that does not exist
    )
    def get(self, request):
        raw_zone = request.query_params.get("zone", "")
        zone_id = parse_id(raw_zone)
        if zone_id is None:
            raise ApplicationError("zone must be a zone id.", extra={"fields": {"zone": ["id"]}})
        raw_night = request.query_params.get("night", "")
        try:
            night = parse_date(raw_night) if raw_night else None
        except ValueError:  # well formed, but no such day
            night = None
        if raw_night and night is None:
            raise ApplicationError(
                "night must be YYYY-MM-DD.", extra={"fields": {"night": ["e.g. 2026-11-20"]}}
            )
        if night is not None and (problem := day_problem(night)):
            raise ApplicationError(f"night {problem}.", extra={"fields": {"night": [problem]}})
        zone, tz_name, lat, lon = _place(zone_id)
        night = _night(night, tz_name)
        calendar = selectors.zone_calendar(zone_id=zone["id"])
        schedule = schedule_load()
        spec = schedule.calendars.get(calendar.pk) if calendar else None
        programme_id, rule = calendar_pick(spec, night) if spec else (None, None)
        previous_id, _ = calendar_pick(spec, night - timedelta(days=1)) if spec else (None, None)
        programme = schedule.programmes.get(programme_id) if programme_id else None
        previous = schedule.programmes.get(previous_id) if previous_id else None
        profile = night_profile(
            steps=programme.steps if programme else (),
            previous_steps=previous.steps if previous else (),
            night=night,
            tz_name=tz_name,
            latitude=lat,
            longitude=lon,
        )
        return Response(
            {
                **profile.as_dict(),
                "zone": zone,
                "calendar": {"id": spec.id, "name": spec.name} if spec else None,
                "rule": rule.describe() if rule else None,
                "programme": {"id": programme.id, "name": programme.name} if programme else None,
            }
        )

    @extend_schema(request=ProfileInput, responses=OpenApiTypes.OBJECT, extensions={MAY_MISS: True})
    def post(self, request):
        serializer = ProfileInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        zone, tz_name, lat, lon = _place(data["zone"])
        profile = night_profile(
            steps=parse_steps(data["steps"]),
            night=_night(data["night"], tz_name),
            tz_name=tz_name,
            latitude=lat,
            longitude=lon,
        )
        return Response(
            {**profile.as_dict(), "zone": zone, "calendar": None, "rule": None, "programme": None}
        )
