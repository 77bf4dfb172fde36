"""BRIN indexes on the time columns of the append-mostly history tables.

Telemetry and level changes arrive in time order, so a BRIN index (a few pages for millions of
rows) serves the retention purge and time-range scans; per-device lookups use the (asset, time)
unique indexes.
"""

from django.db import migrations

INDEXES = [
    ("devices_telemetry_ts_brin", "devices_telemetry", "ts"),
    ("devices_levelchange_at_brin", "devices_levelchange", "at"),
]


def create(apps, schema_editor):
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING brin ({column}) "
            "WITH (pages_per_range = 32)"
        )


def drop(apps, schema_editor):
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
