"""What the isolation suite (tests/test_isolation.py) needs to know about each route.

Every URL name in the project must appear here; a new route fails the suite until it is
classified. Add API viewsets to API_RESOURCES with how to find their objects and what to post.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.files.base import ContentFile

from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignPartner,
    CoBrandProfile,
    Offer,
    OfferAsset,
    OfferPublication,
)
from core.acting import SystemActor
from core.models import ImportJob, TenantOwned, WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    DealRegistration,
    EvidenceFile,
    RegistrationConflict,
    RegistrationLine,
)
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    PartnerAuthorization,
    PricingCorridor,
    RouteRule,
    Rulebook,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Simulation,
    Territory,
    TerritoryArea,
)
from mdf.models import (
    Allocation,
    FundBalance,
    FundClaim,
    FundRequest,
    LedgerEntry,
    MdfBudget,
    ProofFile,
    Reallocation,
    ReallocationLine,
)
from pipeline.models import CampaignResponse, Lead, Opportunity, Stage, Touch
from pipeline.tests.factories import TouchFactory
from routing.models import (
    Assignee,
    DedupeWeights,
    DuplicateCandidate,
    LeadForm,
    LeadMerge,
    Notification,
    NotificationPreference,
    SlaPolicy,
)
from scorecards.models import (
    Credit,
    ExchangeRate,
    GovernanceReview,
    OpportunityFact,
    OverlapFlag,
    OverlapParty,
    ReviewDecision,
    ScorecardSettings,
    TierRequirement,
)
from scorecards.rollup import rebuild, settings_of
from scorecards.tests.review_data import review_data
from tenancy.models import ApiToken, Membership, Partner, Team, Tenant
from tenancy.services import issue_api_token
from tests.world import PERSONAS

# Open to anyone; each is checked to answer anonymous users without a 5xx and to show no data.
PUBLIC_ROUTES = {
    "landing",
    "healthz",
    "favicon",
    "api-schema",
    "api-docs",
    "api-redoc",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "portal:front",
    "sales:front",
    "console:front",
    "logout",
    # Public web-to-lead forms (routing.public); the bare /f/ is probed here, forms in their tests.
    "public-lead-form",
    # Offers' public landing pages and PDFs (routing.landing, campaigns.public); the bare /o/ and
    # /o/pdf/ are probed here, published pages in their tests.
    "public-offer-page",
    "public-offer-pdf",
    "public-offer-logo",
    "public-offer-file",
}


@dataclass(frozen=True)
class PageSpec:
    """A page under /<door>/<tenant>/. `objects` names extra URL arguments and how to get, for a
    tenant, an object of that tenant to put in the URL; `args` are URL arguments that name no
    tenant's row (a resource name); `method` is how the page is used."""

    method: str = "get"
    args: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    post_data: dict[str, Any] = field(default_factory=dict)
    # The model whose rows must not change when a write is refused.
    model: type[TenantOwned] | None = None
    # Object pages: the model of the URL's objects. A persona whose `visible_to()` excludes the
    # object must get 404 (as if it did not exist), the others 200.
    visible_model: type[TenantOwned] | None = None


def _token_of(world: Any, tenant: Tenant) -> ApiToken:
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    issue_api_token(
        tenant=tenant,
        user=world.users[persona],
        name=f"isolation-{persona}",
        acting=SystemActor("isolation suite"),
    )
    return ApiToken.all_tenants.filter(tenant=tenant).latest("id")


def _webhook_endpoint(world: Any, tenant: Tenant) -> WebhookEndpoint:
    """The tenant's webhook endpoint, made on first use; the other tenant's carries its mark."""
    existing = WebhookEndpoint.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    mark = "" if tenant == world.tenant else " zzbetaleak"
    return WebhookEndpoint.all_tenants.create(
        tenant=tenant,
        url=f"https://hooks.{tenant.slug}.example/in",
        description=f"Isolation hooks{mark}",
        events=["*"],
    )


def _webhook_delivery(world: Any, tenant: Tenant) -> WebhookDelivery:
    """A failed delivery of the tenant (replayable), made on first use."""
    existing = WebhookDelivery.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    return WebhookDelivery.all_tenants.create(
        tenant=tenant,
        endpoint=_webhook_endpoint(world, tenant),
        event="contact.updated",
        payload={"event": "contact.updated", "tenant": tenant.slug, "data": {"id": 1}},
        status=WebhookDelivery.Status.FAILED,
        attempts=8,
        last_error="HTTP 500",
    )


def _both(getter: Callable[[Any, Any], Any]) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: {"a": [getter(w, w.tenant)], "b": [getter(w, w.other_tenant)]}


def _account_of(owner: str) -> Callable[[Any, Any], Any]:
    """For an account page: in our tenant the world's account of `owner` (some of the door's
    personas may see it, the others must get 404); in the other tenant, an account of its own."""

    def get(world: Any, tenant: Tenant) -> Account:
        if tenant == world.tenant:
            return world.customers[owner]
        return Account.all_tenants.filter(tenant=tenant).earliest("pk")

    return get


def _row_of(model: type[Any], owner: str, prefix: str) -> Callable[[Any, Any], Any]:
    """For a contact or opportunity page: in our tenant the world's row of `owner` (external id
    `<prefix>-<owner>`; some of the door's personas may see it, the others must get 404); in the
    other tenant, a row of its own."""

    def get(world: Any, tenant: Tenant) -> Any:
        if tenant == world.tenant:
            return model.all_tenants.get(tenant=tenant, external_id=f"{prefix}-{owner}")
        return model.all_tenants.filter(tenant=tenant).earliest("pk")

    return get


def _team_of(world: Any, tenant: Tenant) -> Team:
    return world.orgs["team"] if tenant == world.tenant else world.orgs["b_team"]


def _import_job(world: Any, tenant: Tenant) -> ImportJob:
    """An uploaded (not yet run) CSV import of the tenant; the other tenant's carries its mark."""
    existing = ImportJob.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    mark = "" if tenant == world.tenant else " zzbetaleak"
    return ImportJob.all_tenants.create(
        tenant=tenant,
        resource="accounts",
        filename=f"accounts{mark}.csv",
        content=f"external_id,name\nX-1,Imported{mark}\n",
        mapping={"external_id": "external_id", "name": "name"},
        errors=[{"row": 2, "column": "name", "message": f"example{mark}"}],
        created_by=world.users[persona],
    )


def _territory(world: Any, tenant: Tenant) -> Territory:
    """The tenant's territory (with one area), made on first use; the other tenant's carries its
    mark."""
    existing = Territory.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    mark = "" if tenant == world.tenant else " zzbetaleak"
    territory = Territory.all_tenants.create(tenant=tenant, code="alpine", name=f"Alpine{mark}")
    TerritoryArea.all_tenants.create(tenant=tenant, territory=territory, country="AT")
    return territory


def _authorization(world: Any, tenant: Tenant) -> PartnerAuthorization:
    """An authorization of the tenant's (first) partner for its territory."""
    existing = PartnerAuthorization.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    partner = world.partner if tenant == world.tenant else world.orgs["b_partner"]
    return PartnerAuthorization.all_tenants.create(
        tenant=tenant,
        partner=partner,
        territory=_territory(world, tenant),
        valid_from=datetime.date(2026, 1, 1),
    )


def _exception_of(persona: str) -> Callable[[Any, Any], Any]:
    """A pending exception requested by `persona` in our tenant (some of the door's personas may
    see it, the others must get 404); in the other tenant, one of its own."""

    def get(world: Any, tenant: Tenant) -> RuleException:
        ours = tenant == world.tenant
        existing = RuleException.all_tenants.filter(
            tenant=tenant, justification=f"isolation {persona}" if ours else "zzbetaleak"
        ).first()
        if existing is not None:
            return existing
        membership = Membership.all_tenants.get(
            tenant=tenant,
            user=world.users[persona if ours else "outsider_partner"],
        )
        account = (
            world.customers["partner" if membership.partner_id else "rep"]
            if ours
            else Account.all_tenants.filter(tenant=tenant).earliest("pk")
        )
        return RuleException.all_tenants.create(
            tenant=tenant,
            kind="work_account",
            account=account,
            requested_by=membership.user,
            partner=membership.partner,
            team=membership.team,
            justification=f"isolation {persona}" if ours else "zzbetaleak",
            ends_on=datetime.date.today() + datetime.timedelta(days=30),
        )

    return get


def _rulebook_draft(world: Any, tenant: Tenant) -> RulebookVersion:
    """A draft of the tenant's rulebook (just the default rule, so it publishes), made on first
    use; the other tenant's summary carries its mark."""
    from core.tenancy import tenant_scope
    from guardrails.services.versions import create_draft

    mark = "Isolation draft" if tenant == world.tenant else "Isolation draft zzbetaleak"
    existing = RulebookVersion.all_tenants.filter(tenant=tenant, summary=mark).first()
    if existing is not None:
        return existing
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    with tenant_scope(tenant):
        return create_draft(tenant, acting=world.membership(persona), summary=mark)


def _rulebook_rule(world: Any, tenant: Tenant) -> RouteRule:
    return RouteRule.all_tenants.get(version=_rulebook_draft(world, tenant), is_default=True)


def _rulebook_corridor(world: Any, tenant: Tenant) -> PricingCorridor:
    version = _rulebook_draft(world, tenant)
    existing = PricingCorridor.all_tenants.filter(version=version).first()
    if existing is not None:
        return existing
    return PricingCorridor.all_tenants.create(
        tenant=tenant,
        version=version,
        product_line=ProductLine.all_tenants.filter(tenant=tenant).earliest("pk"),
        route="direct",
        min_discount=0,
        max_discount=10,
    )


def _simulation(world: Any, tenant: Tenant) -> Simulation:
    """A finished simulation of the draft, with one moved account."""
    version = _rulebook_draft(world, tenant)
    existing = Simulation.all_tenants.filter(version=version).first()
    if existing is not None:
        return existing
    mark = "" if tenant == world.tenant else " zzbetaleak"
    simulation = Simulation.all_tenants.create(
        tenant=tenant,
        version=version,
        status="done",
        total=1,
        processed=1,
        summary={"accounts": 1, "moved_accounts": 1, "by_team": {f"Team{mark}": {}}},
    )
    SimulatedMove.all_tenants.create(
        tenant=tenant,
        simulation=simulation,
        account=Account.all_tenants.filter(tenant=tenant).earliest("pk"),
        from_outcome="direct",
        to_outcome="partner",
        to_rule=f"Isolation rule{mark}",
    )
    return simulation


def _lead_of(owner: str) -> Callable[[Any, Any], Lead]:
    """A routed lead with running SLA clocks: in our tenant assigned to `owner` ("partner": the
    first partner; "rep": the rep of team North, so others must get 404); in the other tenant,
    one of its own partner's."""

    def get(world: Any, tenant: Tenant) -> Lead:
        from routing.models import SlaTimer

        ours = tenant == world.tenant
        external_id = f"LEAD-{owner}" if ours else "LEAD-zzbetaleak"
        existing = Lead.all_tenants.filter(tenant=tenant, external_id=external_id).first()
        if existing is not None:
            return existing
        if not ours:
            assigned = {"route": "partner", "assigned_partner": world.orgs["b_partner"]}
        elif owner == "partner":
            assigned = {"route": "partner", "assigned_partner": world.partner}
        else:
            assigned = {
                "route": "direct",
                "assigned_team": world.orgs["team"],
                "assigned_user": world.users["rep"],
            }
        now = datetime.datetime.now(datetime.UTC)
        lead = Lead.all_tenants.create(
            tenant=tenant,
            external_id=external_id,
            source="api",
            first_name="Isolde",
            last_name="Lead" if ours else "Lead zzbetaleak",
            email=f"isolde.{owner}@example.com",
            status="routed",
            routing_attempts=1,
            assigned_at=now,
            processed_at=now,
            **assigned,
        )
        for kind, minutes in (("accept", 60), ("first_touch", 240)):
            due = now + datetime.timedelta(minutes=minutes)
            SlaTimer.all_tenants.create(
                tenant=tenant,
                lead=lead,
                kind=kind,
                assignment=1,
                started_at=now,
                due_at=due,
                next_action_at=due,
            )
        return lead

    return get


