"""On PostgreSQL the ledger refuses TRUNCATE as well as UPDATE and DELETE (0003), with
the function the audit trail uses (portal 0005)."""

from django.db import migrations

CREATE = """
CREATE TRIGGER fund_ledgerentry_refuse_truncate
    BEFORE TRUNCATE ON fund_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_truncate();
"""

DROP = "DROP TRIGGER IF EXISTS fund_ledgerentry_refuse_truncate ON fund_ledgerentry;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("fund", "0006_ledger_award_newest_first"),
        ("portal", "0005_refuse_truncate"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
