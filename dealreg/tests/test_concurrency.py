"""Exactly one winner under concurrency (PostgreSQL, real concurrent transactions): twenty
registrations of one end customer and product line, by nineteen partners and a direct rep,
submitted at the same moment, give exactly one protected claim and nineteen conflicts, never two
claims and never an error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tests.factories import AccountFactory, ProductLineFactory
from core.tenancy import tenant_scope
from dealreg.choices import ConflictKind, RegState
from dealreg.models import Claim, DealRegistration, RegistrationConflict
from dealreg.services.registrations import registrant_defaults, set_lines, submit
from dealreg.services.state import settings_for
from tenancy.choices import Role
from tenancy.services import membership_for
from tenancy.tests.factories import PartnerFactory, TeamFactory, TenantFactory, member
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 20


def test_twenty_simultaneous_submissions_leave_one_claim_and_nineteen_conflicts():
    require_postgres()
    tenant = TenantFactory()
    team = TeamFactory(tenant=tenant)
    users = [member(tenant, Role.DIRECT_REP, team=team)]
    for i in range(RACERS - 1):
        users.append(
            member(tenant, Role.PARTNER_REP, partner=PartnerFactory(tenant=tenant, name=f"P{i}"))
        )
    with tenant_scope(tenant):
        line = ProductLineFactory(tenant=tenant, code="hydraulics")
        account = AccountFactory(tenant=tenant, name="Contested Works")
        settings_for(tenant)
        actors, drafts = [], []
        for user in users:
            acting = membership_for(user, tenant)
            assert acting is not None
            registration = DealRegistration.objects.create(
                tenant=tenant,
                title="Contested press line",
                end_customer=account,
                estimated_amount=Decimal(100000),
                currency="EUR",
                **registrant_defaults(acting),
            )
            set_lines(registration, [{"product_line": line, "amount": Decimal(100000)}])
            actors.append(acting)
            drafts.append(registration)

    results = race(tenant, lambda i: submit(drafts[i], acting=actors[i]).state, RACERS)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert results == [RegState.SUBMITTED] * RACERS
    with tenant_scope(tenant):
        claims = Claim.objects.filter(account=account, product_line=line, active=True)
        assert claims.count() == 1
        holder = claims.get().registration_id
        losers = DealRegistration.objects.exclude(pk=holder)
        assert losers.count() == RACERS - 1
        for loser in losers:
            assert loser.has_conflict
            # Against the holder at least (a loser that read after another loser committed
            # also records that one, for the adjudication queue).
            conflict = RegistrationConflict.objects.get(
                registration=loser, kind=ConflictKind.REGISTRATION, other_registration_id=holder
            )
            assert conflict.registrant_prevails is False
            assert "another route" in conflict.reason


def test_registrations_of_one_new_customer_submitted_together_make_one_account():
    require_postgres()
    tenant = TenantFactory()
    team = TeamFactory(tenant=tenant)
    users = [member(tenant, Role.DIRECT_REP, team=team)]
    users += [
        member(tenant, Role.PARTNER_REP, partner=PartnerFactory(tenant=tenant, name=f"N{i}"))
        for i in range(4)
    ]
    with tenant_scope(tenant):
        line = ProductLineFactory(tenant=tenant, code="hydraulics")
        settings_for(tenant)
        actors, drafts = [], []
        for user in users:
            acting = membership_for(user, tenant)
            assert acting is not None
            registration = DealRegistration.objects.create(
                tenant=tenant,
                title="New plant",
                end_customer_name="Nova Werke GmbH, Graz",
                estimated_amount=Decimal(100000),
                currency="EUR",
                **registrant_defaults(acting),
            )
            set_lines(registration, [{"product_line": line, "amount": Decimal(100000)}])
            actors.append(acting)
            drafts.append(registration)

    results = race(tenant, lambda i: submit(drafts[i], acting=actors[i]).end_customer_id, 5)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert len(set(results)) == 1
    with tenant_scope(tenant):
        assert Claim.objects.filter(active=True).count() == 1
