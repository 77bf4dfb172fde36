"""Fixtures shared by every test: users in roles, API clients, a free port."""

import os
import socket

import hypothesis
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from cityplatform.roles import Role, roles_sync

# Fuzzing (hypothesis, schemathesis): `make test` draws the same inputs on every run, so CI's
# verdict depends on the code alone; `make reliability` (RELIABILITY_FULL=1) explores new
# random inputs at full size, where a finding is the point.
hypothesis.settings.register_profile("suite", derandomize=True)
hypothesis.settings.register_profile("explore", derandomize=False)
hypothesis.settings.load_profile("explore" if os.environ.get("RELIABILITY_FULL") else "suite")


@pytest.fixture
def make_user(db):
    """make_user(Role.VIEWER): a user in that role; make_user(superuser=True): an administrator."""
    counter = iter(range(1, 10_000))

    def make(role: Role | None = None, *, superuser: bool = False, username: str | None = None):
        if role is not None and not Group.objects.filter(name=role.value).exists():
            roles_sync()
        kind = role.name.lower() if role else "admin" if superuser else "norole"
        name = username or f"{kind}{next(counter)}"
        user = get_user_model().objects.create_user(
            username=name,
            password="correct horse battery staple",
            is_staff=superuser,
            is_superuser=superuser,
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return make


@pytest.fixture
def api_client():
    """api_client(user) → an APIClient signed in as that user (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: threads of the async code must not hold the test DB."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        db["CONN_MAX_AGE"] = 0
        # The flush between transactional tests truncates every table; the audit log
        # refuses TRUNCATE unless the session allows it (cityplatform migration 0003).
        options = db.setdefault("OPTIONS", {})
        options["options"] = (
            options.get("options", "") + " -c cityplatform.audit_truncate=allowed"
        ).strip()


@pytest.fixture(autouse=True)
def _config_caches_cleared():
    """Each test starts with empty configuration caches: a rolled-back test's rules or
    programmes (cached by the process) must not leak into the next test."""
    from cityplatform.config_cache import config_caches_clear

    config_caches_clear()
    yield
    config_caches_clear()


@pytest.fixture(autouse=True)
def _sign_in_rate_forgotten():
    """Each test is a new visitor: the sign-in rate (LOGIN_RATE, per address and username,
    counted in the cache, which is Redis and outlives a test) must not carry over from the
    tests before it, whose users have the same names (CI: the eleventh browser test within a
    minute to sign in as 'lighting_operator1' from 127.0.0.1 was refused)."""
    from django.core.cache import cache

    backend = getattr(cache, "_cache", None)
    if hasattr(backend, "get_client"):  # Redis: only the sign-in counts, not the rest
        redis = backend.get_client(write=True)
        keys = list(redis.scan_iter(match=cache.make_key("throttle_login_") + "*"))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
    yield