def _duplicate_pair(world: Any, tenant: Tenant) -> DuplicateCandidate:
    """A pending pair of two new leads of the tenant, made on first use."""
    mark = "" if tenant == world.tenant else " zzbetaleak"
    existing = DuplicateCandidate.all_tenants.filter(
        tenant=tenant, lead__last_name=f"Pair{mark}"
    ).first()
    if existing is not None:
        return existing
    first, second = (
        Lead.all_tenants.create(
            tenant=tenant, source="api", first_name=name, last_name=f"Pair{mark}"
        )
        for name in ("Jon", "John")
    )
    return DuplicateCandidate.all_tenants.create(
        tenant=tenant, lead=second, other_lead=first, score=7.5, reasons=["similar name"]
    )


def _lead_merge(world: Any, tenant: Tenant) -> LeadMerge:
    """A merge of the tenant (of two leads that were never routed), made on first use."""
    mark = "" if tenant == world.tenant else " zzbetaleak"
    existing = LeadMerge.all_tenants.filter(
        tenant=tenant, survivor__last_name=f"Merge{mark}"
    ).first()
    if existing is not None:
        return existing
    survivor, merged = (
        Lead.all_tenants.create(
            tenant=tenant, source="api", first_name=name, last_name=f"Merge{mark}"
        )
        for name in ("Ada", "Adda")
    )
    Lead.all_tenants.filter(pk=merged.pk).update(status="merged", duplicate_of=survivor)
    return LeadMerge.all_tenants.create(
        tenant=tenant,
        survivor=survivor,
        merged=merged,
        before={"survivor": {}, "merged": {"status": "new"}},
    )


def _direct_membership(world: Any, tenant: Tenant) -> Membership:
    if tenant == world.tenant:
        return Membership.all_tenants.get(tenant=tenant, user=world.users["rep"])
    return Membership.all_tenants.filter(tenant=tenant, role="direct_rep").earliest("pk")


def _partner_of(world: Any, tenant: Tenant) -> Partner:
    return world.partner if tenant == world.tenant else world.orgs["b_partner"]


def _reallocation_line(world: Any, tenant: Tenant) -> ReallocationLine:
    """A proposed MDF reallocation line of the tenant (its first partner to itself will do: the
    pages' access is what is probed), made on first use."""
    existing = ReallocationLine.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    partner = _partner_of(world, tenant)
    made = Reallocation.all_tenants.create(tenant=tenant, quarter_start=datetime.date(2026, 10, 1))
    return ReallocationLine.all_tenants.create(
        tenant=tenant,
        reallocation=made,
        from_partner=partner,
        to_partner=partner,
        proposed_amount=100,
        reason="Isolation probe",
    )


def _reallocation(world: Any, tenant: Tenant) -> Reallocation:
    return _reallocation_line(world, tenant).reallocation


def _direct_user(world: Any, tenant: Tenant) -> Any:
    """A direct rep of the tenant: the URL of a rep's scorecard names the user."""
    return _direct_membership(world, tenant).user


def _exchange_rate(world: Any, tenant: Tenant) -> ExchangeRate:
    """An exchange rate of the tenant, made on first use."""
    existing = ExchangeRate.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    return ExchangeRate.all_tenants.create(
        tenant=tenant, currency="USD", valid_from=datetime.date(2026, 1, 1), rate="0.9"
    )


