"""The embedded PostgreSQL of a machine without DATABASE_URL: started by the first process that
connects, shared by a second on the same var/, stopped by the last (processes of their own, each
with its VAR_DIR)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A process on the default database: prints the server's start time at each line read on stdin,
# exits at EOF.
CLIENT = """
import sys, django
django.setup()
from django.db import connection
for _ in sys.stdin:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time(), current_database()")
        print(*cursor.fetchone(), flush=True)
"""


def embedded_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="cityplatform.settings")
    return env


def client(var_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT],
        cwd=ROOT,
        env=embedded_env(var_dir),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def ask(process: subprocess.Popen) -> str:
    process.stdin.write("?\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def test_the_start_up_line_names_it_and_nothing_starts_before_a_connection(tmp_path):
    probe = "import django; django.setup(); from cityplatform.apps import describe_runtime; "
    probe += "print(describe_runtime()[0])"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=embedded_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"database: embedded PostgreSQL 18 in {tmp_path / 'pg'}"
    assert not (tmp_path / "pg").exists()


@pytest.mark.slow
def test_a_second_process_shares_the_server_and_the_last_one_stops_it(tmp_path):
    first = client(tmp_path)
    started, database = ask(first).rsplit(" ", 1)
    assert database == "cityplatform"
    assert (tmp_path / "pg" / "postmaster.pid").exists()

    second = client(tmp_path)
    assert ask(second) == f"{started} cityplatform"  # the same server, not another
    first.stdin.close()
    assert first.wait(timeout=60) == 0
    assert ask(second) == f"{started} cityplatform"  # still up for the one still using it

    second.stdin.close()
    assert second.wait(timeout=60) == 0
    assert not (tmp_path / "pg" / "postmaster.pid").exists()  # stopped with the last
    assert (tmp_path / "pg" / "PG_VERSION").read_text().strip() == "18"  # the data kept


@pytest.mark.slow
def test_a_killed_process_does_not_keep_the_server_running(tmp_path):
    killed = client(tmp_path)
    started = ask(killed)
    survivor = client(tmp_path)
    assert ask(survivor) == started
    killed.kill()
    killed.wait(timeout=30)
    survivor.stdin.close()
    assert survivor.wait(timeout=60) == 0
    assert not (tmp_path / "pg" / "postmaster.pid").exists()
