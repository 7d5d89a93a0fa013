import re
from io import StringIO

import pycountry
import pytest
from django.core.management import call_command

from accounts.demo import NAME_SPACE, demo_account_name
from accounts.models import Account
from core.models import AuditEvent
from pipeline.models import Lead, Touch
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
    # The pipeline demo's touches; the lead-ops demo logs more, on its leads, the
    # deal-registration demo its registrants' site visits, and the campaign demo its campaigns'.
    pipeline_touches = Touch.all_tenants.filter(
        tenant__slug="acme", lead__isnull=True, campaign__isnull=True
    ).exclude(subject="Site visit: project scoping")
    assert pipeline_touches.count() == 400
    lines = [line.split("  ") for line in out.getvalue().splitlines() if "@" in line]
    assert ["revops_admin", "acme", "admin@acme.example", "demo-channel-2026"] in lines
    # Names people would believe: no numbers, none twice; countries as pycountry names.
    names = list(Account.all_tenants.filter(tenant__slug="acme").values_list("name", flat=True))
    assert not [name for name in names if re.search(r"\d", name)]
    assert len(set(names)) == len(names)
    countries = set(Lead.all_tenants.exclude(country="").values_list("country", flat=True))
    assert countries and countries <= {c.name for c in pycountry.countries}


def test_demo_account_names_are_distinct_and_carry_no_number():
    names = [
        demo_account_name(i, ("DE", "SE", "PL", "US")[i % 4]) for i in range(1, NAME_SPACE * 3)
    ]
    assert len(set(names)) == len(names)
    assert not [name for name in names if re.search(r"\d", name)]
    assert demo_account_name(42, "SE").endswith(" AB") and demo_account_name(42, "US") != (
        demo_account_name(43, "US")
    )