def _overlap_flag(world: Any, tenant: Tenant) -> OverlapFlag:
    """An overlap flag of the tenant (direct sales and the first partner), made on first use."""
    existing = OverlapFlag.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    mark = "zzfirstpartner" if tenant == world.tenant else "zzbetaleak"
    campaign = Campaign.all_tenants.create(
        tenant=tenant,
        name=f"Overlap campaign {mark}",
        kind="abm",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    when = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    flag = OverlapFlag.all_tenants.create(
        tenant=tenant,
        campaign=campaign,
        account=Account.all_tenants.filter(tenant=tenant).earliest("pk"),
        kind="routes",
        first_seen_at=when,
        last_touch_at=when,
    )
    OverlapParty.all_tenants.create(
        tenant=tenant,
        flag=flag,
        route="partner",
        partner=world.partner if tenant == world.tenant else None,
        first_touch_at=when,
        last_touch_at=when,
        last_subject=f"Quote {mark}",
    )
    return flag


def _tier_requirement(world: Any, tenant: Tenant) -> TierRequirement:
    """A tier requirement of the tenant, made on first use."""
    existing = TierRequirement.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    return TierRequirement.all_tenants.create(
        tenant=tenant, tier="gold", metric="sourced_pipeline", minimum=100000
    )


def _lead_form(world: Any, tenant: Tenant) -> LeadForm:
    mark = "" if tenant == world.tenant else " zzbetaleak"
    existing = LeadForm.all_tenants.filter(tenant=tenant, name=f"Isolation form{mark}").first()
    if existing is not None:
        return existing
    return LeadForm.all_tenants.create(tenant=tenant, name=f"Isolation form{mark}")


def _dealreg_of(persona: str) -> Callable[[Any, Any], Any]:
    """The registration `persona` filed in our tenant (`_dealreg_rows`); in the other tenant, its
    own one."""

    def get(world: Any, tenant: Tenant) -> DealRegistration:
        rows = _dealreg_rows(world)["dealregistration"]
        if tenant != world.tenant:
            return rows["b"][0]
        return next(r for r in rows["a"] if r.external_id == f"DR-{persona}")

    return get


def _dealreg_draft_of(persona: str) -> Callable[[Any, Any], Any]:
    """`persona`'s registration (`_dealreg_of`), made a draft so that its edit page opens."""

    def get(world: Any, tenant: Tenant) -> DealRegistration:
        registration = _dealreg_of(persona)(world, tenant)
        if registration.state != "draft":
            DealRegistration.all_tenants.filter(pk=registration.pk).update(state="draft")
            registration.refresh_from_db()
        return registration

    return get


def _evidence_of(persona: str) -> Callable[[Any, Any], Any]:
    """An evidence file on `persona`'s registration (`_dealreg_of`), made on first use."""

    def get(world: Any, tenant: Tenant) -> EvidenceFile:
        registration = _dealreg_of(persona)(world, tenant)
        existing = EvidenceFile.all_tenants.filter(registration=registration).first()
        if existing is not None:
            return existing
        return EvidenceFile.all_tenants.create(
            tenant=tenant,
            registration=registration,
            file=ContentFile(b"%PDF-1.4 isolation", name="evidence"),
            filename="quote.pdf",
            content_type="application/pdf",
            size=18,
        )

    return get


def _campaign_row(basename: str, key: str) -> Callable[[Any, Any], Any]:
    """For a campaigns page: our tenant's offer or campaign with external id `key` (some of the
    door's personas may see it, the others must get 404); the other tenant's own row."""

    def get(world: Any, tenant: Tenant) -> Any:
        rows = _campaign_rows(world)[basename]
        if tenant != world.tenant:
            return rows["b"][0]
        return next(r for r in rows["a"] if r.external_id == key)

    return get


def _offer_asset(key: str) -> Callable[[Any, Any], Any]:
    """A document of the offer `key` (`_campaign_row`), made on first use (and again after the
    console's delete page removed it)."""

    def get(world: Any, tenant: Tenant) -> OfferAsset:
        offer = _campaign_row("offer", key)(world, tenant)
        existing = OfferAsset.all_tenants.filter(offer=offer).order_by("pk").first()
        if existing is not None:
            return existing
        return OfferAsset.all_tenants.create(
            tenant=tenant,
            offer=offer,
            kind="document",
            title="Brochure",
            file=ContentFile(b"%PDF-1.4 isolation", name="asset"),
            filename="brochure.pdf",
            content_type="application/pdf",
            size=18,
        )

    return get


def _publication(world: Any, tenant: Tenant) -> OfferPublication:
    """The first partner's co-branded page of the Gold kit (the rival may not see it); the other
    tenant's partner's page of its own offer. Made live on first use."""
    offer = _campaign_row("offer", "OFF-gold")(world, tenant)
    partner = world.partner if tenant == world.tenant else world.orgs["b_partner"]
    row, _ = OfferPublication.all_tenants.get_or_create(tenant=tenant, offer=offer, partner=partner)
    return row


def _profile_with_logo(world: Any, tenant: Tenant) -> CoBrandProfile:
    """The first partner's co-branding profile (the other tenant's partner's), with a logo. Its
    bytes are text (a GIF's header only), since the suite reads every page as text."""
    profile = _campaign_rows(world)["cobrandprofile"]["a" if tenant == world.tenant else "b"][0]
    if not profile.logo:
        profile.logo.save("logo", ContentFile(b"GIF89a isolation"), save=False)
        CoBrandProfile.all_tenants.filter(pk=profile.pk).update(
            logo=profile.logo.name, logo_content_type="image/gif"
        )
    return profile


def _mdf_request(world: Any, tenant: Tenant) -> FundRequest:
    """The first partner's approved fund request with a submitted claim and its proof (the
    other tenant's partner's own), made once per world through the services. Its claim is
    submitted, so the portal's actions on it are refused with a message (302) and change
    nothing, whoever asks first."""
    made = world.__dict__.setdefault("mdf_requests", {})
    if tenant.pk in made:
        return made[tenant.pk]
    from mdf.tests.factories import claim_in, fund, request_in

    partner = world.partner if tenant == world.tenant else world.orgs["b_partner"]
    mark = "" if tenant == world.tenant else " zzbetaleak"
    fund(tenant, partner, 5_000)
    row = request_in(tenant, partner, "approved", amount=1_000, title=f"Isolation event{mark}")
    claim_in(row, "submitted")
    made[tenant.pk] = row
    return row


def _mdf_proof(world: Any, tenant: Tenant) -> ProofFile:
    """The invoice (a PDF: the suite reads every page as text) of `_mdf_request`'s claim."""
    row = _mdf_request(world, tenant)
    return ProofFile.all_tenants.get(claim__request=row, proof_type="invoice")


DOORS = ("console", "portal", "sales")

CUSTOMER_PAGES = (
    "accounts",
    "accounts-export",
    "contacts",
    "contacts-export",
    "opportunities",
    "opportunities-export",
)

# Guardrails pages of the sales and portal doors.
PEOPLE_PAGES = ("engagement", "exceptions", "exception-new")

DOOR_PAGES: dict[str, PageSpec] = {
    "portal:home": PageSpec(),
    "sales:home": PageSpec(),
    "console:home": PageSpec(),
    "console:audit-log": PageSpec(),
    "console:partners": PageSpec(),
    "console:teams": PageSpec(),
    "console:partner": PageSpec(objects={"pk": _partner_of}),
    "console:team": PageSpec(objects={"pk": _team_of}),
    "console:users": PageSpec(),
    "console:api-tokens": PageSpec(),
    "console:api-token-revoke": PageSpec(
        method="post", objects={"token_id": _token_of}, model=ApiToken
    ),
    "console:webhooks": PageSpec(),
    "console:webhook-deliveries": PageSpec(),
    "console:webhook-toggle": PageSpec(
        method="post", objects={"endpoint_id": _webhook_endpoint}, model=WebhookEndpoint
    ),
    "console:webhook-delete": PageSpec(
        method="post", objects={"endpoint_id": _webhook_endpoint}, model=WebhookEndpoint
    ),
    "console:webhook-delivery-replay": PageSpec(
        method="post", objects={"delivery_id": _webhook_delivery}, model=WebhookDelivery
    ),
    "console:imports": PageSpec(),
    "console:import-template": PageSpec(args={"resource": "accounts"}),
    "console:import": PageSpec(objects={"job_id": _import_job}),
    "console:import-progress": PageSpec(objects={"job_id": _import_job}),
    "console:import-errors": PageSpec(objects={"job_id": _import_job}),
    "console:import-discard": PageSpec(
        method="post", objects={"job_id": _import_job}, model=ImportJob
    ),
    # Customer pages (accounts, pipeline): the same views in every door.
    **{
        f"{door}:{page}": PageSpec()
        for door in ("portal", "sales", "console")
        for page in CUSTOMER_PAGES
    },
    "portal:account": PageSpec(objects={"pk": _account_of("partner")}, visible_model=Account),
    "sales:account": PageSpec(objects={"pk": _account_of("rep")}, visible_model=Account),
    "console:account": PageSpec(objects={"pk": _account_of("other_team")}, visible_model=Account),
    # Contact and opportunity pages: another partner's or team's row is a 404.
    "portal:contact": PageSpec(
        objects={"pk": _row_of(Contact, "partner", "CON")}, visible_model=Contact
    ),
    "sales:contact": PageSpec(
        objects={"pk": _row_of(Contact, "rep", "CON")}, visible_model=Contact
    ),
    "console:contact": PageSpec(
        objects={"pk": _row_of(Contact, "other_team", "CON")}, visible_model=Contact
    ),
    "portal:opportunity": PageSpec(
        objects={"pk": _row_of(Opportunity, "partner", "OPP")}, visible_model=Opportunity
    ),
    "sales:opportunity": PageSpec(
        objects={"pk": _row_of(Opportunity, "rep", "OPP")}, visible_model=Opportunity
    ),
    "console:opportunity": PageSpec(
        objects={"pk": _row_of(Opportunity, "other_partner", "OPP")}, visible_model=Opportunity
    ),
    # Guardrails: the rulebook editor, simulations and explain (console).
    "console:rulebook": PageSpec(),
    "console:rulebook-settings": PageSpec(
        method="post", post_data={"exception_review_hours": "24"}, model=Rulebook
    ),
    "console:rulebook-new-draft": PageSpec(method="post", model=RulebookVersion),
    "console:rulebook-version": PageSpec(objects={"version_id": _rulebook_draft}),
    "console:rulebook-version-copy": PageSpec(
        method="post", objects={"version_id": _rulebook_draft}, model=RulebookVersion
    ),
    "console:rulebook-version-summary": PageSpec(
        method="post",
        objects={"version_id": _rulebook_draft},
        post_data={"summary": "Changed"},
        model=RulebookVersion,
    ),
    "console:rulebook-version-delete": PageSpec(
        method="post", objects={"version_id": _rulebook_draft}, model=RulebookVersion
    ),
    "console:rulebook-version-diff": PageSpec(objects={"version_id": _rulebook_draft}),
    "console:rulebook-version-publish": PageSpec(
        method="post", objects={"version_id": _rulebook_draft}, model=RulebookVersion
    ),
    "console:rulebook-version-simulate": PageSpec(
        method="post", objects={"version_id": _rulebook_draft}, model=Simulation
    ),
    "console:rulebook-rule-new": PageSpec(objects={"version_id": _rulebook_draft}),
    "console:rulebook-rule": PageSpec(objects={"rule_id": _rulebook_rule}),
    "console:rulebook-rule-delete": PageSpec(
        method="post", objects={"rule_id": _rulebook_rule}, model=RouteRule
    ),
    "console:rulebook-rule-move": PageSpec(
        method="post",
        objects={"rule_id": _rulebook_rule},
        post_data={"direction": "down"},
        model=RouteRule,
    ),
    "console:rulebook-corridor-new": PageSpec(objects={"version_id": _rulebook_draft}),
    "console:rulebook-corridor": PageSpec(objects={"corridor_id": _rulebook_corridor}),
    "console:rulebook-corridor-delete": PageSpec(
        method="post", objects={"corridor_id": _rulebook_corridor}, model=PricingCorridor
    ),
    "console:rulebook-criteria": PageSpec(objects={"version_id": _rulebook_draft}),
    "console:rulebook-simulation": PageSpec(objects={"simulation_id": _simulation}),
    "console:rulebook-simulation-progress": PageSpec(objects={"simulation_id": _simulation}),
    "console:rulebook-simulation-export": PageSpec(objects={"simulation_id": _simulation}),
    "console:explain": PageSpec(),
    # Guardrails: territories, authorizations and exceptions (console); rules of engagement and
    # exception requests (sales, portal).
    "console:territories": PageSpec(),
    "console:territory-new": PageSpec(),
    "console:territory": PageSpec(objects={"pk": _territory}),
    "console:territory-archive": PageSpec(
        method="post", objects={"pk": _territory}, model=Territory
    ),
    "console:territory-restore": PageSpec(
        method="post", objects={"pk": _territory}, model=Territory
    ),
    "console:authorizations": PageSpec(),
    "console:authorization-new": PageSpec(),
    "console:authorization": PageSpec(objects={"pk": _authorization}),
    "console:authorization-delete": PageSpec(
        method="post", objects={"pk": _authorization}, model=PartnerAuthorization
    ),
    "console:exceptions": PageSpec(),
    # Deal registration: the console's review queue, review page and decision; the registrant's
    # list, registration page, withdraw and extension request (sales, portal). An empty POST is
    # refused with a message (302 back to the page), changing nothing.
    "console:dealreg-review": PageSpec(),
    "console:dealreg": PageSpec(
        objects={"pk": _dealreg_of("partner_rep")}, visible_model=DealRegistration
    ),
    "console:dealreg-decide": PageSpec(
        method="post",
        objects={"pk": _dealreg_of("partner_rep")},
        model=DealRegistration,
        visible_model=DealRegistration,
    ),
    # Adjudication (console): the queue, one end customer's claims (the URL names the customer)
    # and the decision on them (an empty POST is refused with a message, 302 back), precedents.
    "console:dealreg-conflicts": PageSpec(),
    "console:dealreg-conflict": PageSpec(
        objects={"pk": _account_of("partner")}, visible_model=Account
    ),
    "console:dealreg-adjudicate": PageSpec(
        method="post",
        objects={"pk": _account_of("partner")},
        model=DealRegistration,
        visible_model=Account,
    ),
    "console:dealreg-precedents": PageSpec(),
    # The console's conflict-rate report, its CSV and the settings page (GET; it also takes a
    # POST of the whole form, tested in dealreg/tests/test_console_pages.py).
    "console:dealreg-conflict-rate": PageSpec(),
    "console:dealreg-conflict-rate-export": PageSpec(),
    "console:dealreg-settings": PageSpec(),
    # MDF return (table and CSV) and reallocation (console, RevOps only): an empty POST is
    # refused with a message (302 back); a line of another tenant is a 404.
    "console:mdf-roi": PageSpec(),
    "console:mdf-roi-export": PageSpec(),
    "console:mdf-reallocations": PageSpec(),
    "console:mdf-reallocation-recommend": PageSpec(method="post", model=Reallocation),
    "console:mdf-reallocation": PageSpec(objects={"pk": _reallocation}, visible_model=Reallocation),
    "console:mdf-reallocation-line-accept": PageSpec(
        method="post",
        objects={"pk": _reallocation_line},
        model=ReallocationLine,
        visible_model=ReallocationLine,
    ),
    "console:mdf-reallocation-line-reject": PageSpec(
        method="post",
        objects={"pk": _reallocation_line},
        model=ReallocationLine,
        visible_model=ReallocationLine,
    ),
    **{f"{door}:dealregs": PageSpec() for door in ("sales", "portal")},
    **{
        f"{door}:{page}": PageSpec(
            method=method,
            objects={"pk": _dealreg_of(persona)},
            model=DealRegistration if method == "post" else None,
            visible_model=DealRegistration,
        )
        for door, persona in (("sales", "rep"), ("portal", "partner_rep"))
        for page, method in (
            ("dealreg", "get"),
            ("dealreg-withdraw", "post"),
            ("dealreg-extension", "post"),
        )
    },
    **{
        f"{door}:{page}": PageSpec()
        for door in ("sales", "portal")
        for page in ("dealreg-new", "dealreg-check")
    },
    **{
        f"{door}:dealreg-edit": PageSpec(
            objects={"pk": _dealreg_draft_of(persona)}, visible_model=DealRegistration
        )
        for door, persona in (("sales", "rep"), ("portal", "partner_rep"))
    },
    # Evidence downloads: through a registration the viewer may see, else 404.
    **{
        f"{door}:dealreg-file": PageSpec(
            objects={"pk": _dealreg_of(persona), "file_id": _evidence_of(persona)},
            visible_model=DealRegistration,
        )
        for door, persona in (
            ("console", "partner_rep"),
            ("sales", "rep"),
            ("portal", "partner_rep"),
        )
    },
    "sales:dealreg-decide": PageSpec(
        method="post",
        objects={"pk": _dealreg_of("rep")},
        model=DealRegistration,
        visible_model=DealRegistration,
    ),
    # Campaigns: offers and campaigns in every door, each door's rows its own (the portal's
    # campaign is the first partner's by name, so the rival gets 404); publishing and
    # unpublishing (the first partner's page: the rival gets 404; an empty POST or a refusal is a
    # message, 302 back); the console's forms, assets and partners' co-branding; the portal's
    # own co-branding and logo (the rival's is never shown).
    **{f"{door}:{page}": PageSpec() for door in DOORS for page in ("offers", "campaigns")},
    "console:offer": PageSpec(
        objects={"pk": _campaign_row("offer", "OFF-platinum")}, visible_model=Offer
    ),
    "portal:offer": PageSpec(
        objects={"pk": _campaign_row("offer", "OFF-gold")}, visible_model=Offer
    ),
    "sales:offer": PageSpec(
        objects={"pk": _campaign_row("offer", "OFF-direct")}, visible_model=Offer
    ),
    **{
        f"{door}:offer-asset": PageSpec(
            objects={
                "pk": _campaign_row("offer", "OFF-shared"),
                "asset_id": _offer_asset("OFF-shared"),
            },
            visible_model=Offer,
        )
        for door in DOORS
    },
    "console:campaign": PageSpec(
        objects={"pk": _campaign_row("campaign", "CAM-draft")}, visible_model=Campaign
    ),
    "portal:campaign": PageSpec(
        objects={"pk": _campaign_row("campaign", "CAM-named")}, visible_model=Campaign
    ),
    "sales:campaign": PageSpec(
        objects={"pk": _campaign_row("campaign", "CAM-direct")}, visible_model=Campaign
    ),
    **{
        f"{door}:offer-publish": PageSpec(
            method="post",
            objects={"pk": _campaign_row("offer", "OFF-shared")},
            model=OfferPublication if door == "portal" else None,
            visible_model=Offer,
        )
        for door in ("console", "portal")
    },
    **{
        f"{door}:publication-unpublish": PageSpec(
            method="post",
            objects={"pk": _publication},
            visible_model=OfferPublication,
        )
        for door in ("console", "portal")
    },
    **{
        f"{door}:cobrand-logo": PageSpec(
            objects={"pk": _profile_with_logo}, visible_model=CoBrandProfile
        )
        for door in ("console", "portal")
    },
    "console:offer-new": PageSpec(),
    "console:offer-edit": PageSpec(
        objects={"pk": _campaign_row("offer", "OFF-draft")}, visible_model=Offer
    ),
    "console:offer-asset-add": PageSpec(
        method="post",
        objects={"pk": _campaign_row("offer", "OFF-draft")},
        model=OfferAsset,
        visible_model=Offer,
    ),
    "console:offer-asset-delete": PageSpec(
        method="post",
        objects={
            "pk": _campaign_row("offer", "OFF-shared"),
            "asset_id": _offer_asset("OFF-shared"),
        },
        visible_model=Offer,
    ),
    "console:campaign-new": PageSpec(),
    "console:campaign-edit": PageSpec(
        objects={"pk": _campaign_row("campaign", "CAM-named")}, visible_model=Campaign
    ),
    "console:cobrand-profiles": PageSpec(),
    "portal:cobrand": PageSpec(),
    "console:exception": PageSpec(objects={"pk": _exception_of("partner_rep")}),
    **{f"{door}:{page}": PageSpec() for door in ("sales", "portal") for page in PEOPLE_PAGES},
    "sales:exception-withdraw": PageSpec(
        method="post",
        objects={"pk": _exception_of("rep")},
        model=RuleException,
        visible_model=RuleException,
    ),
    "portal:exception-withdraw": PageSpec(
        method="post",
        objects={"pk": _exception_of("partner_rep")},
        model=RuleException,
        visible_model=RuleException,
    ),
    # Lead ops (routing): the inbox and lead pages (sales, portal), the partner's submissions,
    # notifications (every door), and the console's queue, SLA monitor, duplicates and settings.
    **{f"{door}:leads": PageSpec() for door in ("sales", "portal")},
    **{f"{door}:notifications": PageSpec() for door in ("sales", "portal", "console")},
    **{
        f"{door}:notifications-read": PageSpec(method="post", model=Notification)
        for door in ("sales", "portal", "console")
    },
    **{
        f"{door}:notifications-preference": PageSpec(
            method="post", post_data={"email": "daily"}, model=NotificationPreference
        )
        for door in ("sales", "portal", "console")
    },
    **{
        f"{door}:{page}": PageSpec(
            method="post",
            objects={"pk": _lead_of(owner)},
            post_data=data,
            model=Lead,
            visible_model=Lead,
        )
        for door, owner in (("sales", "rep"), ("portal", "partner"))
        for page, data in (
            ("lead-accept", {}),
            ("lead-reject", {}),  # a decline moves the lead away; the form refuses this one
            ("lead-touch", {"channel": "call", "subject": "Intro call"}),
        )
    },
    "sales:lead": PageSpec(objects={"pk": _lead_of("rep")}, visible_model=Lead),
    "portal:lead": PageSpec(objects={"pk": _lead_of("partner")}, visible_model=Lead),
    "portal:lead-submissions": PageSpec(),
    "portal:lead-submit": PageSpec(),
    "console:leads": PageSpec(),
    "console:lead": PageSpec(objects={"pk": _lead_of("partner")}),
    "console:lead-reassign": PageSpec(method="post", objects={"pk": _lead_of("rep")}, model=Lead),
    "console:sla-monitor": PageSpec(),
    "console:duplicates": PageSpec(),
    "console:duplicate-merge": PageSpec(
        method="post", objects={"pk": _duplicate_pair}, model=DuplicateCandidate
    ),
    "console:duplicate-distinct": PageSpec(
        method="post", objects={"pk": _duplicate_pair}, model=DuplicateCandidate
    ),
    "console:merge-undo": PageSpec(method="post", objects={"pk": _lead_merge}, model=LeadMerge),
    "console:lead-ops": PageSpec(),
    "console:lead-ops-sla": PageSpec(),
    "console:lead-ops-calendar": PageSpec(),
    "console:assignees": PageSpec(),
    "console:assignee-rep": PageSpec(objects={"pk": _direct_membership}),
    "console:assignee-partner": PageSpec(objects={"pk": _partner_of}),
    "console:enrichment": PageSpec(),
    "console:lead-forms": PageSpec(),
    "console:lead-form-new": PageSpec(),
    "console:lead-form": PageSpec(objects={"pk": _lead_form}),
    "console:dedupe-weights": PageSpec(),
    # Scorecards: the console's dashboard, any scope's scorecard, settings (every write takes a
    # valid form: 302), and the portal's and sales door's own scorecard. The rows behind a number,
    # every table's CSV and the definitions in every door (each viewer's own scope by default; a
    # scope the viewer may not read is 404, tested in scorecards/tests/test_pages.py).
    "console:scorecards": PageSpec(),
    "console:scorecard-partner": PageSpec(objects={"pk": _partner_of}, visible_model=Partner),
    "console:scorecard-team": PageSpec(objects={"pk": _team_of}),
    "console:scorecard-user": PageSpec(objects={"pk": _direct_user}),
    "console:scorecard-route": PageSpec(args={"route": "direct"}),
    "console:scorecard-settings": PageSpec(
        method="post",
        post_data={"lookback_days": "60", "half_life_days": "7", "default_model": "linear"},
        model=ScorecardSettings,
    ),
    "console:scorecard-rate-add": PageSpec(
        method="post",
        post_data={"currency": "GBP", "valid_from": "2026-01-01", "rate": "1.17"},
        model=ExchangeRate,
    ),
    "console:scorecard-rate-remove": PageSpec(
        method="post", objects={"pk": _exchange_rate}, model=ExchangeRate
    ),
    "console:scorecard-tier-add": PageSpec(
        method="post",
        post_data={"tier": "silver", "metric": "won_revenue", "minimum": "1000"},
        model=TierRequirement,
    ),
    "console:scorecard-tier-remove": PageSpec(
        method="post", objects={"pk": _tier_requirement}, model=TierRequirement
    ),
    "console:scorecard-rebuild": PageSpec(method="post"),
    "console:overlap": PageSpec(),
    "console:overlap-export": PageSpec(),
    "console:overlap-settle": PageSpec(
        method="post",
        objects={"pk": _overlap_flag},
        post_data={"decision": "Partner keeps it"},
        model=OverlapFlag,
    ),
    **{f"{door}:scorecard": PageSpec() for door in ("sales", "portal")},
    **{
        f"{door}:{page}": PageSpec(args=args)
        for door in ("console", "sales", "portal")
        for page, args in (
            ("scorecard-drilldown", {"key": "sourced_pipeline"}),
            ("scorecard-drilldown-export", {"key": "influenced_pipeline"}),
            ("scorecard-export", {"table": "scorecard"}),
            ("scorecard-definitions", {}),
        )
    },
    # Offer conversion: every door, each viewer's own party's rows (scorecards.conversion).
    **{
        f"{door}:{page}": PageSpec()
        for door in ("console", "sales", "portal")
        for page in ("conversion", "conversion-export")
    },
    # Learning needs MIN_RECORDS people; the world has fewer, so this says so and stores nothing.
    "console:dedupe-learn": PageSpec(method="post", model=DedupeWeights),
    # MDF: the portal's own funds, requests and claims (the first partner's request: the rival
    # gets 404, as for its proof); the console's queues, a request's page, proof, ledger,
    # budgets and settings (decisions and forms POST to their own page, tested in
    # mdf/tests/test_pages.py); the sales door's partner activity.
    **{f"portal:{page}": PageSpec() for page in ("mdf", "mdf-requests", "mdf-request-new")},
    **{
        f"portal:{page}": PageSpec(objects={"pk": _mdf_request}, visible_model=FundRequest)
        for page in ("mdf-request", "mdf-request-edit", "mdf-claim")
    },
    **{
        f"portal:{page}": PageSpec(
            method="post",
            objects={"pk": _mdf_request},
            model=FundRequest,
            visible_model=FundRequest,
        )
        for page in ("mdf-request-submit", "mdf-request-withdraw")
    },
    **{
        f"{door}:mdf-proof": PageSpec(
            objects={"pk": _mdf_request, "proof_id": _mdf_proof}, visible_model=FundRequest
        )
        for door in ("console", "portal")
    },
    "portal:mdf-proof-remove": PageSpec(
        method="post",
        objects={"pk": _mdf_request, "proof_id": _mdf_proof},
        model=ProofFile,
        visible_model=FundRequest,
    ),
    "console:mdf-request": PageSpec(objects={"pk": _mdf_request}, visible_model=FundRequest),
    **{
        f"console:{page}": PageSpec()
        for page in ("mdf-approvals", "mdf-payments", "mdf-ledger", "mdf-budgets", "mdf-settings")
    },
    "sales:mdf-activity": PageSpec(),
}


# --- the governance review's pages (scorecards/views/review*.py) ------------------------------


def _review_parties(tenant: Tenant) -> tuple[list[tuple[int, str, str]], list[tuple[int, str]]]:
    partners = [(p.pk, p.name, p.tier) for p in Partner.all_tenants.filter(tenant=tenant)]
    teams = [(t.pk, t.name) for t in Team.all_tenants.filter(tenant=tenant)]
    return partners, teams


def _governance_review(world: Any, tenant: Tenant) -> GovernanceReview:
    """A signed-off review of the tenant naming every partner and team (each partner's extract
    must show none of the others), with a frozen decision concerning each; made on first use."""
    existing = GovernanceReview.all_tenants.filter(tenant=tenant, status="signed_off").first()
    if existing is not None:
        return existing
    partners, teams = _review_parties(tenant)
    decisions = [
        {
            "id": 9000 + n,
            "kind": "general",
            "kind_label": "General",
            "title": f"About {name}",
            "detail": "",
            "owner": "RevOps",
            "owner_id": None,
            "due_on": "2026-12-01",
            "partner_id": pid,
            "partner": name,
            "team_id": None,
            "team": "",
            "status": "open",
            "status_label": "Open",
            "outcome": "",
            "applied": False,
            "carried_from": "",
        }
        for n, (pid, name, _) in enumerate(partners)
    ]
    return GovernanceReview.all_tenants.create(
        tenant=tenant,
        quarter_start=datetime.date(2026, 7, 1),
        status="signed_off",
        data=review_data(partners=partners, teams=teams, items=3),
        job_status="done",
        prepared_at=datetime.datetime(2026, 10, 2, tzinfo=datetime.UTC),
        signed_off_at=datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC),
        decisions_at_sign_off=decisions,
    )


