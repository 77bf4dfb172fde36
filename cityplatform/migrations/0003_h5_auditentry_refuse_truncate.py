"""The database also refuses TRUNCATE of the audit log (the row trigger of 0002
refuses UPDATE and DELETE; TRUNCATE fires no row trigger, so it needs a statement trigger).

TRUNCATE is refused unless the session has said, deliberately, `SET cityplatform.audit_truncate
= 'allowed'` (the test suite's database flush and the benchmarks' reset do; docs/security.md).
This guards against accidents — `manage.py flush`, a `TRUNCATE … CASCADE` of another table that
reaches the audit log — not against the database's owner, who can drop the trigger.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cityplatform_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('cityplatform.audit_truncate', true), '') = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cityplatform_auditentry_refuse_truncate
    BEFORE TRUNCATE ON cityplatform_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION cityplatform_audit_refuse_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS cityplatform_auditentry_refuse_truncate ON cityplatform_auditentry;
DROP FUNCTION IF EXISTS cityplatform_audit_refuse_truncate();
"""


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cityplatform", "0002_auditentry_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
