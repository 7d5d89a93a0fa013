from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Account
from core.models import AuditEvent
from pipeline.models import Touch
from tenancy.models import Membership, Partner, Tenant, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_covers_every_role():
    call_command("seed_demo", "--scale", "0.02", stdout=StringIO())
    counts = (
        Tenant.objects.count(),
        Partner.all_tenants.count(),
        User.objects.count(),
        Membership.all_tenants.count(),
    )
    events = AuditEvent.all_tenants.count()
    out = StringIO()
    call_command("seed_demo", "--scale", "0.02", stdout=out)
    assert counts == (
        Tenant.objects.count(),
        Partner.all_tenants.count(),
        User.objects.count(),
        Membership.all_tenants.count(),
    )
    assert AuditEvent.all_tenants.count() == events
    for slug in ("acme", "globex"):
        tenant = Tenant.objects.get(slug=slug)
        roles = set(Membership.all_tenants.filter(tenant=tenant).values_list("role", flat=True))
        assert roles == {
            "revops_admin",
            "direct_manager",
            "direct_rep",
            "partner_admin",
            "partner_rep",
        }
        tiers = set(Partner.all_tenants.filter(tenant=tenant).values_list("tier", flat=True))
        assert len(tiers) >= 3
    assert "acme: 0 accounts, 0 contacts created" in out.getvalue()
    assert Account.all_tenants.filter(tenant__slug="acme").count() == 40
    # The pipeline demo's touches; the lead-ops demo logs more, on its leads, and the
    # deal-registration demo its registrants' site visits.
    pipeline_touches = Touch.all_tenants.filter(tenant__slug="acme", lead__isnull=True).exclude(
        subject="Site visit: project scoping"
    )
    assert pipeline_touches.count() == 400
    lines = [line.split("  ") for line in out.getvalue().splitlines() if "@" in line]
    assert ["revops_admin", "acme", "admin@acme.example", "demo-channel-2026"] in lines
