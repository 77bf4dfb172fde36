"""Each configuration variable changes what it should (settings read in a fresh process), and
`.env.example` lists exactly the variables the settings read."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cityplatform.roles import PLATFORM_APPS

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]),
    "pgdata": str(db.get("EMBEDDED_PGDATA", "")),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL, "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "embedded": settings.EMBEDDED, "mqtt": settings.MQTT_URL, "prefix": settings.MQTT_TOPIC_PREFIX,
    "tz": settings.TIME_ZONE, "retention": settings.CCTV_RETENTION_DAYS,
    "lat": settings.SITE_LATITUDE,
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "secret": settings.SECRET_KEY,
}))
"""
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "MQTT_URL",
    "MQTT_TOPIC_PREFIX",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SITE_LATITUDE",
    "SITE_LONGITUDE",
    "TIME_ZONE",
    "CCTV_RETENTION_DAYS",
)


def settings_with(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="cityplatform.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_defaults_are_the_embedded_platform(tmp_path):
    s = settings_with(tmp_path)
    # The embedded PostgreSQL, its data in VAR_DIR/pg (started at the first connection only).
    assert s["engine"] == "cityplatform.embedded_db"
    assert s["name"] == "cityplatform" and s["pgdata"] == str(tmp_path / "pg")
    assert not (tmp_path / "pg").exists()
    assert s["layer"] == "channels.layers.InMemoryChannelLayer"
    assert s["embedded"] is True and s["eager"] is True
    assert s["mqtt"] == "mqtt://127.0.0.1:1883" and s["prefix"] == "city/v1"
    assert s["tz"] == "Europe/London" and s["retention"] == 31
    assert s["debug"] is False


def test_database_url_selects_postgresql(tmp_path):
    s = settings_with(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/somecity")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "somecity"


def test_a_database_url_other_than_postgresql_is_refused(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/city.sqlite3")
    out = subprocess.run(
        [sys.executable, "-c", "import cityplatform.settings"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "must be a PostgreSQL URL" in out.stderr


def test_redis_url_selects_redis_for_tasks_and_live_layer(tmp_path):
    s = settings_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/4")
    assert s["layer"] == "channels_redis.core.RedisChannelLayer"
    assert s["broker"] == "redis://127.0.0.1:6379/4"
    assert s["eager"] is False and s["embedded"] is False


def test_site_and_protocol_variables(tmp_path):
    s = settings_with(
        tmp_path,
        MQTT_URL="mqtt://broker.example:1884",
        MQTT_TOPIC_PREFIX="/kent/v1/",
        TIME_ZONE="UTC",
        CCTV_RETENTION_DAYS="14",
        SITE_LATITUDE="51.28",
        ALLOWED_HOSTS="city.example, ops.example",
        DEBUG="true",
        SECRET_KEY="from-the-environment",
    )
    assert s["mqtt"] == "mqtt://broker.example:1884"
    assert s["prefix"] == "kent/v1"
    assert s["tz"] == "UTC" and s["retention"] == 14 and s["lat"] == 51.28
    assert s["hosts"] == ["city.example", "ops.example"]
    assert s["debug"] is True and s["secret"] == "from-the-environment"


def test_without_secret_key_a_random_one_is_kept_per_machine(tmp_path):
    first, second = settings_with(tmp_path), settings_with(tmp_path)
    assert len(first["secret"]) >= 50 and first["secret"] == second["secret"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


ENV_READERS = {"env_str", "env_bool", "env_int", "env_float", "env_list"}


def variables_read_by_settings() -> set[str]:
    """Every NAME in `env_*("NAME", …)` and `os.environ.get("NAME", …)` of settings.py and of
    the settings modules it star-imports (`from cityplatform.settings_x import *`: one per app
    whose settings would not fit in settings.py)."""
    main = ast.parse((ROOT / "cityplatform" / "settings.py").read_text())
    star_imported = [
        node.module.rsplit(".", 1)[1] + ".py"
        for node in main.body
        if isinstance(node, ast.ImportFrom)
        and node.module.startswith("cityplatform.settings_")
        and any(alias.name == "*" for alias in node.names)
    ]
    assert "settings_emergency.py" in star_imported  # the reading of the imports still works
    trees = [main] + [
        ast.parse((ROOT / "cityplatform" / name).read_text()) for name in star_imported
    ]
    names = set()
    for node in (node for tree in trees for node in ast.walk(tree)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reader = (isinstance(func, ast.Name) and func.id in ENV_READERS) or (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and ast.unparse(func.value) == "os.environ"
        )
        first = node.args[0]
        if reader and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_exactly_the_variables_the_settings_read():
    read, listed = variables_read_by_settings(), variables_in_env_example()
    assert len(read) > 50  # the parse found the readers
    assert listed - read == set(), "in .env.example, read by no setting"
    assert read - listed == set(), "read by settings.py, missing from .env.example"


def test_the_apps_read_the_environment_only_through_settings():
    """A knob read elsewhere (os.environ in an app module) would bypass settings.py and
    .env.example; the apps read `settings.X`."""
    pattern = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in PLATFORM_APPS
        for path in (ROOT / app).rglob("*.py")
        if not path.name.startswith("settings") and pattern.search(path.read_text())
    ]
    assert offenders == []
