"""How the gateway's threads touch the database: each closes its connection when it ends, and
ORM work run from the asyncio loop goes to a worker thread that closes its own."""

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections
from django.db import connection as db_connection

log = logging.getLogger(__name__)


def in_db_thread(function, *args, **kwargs):
    """Runs ORM work in a worker thread and closes its connection afterwards."""
    try:
        return function(*args, **kwargs)
    finally:
        db_connection.close()


def guarded(target: Callable[[], None], stop_event: threading.Event) -> Callable[[], None]:
    """`target` as a thread's body: an exception it lets out is logged and stops the gateway
    (a gateway missing one of its threads must not go on as if whole)."""

    def run() -> None:
        try:
            target()
        except Exception:
            log.exception("gateway thread %s stopped", threading.current_thread().name)
            stop_event.set()
        finally:
            close_old_connections()
            db_connection.close()

    return run
