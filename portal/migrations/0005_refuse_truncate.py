"""On PostgreSQL the audit trail refuses TRUNCATE too: the row triggers of 0003 do not
fire for it, so `manage.py flush` or a stray TRUNCATE would have emptied the trail in one
statement. The function is shared with the fund's ledger (fund 0007).

A session that is meant to empty these tables (a test database between tests) says so
with `SET portal.allow_truncate = on`; like the row triggers, this guards against
mistakes, not against the database's owner, who can drop any trigger."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION portal_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('portal.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portal_auditevent_refuse_truncate
    BEFORE TRUNCATE ON portal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS portal_auditevent_refuse_truncate ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_refuse_truncate();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # RAISE uses a literal %


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_privacyconsent")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