def _open_review(world: Any, tenant: Tenant) -> GovernanceReview:
    """An open, prepared review of the tenant (the quarter after the signed-off one)."""
    existing = GovernanceReview.all_tenants.filter(tenant=tenant, status="open").first()
    if existing is not None:
        return existing
    partners, teams = _review_parties(tenant)
    return GovernanceReview.all_tenants.create(
        tenant=tenant,
        quarter_start=datetime.date(2026, 10, 1),
        data=review_data(partners=partners, teams=teams, items=3),
        job_status="done",
        prepared_at=datetime.datetime(2027, 1, 2, tzinfo=datetime.UTC),
    )


def _review_decision(world: Any, tenant: Tenant) -> ReviewDecision:
    """A general decision in the tenant's open review, owned by its RevOps admin."""
    existing = ReviewDecision.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    admin = Membership.all_tenants.filter(tenant=tenant, role="revops_admin").earliest("pk")
    return ReviewDecision.all_tenants.create(
        tenant=tenant,
        review=_open_review(world, tenant),
        title="Isolation probe decision",
        owner=admin,
        due_on=datetime.date(2026, 12, 1),
    )


DOOR_PAGES.update(
    {
        # Console: the reviews list and opening a quarter's review, the workspace and its
        # progress, exports and extracts (RevOps only: the console admits no one else), the
        # preparation, sign-off and the decision forms (POST: 302 with the outcome as a message).
        "console:governance-reviews": PageSpec(),
        "console:governance-review-open": PageSpec(
            method="post", post_data={"quarter": "2026-Q2"}, model=GovernanceReview
        ),
        **{
            f"console:{page}": PageSpec(
                objects={"pk": _governance_review}, visible_model=GovernanceReview
            )
            for page in (
                "governance-review",
                "governance-review-progress",
                "governance-review-export",
                "governance-review-pdf",
            )
        },
        "console:governance-review-extract": PageSpec(
            args={"kind": "partner"},
            objects={"pk": _governance_review, "party": _partner_of},
            visible_model=GovernanceReview,
        ),
        "console:governance-review-prepare": PageSpec(
            method="post", objects={"pk": _open_review}, model=GovernanceReview
        ),
        "console:governance-review-sign-off": PageSpec(
            method="post", objects={"pk": _open_review}, model=GovernanceReview
        ),
        "console:governance-decision-new": PageSpec(
            objects={"pk": _open_review}, visible_model=GovernanceReview
        ),
        "console:governance-decision-edit": PageSpec(
            objects={"pk": _review_decision}, visible_model=ReviewDecision
        ),
        **{
            f"console:{page}": PageSpec(
                method="post", objects={"pk": _review_decision}, model=ReviewDecision
            )
            for page in ("governance-decision-apply", "governance-decision-delete")
        },
        # Portal (partner admins) and sales (direct managers): signed-off reviews, each as the
        # viewer's own extract; reps see none (404).
        **{f"{door}:governance-reviews": PageSpec() for door in ("portal", "sales")},
        **{
            f"{door}:{page}": PageSpec(
                objects={"pk": _governance_review}, visible_model=GovernanceReview
            )
            for door in ("portal", "sales")
            for page in ("governance-review", "governance-review-pdf")
        },
        # Every door: the viewer's own decisions, and closing one (its owner or an admin).
        **{f"{door}:governance-decisions": PageSpec() for door in ("console", "portal", "sales")},
        **{
            f"{door}:governance-decision-close": PageSpec(
                method="post",
                objects={"pk": _review_decision},
                post_data={"status": "done", "outcome": "Probe"},
                model=ReviewDecision,
                visible_model=ReviewDecision,
            )
            for door in ("console", "portal", "sales")
        },
    }
)


@dataclass(frozen=True)
class ApiResource:
    """A router-registered viewset. `objects(world)` gives {"a": [...], "b": [...]}: rows of the
    persona's tenant and of the other tenant. `create(world)` and `update(world)` are valid bodies
    for a writer; `field_values` gives, per role-restricted field (the viewset's `field_roles`), a
    value to try to set it to."""

    model: type[TenantOwned]
    objects: Callable[[Any], dict[str, list[Any]]] | None = None
    create: Callable[[Any], dict[str, Any]] | None = None
    update: Callable[[Any], dict[str, Any]] | None = None
    field_values: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def rows(self, world: Any) -> dict[str, list[Any]]:
        if self.objects is not None:
            return self.objects(world)
        every = self.model.all_tenants.order_by("pk")
        return {
            "a": list(every.filter(tenant=world.tenant)),
            "b": list(every.filter(tenant=world.other_tenant)),
        }


