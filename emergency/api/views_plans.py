"""The emergency plans API: plans (security roles read; supervisors and administrators create,
change and start them) and their runs (start a proposed one, stop a running one, dismiss a
proposal). Views parse, call one service, render."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from emergency import selectors
from emergency.api import serializers_plans as s
from emergency.services import plan_runs as run_services
from emergency.services import plans as plan_services

VIEW_PLANS = "emergency.view_emergencyplan"
VIEW_RUNS = "emergency.view_planrun"
RUN_PLAN = "emergency.run_plan"


def _values(data: dict) -> tuple[dict, list[int] | None, list[int] | None]:
    values = dict(data)
    zones = values.pop("zones", None)
    rules = values.pop("threshold_rules", None)
    return (
        values,
        [z.pk for z in zones] if zones is not None else None,
        [r.pk for r in rules] if rules is not None else None,
    )


def _run(run, code=status.HTTP_200_OK) -> Response:
    return Response(s.PlanRunSerializer(run).data, status=code)


class EmergencyPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Emergency lighting plans (docs/emergency.md, "Emergency plans")."""

    serializer_class = s.EmergencyPlanSerializer
    permission_map = {
        "list": VIEW_PLANS,
        "retrieve": VIEW_PLANS,
        "create": "emergency.add_emergencyplan",
        "update": "emergency.change_emergencyplan",
        "partial_update": "emergency.change_emergencyplan",
        "start": RUN_PLAN,
    }
    filterset_fields = ["hazard", "enabled"]

    def get_queryset(self):
        return selectors.plans_list()

    @extend_schema(request=s.EmergencyPlanInput, responses={201: s.EmergencyPlanSerializer})
    def create(self, request):
        data = s.EmergencyPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        values, zones, rules = _values(data.validated_data)
        plan = plan_services.plan_create(
            actor=request.user, zone_ids=zones, rule_ids=rules, **values
        )
        return Response(s.EmergencyPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    def _change(self, request, *, partial: bool):
        plan = self.get_object()
        data = s.EmergencyPlanInput(plan, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values, zones, rules = _values(data.validated_data)
        plan = plan_services.plan_update(
            plan=plan, data=values, actor=request.user, zone_ids=zones, rule_ids=rules
        )
        return Response(s.EmergencyPlanSerializer(selectors.plans_list().get(pk=plan.pk)).data)

    @extend_schema(request=s.EmergencyPlanInput, responses={200: s.EmergencyPlanSerializer})
    def update(self, request, pk=None):
        return self._change(request, partial=False)

    @extend_schema(request=s.EmergencyPlanInput, responses={200: s.EmergencyPlanSerializer})
    def partial_update(self, request, pk=None):
        return self._change(request, partial=True)

    @extend_schema(request=None, responses={201: s.PlanRunSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Starts the plan by hand (its proposed run, if it has one); 409 if it is running."""
        run = run_services.plan_start(plan=self.get_object(), actor=request.user)
        return _run(run, status.HTTP_201_CREATED)


class PlanRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of emergency plans: proposed ones wait for a supervisor to start or dismiss them."""

    serializer_class = s.PlanRunSerializer
    permission_map = {
        "list": VIEW_RUNS,
        "retrieve": VIEW_RUNS,
        "start": RUN_PLAN,
        "stop": RUN_PLAN,
        "dismiss": RUN_PLAN,
    }
    filterset_fields = ["state", "plan", "trigger"]

    def get_queryset(self):
        return selectors.plan_runs_list()

    @extend_schema(request=None, responses={200: s.PlanRunSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return _run(run_services.plan_run_start(run=self.get_object(), actor=request.user))

    @extend_schema(request=s.PlanRunNote, responses={200: s.PlanRunSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        note = s.PlanRunNote(data=request.data)
        note.is_valid(raise_exception=True)
        run = run_services.plan_run_stop(
            run=self.get_object(), actor=request.user, reason=note.validated_data["reason"]
        )
        return _run(run)

    @extend_schema(request=s.PlanRunNote, responses={200: s.PlanRunSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        note = s.PlanRunNote(data=request.data)
        note.is_valid(raise_exception=True)
        run = run_services.plan_run_dismiss(
            run=self.get_object(), actor=request.user, reason=note.validated_data["reason"]
        )
        return _run(run)
