"""The asset list's `online` filter without a join, and an index for an override's commands.

1. `Asset.online_copy`: a copy of `AssetState.online` in the asset row. Counting "online
   streetlights" joined every asset's state (a hash join over 100,000 rows each time, ~50 ms
   on an idle machine); with the copy and an index on (online_copy, kind, status) it is an
   index-only scan like the other filters (a partial index on (kind, status) of the online
   assets: new assets, never heard from, take no entry, so the CSV import pays nothing). Triggers keep the copy in step,
   whoever writes the state (the gateway's bulk SQL, services, factories):
   - inserting, changing or deleting a state row copies its `online` into the asset row (only
     when it differs: the telemetry upsert sets `online = TRUE` on every sample, and the
     trigger's WHEN clause skips those that change nothing);
   - updating the asset row cannot change the copy: a value saved from Python (a stale one,
     from an asset loaded before the device went offline) is replaced by the state's. A new
     asset has no state yet, so its copy is NULL as Django inserts it; no trigger on inserts
     (a BEFORE INSERT row trigger would make the CSV import's COPY insert row by row).
2. Commands are found by `context__override_id` (an alarm's detail, the correlation's latency
   task): a partial expression index on `context -> 'override_id'` replaces a scan of the
   command table; commands without an override (schedules, reconcile) take no entry.
"""

import django.db.models.fields.json
from django.db import migrations, models

PG_CREATE = """
CREATE OR REPLACE FUNCTION devices_asset_online_copy_from_state() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE devices_asset SET online_copy = NULL
        WHERE id = OLD.asset_id AND online_copy IS NOT NULL;
    ELSE
        UPDATE devices_asset SET online_copy = NEW.online
        WHERE id = NEW.asset_id AND online_copy IS DISTINCT FROM NEW.online;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devices_asset_online_copy_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.online_copy := (SELECT online FROM devices_assetstate WHERE asset_id = NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER devices_assetstate_online_insert AFTER INSERT ON devices_assetstate
    FOR EACH ROW WHEN (NEW.online IS NOT NULL)
    EXECUTE FUNCTION devices_asset_online_copy_from_state();
CREATE TRIGGER devices_assetstate_online_update AFTER UPDATE OF online ON devices_assetstate
    FOR EACH ROW WHEN (OLD.online IS DISTINCT FROM NEW.online)
    EXECUTE FUNCTION devices_asset_online_copy_from_state();
CREATE TRIGGER devices_assetstate_online_delete AFTER DELETE ON devices_assetstate
    FOR EACH ROW WHEN (OLD.online IS NOT NULL)
    EXECUTE FUNCTION devices_asset_online_copy_from_state();
CREATE TRIGGER devices_asset_online_copy_update BEFORE UPDATE OF online_copy ON devices_asset
    FOR EACH ROW WHEN (NEW.online_copy IS DISTINCT FROM OLD.online_copy)
    EXECUTE FUNCTION devices_asset_online_copy_guard();

UPDATE devices_asset AS a SET online_copy = s.online
FROM devices_assetstate AS s WHERE s.asset_id = a.id AND s.online IS NOT NULL;

-- The list's counts are index-only scans while the table's pages are all-visible; a change
-- of connectivity now writes an asset row, so let autovacuum restore that after ~2 % of the
-- assets changed instead of the default 20 %.
ALTER TABLE devices_asset SET (autovacuum_vacuum_scale_factor = 0.02);
"""

PG_DROP = """
ALTER TABLE devices_asset RESET (autovacuum_vacuum_scale_factor);
DROP TRIGGER IF EXISTS devices_assetstate_online_insert ON devices_assetstate;
DROP TRIGGER IF EXISTS devices_assetstate_online_update ON devices_assetstate;
DROP TRIGGER IF EXISTS devices_assetstate_online_delete ON devices_assetstate;
DROP TRIGGER IF EXISTS devices_asset_online_copy_update ON devices_asset;
DROP FUNCTION IF EXISTS devices_asset_online_copy_from_state();
DROP FUNCTION IF EXISTS devices_asset_online_copy_guard();
"""


def create_triggers(apps, schema_editor):
    schema_editor.execute(PG_CREATE, params=None)


def drop_triggers(apps, schema_editor):
    schema_editor.execute(PG_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("devices", "0004_asset_search_trigram")]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="online_copy",
            field=models.BooleanField(editable=False, null=True),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(
                condition=models.Q(("online_copy", True)),
                fields=["kind", "status"],
                name="asset_online_kind_status",
            ),
        ),
        migrations.AddIndex(
            model_name="command",
            index=models.Index(
                django.db.models.fields.json.KeyTransform("override_id", "context"),
                condition=models.Q(("context__override_id__isnull", False)),
                name="command_context_override_id",
            ),
        ),
    ]
