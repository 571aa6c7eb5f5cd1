"""On PostgreSQL the database itself refuses to change or delete a ledger entry, as it
does for audit events: a correction is a reversal entry, even for code that bypasses the
ORM. (SQLite, for development only, relies on the model's guards.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION fund_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fund_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON fund_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION fund_ledgerentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS fund_ledgerentry_append_only ON fund_ledgerentry;
DROP FUNCTION IF EXISTS fund_ledgerentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # RAISE uses a literal %


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("fund", "0002_funds_calls_applications_awards_ledger")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
