"""The ledger is append-only for every client of the database, not only through the models:
on PostgreSQL a trigger refuses UPDATE and DELETE of ledger entries (TRUNCATE, which the test
suite's flush uses, is a statement the trigger does not see)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION mdf_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'MDF ledger entries are append-only (' || TG_OP || ' refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mdf_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON mdf_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION mdf_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS mdf_ledgerentry_append_only ON mdf_ledgerentry;
DROP FUNCTION IF EXISTS mdf_ledger_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("mdf", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
