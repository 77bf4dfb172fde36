"""Trigram indexes for the asset list's text search, and an index for its
"recently changed" ordering.

The search (`?search=` on device id, name and serial) is a case-insensitive substring match,
which Django writes as `UPPER(col) LIKE UPPER('%…%')`: a B-tree cannot serve it, so each
search read all 100,000 rows. A GIN trigram index on the same expression can.
"""

from django.db import migrations

COLUMNS = ("device_id", "name", "serial")


def create(apps, schema_editor):
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS devices_asset_{column}_trgm "
            f'ON devices_asset USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
            params=None,
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS devices_asset_updated_at "
        "ON devices_asset (updated_at DESC, id DESC)",
        params=None,
    )


def drop(apps, schema_editor):
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS devices_asset_{column}_trgm", params=None)
    schema_editor.execute("DROP INDEX IF EXISTS devices_asset_updated_at", params=None)


class Migration(migrations.Migration):
    dependencies = [("devices", "0003_asset_point_gist")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
