"""Every list endpoint (and sync feed) runs the same number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountDomain, AccountProductLine, ProductLine, TargetListMember
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
    TargetListFactory,
    TierFactory,
)
from campaigns.models import CampaignOffer, CampaignPartner, OfferProductLine
from campaigns.tests.factories import CampaignFactory, CoBrandProfileFactory, OfferFactory
from config.api_router import router
from core.models import WebhookDelivery, WebhookEndpoint
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    RouteRule,
    Rulebook,
    RuleException,
    Simulation,
)
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    RouteRuleFactory,
    RulebookVersionFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.models import OpportunityLine, Stage, StageChange
from pipeline.tests.factories import (
    CampaignResponseFactory,
    OpportunityFactory,
    StageFactory,
    TouchFactory,
)
from routing.models import (
    Assignee,
    DuplicateCandidate,
    LeadForm,
    LeadMerge,
    Notification,
    SlaPolicy,
)
from routing.tests.factories import LeadFactory
from tenancy.tests.factories import MembershipFactory, PartnerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _account(world: Any, i: int) -> None:
    account = AccountFactory.create(
        tenant=world.tenant,
        tier=TierFactory.create(tenant=world.tenant),
        owner_user=world.users["rep"],
    )
    AccountDomain.all_tenants.create(
        tenant=world.tenant, account=account, domain=f"extra{i}.example"
    )
    line = ProductLine.all_tenants.filter(tenant=world.tenant).first()
    assert line is not None
    AccountProductLine.all_tenants.create(
        tenant=world.tenant, account=account, product_line=line, relation="interest"
    )


def _opportunity(world: Any, i: int) -> None:
    stages = list(Stage.all_tenants.filter(tenant=world.tenant).order_by("order")[:2])
    opportunity = OpportunityFactory.create(
        tenant=world.tenant, stage=stages[1], owner_user=world.users["rep"]
    )
    StageChange.all_tenants.create(
        tenant=world.tenant,
        opportunity=opportunity,
        from_stage=stages[0],
        to_stage=stages[1],
        changed_at=opportunity.created_at,
    )
    product = ProductFactory.create(tenant=world.tenant)
    OpportunityLine.all_tenants.create(
        tenant=world.tenant, opportunity=opportunity, product=product, quantity=1, list_price=10
    )


def _target_list(world: Any, i: int) -> None:
    target_list = TargetListFactory.create(tenant=world.tenant)
    for account in world.customers.values():
        TargetListMember.all_tenants.create(
            tenant=world.tenant, target_list=target_list, account=account
        )


def _webhook(world: Any, i: int) -> WebhookEndpoint:
    return WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=f"https://hooks.example.com/{i}", events=["*"]
    )


def _webhook_delivery(world: Any, i: int) -> None:
    WebhookDelivery.all_tenants.create(
        tenant=world.tenant,
        endpoint=_webhook(world, i),
        event="contact.updated",
        payload={"event": "contact.updated", "data": {"id": i}},
    )


def _territory(world: Any, i: int) -> Any:
    territory = TerritoryFactory.create(tenant=world.tenant)
    TerritoryAreaFactory.create(territory=territory, country="DE")
    TerritoryAreaFactory.create(territory=territory, country="AT")
    return territory


def _authorization(world: Any, i: int) -> None:
    PartnerAuthorizationFactory.create(partner=world.partner, territory=_territory(world, i))


def _version(world: Any, i: int) -> Any:
    rulebook, _ = Rulebook.all_tenants.get_or_create(tenant=world.tenant)
    version = RulebookVersionFactory.create(rulebook=rulebook, created_by=world.users["admin"])
    RouteRuleFactory.create(version=version)
    return version


def _rule_exception(world: Any, i: int) -> None:
    RuleException.all_tenants.create(
        tenant=world.tenant,
        kind="work_account",
        account=world.customers["partner"],
        requested_by=world.users["partner_rep"],
        partner=world.partner,
        justification=f"Exception {i}",
        ends_on=dt.date(2030, 1, 1),
    )


def _account_route(world: Any, i: int) -> None:
    version = _version(world, i)
    AccountRoute.all_tenants.create(
        tenant=world.tenant,
        account=AccountFactory.create(tenant=world.tenant, owner_partner=world.partner),
        version=version,
        rule=RouteRule.all_tenants.filter(version=version).first(),
        outcome="partner",
        target_partner=world.partner,
        eligible_partners=[world.partner.pk, world.other_partner.pk],
        rationale="Served by partners.",
        decided_at=timezone.now(),
    )


def _leakage(world: Any, i: int) -> None:
    opportunity = OpportunityFactory.create(tenant=world.tenant, owner_user=world.users["rep"])
    line = OpportunityLine.all_tenants.create(
        tenant=world.tenant,
        opportunity=opportunity,
        product=ProductFactory.create(tenant=world.tenant),
        quantity=1,
        list_price=100,
        discount_pct=30,
    )
    DiscountLeakage.all_tenants.create(
        tenant=world.tenant,
        opportunity=opportunity,
        line=line,
        version=_version(world, i),
        route="direct",
        discount_pct=30,
        max_discount=15,
        amount=15,
        currency="EUR",
        recorded_at=timezone.now(),
    )


def _simulation(world: Any, i: int) -> None:
    Simulation.all_tenants.create(
        tenant=world.tenant, version=_version(world, i), requested_by=world.users["admin"]
    )


def _lead(world: Any, i: int) -> Any:
    return LeadFactory.create(
        tenant=world.tenant,
        external_id=f"L-{i}",
        status="routed",
        route="partner",
        assigned_partner=world.partner,
        submitted_by_user=world.users["partner_rep"],
        submitted_by_partner=world.partner,
        account=world.customers["partner"],
        decision={"outcome": "partner", "rule": "Austria", "rationale": "Partners serve it."},
    )


def _duplicate_candidate(world: Any, i: int) -> None:
    DuplicateCandidate.all_tenants.create(
        tenant=world.tenant, lead=_lead(world, i), other_lead=_lead(world, 100 + i), score=0.8
    )


def _lead_merge(world: Any, i: int) -> None:
    LeadMerge.all_tenants.create(
        tenant=world.tenant,
        survivor=_lead(world, i),
        merged=_lead(world, 100 + i),
        before={},
        merged_by=world.users["admin"],
    )


def _sla_policy(world: Any, i: int) -> None:
    SlaPolicy.all_tenants.create(
        tenant=world.tenant,
        route=("direct", "partner")[i % 2],
        priority=("high", "normal", "low")[i // 2],
        accept_minutes=60,
        first_touch_minutes=120,
    )


def _registration(world: Any, i: int) -> Any:
    from decimal import Decimal

    from dealreg.models import DealRegistration, RegistrationLine

    registration = DealRegistration.all_tenants.create(
        tenant=world.tenant,
        route="partner",
        registrant_partner=world.partner,
        registrant_user=world.users["partner_rep"],
        end_customer=world.customers["partner"],
        title=f"Registration {i}",
        estimated_amount=Decimal(1000),
        currency="EUR",
    )
    RegistrationLine.all_tenants.create(
        tenant=world.tenant,
        registration=registration,
        product_line=ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics"),
    )
    return registration


def _registration_conflict(world: Any, i: int) -> None:
    from dealreg.models import RegistrationConflict

    RegistrationConflict.all_tenants.create(
        tenant=world.tenant,
        registration=_registration(world, i),
        kind="touches",
        product_line=ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics"),
        reason="Another route logged activity.",
        internal_reason="Touches.",
    )


def _adjudication(world: Any, i: int) -> None:
    from dealreg.models import Adjudication, AdjudicationParty

    record = Adjudication.all_tenants.create(
        tenant=world.tenant,
        account=world.customers["partner"],
        decision="split",
        reason=f"Precedent {i}",
        decided_at=timezone.now(),
    )
    for share in (70, 30):
        AdjudicationParty.all_tenants.create(
            tenant=world.tenant,
            adjudication=record,
            registration=_registration(world, i * 2 + share),
            share=share,
        )


def _conflict_to_adjudicate(world: Any, i: int) -> None:
    """Two submitted registrations, a distributor's and a direct rep's, claiming one new customer,
    each with the conflict the other stands for (the adjudication queue's rows)."""
    from decimal import Decimal

    from dealreg.models import DealRegistration, RegistrationConflict, RegistrationLine

    account = AccountFactory.create(tenant=world.tenant, name=f"Contested {i}")
    line = ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics")
    claims = []
    for route, partner, team, persona in (
        ("partner", world.partner, None, "partner_rep"),
        ("direct", None, world.orgs["team"], "rep"),
    ):
        registration = DealRegistration.all_tenants.create(
            tenant=world.tenant,
            route=route,
            registrant_partner=partner,
            registrant_team=team,
            registrant_user=world.users[persona],
            end_customer=account,
            title=f"Claim {i} {route}",
            estimated_amount=Decimal(1000),
            currency="EUR",
            state="submitted",
            submitted_at=timezone.now(),
            has_conflict=True,
        )
        RegistrationLine.all_tenants.create(
            tenant=world.tenant, registration=registration, product_line=line
        )
        claims.append(registration)
    for mine, other in (claims, claims[::-1]):
        RegistrationConflict.all_tenants.create(
            tenant=world.tenant,
            registration=mine,
            other_registration=other,
            other_partner=other.registrant_partner,
            other_team=other.registrant_team,
            kind="registration",
            product_line=line,
            reason="Registered by another route.",
            internal_reason=f"Registration #{other.pk}.",
            tie_break="The first complete registration wins.",
            needs_adjudication=True,
        )


def _mdf_budget(world: Any, i: int) -> None:
    """A budget of a quarter of its own."""
    from decimal import Decimal

    from mdf.models import MdfBudget
    from tenancy.quarters import Quarter

    day = dt.date(2030, 1, 15) + dt.timedelta(days=92 * i)
    MdfBudget.all_tenants.create(
        tenant=world.tenant,
        quarter_start=Quarter.of(world.tenant, day).start,
        amount=Decimal(1000),
        currency=world.tenant.currency,
    )


def _mdf_claim(world: Any, i: int) -> None:
    """A funded partner of its own with an approved request and its claim (with proof): an
    allocation, a balance, ledger entries, a request and a claim, through the services."""
    from mdf.tests.factories import claim_in, fund, request_in

    partner = PartnerFactory.create(tenant=world.tenant)
    fund(world.tenant, partner, 1_000)
    claim_in(request_in(world.tenant, partner, "approved", amount=500), "draft")


def _offer(world: Any, i: int) -> Any:
    """An offer selling a product line (its nested `product_lines`)."""
    offer = OfferFactory.create(tenant=world.tenant)
    line = ProductLineFactory.create(tenant=world.tenant)
    OfferProductLine.all_tenants.create(tenant=world.tenant, offer=offer, product_line=line)
    return offer


def _campaign(world: Any, i: int) -> Any:
    """A campaign using an offer, run by a named partner (its nested `offers` and `partners`)."""
    campaign = CampaignFactory.create(tenant=world.tenant, partner_mode="named")
    CampaignOffer.all_tenants.create(tenant=world.tenant, campaign=campaign, offer=_offer(world, i))
    CampaignPartner.all_tenants.create(
        tenant=world.tenant, campaign=campaign, partner=PartnerFactory.create(tenant=world.tenant)
    )
    return campaign


def _campaign_response(world: Any, i: int) -> Any:
    """A partner's response with a lead, a touch, an account and a contact: every reference."""
    lead = _lead(world, i)
    touch = TouchFactory.create(tenant=world.tenant, account=world.customers["rep"])
    return CampaignResponseFactory.create(
        tenant=world.tenant,
        partner=world.partner,
        offer=OfferFactory.create(tenant=world.tenant),
        lead=lead,
        touch=touch,
        account=world.customers["rep"],
        contact=ContactFactory.create(tenant=world.tenant, account=world.customers["rep"]),
        roi_inputs={"hours": 40},
    )


def _governance_review(world: Any, i: int) -> Any:
    """A review of a quarter of its own (signed off every other one)."""
    from scorecards.tests.factories import GovernanceReviewFactory

    signed = {"status": "signed_off", "signed_off_at": timezone.now()} if i % 2 else {}
    return GovernanceReviewFactory.create(
        tenant=world.tenant, quarter_start=dt.date(2020 + i, 1, 1), **signed
    )


def _review_decision(world: Any, i: int) -> None:
    """A decision with everything named: its review, an owner, a partner and a team."""
    from scorecards.tests.factories import ReviewDecisionFactory

    ReviewDecisionFactory.create(
        tenant=world.tenant,
        review=_governance_review(world, i),
        owner=MembershipFactory.create(
            tenant=world.tenant, role="direct_manager", team=world.orgs["team"]
        ),
        partner=PartnerFactory.create(tenant=world.tenant),
        team=TeamFactory.create(tenant=world.tenant),
    )


MAKERS: dict[str, Callable[[Any, int], Any]] = {
    "partner": lambda w, i: PartnerFactory.create(tenant=w.tenant),
    "team": lambda w, i: TeamFactory.create(tenant=w.tenant),
    "user": lambda w, i: MembershipFactory.create(
        tenant=w.tenant, user=UserFactory.create(), role="direct_rep", team=w.orgs["team"]
    ),
    "tier": lambda w, i: TierFactory.create(tenant=w.tenant),
    "segment": lambda w, i: SegmentFactory.create(tenant=w.tenant),
    "productline": lambda w, i: ProductLineFactory.create(tenant=w.tenant),
    "product": lambda w, i: ProductFactory.create(tenant=w.tenant),
    "account": _account,
    "contact": lambda w, i: ContactFactory.create(tenant=w.tenant, account=w.customers["rep"]),
    "targetlist": _target_list,
    "stage": lambda w, i: StageFactory.create(tenant=w.tenant),
    "opportunity": _opportunity,
    "webhook": _webhook,
    "webhookdelivery": _webhook_delivery,
    "touch": lambda w, i: TouchFactory.create(
        tenant=w.tenant, account=w.customers["rep"], actor_user=w.users["rep"]
    ),
    "territory": _territory,
    "partnerauthorization": _authorization,
    "rulebookversion": _version,
    "ruleexception": _rule_exception,
    "accountroute": _account_route,
    "discountleakage": _leakage,
    "simulation": _simulation,
    "lead": _lead,
    "duplicatecandidate": _duplicate_candidate,
    "leadmerge": _lead_merge,
    "slapolicy": _sla_policy,
    "leadform": lambda w, i: LeadForm.all_tenants.create(
        tenant=w.tenant, name=f"Form {i}", partner=w.partner
    ),
    "assignee": lambda w, i: Assignee.all_tenants.create(
        tenant=w.tenant, partner=PartnerFactory.create(tenant=w.tenant), capacity=5
    ),
    "notification": lambda w, i: Notification.all_tenants.create(
        tenant=w.tenant, user=w.users["admin"], kind="routed", title=f"Lead {i}"
    ),
    "dealregistration": _registration,
    "registrationconflict": _registration_conflict,
    "adjudication": _adjudication,
    "offer": _offer,
    "campaign": _campaign,
    "cobrandprofile": lambda w, i: CoBrandProfileFactory.create(tenant=w.tenant),
    "campaignresponse": _campaign_response,
    "mdfbudget": _mdf_budget,
    "mdfallocation": _mdf_claim,
    "fundrequest": _mdf_claim,
    "fundclaim": _mdf_claim,
    "mdfledgerentry": _mdf_claim,
    "mdfbalance": _mdf_claim,
    "governancereview": _governance_review,
    "reviewdecision": _review_decision,
}
LISTED = sorted(b for _, v, b in router.registry if hasattr(v, "list"))


def test_every_list_endpoint_has_a_row_maker():
    assert set(LISTED) <= set(MAKERS), f"add a maker for: {sorted(set(LISTED) - set(MAKERS))}"


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.mark.parametrize("basename", LISTED)
def test_list_queries_do_not_grow_with_the_page(world, api_as, basename):
    for i in range(6):
        MAKERS[basename](world, i)
    client, url = api_as("admin"), reverse(f"{basename}-list")
    client.get(url)  # warm per-request lookups (token, membership) out of the comparison
    assert queries(client, f"{url}?page_size=1") == queries(client, f"{url}?page_size=100")


@pytest.mark.parametrize("basename", sorted(b for _, v, b in router.registry if hasattr(v, "sync")))
def test_sync_feed_queries_do_not_grow_with_the_page(world, api_as, basename):
    for i in range(6):
        MAKERS[basename](world, i)
    client, url = api_as("admin"), reverse(f"{basename}-sync")
    client.get(url)
    assert queries(client, f"{url}?page_size=1") == queries(client, f"{url}?page_size=100")


def _submitted_registration(world: Any, i: int) -> Any:
    """A partner's registration waiting for review, with its review clock running."""
    import datetime as dt

    from django.utils import timezone

    from dealreg.models import DealRegistration, RegistrationClock

    registration = _registration(world, i)
    now = timezone.now()
    DealRegistration.all_tenants.filter(pk=registration.pk).update(
        state="submitted", submitted_at=now
    )
    RegistrationClock.all_tenants.create(
        tenant=world.tenant,
        registration=registration,
        side="vendor",
        kind="review",
        started_at=now,
        due_at=now + dt.timedelta(hours=16 + i),
        next_action_at=now + dt.timedelta(hours=16 + i),
    )
    return registration


# List pages: deal registration's lists in the three doors (the review queue orders by a
# subquery on the clocks), the adjudication queue (by end customer) and the precedent search.
LIST_PAGES = {
    "console:dealreg-review": ("admin", _submitted_registration, "Registration 7"),
    "portal:dealregs": ("partner_rep", _registration, "Registration 7"),
    "sales:dealregs": ("manager", _registration, "Registration 7"),
    "console:dealreg-conflicts": ("admin", _conflict_to_adjudicate, "Contested 7"),
    "console:dealreg-precedents": ("admin", _adjudication, "Precedent 7"),
}


# --- the governance review's lists (scorecards/views/review*.py) ------------------------------


def _signed_review(world: Any, i: int) -> Any:
    """A signed-off review of a quarter `i` years before 2026 Q3 (Q3 of 2019 for i = 7)."""
    from scorecards.models import GovernanceReview

    return GovernanceReview.all_tenants.create(
        tenant=world.tenant,
        quarter_start=dt.date(2026 - i, 7, 1),
        status="signed_off",
        signed_off_at=timezone.now(),
        signed_off_by=world.users["admin"],
        data={"quarter": {"code": f"{2026 - i}-Q3"}},
        job_status="done",
    )


def _decision_of(world: Any, i: int, persona: str) -> Any:
    """A decision owned by `persona` in one open review, with a partner and a team it concerns."""
    from scorecards.models import GovernanceReview, ReviewDecision
    from tenancy.models import Membership

    review, _ = GovernanceReview.all_tenants.get_or_create(
        tenant=world.tenant, quarter_start=dt.date(2026, 7, 1)
    )
    owner = Membership.all_tenants.get(tenant=world.tenant, user=world.users[persona])
    return ReviewDecision.all_tenants.create(
        tenant=world.tenant,
        review=review,
        title=f"Decision {i}",
        owner=owner,
        due_on=dt.date(2026, 10, 1) + dt.timedelta(days=i),
        partner=world.partner,
        team=world.orgs["team"],
    )


def _admin_decision(world: Any, i: int) -> Any:
    return _decision_of(world, i, "admin")


def _partner_admin_decision(world: Any, i: int) -> Any:
    return _decision_of(world, i, "partner_admin")


def _rep_decision(world: Any, i: int) -> Any:
    return _decision_of(world, i, "rep")


LIST_PAGES.update(
    {
        "console:governance-reviews": ("admin", _signed_review, "2019"),
        "portal:governance-reviews": ("partner_admin", _signed_review, "2019"),
        "sales:governance-reviews": ("manager", _signed_review, "2019"),
        "console:governance-decisions": ("admin", _admin_decision, "Decision 7"),
        "portal:governance-decisions": (
            "partner_admin",
            _partner_admin_decision,
            "Decision 7",
        ),
        "sales:governance-decisions": ("rep", _rep_decision, "Decision 7"),
    }
)


@pytest.mark.parametrize("name", sorted(LIST_PAGES))
def test_list_pages_run_the_same_queries_for_one_row_and_many(world, login_as, name):
    persona, make, last = LIST_PAGES[name]
    client = login_as(persona)
    url = reverse(name, args=[world.tenant.slug])
    make(world, 0)
    client.get(url)  # warm per-request lookups (session, membership) out of the comparison
    one = queries(client, url)
    for i in range(1, 8):
        make(world, i)
    assert queries(client, url) == one
    assert last in client.get(url).content.decode()  # the rows are on the page


# --- The maturity assessment (issue 17): one assessment a quarter, with its six scores ----------


def _maturity_assessment(world: Any, i: int) -> None:
    from scorecards.choices import Capability
    from scorecards.models import MaturityAssessment, MaturityScore

    assessment = MaturityAssessment.all_tenants.create(
        tenant=world.tenant, quarter_start=dt.date(2020 + i, 1, 1), answers={}
    )
    for capability in Capability.values:
        MaturityScore.all_tenants.create(
            tenant=world.tenant, assessment=assessment, capability=capability
        )


MAKERS["maturityassessment"] = _maturity_assessment
