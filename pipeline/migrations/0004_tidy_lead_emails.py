"""Lead emails stored before they were tidied on write (Lead.save, LeadSerializer): trim them and
lower-case their domain, so the API returns what it documents as an email address."""

from django.db import migrations


def tidy(value: str) -> str:
    # A frozen copy of core.validators.tidy_email: a migration must not change when the code does.
    address = (value or "").strip()
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


def tidy_lead_emails(apps, schema_editor):
    Lead = apps.get_model("pipeline", "Lead")
    leads = Lead.all_tenants.exclude(email="").only("pk", "email")
    changed = [lead for lead in leads.iterator(chunk_size=2000) if tidy(lead.email) != lead.email]
    for lead in changed:
        lead.email = tidy(lead.email)
    Lead.all_tenants.bulk_update(changed, ["email"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0003_lead")]

    operations = [migrations.RunPython(tidy_lead_emails, migrations.RunPython.noop, elidable=True)]
