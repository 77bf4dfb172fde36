"""PostgreSQL-only helpers for the bulk paths (telemetry ingest, command issue)."""

import psycopg
from django.db import connection


def raw_cursor():
    """A psycopg cursor on Django's connection, in its transaction: for COPY, which Django's
    cursor wrapper does not offer, and statements that bind on the server."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
