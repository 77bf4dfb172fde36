"""A GiST index on each asset's point, for bounding-box queries (maps, GeoJSON,
the list's `bbox` filter). A B-tree on (latitude, longitude) narrows one axis only; the GiST
index answers "inside this box" directly."""

from django.db import migrations


def create(apps, schema_editor):
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS devices_asset_point_gist "
        "ON devices_asset USING gist (point(longitude, latitude))"
    )


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS devices_asset_point_gist")


class Migration(migrations.Migration):
    dependencies = [("devices", "0002_time_brin_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
