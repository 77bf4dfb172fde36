"""PostgreSQL helpers for the bulk paths (telemetry ingest, command issue, asset import)."""

import psycopg
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb


def raw_cursor():
    """A psycopg cursor on Django's connection, in its transaction: for COPY, which Django's
    cursor wrapper does not offer, and statements that bind on the server."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def copy_insert(model: type[models.Model], objects: list[models.Model]) -> None:
    """Inserts rows with COPY (ten times Django's bulk_create at 100,000 rows), in the current
    transaction. `auto_now` fields are set to now; objects get no primary keys back."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    now = timezone.now()
    for model_field in fields:
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, model_field.attname, now)
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row(
                [
                    Jsonb(getattr(obj, name)) if name in json_fields else getattr(obj, name)
                    for name in names
                ]
            )
