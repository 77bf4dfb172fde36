"""The emergency plans API: who reads, who writes and who runs plans; every bad plan a clear
400 naming the field; a manual start and stop; a proposal dismissed; the OpenAPI schema."""

import pytest

from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from emergency.choices import PlanRunState, PlanTrigger
from emergency.models import EmergencyPlan, PlanRun
from emergency.services.plan_runs import plan_run_propose
from lighting.models import Override

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/emergency/plans/"
RUNS = "/api/v1/emergency/plan-runs/"


def as_role(make_user, api_client, role):
    return api_client(make_user(role) if role else make_user(superuser=True))


def plan_body(wards, **changes):
    body = {
        "name": "Storm over Cheap",
        "hazard": "storm",
        "zones": [wards["Cheap"].pk],
        "steps": [{"label": "rest centre lit", "level": 100, "zone": wards["Cheap"].pk}],
        "partners": ["city-police"],
        "procedure": "Open the rest centre.",
        "match_words": ["gale"],
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    "role, read, write",
    [
        (Role.SECURITY_OPERATOR, 200, 403),
        (Role.SECURITY_SUPERVISOR, 200, 201),
        (None, 200, 201),  # an administrator
        (Role.LIGHTING_OPERATOR, 403, 403),
        (Role.VIEWER, 403, 403),
    ],
)
def test_who_reads_and_who_writes_plans(make_user, api_client, wards, lit_wards, role, read, write):
    client = as_role(make_user, api_client, role)
    assert client.get(PLANS).status_code == read
    assert client.get(RUNS).status_code == read
    assert client.post(PLANS, plan_body(wards), format="json").status_code == write


