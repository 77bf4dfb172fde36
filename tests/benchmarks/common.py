"""What every benchmark module shares: the result shape, the database of the run, MQTT addresses.

A benchmark module is `tests/benchmarks/bench_<topic>.py` exposing

    def run(*, quick: bool) -> list[dict]

with each dict built by `figure(...)`: name, value, unit, goal, ok (bool | None), peer
(str | None), and optionally `limit` (the physical limit measured in the same run, e.g. what a
bare paho subscriber drains from the same broker) and `ratio` (value / limit). The runner
(`python -m tests.benchmarks`) calls `run` with Django set up on a fresh, migrated, empty
PostgreSQL database; the test suite calls it with quick=True on the test database.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

THINGSBOARD_PEER = "ThingsBoard 5,000 msg/s on 2 vCPU (Kafka); 1,000 msg/s in-memory queue"
FIELDS = ("name", "value", "unit", "goal", "ok", "peer")


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    goal: str = "",
    ok: bool | None = None,
    peer: str | None = None,
    limit: float | None = None,
    limit_name: str | None = None,
) -> dict:
    """One benchmark figure. With `limit`, the ratio value / limit is recorded beside it."""
    result = {"name": name, "value": float(value), "unit": unit, "goal": goal, "ok": ok}
    result["peer"] = peer
    if limit:
        result["limit"] = float(limit)
        result["limit_name"] = limit_name or "physical limit"
        result["ratio"] = float(value) / float(limit)
    return result


def check_figures(results: object) -> list[dict]:
    """The figures a module returned, checked for the shape the runner prints."""
    if not isinstance(results, list):
        raise TypeError(f"run() must return a list of dicts, not {type(results).__name__}")
    for item in results:
        if not isinstance(item, dict):
            raise TypeError(f"a figure must be a dict, not {type(item).__name__}")
        missing = [key for key in FIELDS if key not in item]
        if missing:
            raise ValueError(f"figure {item.get('name')!r} lacks {missing}")
        if not isinstance(item["value"], int | float) or isinstance(item["value"], bool):
            raise TypeError(f"figure {item['name']!r}: value must be a number")
        if item["ok"] not in (True, False, None):
            raise TypeError(f"figure {item['name']!r}: ok must be True, False or None")
    return results


# --- statistics -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Stopwatch:
    started: float = 0.0
    elapsed: float = 0.0


@contextmanager
def stopwatch():
    """`with stopwatch() as t: …` then `t.elapsed` in seconds."""
    watch = Stopwatch(started=time.perf_counter())
    try:
        yield watch
    finally:
        watch.elapsed = time.perf_counter() - watch.started


# --- services ---------------------------------------------------------------------------------


def mqtt_url() -> str:
    return os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")


def mqtt_address(url: str | None = None) -> tuple[str, int]:
    parts = urlsplit(url or mqtt_url())
    return parts.hostname or "127.0.0.1", parts.port or 1883


def unique_prefix(label: str = "bench") -> str:
    """A topic prefix of this run alone: the broker is shared with other runs and tests."""
    return f"{label}-{uuid.uuid4().hex[:10]}/v1"


def unique_client_id(label: str = "bench") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def django_database_url() -> str:
    """The URL of the database Django is configured on now (the run's, or the test database),
    for the processes a benchmark starts (gateway, workers)."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = quote(db.get("HOST") or "127.0.0.1", safe="")  # the embedded server's: a socket folder
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(str(db['NAME']))}"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a process a benchmark starts: this run's database and services."""
    env = dict(os.environ)
    env["DATABASE_URL"] = django_database_url()
    env.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def recreate_database(url: str) -> None:
    """Drops and creates the database `url` names (on its server, through the `postgres` db)."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database_name(url))
            )
        )


# Kept between modules: what `migrate` creates once (content types, permissions, role groups).
KEEP_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "auth_group",
        "auth_group_permissions",
    }
)


def truncate_all(keep: Iterable[str] = KEEP_TABLES) -> list[str]:
    """Empties every table but those `migrate` fills once; returns the tables emptied."""
    from django.db import connection

    keep = set(keep)
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t not in keep]
        if tables:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            if connection.vendor == "postgresql":  # the audit log's TRUNCATE guard (0003)
                cursor.execute("SET cityplatform.audit_truncate = 'allowed'")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    return tables


def wait_gateway_online(url: str, prefix: str, process=None, timeout: float = 60) -> None:
    """Until the gateway's birth message (`P/_gateway/status` = online) is seen: it has
    subscribed by then. Raises if `process` (a Popen) exits first."""
    import threading

    import paho.mqtt.client as mqtt

    seen = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique_client_id("birth"))
    client.on_message = lambda c, u, m: m.payload == b"online" and seen.set()
    host, port = mqtt_address(url)
    client.connect(host, port)
    client.subscribe(f"{prefix}/_gateway/status", qos=1)
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout
        while not seen.wait(0.2):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the gateway exited ({process.returncode})")
            if time.monotonic() > deadline:
                raise TimeoutError("the gateway did not come online")
        time.sleep(0.5)  # its SUBACKs
    finally:
        client.disconnect()
        client.loop_stop()
