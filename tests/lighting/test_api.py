"""The lighting API: the permission table, the explain endpoint, overrides, calendars."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityplatform.models import AuditEntry
from cityplatform.permissions import has_perm
from cityplatform.roles import Role
from devices.models import AssetState
from lighting.models import Override

pytestmark = pytest.mark.django_db
R = Role

# (permission, roles holding it); every other role must not (superusers hold everything).
TABLE = [
    ("lighting.add_programme", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    ("lighting.change_calendar", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    ("lighting.add_lightgroup", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    ("lighting.add_calendarassignment", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    ("lighting.add_override", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    ("lighting.cancel_override", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR]),
    (
        "lighting.create_security_boost",
        [R.ADMINISTRATOR, R.SECURITY_OPERATOR, R.SECURITY_SUPERVISOR],
    ),
    ("lighting.emergency_mode", [R.ADMINISTRATOR, R.LIGHTING_OPERATOR, R.SECURITY_SUPERVISOR]),
]
CASES = [(role, perm, role in holders) for perm, holders in TABLE for role in Role]


@pytest.mark.parametrize(
    ("role", "perm", "expected"), CASES, ids=[f"{r.name}-{p}" for r, p, _ in CASES]
)
def test_role_permission_table(make_user, role, perm, expected):
    assert has_perm(make_user(role), perm) is expected


@pytest.fixture
def street(make_zone, make_light, residential, calendar_for):
    zone = make_zone("Cheapside", min_level=20)
    calendar_for(zone, residential)
    return zone, [make_light(zone, device_id=f"SL-{i:04d}") for i in range(1, 4)]


def boost_body(zone, *, minutes=30, operation="max", priority=4, **extra):
    return {
        "scope": {"zone_id": zone.pk},
        "level": 100,
        "operation": operation,
        "priority": priority,
        "duration_min": minutes,
        "reason": "group gathering at the station",
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "body_changes", "status"),
    [
        (R.LIGHTING_OPERATOR, {"operation": "set", "priority": 8, "minutes": 240}, 201),
        (R.SECURITY_OPERATOR, {}, 201),
        (R.SECURITY_OPERATOR, {"minutes": 61}, 400),  # longer than an hour: over the limit
        (R.SECURITY_OPERATOR, {"operation": "set"}, 403),  # could dim a street
        (R.SECURITY_OPERATOR, {"priority": 1}, 403),  # outranking emergency
        (R.VIEWER, {}, 403),
        (R.ASSET_MANAGER, {}, 403),
    ],
)
def test_who_may_create_which_override(make_user, api_client, street, role, body_changes, status):
    zone, _ = street
    response = api_client(make_user(role)).post(
        "/api/v1/lighting/overrides/", boost_body(zone, **body_changes), format="json"
    )
    assert response.status_code == status, response.json()
    if status in (400, 403):
        assert not Override.objects.exists()


def test_a_security_operator_may_not_boost_the_whole_city(make_user, api_client, street):
    body = boost_body(street[0]) | {"scope": {"city": True}}
    response = api_client(make_user(R.SECURITY_OPERATOR)).post(
        "/api/v1/lighting/overrides/", body, format="json"
    )
    assert response.status_code == 403
    assert "only in a zone or around a point" in response.json()["message"]


def test_a_security_operator_cancels_a_boost_but_not_an_operators_override(
    make_user, api_client, street
):
    zone, _lights = street
    security = api_client(make_user(R.SECURITY_OPERATOR))
    operator = api_client(make_user(R.LIGHTING_OPERATOR))
    boost = security.post("/api/v1/lighting/overrides/", boost_body(zone), format="json").json()
    manual = operator.post(
        "/api/v1/lighting/overrides/",
        boost_body(zone, operation="set", priority=8),
        format="json",
    ).json()
    assert security.post(f"/api/v1/lighting/overrides/{boost['id']}/cancel/").status_code == 200
    assert security.post(f"/api/v1/lighting/overrides/{manual['id']}/cancel/").status_code == 403
    response = operator.post(
        f"/api/v1/lighting/overrides/{manual['id']}/cancel/", {"reason": "done"}, format="json"
    )
    assert response.json()["state"] == "cancelled"
    assert AuditEntry.objects.filter(action="override.cancelled").count() == 2


def test_an_override_without_expiry_is_a_400_naming_the_field(make_user, api_client, street):
    zone, _ = street
    body = boost_body(zone, operation="set", priority=8)
    body.pop("duration_min")
    response = api_client(make_user(R.LIGHTING_OPERATOR)).post(
        "/api/v1/lighting/overrides/", body, format="json"
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["extra"]["fields"]


def test_bad_scope_is_a_400_not_a_500(make_user, api_client, street):
    body = boost_body(street[0]) | {"scope": {"zone_id": 999999}}
    response = api_client(make_user(R.LIGHTING_OPERATOR)).post(
        "/api/v1/lighting/overrides/", body, format="json"
    )
    assert response.status_code == 400
    assert "zone_id" in response.json()["extra"]["fields"]


def test_explain_endpoint_answers_for_any_role_at_any_instant(make_user, api_client, street):
    _zone, lights = street
    client = api_client(make_user(R.VIEWER))
    response = client.get("/api/v1/lighting/lights/SL-0001/explain/?at=2026-11-20T23:30:00Z")
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == 60
    assert body["text"].startswith("SL-0001 at 60 %: programme 'Residential'")
    assert body["zone_floor"] == 20
    by_pk = client.get(f"/api/v1/lighting/lights/{lights[0].pk}/explain/?at=2026-11-20T23:30:00Z")
    assert by_pk.json()["level"] == 60
    typed = client.get("/api/v1/lighting/lights/sl-0001/explain/?at=2026-11-20T23:30:00Z")
    assert typed.status_code == 200 and typed.json()["device_id"] == "SL-0001"
    assert client.get("/api/v1/lighting/lights/SL-0001/explain/?at=yesterday").status_code == 400
    month_13 = client.get("/api/v1/lighting/lights/SL-0001/explain/?at=2026-13-01T00:00:00Z")
    assert month_13.status_code == 400
    assert client.get("/api/v1/lighting/lights/NOPE/explain/").status_code == 404
    # A digit to str.isdigit but not to int (schemathesis found it a 500), and an id past bigint
    assert client.get("/api/v1/lighting/lights/³/explain/").status_code == 404
    assert client.get("/api/v1/lighting/lights/99999999999999999999/explain/").status_code == 404


def test_lighting_operator_builds_a_programme_and_a_calendar(make_user, api_client, make_zone):
    client = api_client(make_user(R.LIGHTING_OPERATOR))
    programme = client.post(
        "/api/v1/lighting/programmes/",
        {
            "name": "Part-night",
            "steps": [
                {"trigger": "sunset", "level": 100},
                {"trigger": "time", "time": "00:00", "level": 0},
                {"trigger": "sunrise", "level": 0},
            ],
        },
        format="json",
    )
    assert programme.status_code == 201, programme.json()
    calendar = client.post(
        "/api/v1/lighting/calendars/",
        {
            "name": "Streets",
            "default_programme_id": programme.json()["id"],
            "rules": [
                {
                    "kind": "nth_weekday",
                    "weekdays": [4],
                    "nth": -1,
                    "programme_id": programme.json()["id"],
                }
            ],
        },
        format="json",
    )
    assert calendar.status_code == 201, calendar.json()
    assert calendar.json()["rules"][0]["nth"] == -1
    zone = make_zone("Ward")
    assigned = client.post(
        "/api/v1/lighting/assignments/",
        {"calendar": calendar.json()["id"], "zone": zone.pk},
        format="json",
    )
    assert assigned.status_code == 201
    assert (
        AuditEntry.objects.filter(
            action__in=["programme.created", "calendar.created", "calendar.assigned"]
        ).count()
        == 3
    )


def test_a_programme_with_a_bad_step_is_a_400_naming_steps(make_user, api_client):
    response = api_client(make_user(R.LIGHTING_OPERATOR)).post(
        "/api/v1/lighting/programmes/",
        {"name": "Bad", "steps": [{"trigger": "sunset", "level": 150}]},
        format="json",
    )
    assert response.status_code == 400
    assert "steps" in response.json()["extra"]["fields"]


def test_a_viewer_reads_but_does_not_write(make_user, api_client):
    client = api_client(make_user(R.VIEWER))
    assert client.get("/api/v1/lighting/programmes/").status_code == 200
    assert client.get("/api/v1/lighting/overrides/?state=active").status_code == 200
    assert client.get("/api/v1/lighting/commands/").status_code == 200
    assert (
        client.post(
            "/api/v1/lighting/programmes/", {"name": "x", "steps": []}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.post("/api/v1/lighting/emergency/", {"reason": "x"}, format="json").status_code
        == 403
    )


def test_emergency_mode_via_the_api_lights_everything_and_clears(make_user, api_client, street):
    _zone, lights = street
    client = api_client(make_user(R.SECURITY_SUPERVISOR))
    response = client.post("/api/v1/lighting/emergency/", {"reason": "evacuation"}, format="json")
    assert response.status_code == 201
    assert {AssetState.objects.get(pk=light.pk).desired_level for light in lights} == {100}
    cleared = client.delete("/api/v1/lighting/emergency/", {"reason": "over"}, format="json")
    assert cleared.json()["cleared"] == [response.json()["id"]]


def test_override_list_query_count_does_not_grow_with_rows(
    make_user, api_client, street, django_assert_max_num_queries
):
    zone, _ = street
    client = api_client(make_user(R.LIGHTING_OPERATOR))
    for _ in range(5):
        client.post("/api/v1/lighting/overrides/", boost_body(zone), format="json")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/lighting/overrides/").json()["results"]) == 5


def test_extend_via_the_api(make_user, api_client, street):
    zone, _ = street
    client = api_client(make_user(R.LIGHTING_OPERATOR))
    created = client.post("/api/v1/lighting/overrides/", boost_body(zone), format="json").json()
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    response = client.post(
        f"/api/v1/lighting/overrides/{created['id']}/extend/", {"expires_at": later}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "scope",
    [
        "empty zone",
        {"latitude": 51.60, "longitude": -0.20, "radius_m": 50},  # a field with no lights
    ],
)
def test_an_override_of_no_lights_is_a_400_saying_so(
    make_user, api_client, street, make_zone, scope
):
    # Given a scope that covers no controlled light (a zone without lights, an empty circle)
    if scope == "empty zone":
        scope = {"zone_id": make_zone("Empty square").pk}
    body = boost_body(street[0]) | {"scope": scope}

    # When a security operator brightens it
    response = api_client(make_user(R.SECURITY_OPERATOR)).post(
        "/api/v1/lighting/overrides/", body, format="json"
    )

    # Then it is refused in words, and nothing is created
    assert response.status_code == 400, response.json()
    assert "covers no controlled lights" in response.json()["message"]
    assert not Override.objects.exists()