def test_an_operator_cannot_start_stop_or_dismiss(make_user, api_client, flood_plan):
    operator = as_role(make_user, api_client, Role.SECURITY_OPERATOR)
    run = plan_run_propose(plan=flood_plan, trigger=PlanTrigger.CAP, reason="test", actor="test")
    for path in (f"{PLANS}{flood_plan.pk}/start/", f"{RUNS}{run.pk}/start/"):
        refused = operator.post(path)
        assert refused.status_code == 403 and "role" in refused.json()["message"]
    assert operator.post(f"{RUNS}{run.pk}/dismiss/").status_code == 403
    assert Override.objects.count() == 0
    run.refresh_from_db()
    assert run.state == PlanRunState.PROPOSED


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"steps": []}, "steps", "at least one"),
        ({"steps": [{"label": "x", "level": 120, "zone": 1}]}, "steps", "0 to 100"),
        ({"steps": [{"label": "x", "level": 50}]}, "steps", "either a zone or lights"),
        ({"steps": [{"label": "x", "level": 50, "zone": 999999}]}, "steps", "No such zone"),
        ({"steps": [{"label": "x", "level": 50, "lights": [999999]}]}, "steps", "not controlled"),
        ({"steps": [{"label": "", "level": 50, "zone": 1}]}, "steps", "label"),
        ({"steps": [{"label": "x", "level": 50, "zone": 2**70}]}, "steps", "No such zone"),
        ({"steps": [{"label": "x", "level": 50, "lights": [2**70]}]}, "steps", "not controlled"),
        ({"steps": [{"label": "x", "level": "high", "zone": 1}]}, "steps", "0 to 100"),
        ({"steps": "all of them"}, "steps", ""),
        ({"partners": ["Not A Slug!"]}, "partners", "slug"),
        ({"zones": []}, "zones", ""),
        ({"zones": [999999]}, "zones", ""),
        ({"hazard": "volcano"}, "hazard", ""),
    ],
)
def test_a_plan_that_cannot_work_is_a_clear_400(
    make_user, api_client, wards, lit_wards, change, field, words
):
    supervisor = as_role(make_user, api_client, Role.SECURITY_SUPERVISOR)
    response = supervisor.post(PLANS, plan_body(wards, **change), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body["extra"]["fields"]
    assert words in body["message"] + str(body["extra"])
    assert EmergencyPlan.objects.count() == 0


def test_create_change_start_stop_by_hand_audited(make_user, api_client, wards, lit_wards):
    supervisor = as_role(make_user, api_client, Role.SECURITY_SUPERVISOR)
    created = supervisor.post(PLANS, plan_body(wards), format="json")
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert plan["steps"] == [
        {"label": "rest centre lit", "level": 100.0, "zone": wards["Cheap"].pk}
    ]
    assert plan["partners"] == ["city-police"]
    lights = [lit_wards["bassishaw"][0].pk]
    changed = supervisor.patch(
        f"{PLANS}{plan['id']}/",
        {"steps": [{"label": "underpass marked", "level": 25, "lights": lights}]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["steps"][0]["lights"] == lights
    assert changed.json()["zones"] == [wards["Cheap"].pk]  # untouched by the PATCH

    started = supervisor.post(f"{PLANS}{plan['id']}/start/")
    assert started.status_code == 201, started.json()
    run = started.json()
    assert (run["state"], run["trigger"]) == ("running", "manual")
    override = Override.objects.get()
    assert (override.priority, override.level, override.light_ids) == (1, 25, lights)
    assert supervisor.post(f"{RUNS}{run['id']}/dismiss/").status_code == 409
    stopped = supervisor.post(f"{RUNS}{run['id']}/stop/", {"reason": "water gone"}, format="json")
    assert stopped.status_code == 200 and stopped.json()["stop_reason"] == "water gone"
    override.refresh_from_db()
    assert override.end_state == "cancelled"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "emergency.plan_created", "emergency.plan_changed", "emergency.plan_started",
        "emergency.plan_stopped", "override.created", "override.cancelled",
    } <= actions  # fmt: skip


def test_a_proposal_dismissed_lights_nothing_and_cannot_start(make_user, api_client, flood_plan):
    supervisor = as_role(make_user, api_client, Role.SECURITY_SUPERVISOR)
    run = plan_run_propose(plan=flood_plan, trigger=PlanTrigger.CAP, reason="test", actor="test")
    listed = supervisor.get(RUNS, {"state": "proposed"}).json()["results"]
    assert [r["id"] for r in listed] == [run.pk] and listed[0]["plan_name"] == "Riverside flood"
    dismissed = supervisor.post(f"{RUNS}{run.pk}/dismiss/", {"reason": "false alarm"})
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    late = supervisor.post(f"{RUNS}{run.pk}/start/")
    assert late.status_code == 409 and "dismissed" in late.json()["message"]
    assert Override.objects.count() == 0
    # Dismissed, the plan may be proposed again.
    assert plan_run_propose(plan=flood_plan, trigger=PlanTrigger.CAP, reason="t", actor="t")
    assert PlanRun.objects.count() == 2


def test_a_step_covering_no_lights_refuses_the_start_and_lights_nothing(
    make_user, api_client, wards, lit_wards
):
    supervisor = as_role(make_user, api_client, Role.SECURITY_SUPERVISOR)
    empty = next(n for n in wards if n not in ("City of London", "Cheap", "Bassishaw"))
    body = plan_body(wards)
    body["steps"] = [
        body["steps"][0],
        {"label": "rest centre", "level": 100, "zone": wards[empty].pk},
    ]
    plan = supervisor.post(PLANS, body, format="json").json()
    refused = supervisor.post(f"{PLANS}{plan['id']}/start/")
    assert refused.status_code == 400
    assert "step 2 (rest centre)" in refused.json()["message"]
    assert Override.objects.count() == 0 and PlanRun.objects.count() == 0


def test_the_openapi_schema_describes_the_plans(make_user, api_client):
    schema = as_role(make_user, api_client, None).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/emergency/plans/",
        "/api/v1/emergency/plans/{id}/start/",
        "/api/v1/emergency/plan-runs/{id}/stop/",
        "/api/v1/emergency/plan-runs/{id}/dismiss/",
    ):
        assert path in paths, path