def _guardrails_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """The guardrails API's rows of both tenants, made once per world: territories (one only the
    competing partner is authorized in), authorizations, an active version with a rule naming the
    competing partner and a draft, exceptions of every kind of requester, stored decisions,
    leakage and a simulation. Names that some personas must not see carry their marks."""
    cached = getattr(world, "guardrails_rows", None)
    if cached is not None:
        return cached
    from decimal import Decimal

    from django.utils import timezone

    from pipeline.models import OpportunityLine

    now, today = timezone.now(), datetime.date.today()
    names = (
        "territory",
        "partnerauthorization",
        "rulebookversion",
        "ruleexception",
        "accountroute",
        "discountleakage",
        "simulation",
    )
    rows: dict[str, dict[str, list[Any]]] = {n: {"a": [], "b": []} for n in names}
    for key, tenant in (("a", world.tenant), ("b", world.other_tenant)):
        ours = key == "a"
        mark = "" if ours else " zzbetaleak"
        partner = world.partner if ours else world.orgs["b_partner"]
        north = Territory.all_tenants.create(tenant=tenant, code="api-north", name=f"North{mark}")
        TerritoryArea.all_tenants.create(tenant=tenant, territory=north, country="DE")
        rows["territory"][key].append(north)
        rows["partnerauthorization"][key].append(
            PartnerAuthorization.all_tenants.create(
                tenant=tenant,
                partner=partner,
                territory=north,
                valid_from=datetime.date(2020, 1, 1),
            )
        )
        rulebook, _ = Rulebook.all_tenants.get_or_create(tenant=tenant)
        active = RulebookVersion.all_tenants.create(
            tenant=tenant,
            rulebook=rulebook,
            number=901,
            status="active",
            summary=f"API rules{mark}",
            effective_at=now,
            published_at=now,
        )
        rulebook.active_version = active
        rulebook.save()
        draft = RulebookVersion.all_tenants.create(
            tenant=tenant, rulebook=rulebook, number=902, summary=f"API draft{mark}"
        )
        rows["rulebookversion"][key] += [active, draft]
        default = RouteRule.all_tenants.create(
            tenant=tenant,
            version=active,
            position=9,
            name=f"Default{mark}",
            outcome="direct",
            rationale="Served directly.",
            is_default=True,
        )
        accounts = list(Account.all_tenants.filter(tenant=tenant).order_by("pk"))
        for account in accounts:
            rows["accountroute"][key].append(
                AccountRoute.all_tenants.create(
                    tenant=tenant,
                    account=account,
                    version=active,
                    rule=default,
                    outcome="direct",
                    rationale=f"Served directly{mark}.",
                    decided_at=now,
                )
            )
        opportunity = (
            Opportunity.all_tenants.get(tenant=tenant, external_id="OPP-rep")
            if ours
            else Opportunity.all_tenants.filter(tenant=tenant).earliest("pk")
        )
        product = Product.all_tenants.filter(tenant=tenant).earliest("pk")
        line = OpportunityLine.all_tenants.create(
            tenant=tenant,
            opportunity=opportunity,
            product=product,
            quantity=1,
            list_price=1000,
            discount_pct=30,
        )
        rows["discountleakage"][key].append(
            DiscountLeakage.all_tenants.create(
                tenant=tenant,
                opportunity=opportunity,
                line=line,
                version=active,
                route="direct",
                discount_pct=Decimal(30),
                max_discount=Decimal(15),
                amount=Decimal(150),
                currency="EUR",
                recorded_at=now,
            )
        )
        simulation = Simulation.all_tenants.create(
            tenant=tenant, version=draft, status="done", total=1, processed=1
        )
        SimulatedMove.all_tenants.create(
            tenant=tenant,
            simulation=simulation,
            account=accounts[0],
            from_outcome="direct",
            to_outcome="partner",
            to_target=f"Partner{mark}",
        )
        rows["simulation"][key].append(simulation)
        requesters = (
            ["partner_rep", "rival_partner_admin", "rep", "other_team_rep"]
            if ours
            else ["outsider_partner"]
        )
        for persona in requesters:
            membership = Membership.all_tenants.get(tenant=tenant, user=world.users[persona])
            org_mark = {
                "rival_partner_admin": "zzrivalleak",
                "rep": "zzteamnorth",
                "other_team_rep": "zzteamsouth",
            }.get(persona, mark)
            rows["ruleexception"][key].append(
                RuleException.all_tenants.create(
                    tenant=tenant,
                    kind="work_account",
                    account=accounts[0],
                    requested_by=membership.user,
                    partner=membership.partner,
                    team=membership.team,
                    justification=f"API exception {org_mark}",
                    ends_on=today + datetime.timedelta(days=30),
                )
            )
    # Our tenant: a territory only the competing partner sells in, and a rule naming it.
    south = Territory.all_tenants.create(
        tenant=world.tenant, code="api-south", name="South zzrivalleak"
    )
    TerritoryArea.all_tenants.create(tenant=world.tenant, territory=south, country="AT")
    rows["territory"]["a"].append(south)
    rows["partnerauthorization"]["a"].append(
        PartnerAuthorization.all_tenants.create(
            tenant=world.tenant,
            partner=world.other_partner,
            territory=south,
            valid_from=datetime.date(2020, 1, 1),
        )
    )
    RouteRule.all_tenants.create(
        tenant=world.tenant,
        version=rows["rulebookversion"]["a"][0],
        position=1,
        name="Austria for Rival Supply zzrivalleak",
        conditions=[{"field": "territory", "op": "in", "value": ["api-south"]}],
        outcome="partner",
        target_kind="partner",
        target_partner=world.other_partner,
        rationale="Rival Supply zzrivalleak holds Austria.",
    )
    world.guardrails_rows = rows
    return rows


