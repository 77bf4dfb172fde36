"""Role × permission, table-driven, for the permissions the platform defines so far."""

import pytest
from django.contrib.auth.models import Group

from cityplatform.permissions import has_perm
from cityplatform.roles import Role, roles_sync

R = Role
ALL_ROLES = list(Role)

# (permission, roles that hold it); every other role must not.
TABLE = [
    ("cityplatform.access_platform", ALL_ROLES),
    ("cityplatform.view_auditentry", [R.ADMINISTRATOR]),
    ("emergency.publish_alert", [R.ADMINISTRATOR, R.SECURITY_SUPERVISOR]),
    ("emergency.view_capalert", [R.ADMINISTRATOR, R.SECURITY_SUPERVISOR, R.SECURITY_OPERATOR]),
    ("emergency.view_capfeed", [R.ADMINISTRATOR, R.SECURITY_SUPERVISOR]),
    ("emergency.add_capfeed", [R.ADMINISTRATOR]),
]
CASES = [(role, perm, role in holders) for perm, holders in TABLE for role in Role]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "perm", "expected"), CASES, ids=[f"{r.name}-{p}" for r, p, _ in CASES]
)
def test_role_permission_table(make_user, role, perm, expected):
    assert has_perm(make_user(role), perm) is expected


@pytest.mark.django_db
def test_a_user_without_a_role_holds_nothing(make_user):
    user = make_user()
    assert not has_perm(user, "cityplatform.access_platform")


@pytest.mark.django_db
def test_roles_sync_is_idempotent():
    first = roles_sync()
    second = roles_sync()
    assert first == second
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
def test_roles_sync_removes_a_permission_granted_by_hand(make_user):
    viewers = Group.objects.get(name=Role.VIEWER.value)
    from django.contrib.auth.models import Permission

    viewers.permissions.add(Permission.objects.get(codename="view_auditentry"))
    roles_sync()
    assert not viewers.permissions.filter(codename="view_auditentry").exists()


@pytest.mark.django_db
def test_api_refuses_anonymous_with_401_and_a_role_without_permission_with_403(
    make_user, api_client
):
    assert api_client().get("/api/v1/audit/").status_code == 401
    response = api_client(make_user(Role.VIEWER)).get("/api/v1/audit/")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Your role does not allow this.",
        "extra": {},
    }
    assert api_client(make_user(superuser=True)).get("/api/v1/audit/").status_code == 200


@pytest.mark.django_db
def test_token_auth_for_scripts(make_user, client):
    user = make_user(superuser=True)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/v1/audit/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    bad = client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    assert bad.status_code == 400
    assert "extra" in bad.json()
