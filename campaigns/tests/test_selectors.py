"""The query that says whose co-branding is complete agrees with `CoBrandProfile.missing()`."""

from __future__ import annotations

import pytest

from campaigns.models import CoBrandProfile
from campaigns.selectors import complete_profiles, partners_lacking_cobranding
from campaigns.tests.factories import CoBrandProfileFactory
from core.tenancy import tenant_scope
from tenancy.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

CASES = [
    {},
    {"logo": ""},
    {"primary_colour": ""},
    {"contact_name": "   "},
    {"contact_email": "", "contact_phone": ""},
    {"contact_email": "", "contact_phone": "+49 89 1234"},
    {"service_area": "\n"},
    {"legal_line": ""},
]


def test_complete_profiles_is_missing_written_as_a_query(world):
    tenant = world.tenant
    for changes in CASES:
        partner = PartnerFactory(tenant=tenant)
        CoBrandProfileFactory(tenant=tenant, partner=partner, **{"logo": "x/logo", **changes})
    with tenant_scope(tenant):
        complete = set(complete_profiles().values_list("pk", flat=True))
        expected = {p.pk for p in CoBrandProfile.objects.all() if not p.missing()}
        assert complete == expected and len(expected) == 2
        lacking = set(partners_lacking_cobranding(world.membership("admin")))
        # The six incomplete ones, and the world's two partners without a profile.
        assert world.partner in lacking and len(lacking) == 6 + 2
