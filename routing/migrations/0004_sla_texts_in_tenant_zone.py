"""Timeline entries and notifications the SLA sweep wrote with their due time in UTC ("Due
2026-07-01 10:15 UTC."): rewrite the time in the tenant's zone, unlabelled, as the sweep now
writes it (tenancy/clock.py: pages name the zone once, in their footer)."""

import datetime as dt
import re
import zoneinfo

from django.db import migrations

UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


def _local(text: str, zone: zoneinfo.ZoneInfo) -> str:
    def swap(found: re.Match) -> str:
        moment = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    return UTC_TIME.sub(swap, text)


def to_tenant_zone(apps, schema_editor):
    Tenant = apps.get_model("tenancy", "Tenant")
    texts = (
        (apps.get_model("routing", "Notification"), "body"),
        (apps.get_model("routing", "LeadEvent"), "detail"),
    )
    for tenant in Tenant.objects.only("pk", "timezone").iterator():
        try:
            zone = zoneinfo.ZoneInfo(tenant.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        for model, field in texts:
            rows = model.all_tenants.filter(
                tenant_id=tenant.pk, **{f"{field}__contains": " UTC"}
            ).only("pk", field)
            changed = []
            for row in rows.iterator(chunk_size=2000):
                text = _local(getattr(row, field), zone)
                if text != getattr(row, field):
                    setattr(row, field, text)
                    changed.append(row)
            model.all_tenants.bulk_update(changed, [field], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0003_sla_caps_assignee_capacity_form_origins"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(to_tenant_zone, migrations.RunPython.noop, elidable=True)]
