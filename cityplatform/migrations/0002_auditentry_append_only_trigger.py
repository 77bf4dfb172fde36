"""The database itself refuses UPDATE and DELETE on the audit log."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cityplatform_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cityplatform_auditentry_append_only
    BEFORE UPDATE OR DELETE ON cityplatform_auditentry
    FOR EACH ROW EXECUTE FUNCTION cityplatform_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS cityplatform_auditentry_append_only ON cityplatform_auditentry;
DROP FUNCTION IF EXISTS cityplatform_audit_append_only();
"""


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cityplatform", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
