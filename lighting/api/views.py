"""Lighting API views: parse, call one service, render. Permissions in `permission_map`."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import ApplicationError, FilterSet, parse_id
from devices.selectors import lights as light_selectors
from lighting import selectors
from lighting.api import serializers as s
from lighting.models import Override
from lighting.representations import CalendarSerializer, ProgrammeSerializer
from lighting.services import override_limits
from lighting.services import overrides as override_services
from lighting.services import programmes as programme_services
from lighting.services.resolver import light_explain
from lighting.services.scopes import OverrideScope
from lighting.visibility import may_see_of, overrides_details_visible_to


def _perms(model: str) -> dict[str, str]:
    return {
        "create": f"lighting.add_{model}",
        "update": f"lighting.change_{model}",
        "partial_update": f"lighting.change_{model}",
        "destroy": f"lighting.delete_{model}",
    }


class ProgrammeViewSet(viewsets.ModelViewSet):
    """Programmes: ordered steps at fixed times or sun events (Lighting operators write)."""

    serializer_class = ProgrammeSerializer
    permission_map = _perms("programme")
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.programmes()

    @extend_schema(request=s.ProgrammeInput, responses={201: ProgrammeSerializer})
    def create(self, request):
        data = _valid(s.ProgrammeInput, request.data)
        programme = programme_services.programme_create(actor=request.user, **data)
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProgrammeInput, responses=ProgrammeSerializer)
    def update(self, request, pk=None, partial=False):
        data = _valid(s.ProgrammeInput, request.data, partial=partial)
        programme = programme_services.programme_update(
            programme=self.get_object(), actor=request.user, **data
        )
        return Response(ProgrammeSerializer(programme).data)

    def destroy(self, request, pk=None):
        programme_services.programme_delete(programme=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarViewSet(viewsets.ModelViewSet):
    """Calendars: ordered rules, first match wins, and a default programme."""

    serializer_class = CalendarSerializer
    permission_map = _perms("calendar")
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.calendars()

    @extend_schema(request=s.CalendarInput, responses={201: CalendarSerializer})
    def create(self, request):
        data = _valid(s.CalendarInput, request.data)
        calendar = programme_services.calendar_create(actor=request.user, **data)
        return Response(CalendarSerializer(calendar).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CalendarInput, responses=CalendarSerializer)
    def update(self, request, pk=None, partial=False):
        data = _valid(s.CalendarInput, request.data, partial=partial)
        calendar = programme_services.calendar_update(
            calendar=self.get_object(), actor=request.user, **data
        )
        return Response(CalendarSerializer(selectors.calendars().get(pk=calendar.pk)).data)

    def destroy(self, request, pk=None):
        programme_services.calendar_delete(calendar=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LightGroupViewSet(viewsets.ModelViewSet):
    """Light groups: named sets of lights."""

    serializer_class = s.LightGroupSerializer
    permission_map = _perms("lightgroup")
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.light_groups()

    @extend_schema(request=s.LightGroupInput, responses={201: s.LightGroupSerializer})
    def create(self, request):
        data = _valid(s.LightGroupInput, request.data)
        group = programme_services.light_group_create(actor=request.user, **data)
        return Response(s.LightGroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LightGroupInput, responses=s.LightGroupSerializer)
    def update(self, request, pk=None, partial=False):
        data = _valid(s.LightGroupInput, request.data, partial=partial)
        group = programme_services.light_group_update(
            group=self.get_object(), actor=request.user, **data
        )
        return Response(s.LightGroupSerializer(group).data)

    def destroy(self, request, pk=None):
        programme_services.light_group_delete(group=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Calendar assignments to zones or groups; the most specific one wins."""

    serializer_class = s.AssignmentSerializer
    permission_map = _perms("calendarassignment")
    filterset_fields = ["calendar", "zone", "group"]

    def get_queryset(self):
        return selectors.calendar_assignments()

    @extend_schema(request=s.AssignmentInput, responses={201: s.AssignmentSerializer})
    def create(self, request):
        data = _valid(s.AssignmentInput, request.data)
        assignment = programme_services.calendar_assign(
            calendar=data["calendar"],
            zone_id=data["zone"],
            group_id=data["group"],
            actor=request.user,
        )
        return Response(s.AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        programme_services.calendar_unassign(assignment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverrideFilter(FilterSet):
    alarm_id = django_filters.CharFilter(
        method="filter_alarm_id", label="The alarm whose lighting response it is (an id)"
    )

    class Meta:
        model = Override
        fields = ["zone", "group", "priority", "operation", "scope_kind"]

    def filter_alarm_id(self, queryset, name, value):
        """Only the links the user may see: a welfare alarm's response is not found by its
        alarm id by those who may not see welfare alarms."""
        alarm_id = parse_id(value)
        if alarm_id is None:
            return queryset.none()
        return overrides_details_visible_to(queryset.filter(alarm_id=alarm_id), self.request.user)


class OverrideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Overrides. Lighting operators: any. Security operators: max boosts of at most 60 minutes
    in a zone or around a point (checked by the service, 403 naming the rule)."""

    serializer_class = s.OverrideSerializer
    permission_map = {
        "create": "cityplatform.access_platform",
        "cancel": "cityplatform.access_platform",
        "extend": "lighting.change_override",
    }
    filterset_class = OverrideFilter
    # Not the restricted fields (reason, alarm link, end): a sort by them would tell what a
    # viewer may not see of a welfare alarm's response.
    ordering_fields = ["id", "created_at", "starts_at", "expires_at", "priority", "level"]

    def get_queryset(self):
        return selectors.overrides(state=self.request.query_params.get("state"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(request=s.OverrideInput, responses={201: s.OverrideSerializer})
    def create(self, request):
        data = _valid(s.OverrideInput, request.data)
        scope = _scope(data["scope"])
        now = timezone.now()
        expires_at = data["expires_at"]
        if expires_at is None and data.get("duration_min"):
            expires_at = (data["starts_at"] or now) + timedelta(minutes=data["duration_min"])
        override_limits.override_check_allowed(
            user=request.user,
            scope=scope,
            operation=data["operation"],
            priority=data["priority"],
            starts_at=data["starts_at"],
            expires_at=expires_at,
            now=now,
        )
        override = override_services.override_create(
            scope=scope,
            level=data["level"],
            operation=data["operation"],
            priority=data["priority"],
            starts_at=data["starts_at"],
            expires_at=expires_at,
            reason=data["reason"],
            actor=request.user,
            now=now,
        )
        return Response(self.get_serializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CancelInput, responses=s.OverrideSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _valid(s.CancelInput, request.data)
        override = self.get_object()
        override_limits.override_check_cancel_allowed(user=request.user, override=override)
        override = override_services.override_cancel(
            override=override, actor=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(override).data)

    @extend_schema(request=s.ExtendInput, responses=s.OverrideSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        data = _valid(s.ExtendInput, request.data)
        override = override_services.override_extend(
            override=self.get_object(), expires_at=data["expires_at"], actor=request.user
        )
        return Response(self.get_serializer(override).data)


class EmergencyView(APIView):
    """POST {"zone_id": null|id, "reason": …} switches emergency lighting on (priority 1, full
    level, until cleared); DELETE with the same body clears it."""

    permission_map = {"POST": "lighting.emergency_mode", "DELETE": "lighting.emergency_mode"}

    @extend_schema(request=s.EmergencyInput, responses={201: s.OverrideSerializer})
    def post(self, request):
        data = _valid(s.EmergencyInput, request.data)
        override = override_services.emergency_start(
            actor=request.user, reason=data["reason"], zone_id=data["zone_id"]
        )
        context = {"request": request, "now": timezone.now()}
        return Response(
            s.OverrideSerializer(override, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=s.EmergencyInput,
        responses={
            200: inline_serializer(
                "EmergencyCleared",
                {"cleared": serializers.ListField(child=serializers.IntegerField())},
            )
        },
    )
    def delete(self, request):
        data = _valid(s.EmergencyInput, request.data)
        cleared = override_services.emergency_clear(
            actor=request.user, zone_id=data["zone_id"], reason=data["reason"]
        )
        return Response({"cleared": [o.pk for o in cleared]})


class ExplainView(APIView):
    """GET lights/{id or device_id}/explain/?at=<RFC 3339>: the level and why."""

    @extend_schema(
        parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME, description="default: now")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, light: str):
        asset = light_selectors.light_get(device_id=light)
        if asset is None and (pk := parse_id(light)) is not None:
            asset = light_selectors.light_get(pk=pk)
        if asset is None:
            raise ApplicationError("No such light.", status_code=404)
        at = timezone.now()
        if raw := request.query_params.get("at"):
            try:
                at = parse_datetime(raw.replace(" ", "+"))
            except ValueError:  # well formed but not an instant, such as month 13
                at = None
            if at is None or timezone.is_naive(at):
                raise ApplicationError(
                    "at must be an RFC 3339 date-time with an offset.",
                    extra={"fields": {"at": ["e.g. 2026-11-20T23:30:00Z"]}},
                )
        explanation = light_explain(light_id=asset.pk, at=at, may_see=may_see_of(request.user))
        if explanation is None:
            raise ApplicationError("This light is not under lighting control.", status_code=404)
        return Response(explanation.as_dict())


class CommandViewSet(viewsets.ReadOnlyModelViewSet):
    """Commands to lights, newest first (read-only; devices owns their life-cycle)."""

    serializer_class = s.LightCommandSerializer

    def get_queryset(self):
        light = self.request.query_params.get("light")
        if light is not None and parse_id(light) is None:  # not every light's commands instead
            raise ApplicationError("light must be a light id.", extra={"fields": {"light": ["id"]}})
        return light_selectors.light_commands(
            asset_id=parse_id(light),
            state=self.request.query_params.get("state"),
        )


def _valid(serializer_class, data, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _scope(data: dict) -> OverrideScope:
    point = None
    if data.get("latitude") is not None or data.get("longitude") is not None:
        if data.get("latitude") is None or data.get("longitude") is None:
            raise ApplicationError(
                "A point needs both latitude and longitude.",
                extra={"fields": {"scope": ["latitude and longitude"]}},
            )
        point = (data["latitude"], data["longitude"])
    return OverrideScope(
        light_ids=tuple(data["light_ids"]) if "light_ids" in data else None,
        group_id=data.get("group_id"),
        zone_id=data.get("zone_id"),
        point=point,
        radius_m=data.get("radius_m"),
        city=data.get("city", False),
    )
