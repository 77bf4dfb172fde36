"""Role × endpoint table over every operation in the OpenAPI schema (it grows as apps land).

For each operation and each principal (anonymous, a user without a role, each role, a
superuser) the expected outcome comes from the view's own `permission_map`
(cityplatform.permissions.required_permission):
- anonymous gets 401 or 403 on every endpoint that is not public;
- a signed-in user whose role lacks the permission gets 403;
- a public write with an empty body never succeeds (the credentials or signature are the check);
- nobody ever gets a 5xx.
Path parameters name objects that do not exist, so an allowed write changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import override_settings
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cityplatform.permissions import RolePermission, has_perm, required_permission
from cityplatform.roles import Role

METHODS = ("get", "post", "put", "patch", "delete")
SAFE = {"get", "head", "options"}
PUBLIC = object()  # the view asks nothing of the request (its own check: password, signature)
# Throttles count in a cache of the test's own, so the table's requests leave the shared one be.
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # users made per operation


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema has it, with {parameters}
    url: str  # with parameters naming objects that do not exist
    permission: object  # a permission name, None (public by map) or PUBLIC

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _placeholder(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if schema.get("type") == "integer":
        return "987654321"
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    return "no-such-object"


def _permission(url: str, method: str) -> object:
    match = resolve(url)
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    if view_class is None:
        return PUBLIC
    initkwargs = getattr(match.func, "initkwargs", {}) or {}
    view = view_class(**initkwargs)
    actions = getattr(match.func, "actions", None) or {}
    view.action = actions.get(method)
    if not any(
        isinstance(p, type) and issubclass(p, RolePermission) for p in view.permission_classes
    ):
        return PUBLIC
    return required_permission(view, method.upper())


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations() -> list[Operation]:
    found = []
    for path, item in sorted(schema().get("paths", {}).items()):
        for method in METHODS:
            if method not in item:
                continue
            url = path
            for parameter in item[method].get("parameters", []) + item.get("parameters", []):
                if parameter.get("in") == "path":
                    url = url.replace("{" + parameter["name"] + "}", _placeholder(parameter))
            found.append(Operation(method, path, url, _permission(url, method)))
    return found


OPERATIONS = operations()
PRINCIPALS = ["anonymous", "no role", *[r.name.lower() for r in Role], "superuser"]


def request(client: APIClient, op: Operation):
    call = getattr(client, op.method)
    return call(op.url) if op.method in SAFE or op.method == "delete" else call(op.url, {})


def test_the_served_schema_lists_every_operation_the_table_checks(api_client):
    response = api_client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    served = {f"{m.upper()} {p}" for p, item in response.json()["paths"].items() for m in item} & {
        f"{m.upper()} {p}" for p, item in schema()["paths"].items() for m in METHODS if m in item
    }
    assert served == {str(op) for op in OPERATIONS}


@pytest.mark.django_db
@override_settings(CACHES=LOCAL_CACHE, PASSWORD_HASHERS=FAST_HASHER)
@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_each_principal_gets_only_what_its_role_allows(op, make_user):
    outcomes = {}
    for principal in PRINCIPALS:
        if principal == "anonymous":
            user = None
        elif principal == "no role":
            user = make_user()
        elif principal == "superuser":
            user = make_user(superuser=True)
        else:
            user = make_user(Role[principal.upper()])
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        status = request(client, op).status_code
        outcomes[principal] = status
        assert status < 500, f"{op} as {principal}: {status}"
        if op.permission is PUBLIC or op.permission is None:
            if op.method not in SAFE and user is None:
                assert status >= 400, f"{op}: an empty public write succeeded ({status})"
            continue
        if user is None:
            assert status in (401, 403), f"{op} anonymous: {status}"
        elif not has_perm(user, op.permission):
            assert status == 403, f"{op} as {principal} without {op.permission}: {status}"
        else:
            assert status not in (401, 403), f"{op} as {principal} with {op.permission}: {status}"


def test_the_table_covers_the_platforms_own_endpoints():
    paths = {op.path for op in OPERATIONS}
    assert "/api/v1/audit/" in paths
    assert "/api/v1/auth/token/" in paths