def _guardrails(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _guardrails_rows(w)[basename]


def _routing_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """The lead-ops API's rows of both tenants, made once per world: leads assigned to each
    partner, one the first partner submitted that went to its rival, leads of a rep and of the
    other team; duplicate candidates, merges, SLA policies, forms, assignees, and a notification
    for every person. Decisions name both partners, which partner users must only read
    redacted; names some personas must not see carry their marks."""
    cached = getattr(world, "routing_rows", None)
    if cached is not None:
        return cached
    a, b, orgs, users = world.tenant, world.other_tenant, world.orgs, world.users
    both = "Rival Supply zzrivalleak and Alpha Distribution zzfirstpartner"

    def lead(tenant: Tenant, key: str, **fields: Any) -> Lead:
        return Lead.all_tenants.create(
            tenant=tenant,
            external_id=f"LEAD-{key}",
            source="api",
            email=f"buyer-{key}@customer.example",
            status="routed",
            **fields,
        )

    def decision(rationale: str) -> dict[str, Any]:
        return {"outcome": "partner", "rule": "Austria", "rationale": rationale}

    leads = [
        lead(
            a,
            "partner",
            route="partner",
            assigned_partner=orgs["partner"],
            decision=decision(f"{both} serve Austria."),
        ),
        lead(
            a,
            "rival",
            route="partner",
            company="Rival customer zzrivalleak",
            assigned_partner=orgs["other_partner"],
            decision=decision(f"{both} serve Austria."),
        ),
        lead(
            a,
            "submitted",
            route="partner",
            submitted_by_partner=orgs["partner"],
            submitted_by_user=users["partner_rep"],
            assigned_partner=orgs["other_partner"],
            assigned_user=users["rival_partner_admin"],
            decision=decision(f"{both} serve Austria."),
        ),
        lead(
            a,
            "rep",
            route="direct",
            message="zzdirectonly",
            assigned_team=orgs["team"],
            assigned_user=users["rep"],
        ),
        lead(
            a,
            "other-team",
            route="direct",
            company="zzteamsouth zzdirectonly",
            assigned_team=orgs["other_team"],
        ),
    ]
    b_leads = [lead(b, "b", company="Beta buyer zzbetaleak", route="direct")]
    rows: dict[str, dict[str, list[Any]]] = {"lead": {"a": leads, "b": b_leads}}

    def candidate(tenant: Tenant, first: Lead, second: Lead) -> DuplicateCandidate:
        return DuplicateCandidate.all_tenants.create(
            tenant=tenant, lead=second, other_lead=first, score=0.8, reasons=["name"]
        )

    def merge(tenant: Tenant, survivor: Lead, merged: Lead) -> LeadMerge:
        return LeadMerge.all_tenants.create(
            tenant=tenant, survivor=survivor, merged=merged, score=0.99, before={}
        )

    b_other = lead(b, "b2", company="Beta other zzbetaleak", route="direct")
    rows["duplicatecandidate"] = {
        "a": [candidate(a, leads[0], leads[1])],
        "b": [candidate(b, b_leads[0], b_other)],
    }
    rows["leadmerge"] = {"a": [merge(a, leads[3], leads[4])], "b": [merge(b, b_leads[0], b_other)]}
    rows["slapolicy"] = {
        key: [
            SlaPolicy.all_tenants.create(
                tenant=tenant,
                route="partner",
                priority="normal",
                accept_minutes=240,
                first_touch_minutes=480,
            )
        ]
        for key, tenant in (("a", a), ("b", b))
    }
    rows["leadform"] = {
        "a": [LeadForm.all_tenants.create(tenant=a, name="Contact us")],
        "b": [LeadForm.all_tenants.create(tenant=b, name="Beta form zzbetaleak")],
    }
    rows["assignee"] = {
        "a": [Assignee.all_tenants.create(tenant=a, partner=orgs["partner"], weight=2)],
        "b": [Assignee.all_tenants.create(tenant=b, partner=orgs["b_partner"], weight=2)],
    }
    rows["notification"] = {
        "a": [
            Notification.all_tenants.create(
                tenant=a,
                user=users[persona],
                kind="routed",
                title="A new lead for you",
            )
            for persona in ("admin", "manager", "rep", "partner_rep", "rival_partner_admin")
        ],
        "b": [
            Notification.all_tenants.create(
                tenant=b, user=users["outsider_admin"], kind="routed", title="Beta zzbetaleak"
            )
        ],
    }
    world.routing_rows = rows
    return rows


def _routing(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _routing_rows(w)[basename]


def _lead_source(world: Any) -> str:
    """A source only RevOps admins may set. Makes the leads first: the suite takes its snapshot
    of the rows after asking for this value and before it lists the rows."""
    _routing_rows(world)
    return "campaign"


def _rep_account(world: Any) -> int:
    return world.customers["rep"].pk


def _dealreg_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """Deal registration's rows of both tenants, made once per world: a registration by each
    partner and each direct team on one contested customer (their titles, amounts and
    discounts carry the marks of whom they belong to), a conflict on the first partner's naming
    its rival for the manufacturer only, and an adjudication splitting the two partners."""
    cached = getattr(world, "dealreg_rows", None)
    if cached is not None:
        return cached
    from decimal import Decimal

    a, b, orgs, users = world.tenant, world.other_tenant, world.orgs, world.users
    contested = Account.all_tenants.create(tenant=a, name="Contested customer")
    line = ProductLine.all_tenants.get(tenant=a, code="hydraulics")
    regs = {}
    owners = {
        "partner_rep": ("partner", orgs["partner"], None, "zzfirstpartner", "111111"),
        "rival_partner_admin": ("partner", orgs["other_partner"], None, "zzrivalleak", "987654"),
        "rep": ("direct", None, orgs["team"], "zzteamnorth zzdirectonly", "222222"),
        "other_team_rep": (
            "direct",
            None,
            orgs["other_team"],
            "zzteamsouth zzdirectonly",
            "333333",
        ),
    }
    for persona, (route, partner, team, mark, amount) in owners.items():
        registration = DealRegistration.all_tenants.create(
            tenant=a,
            external_id=f"DR-{persona}",
            route=route,
            registrant_user=users[persona],
            registrant_partner=partner,
            registrant_team=team,
            end_customer=contested,
            title=f"Registration {mark}",
            estimated_amount=Decimal(amount),
            currency="EUR",
            state="submitted",
            notes=f"Evidence {mark}",
        )
        RegistrationLine.all_tenants.create(
            tenant=a,
            registration=registration,
            product_line=line,
            requested_discount=Decimal("13.37") if persona == "rival_partner_admin" else 5,
        )
        regs[persona] = registration
    b_account = Account.all_tenants.filter(tenant=b).earliest("pk")
    b_reg = DealRegistration.all_tenants.create(
        tenant=b,
        external_id="DR-partner_rep",
        route="partner",
        registrant_partner=orgs["b_partner"],
        end_customer=b_account,
        title="Beta registration zzbetaleak",
        estimated_amount=Decimal(5),
        currency="EUR",
    )
    conflicts = {
        "a": [
            RegistrationConflict.all_tenants.create(
                tenant=a,
                registration=regs["partner_rep"],
                kind="registration",
                other_registration=regs["rival_partner_admin"],
                other_partner=orgs["other_partner"],
                reason="This account and product line are already registered by another route.",
                internal_reason="Registered by Rival Supply zzrivalleak for 987654.",
            ),
            RegistrationConflict.all_tenants.create(
                tenant=a,
                registration=regs["rep"],
                kind="registration",
                other_registration=regs["other_team_rep"],
                other_team=orgs["other_team"],
                reason="This account and product line are already registered by another route.",
                internal_reason="Registered by Direct South zzteamsouth.",
            ),
        ],
        "b": [
            RegistrationConflict.all_tenants.create(
                tenant=b,
                registration=b_reg,
                kind="touches",
                reason="Beta zzbetaleak",
                internal_reason="Beta zzbetaleak",
            )
        ],
    }
    adjudications: dict[str, list[Any]] = {"a": [], "b": []}
    for key, tenant, parties in (
        ("a", a, [regs["partner_rep"], regs["rival_partner_admin"]]),
        ("b", b, [b_reg]),
    ):
        record = Adjudication.all_tenants.create(
            tenant=tenant,
            account=contested if key == "a" else b_account,
            product_line=line if key == "a" else None,
            decision="split",
            reason="Sourcing and fulfilment" + ("" if key == "a" else " zzbetaleak"),
            decided_at=datetime.datetime.now(datetime.UTC),
        )
        for share, registration in zip((70, 30), parties, strict=False):
            AdjudicationParty.all_tenants.create(
                tenant=tenant, adjudication=record, registration=registration, share=share
            )
        adjudications[key].append(record)
    rows: dict[str, dict[str, list[Any]]] = {
        "dealregistration": {"a": list(regs.values()), "b": [b_reg]},
        "registrationconflict": conflicts,
        "adjudication": adjudications,
    }
    world.dealreg_rows = rows
    return rows


def _dealreg_route(world: Any) -> str:
    """A route only RevOps admins may set. Makes the registrations first: the suite takes its
    snapshot of the rows after asking for this value."""
    _dealreg_rows(world)
    return "partner"


def _dealreg(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _dealreg_rows(w)[basename]


def _campaign_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """Offers, campaigns and co-branding profiles of both tenants, made once per world. In our
    tenant: an offer for direct sales only, one for Platinum partners (no one's tier) and a draft
    (marked direct-only), one for Gold partners (both partners' tier) and one for everyone; a
    direct campaign and a draft (marked direct-only), one for the first partner by name (marked
    as the first partner's), one for Gold partners and one for everyone; each partner's own
    co-branding (marked as that partner's)."""
    cached = getattr(world, "campaign_rows", None)
    if cached is not None:
        return cached
    a, b = world.tenant, world.other_tenant
    offer_specs: list[tuple[str, str, dict[str, Any]]] = [
        ("OFF-direct", "Direct kit zzdirectonly", {"routes": ["direct"]}),
        ("OFF-gold", "Gold kit", {"routes": ["partner"], "partner_tiers": ["gold"]}),
        ("OFF-shared", "Shared kit", {"routes": ["direct", "partner"]}),
        (
            "OFF-platinum",
            "Platinum kit zzdirectonly",
            {"routes": ["partner"], "partner_tiers": ["platinum"]},
        ),
        ("OFF-draft", "Draft kit zzdirectonly", {"status": "draft"}),
    ]
    offers = {
        "a": [
            Offer.all_tenants.create(
                tenant=a,
                external_id=key,
                name=name,
                kind="assessment",
                **{"status": "published", **extra},
            )
            for key, name, extra in offer_specs
        ],
        "b": [
            Offer.all_tenants.create(
                tenant=b,
                external_id="OFF-direct",
                name="Beta kit zzbetaleak",
                kind="pilot",
                status="published",
            )
        ],
    }
    north = TargetList.all_tenants.filter(tenant=a).earliest("pk")
    dates = {"starts_on": datetime.date(2026, 1, 1), "ends_on": datetime.date(2026, 12, 31)}
    campaign_specs: list[tuple[str, str, dict[str, Any]]] = [
        ("CAM-direct", "Direct ABM zzdirectonly", {"target_list": north, "budget": 98765}),
        ("CAM-named", "Partner push zzfirstpartner", {"direct": False, "partner_mode": "named"}),
        (
            "CAM-gold",
            "Gold event",
            {"direct": False, "partner_mode": "tiers", "partner_tiers": ["gold"]},
        ),
        ("CAM-all", "Everyone webinar", {"partner_mode": "all", "target_list": north}),
        ("CAM-draft", "Draft zzdirectonly", {"status": "draft", "partner_mode": "all"}),
    ]
    campaigns = {
        "a": [
            Campaign.all_tenants.create(
                tenant=a,
                external_id=key,
                name=name,
                kind="abm",
                **{"status": "active", **dates, **extra},
            )
            for key, name, extra in campaign_specs
        ],
        "b": [
            Campaign.all_tenants.create(
                tenant=b,
                external_id="CAM-direct",
                name="Beta campaign zzbetaleak",
                kind="email",
                **dates,
            )
        ],
    }
    named = campaigns["a"][1]
    CampaignPartner.all_tenants.create(tenant=a, campaign=named, partner=world.partner)
    CampaignOffer.all_tenants.create(tenant=a, campaign=named, offer=offers["a"][1])
    profiles = {
        "a": [
            CoBrandProfile.all_tenants.create(
                tenant=a, partner=world.partner, contact_name="Pat zzfirstpartner"
            ),
            CoBrandProfile.all_tenants.create(
                tenant=a, partner=world.other_partner, contact_name="Rita zzrivalleak"
            ),
        ],
        "b": [
            CoBrandProfile.all_tenants.create(
                tenant=b, partner=world.orgs["b_partner"], contact_name="Beta zzbetaleak"
            )
        ],
    }
    world.campaign_rows = {"offer": offers, "campaign": campaigns, "cobrandprofile": profiles}
    return world.campaign_rows


def _campaigns(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _campaign_rows(w)[basename]


def _campaign_responses(world: Any) -> dict[str, list[Any]]:
    """Responses to each tenant's campaigns, made once per world: in our tenant one on each
    partner's co-branded page (its email marked as that partner's) and one of the
    manufacturer's own (marked direct-only); one of the other tenant's partner."""
    cached = getattr(world, "campaign_responses", None)
    if cached is not None:
        return cached
    campaigns = _campaign_rows(world)["campaign"]
    everyone = campaigns["a"][3]
    when = datetime.datetime(2026, 11, 4, 9, tzinfo=datetime.UTC)
    owners = [
        ("CR-partner", world.partner, "zzfirstpartner"),
        ("CR-rival", world.other_partner, "zzrivalleak"),
        ("CR-direct", None, "zzdirectonly"),
    ]
    rows: dict[str, list[Any]] = {
        "a": [
            CampaignResponse.all_tenants.create(
                tenant=world.tenant,
                external_id=key,
                campaign=everyone,
                partner=partner,
                kind="landing_page",
                occurred_at=when,
                email=f"visitor@{mark}.example",
            )
            for key, partner, mark in owners
        ],
        "b": [
            CampaignResponse.all_tenants.create(
                tenant=world.other_tenant,
                external_id="CR-partner",
                campaign=campaigns["b"][0],
                partner=world.orgs["b_partner"],
                kind="event",
                occurred_at=when,
                email="visitor@zzbetaleak.example",
            )
        ],
    }
    world.campaign_responses = rows
    return rows


def _response_partner(world: Any) -> int:
    """A partner only RevOps admins may name. Makes the responses first: the suite takes its
    snapshot of the rows after asking for this value and before it lists the rows."""
    _campaign_responses(world)
    return int(world.other_partner.pk)


def _everyone_campaign(world: Any) -> int:
    """The running campaign every route of our tenant takes part in."""
    return int(_campaign_rows(world)["campaign"]["a"][3].pk)


def _mdf_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """MDF's rows of both tenants, made once per world through the services: a budget funding
    both partners of our tenant, each partner's requests (titles carrying its mark) and claims,
    one approved request of the first partner left unclaimed (for a claim to be filed on), and
    a funded partner with a claimed request in the other tenant. Every synced row has an
    external id, so the bulk suite can aim at it."""
    cached = getattr(world, "mdf_rows", None)
    if cached is not None:
        return cached
    from mdf.tests.factories import claim_in, fund, request_in

    a, b = world.tenant, world.other_tenant
    fund(a, world.partner, 10_000)
    fund(a, world.other_partner, 10_000)
    fund(b, world.orgs["b_partner"], 10_000)
    ours = [
        request_in(a, world.partner, "draft", title="Open house zzfirstpartner"),
        request_in(a, world.partner, "approved", title="Roadshow zzfirstpartner"),
        request_in(a, world.other_partner, "approved", title="Fair zzrivalleak"),
        request_in(a, world.partner, "approved", title="Webinar zzfirstpartner"),
    ]
    theirs = [request_in(b, world.orgs["b_partner"], "approved", title="Beta zzbetaleak")]
    claims_a = [claim_in(ours[1], "draft"), claim_in(ours[2], "submitted")]
    claims_b = [claim_in(theirs[0], "draft")]
    rows: dict[str, dict[str, list[Any]]] = {}
    for basename, model in (
        ("mdfbudget", MdfBudget),
        ("mdfallocation", Allocation),
        ("fundrequest", FundRequest),
        ("fundclaim", FundClaim),
        ("mdfledgerentry", LedgerEntry),
        ("mdfbalance", FundBalance),
    ):
        every = cast(Any, model).all_tenants.order_by("pk")
        rows[basename] = {
            "a": list(every.filter(tenant=a)),
            "b": list(every.filter(tenant=b)),
        }
        if basename in ("mdfbudget", "mdfallocation", "fundrequest", "fundclaim"):
            for key, found in rows[basename].items():
                for i, row in enumerate(found):
                    row.external_id = f"MDF-{key}-{basename}-{i}"
                    every.filter(pk=row.pk).update(external_id=row.external_id)
    assert claims_a and claims_b
    world.mdf_rows = rows
    world.mdf_unclaimed = ours[3]
    return rows


def _mdf(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _mdf_rows(w)[basename]


def _mdf_budget(world: Any) -> int:
    return int(_mdf_rows(world)["mdfbudget"]["a"][0].pk)


def _mdf_unclaimed(world: Any) -> int:
    _mdf_rows(world)
    return int(world.mdf_unclaimed.pk)


def _governance_rows(world: Any) -> dict[str, dict[str, list[Any]]]:
    """Governance reviews and decisions of both tenants, made once per world: in ours a signed-off
    review whose data names both partners and both teams (names marked) and an open one;
    decisions concerning each partner and each team (titles marked), owned by RevOps, the
    manager, the rep and a partner rep; one review and decision in the other tenant."""
    cached = getattr(world, "governance_rows", None)
    if cached is not None:
        return cached
    from scorecards.tests.factories import partner_row, review_data, team_row

    a, b = world.tenant, world.other_tenant
    people = {p: world.membership(p) for p in ("admin", "manager", "rep", "partner_rep")}
    teams = [world.orgs["team"], world.orgs["other_team"]]
    data = review_data(
        datetime.date(2026, 4, 1),
        partners=[partner_row(world.partner, "1.00"), partner_row(world.other_partner, "2.00")],
        teams=[
            {**team_row(team, "3.00"), "name": f"{team.name} {mark}"}
            for team, mark in zip(teams, ("zzteamnorth", "zzteamsouth"), strict=True)
        ],
    )
    signed = GovernanceReview.all_tenants.create(
        tenant=a,
        quarter_start=datetime.date(2026, 4, 1),
        status="signed_off",
        job_status="done",
        data=data,
        signed_off_at=datetime.datetime(2026, 7, 10, 9, tzinfo=datetime.UTC),
    )
    open_review = GovernanceReview.all_tenants.create(
        tenant=a, quarter_start=datetime.date(2026, 7, 1), job_status="done", data=data
    )
    due = datetime.date(2026, 9, 30)

    def decision(tenant: Tenant, review: Any, owner: Any, title: str, **fields: Any) -> Any:
        return ReviewDecision.all_tenants.create(
            tenant=tenant, review=review, owner=owner, title=title, due_on=due, **fields
        )

    ours = [
        decision(a, signed, people["admin"], "Grow zzfirstpartner", partner=world.partner),
        decision(a, signed, people["admin"], "Shrink zzrivalleak", partner=world.other_partner),
        decision(a, signed, people["manager"], "North zzteamnorth", team=teams[0]),
        decision(a, signed, people["admin"], "South zzteamsouth", team=teams[1]),
        decision(a, signed, people["rep"], "Rep task zzteamnorth zzdirectonly"),
        decision(a, open_review, people["partner_rep"], "Partner rep task zzfirstpartner"),
        decision(
            a, open_review, people["admin"], "Open review zzfirstpartner", partner=world.partner
        ),
    ]
    from scorecards.review.workspace import decision_row

    # Frozen as it stood at sign-off.
    signed.decisions_at_sign_off = [decision_row(d, signed) for d in ours if d.review == signed]
    GovernanceReview.all_tenants.filter(pk=signed.pk).update(
        decisions_at_sign_off=signed.decisions_at_sign_off
    )
    b_admin = Membership.all_tenants.get(tenant=b, user=world.users["outsider_admin"])
    theirs_review = GovernanceReview.all_tenants.create(
        tenant=b,
        quarter_start=datetime.date(2026, 4, 1),
        status="signed_off",
        signed_off_at=datetime.datetime(2026, 7, 10, 9, tzinfo=datetime.UTC),
        data={"quarter": {"code": "2026-Q2"}, "sections": {}, "note": "zzbetaleak"},
    )
    theirs = [
        decision(b, theirs_review, b_admin, "Beta zzbetaleak", partner=world.orgs["b_partner"])
    ]
    rows = {
        "governancereview": {"a": [signed, open_review], "b": [theirs_review]},
        "reviewdecision": {"a": ours, "b": theirs},
    }
    world.governance_rows = rows
    world.governance_open_review = open_review
    return rows


def _governance(basename: str) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: _governance_rows(w)[basename]


def _governance_decision_body(world: Any) -> dict[str, Any]:
    _governance_rows(world)
    return {
        "review": world.governance_open_review.pk,
        "title": "Isolation decision",
        "owner": world.membership("admin").pk,
        "due_on": "2026-12-31",
    }


API_RESOURCES: dict[str, ApiResource] = {
    "partner": ApiResource(
        model=Partner,
        create=lambda w: {"name": "Isolation New Partner", "tier": "silver"},
        update=lambda w: {"tier": "platinum"},
    ),
    "team": ApiResource(
        model=Team,
        create=lambda w: {"name": "Isolation New Team"},
        update=lambda w: {"region": "Isolation"},
    ),
    "user": ApiResource(model=Membership),
    "tier": ApiResource(
        model=Tier,
        create=lambda w: {"key": "isolation", "name": "Isolation"},
        update=lambda w: {"name": "Renamed"},
    ),
    "segment": ApiResource(
        model=Segment,
        create=lambda w: {"key": "isolation", "name": "Isolation"},
        update=lambda w: {"name": "Renamed"},
    ),
    "productline": ApiResource(
        model=ProductLine,
        create=lambda w: {"code": "isolation", "name": "Isolation"},
        update=lambda w: {"description": "Changed"},
    ),
    "product": ApiResource(
        model=Product,
        create=lambda w: {
            "product_line": {"code": "hydraulics"},
            "sku": "ISO-1",
            "name": "Iso",
            "list_price": "10.00",
        },
        update=lambda w: {"name": "Changed"},
    ),
    "account": ApiResource(
        model=Account,
        create=lambda w: {"name": "Isolation Account"},
        update=lambda w: {"city": "Munich"},
    ),
    "contact": ApiResource(
        model=Contact,
        create=lambda w: {"account": _rep_account(w), "email": "isolation@customer.example"},
        update=lambda w: {"title": "Plant manager"},
    ),
    "targetlist": ApiResource(
        model=TargetList,
        create=lambda w: {"name": "Isolation list"},
        update=lambda w: {"description": "Changed"},
    ),
    # Offers' extra actions (assets/, assets/{id}/, pdf/, publications/, publish/, unpublish/)
    # and the profiles' logo/ run through the viewsets' roles and visible rows; who gets which
    # file or PDF, and the rival partner's 404s, are in campaigns/tests/test_files.py.
    "offer": ApiResource(
        model=Offer,
        objects=_campaigns("offer"),
        create=lambda w: {"name": "Isolation offer", "kind": "pilot"},
        update=lambda w: {"summary": "Changed"},
    ),
    "campaign": ApiResource(
        model=Campaign,
        objects=_campaigns("campaign"),
        create=lambda w: {
            "name": "Isolation campaign",
            "kind": "event",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-02",
        },
        update=lambda w: {"description": "Changed"},
    ),
    "cobrandprofile": ApiResource(
        model=CoBrandProfile,
        objects=_campaigns("cobrandprofile"),
        create=lambda w: {"partner": w.partner.pk, "contact_name": "Isolation"},
        update=lambda w: {"contact_name": "Changed"},
    ),
    "stage": ApiResource(
        model=Stage,
        create=lambda w: {"key": "isolation", "name": "Isolation", "order": 99, "probability": 30},
        update=lambda w: {"probability": 40},
    ),
    "opportunity": ApiResource(
        model=Opportunity,
        create=lambda w: {
            "account": _rep_account(w),
            "name": "Isolation deal",
            "stage": "qualify",
            "amount": "100",
        },
        update=lambda w: {"name": "Renamed deal"},
        field_values={
            "route": lambda w: "direct",
            "partner": lambda w: w.other_partner.pk,
            "owner_user": lambda w: w.users["rep"].pk,
            "owner_team": lambda w: w.orgs["team"].pk,
            "source": lambda w: "partner",
        },
    ),
    "touch": ApiResource(
        model=Touch,
        create=lambda w: {
            "account": _rep_account(w),
            "channel": "call",
            "route": "direct",
            "occurred_at": "2026-11-02T09:00:00Z",
        },
        update=lambda w: {"subject": "Changed"},
        field_values={
            "actor_partner": lambda w: w.other_partner.pk,
            "actor_team": lambda w: w.orgs["team"].pk,
            "actor_user": lambda w: w.users["rep"].pk,
        },
    ),
    "campaignresponse": ApiResource(
        model=CampaignResponse,
        objects=_campaign_responses,
        create=lambda w: {
            "campaign": _everyone_campaign(w),
            "kind": "webinar",
            "occurred_at": "2026-11-05T15:00:00Z",
        },
        update=lambda w: {"kind": "event"},
        field_values={"partner": _response_partner},
    ),
    "webhook": ApiResource(
        model=WebhookEndpoint,
        objects=_both(_webhook_endpoint),
        create=lambda w: {"url": "https://hooks.example.com/isolation", "events": ["contact.*"]},
        update=lambda w: {"description": "Changed"},
    ),
    "webhookdelivery": ApiResource(model=WebhookDelivery, objects=_both(_webhook_delivery)),
    "territory": ApiResource(
        model=Territory,
        objects=_guardrails("territory"),
        create=lambda w: {"code": "api-new", "name": "New", "areas": [{"country": "FR"}]},
        update=lambda w: {"description": "Changed"},
    ),
    "partnerauthorization": ApiResource(
        model=PartnerAuthorization,
        objects=_guardrails("partnerauthorization"),
        create=lambda w: {
            "partner": w.partner.pk,
            "territory": _guardrails_rows(w)["territory"]["a"][0].pk,
            "product_line": {"code": "hydraulics"},
            "valid_from": "2026-01-01",
        },
        update=lambda w: {"valid_until": "2030-12-31"},
    ),
    "rulebookversion": ApiResource(
        model=RulebookVersion,
        objects=_guardrails("rulebookversion"),
        create=lambda w: {"summary": "New draft"},
        update=lambda w: {"summary": "Changed"},
    ),
    # Created by the requester roles only (admins review), so not by the suite's first writer.
    "ruleexception": ApiResource(model=RuleException, objects=_guardrails("ruleexception")),
    "accountroute": ApiResource(model=AccountRoute, objects=_guardrails("accountroute")),
    "discountleakage": ApiResource(model=DiscountLeakage, objects=_guardrails("discountleakage")),
    "simulation": ApiResource(model=Simulation, objects=_guardrails("simulation")),
    "lead": ApiResource(
        model=Lead,
        objects=_routing("lead"),
        create=lambda w: {
            "first_name": "Iso",
            "last_name": "Lation",
            "email": "iso@lation.example",
        },
        update=lambda w: {"title": "Changed"},
        field_values={"source": _lead_source},
    ),
    "duplicatecandidate": ApiResource(
        model=DuplicateCandidate, objects=_routing("duplicatecandidate")
    ),
    "leadmerge": ApiResource(model=LeadMerge, objects=_routing("leadmerge")),
    "slapolicy": ApiResource(
        model=SlaPolicy,
        objects=_routing("slapolicy"),
        create=lambda w: {
            "route": "direct",
            "priority": "high",
            "accept_minutes": 60,
            "first_touch_minutes": 120,
        },
        update=lambda w: {"accept_minutes": 120},
    ),
    "leadform": ApiResource(
        model=LeadForm,
        objects=_routing("leadform"),
        create=lambda w: {"name": "Isolation form", "allowed_origins": ["https://www.example.com"]},
        update=lambda w: {"thank_you": "Thanks!"},
    ),
    "assignee": ApiResource(
        model=Assignee,
        objects=_routing("assignee"),
        create=lambda w: {"partner": w.other_partner.pk, "capacity": 5},
        update=lambda w: {"weight": 3},
    ),
    "notification": ApiResource(model=Notification, objects=_routing("notification")),
    "dealregistration": ApiResource(
        model=DealRegistration,
        objects=_dealreg("dealregistration"),
        create=lambda w: {
            "title": "Isolation deal",
            "end_customer_name": "Isolation Customer",
            "lines": [{"product_line": "hydraulics", "amount": "1000"}],
        },
        update=lambda w: {"notes": "Changed"},
        field_values={
            "route": _dealreg_route,
            "registrant_partner": lambda w: w.other_partner.pk,
            "registrant_team": lambda w: w.orgs["team"].pk,
        },
    ),
    "registrationconflict": ApiResource(
        model=RegistrationConflict, objects=_dealreg("registrationconflict")
    ),
    # Created by RevOps admins deciding conflicts (dealreg's own API tests).
    "adjudication": ApiResource(model=Adjudication, objects=_dealreg("adjudication")),
    # MDF: the transitions, proof files (upload, download, delete) and who gets which are in
    # mdf/tests/test_api.py; here the roles and visible rows of each resource.
    "mdfbudget": ApiResource(
        model=MdfBudget,
        objects=_mdf("mdfbudget"),
        create=lambda w: {"quarter_start": "2030-01-01", "amount": "1000.00"},
        update=lambda w: {"notes": "Changed"},
    ),
    "mdfallocation": ApiResource(
        model=Allocation,
        objects=_mdf("mdfallocation"),
        create=lambda w: {
            "budget": _mdf_budget(w),
            "partner": w.partner.pk,
            "kind": "accrual",
            "rate": "2.50",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
        update=lambda w: {"amount": "9000.00"},
    ),
    "fundrequest": ApiResource(
        model=FundRequest,
        objects=_mdf("fundrequest"),
        create=lambda w: {
            "partner": w.partner.pk,
            "activity_type": "event",
            "title": "Isolation request",
            "starts_on": datetime.date.today().isoformat(),
            "ends_on": datetime.date.today().isoformat(),
            "total_cost": "1000.00",
            "amount_requested": "500.00",
        },
        update=lambda w: {"title": "Changed"},
    ),
    "fundclaim": ApiResource(
        model=FundClaim,
        objects=_mdf("fundclaim"),
        create=lambda w: {
            "request": _mdf_unclaimed(w),
            "actual_cost": "800.00",
            "amount_claimed": "500.00",
        },
        update=lambda w: {"results": "Changed"},
    ),
    "mdfledgerentry": ApiResource(model=LedgerEntry, objects=_mdf("mdfledgerentry")),
    "mdfbalance": ApiResource(model=FundBalance, objects=_mdf("mdfbalance")),
    # The governance review: extracts and decisions in scorecards/tests/test_review_api.py.
    "governancereview": ApiResource(
        model=GovernanceReview, objects=_governance("governancereview")
    ),
    "reviewdecision": ApiResource(
        model=ReviewDecision,
        objects=_governance("reviewdecision"),
        create=_governance_decision_body,
        update=lambda w: {"title": "Changed"},
    ),
}

# Non-router API views: name -> methods they answer.
API_VIEWS = {
    "me": {"get"},
    "rulebook": {"get", "patch"},
    "explain": {"get", "post"},
    "corridor-check": {"get", "post"},
    "deal-registration-settings": {"get", "patch"},
}


# --- API reports: read-only figures (the scorecards) ---------------------------------------------


@dataclass(frozen=True)
class ApiReport:
    """A read-only API report (no router resource: figures, not rows). `read_roles`: who may read
    it (None: every member; the other roles get 403). `shows(body)` turns a 200 body into what it
    shows (opportunities, credits by party, partners, scopes) and `visible(world, persona)` is
    exactly what that persona may be shown. `probes(world)`: query strings naming something of a
    tenant, each with the personas who may see it; everyone else gets 404, as if it did not
    exist."""

    read_roles: frozenset[str] | None = None
    shows: Callable[[dict[str, Any]], set[Any]] | None = None
    visible: Callable[[Any, str], set[Any]] | None = None
    probes: Callable[[Any], list[tuple[str, frozenset[str]]]] | None = None
    paginated: bool = False
    # A report that needs a parameter: the query string each persona asks with.
    query: Callable[[Any, str], str] | None = None


def report_world(world: Any) -> None:
    """What the reports read: the first partner also touched the rep's opportunity (so it sees
    that opportunity, with its own credit only), then the rollups of both tenants, built as the
    nightly rebuild does. Once per world."""
    if getattr(world, "reports_ready", False):
        return
    TouchFactory.create(
        tenant=world.tenant,
        account=world.customers["rep"],
        opportunity=_row_of(Opportunity, "rep", "OPP")(world, world.tenant),
        subject="Joint visit",
        route="partner",
        actor_partner=world.partner,
        occurred_at=datetime.datetime(2026, 11, 3, 10, tzinfo=datetime.UTC),
    )
    for tenant in (world.tenant, world.other_tenant):
        with tenant_scope(tenant):
            rebuild(tenant)
    world.reports_ready = True


# Each insider's own party: which opportunities (by owner key) and credit rows are theirs.
_REPORT_OPPORTUNITIES = {
    "admin": {"rep", "other_team", "partner", "other_partner"},
    "manager": {"rep"},
    "rep": {"rep"},
    "other_team_rep": {"other_team"},
    "partner_admin": {"partner", "rep"},  # its own, and the rep's it touched
    "partner_rep": {"partner", "rep"},
    "rival_partner_admin": {"other_partner"},
}


def _own_credit(world: Any, persona: str, credit: Any) -> bool:
    """Whether a credit row is the persona's party's (RevOps admins: every party's)."""
    _, role, org = _persona(persona)
    if role == "revops_admin":
        return True
    if org in ("partner", "other_partner", "b_partner"):
        return bool(credit.partner_id == world.orgs[org].pk)
    if role == "direct_rep":
        return bool(credit.user_id == world.users[persona].pk)
    team = world.orgs[org]
    reps = set(
        Membership.all_tenants.filter(team=team, role="direct_rep").values_list(
            "user_id", flat=True
        )
    )
    return bool(credit.team_id == team.pk or credit.user_id in reps)


def _persona(persona: str) -> tuple[str, str, str | None]:
    return PERSONAS[persona]


def _attribution_visible(world: Any, persona: str) -> set[Any]:
    tenant_key = _persona(persona)[0]
    tenant = world.tenant if tenant_key == "a" else world.other_tenant
    if tenant_key == "a":
        opportunities = {
            _row_of(Opportunity, key, "OPP")(world, tenant).pk
            for key in _REPORT_OPPORTUNITIES[persona]
        }
    elif _persona(persona)[1] == "revops_admin":
        opportunities = set(
            Opportunity.all_tenants.filter(tenant=tenant).values_list("pk", flat=True)
        )
    else:
        opportunities = set()  # tenant B's partner neither owns nor touched any
    with tenant_scope(tenant):
        model = settings_of(tenant).default_model
    facts = OpportunityFact.all_tenants.filter(tenant=tenant, opportunity_id__in=opportunities)
    credits = Credit.all_tenants.filter(fact__in=facts, model=model).select_related("fact")
    return {("opportunity", pk) for pk in opportunities} | {
        ("credit", c.fact.opportunity_id, c.route, c.partner_id, c.team_id, c.user_id)
        for c in credits
        if _own_credit(world, persona, c)
    }


def _attribution_shows(body: dict[str, Any]) -> set[Any]:
    shown: set[Any] = set()
    for row in body["results"]:
        shown.add(("opportunity", row["opportunity"]))
        shown |= {
            ("credit", row["opportunity"], c["route"], c["partner"], c["team"], c["user"])
            for c in row["credits"]
        }
    return shown


def _partners_visible(world: Any, persona: str) -> set[Any]:
    tenant_key, _, org = _persona(persona)
    tenant = world.tenant if tenant_key == "a" else world.other_tenant
    if org in ("partner", "other_partner", "b_partner"):
        return {world.orgs[org].pk}
    return set(Partner.all_tenants.filter(tenant=tenant).values_list("pk", flat=True))


def _scorecard_probes(world: Any) -> list[tuple[str, frozenset[str]]]:
    """Every scope of both tenants, and who may read it."""
    users, orgs = world.users, world.orgs
    admins = {"admin"}
    return [
        # Whoever's tenant it is: each tenant's RevOps admin reads their own.
        ("scope=tenant", frozenset({*admins, "outsider_admin"})),
        ("scope=route:direct", frozenset({*admins, "outsider_admin"})),
        ("scope=route:partner", frozenset({*admins, "outsider_admin"})),
        (
            f"scope=partner:{orgs['partner'].pk}",
            frozenset({*admins, "partner_admin", "partner_rep"}),
        ),
        (f"scope=partner:{orgs['other_partner'].pk}", frozenset({*admins, "rival_partner_admin"})),
        (f"scope=team:{orgs['team'].pk}", frozenset({*admins, "manager"})),
        (f"scope=team:{orgs['other_team'].pk}", frozenset(admins)),
        (f"scope=user:{users['rep'].pk}", frozenset({*admins, "manager", "rep"})),
        (f"scope=user:{users['other_team_rep'].pk}", frozenset({*admins, "other_team_rep"})),
        # Not a rep: no scorecard of theirs, for anyone.
        (f"scope=user:{users['partner_rep'].pk}", frozenset()),
        (
            f"scope=partner:{orgs['b_partner'].pk}",
            frozenset({"outsider_admin", "outsider_partner"}),
        ),
        (f"scope=team:{orgs['b_team'].pk}", frozenset({"outsider_admin"})),
    ]


def _members_campaign(world: Any, tenant: Tenant) -> Campaign:
    """A campaign of the tenant that every route runs, made on first use: in tenant A direct
    sales worked the rep's and the other team's accounts, each partner its own account, and
    the rep's account is on its target list."""
    made = world.__dict__.setdefault("members_campaigns", {})
    if tenant.pk in made:
        return made[tenant.pk]
    campaign = Campaign.all_tenants.create(
        tenant=tenant,
        name="Members push",
        kind="abm",
        status="active",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        partner_mode="all",
    )
    if tenant == world.tenant:
        campaign.target_list = TargetList.all_tenants.get(
            tenant=tenant, name__startswith="ABM North"
        )
        campaign.save()
        for key, partner in (
            ("rep", None),
            ("other_team", None),
            ("partner", world.partner),
            ("other_partner", world.other_partner),
        ):
            TouchFactory.create(
                tenant=tenant,
                account=world.customers[key],
                campaign=campaign,
                route="partner" if partner else "direct",
                actor_partner=partner,
                subject="Campaign call",
            )
    made[tenant.pk] = campaign
    return campaign


_MEMBERS = {
    "admin": {"rep", "other_team", "partner", "other_partner"},
    "manager": {"rep", "other_team"},
    "rep": {"rep"},
    "other_team_rep": {"other_team"},
    "partner_admin": {"partner"},
    "partner_rep": {"partner"},
    "rival_partner_admin": {"other_partner"},
}


def _members_query(world: Any, persona: str) -> str:
    tenant = world.tenant if _persona(persona)[0] == "a" else world.other_tenant
    return f"campaign={_members_campaign(world, tenant).pk}"


def _members_visible(world: Any, persona: str) -> set[Any]:
    return {world.customers[key].pk for key in _MEMBERS.get(persona, set())}


CONSOLE = frozenset({"revops_admin"})  # the league table: every partner's figures
API_REPORTS: dict[str, ApiReport] = {
    "scorecard-metrics": ApiReport(),
    "scorecard": ApiReport(
        shows=lambda body: {body["scope"]},
        visible=lambda w, persona: {_default_scope(w, persona)},
        probes=_scorecard_probes,
    ),
    "scorecard-league": ApiReport(
        read_roles=CONSOLE,
        shows=lambda body: {row["partner"] for row in body["results"]},
        visible=_partners_visible,
    ),
    "scorecard-tiers": ApiReport(
        read_roles=CONSOLE | {"partner_admin", "partner_rep"},
        shows=lambda body: {row["partner"] for row in body["results"]},
        visible=_partners_visible,
    ),
    "scorecard-attribution": ApiReport(
        shows=_attribution_shows, visible=_attribution_visible, paginated=True
    ),
    "campaign-members": ApiReport(
        shows=lambda body: {row["account"] for row in body["results"]},
        visible=_members_visible,
        paginated=True,
        query=_members_query,
    ),
}


def _default_scope(world: Any, persona: str) -> str:
    """Whose scorecard a persona gets without asking: their own."""
    _, role, org = _persona(persona)
    if role == "revops_admin":
        return "tenant"
    if role == "direct_rep":
        return f"user:{world.users[persona].pk}"
    if role == "direct_manager":
        return f"team:{world.orgs[org].pk}"
    return f"partner:{world.orgs[org].pk}"


# --- The maturity assessment (issue 17): console pages and the API, RevOps admins only -----------


from scorecards.maturity.questions import QUESTIONS as MATURITY_QUESTIONS  # noqa: E402
from scorecards.models import MaturityAssessment, MaturityScore  # noqa: E402


def _maturity_answers(level: int) -> dict[str, int]:
    return {q.key: level for q in MATURITY_QUESTIONS}


def _maturity_assessment(world: Any, tenant: Tenant) -> MaturityAssessment:
    """An assessment of the tenant (2026-Q1) with one score, made on first use; the other
    tenant's carries its mark."""
    existing = MaturityAssessment.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    mark = "" if tenant == world.tenant else " zzbetaleak"
    assessment = MaturityAssessment.all_tenants.create(
        tenant=tenant,
        quarter_start=datetime.date(2026, 1, 1),
        answers=_maturity_answers(2),
        notes=f"Isolation assessment{mark}",
    )
    MaturityScore.all_tenants.create(
        tenant=tenant,
        assessment=assessment,
        capability="governance",
        questionnaire_score=2,
        questionnaire_level=2,
        recommendations=[{"text": f"Publish{mark}", "page": "rulebook", "args": [], "label": "R"}],
    )
    return assessment


DOOR_PAGES.update(
    {
        # The questionnaire (a valid post saves the current quarter's assessment: 302), a past
        # assessment and computing its live-data scores again.
        "console:maturity": PageSpec(
            method="post",
            post_data={k: str(v) for k, v in _maturity_answers(3).items()},
            model=MaturityAssessment,
        ),
        "console:maturity-assessment": PageSpec(objects={"pk": _maturity_assessment}),
        "console:maturity-recompute": PageSpec(
            method="post", objects={"pk": _maturity_assessment}, model=MaturityAssessment
        ),
    }
)

# Admins only: every other role 403; the other tenant's assessments 404.
API_RESOURCES["maturityassessment"] = ApiResource(
    model=MaturityAssessment,
    objects=_both(_maturity_assessment),
    create=lambda w: {"quarter": "2025-Q1", "answers": _maturity_answers(3)},
    update=lambda w: {"answers": _maturity_answers(4)},
)
