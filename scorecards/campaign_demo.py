"""Demo campaign activity, so the conversion figures, the responses and the overlap page have
something to show: six weeks of views of every live landing page, responses to them that became
leads through lead ops (each with its response and touch), campaign touches by direct reps and by
the partners that run the campaign on accounts of its target list (some accounts worked by both,
or by two partners: overlap), and a share of the opportunities on those accounts marked as coming
from the campaign.

Called by scorecards.demo before the rollups are built (it runs after every other app's demo, so
offers, publications, campaigns, accounts, people and opportunities exist). Rows carry external
ids (DEMO-CR-..., DEMO-CT-...) and views are one row per page and day, so seeding again adds
nothing. Dates are relative to the day of seeding; the generator is seeded per tenant."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from accounts.models import TargetListMember
from campaigns.models import Campaign, OfferPublication, PageViews
from campaigns.roi import evaluate_roi
from core.acting import SystemActor
from pipeline.choices import LeadSource, LeadStatus, Route, TouchRoute
from pipeline.models import CampaignResponse, Lead, Opportunity, Touch
from pipeline.services import record_response
from routing import services as lead_ops
from routing.models import Notification, SlaTimer
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant

__all__ = ["seed_campaign_activity"]

SEEDING = SystemActor("demo seeding")
DAYS = 42
PEOPLE = [
    ("Eva", "Berger", "Berger Bau GmbH", "Austria"),
    ("Lukas", "Huber", "Huber Logistik", "Germany"),
    ("Sofia", "Rossi", "Rossi Costruzioni", "Italy"),
    ("Jan", "Novak", "Novak Stroje s.r.o.", "Czechia"),
    ("Marie", "Dubois", "Dubois Travaux", "France"),
    ("Tom", "Baker", "Baker Plant Hire", "United Kingdom"),
    ("Anna", "Kowalska", "Kowalski Maszyny", "Poland"),
    ("Pieter", "de Vries", "De Vries Grondwerk", "Netherlands"),
]
SUBJECTS: dict[str, list[str]] = {
    TouchRoute.DIRECT: ["Account review call", "Demo on site", "Proposal walkthrough"],
    TouchRoute.PARTNER: ["Quote for service plan", "Dealer open day invite", "Site visit"],
}


def seed_campaign_activity(tenant: Tenant) -> dict[str, int]:
    """Inside the tenant's scope. What was created, by kind."""
    today = timezone.localdate()
    return {
        "views": _views(today),
        "responses": _responses(tenant),
        "touches": _touches(tenant),
        "opportunities": _opportunities(today),
    }


def _rng(*parts: Any) -> random.Random:
    """A generator of its own per item, so seeding again draws the same and adds nothing."""
    return random.Random("-".join(str(p) for p in parts))


def _views(today: dt.date) -> int:
    made = 0
    for publication in OfferPublication.objects.live().order_by("pk"):
        rng = _rng("views", publication.pk)
        have = set(PageViews.objects.filter(publication=publication).values_list("day", flat=True))
        rows = [
            PageViews(
                tenant_id=publication.tenant_id,
                publication=publication,
                day=day,
                views=rng.randint(0, 30 if publication.partner_id else 60),
            )
            for back in range(DAYS)
            if (day := today - dt.timedelta(days=back)) not in have
        ]
        PageViews.objects.bulk_create(rows)
        made += len(rows)
    return made


def _campaign_of(publication: OfferPublication, campaigns: list[Campaign]) -> Campaign | None:
    """A running campaign that uses the page's offer and that the page's route runs."""
    runs = Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).run_by(publication.partner)
    return runs.filter(offer_links__offer=publication.offer_id).order_by("pk").first()


def _responses(tenant: Tenant) -> int:
    have = set(
        CampaignResponse.objects.filter(external_id__startswith="DEMO-CR-").values_list(
            "external_id", flat=True
        )
    )
    campaigns = list(Campaign.objects.filter(status="active"))
    now = timezone.now()
    made = 0
    for publication in OfferPublication.objects.live().select_related("offer", "partner"):
        campaign = _campaign_of(publication, campaigns)
        rng = _rng("responses", publication.pk)
        for number in range(rng.randint(2, 6)):
            key = f"DEMO-CR-{publication.pk}-{number}"
            if key in have:
                continue
            at = now - dt.timedelta(days=rng.randint(1, DAYS - 1), hours=rng.randint(0, 9))
            _respond(tenant, publication, campaign, key, at, rng)
            made += 1
    return made


def _respond(
    tenant: Tenant,
    publication: OfferPublication,
    campaign: Campaign | None,
    key: str,
    at: dt.datetime,
    rng: random.Random,
) -> None:
    first, last, company, country = rng.choice(PEOPLE)
    offer = publication.offer
    inputs: dict[str, Any] = {}
    result = None
    if offer.roi_formula:
        inputs = {str(offer.roi_inputs[0]["key"]): rng.choice([40, 80, 120, 200])}
        result = evaluate_roi(offer.roi_formula, offer.roi_inputs, inputs)
    lead = Lead.objects.create(
        tenant=tenant,
        external_id=key.replace("DEMO-CR-", "DEMO-CRL-"),
        source=LeadSource.CAMPAIGN,
        source_detail=f"Offer page: {offer.name}"[:200],
        first_name=first,
        last_name=last,
        email=f"{first}.{last}.{key[-6:]}@{company.split()[0].lower()}.example".lower().replace(
            " ", ""
        ),
        company=company,
        country=country,
        message=f"Interested in {offer.name}."
        + (f" ROI estimate: {result:,.2f}." if result else ""),
        submitted_by_partner=publication.partner,
        campaign=campaign,
        offer=offer,
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=at, updated_at=at)
    lead_ops.process_batch(tenant, [lead.pk], acting=SEEDING, now=at)
    lead.refresh_from_db()
    _work(lead, at + dt.timedelta(minutes=rng.randint(20, 90)))
    # Notifications carry the response's time; seeding emails nobody.
    Notification.objects.filter(lead=lead, emailed_at__isnull=True).update(
        created_at=at, emailed_at=at
    )
    record_response(
        tenant=tenant,
        acting=SEEDING,
        campaign=campaign,
        offer=offer,
        partner=publication.partner,
        kind="landing_page",
        occurred_at=at,
        lead=lead,
        email=lead.email,
        roi_inputs=inputs,
        roi_result=result,
    )
    CampaignResponse.objects.filter(lead=lead, external_id="").update(external_id=key)


def _assignee(lead: Lead) -> Membership | None:
    members = Membership.objects.filter(is_active=True).select_related("user")
    if lead.assigned_partner_id:
        members = members.filter(partner_id=lead.assigned_partner_id)
    elif lead.assigned_user_id:
        members = members.filter(user_id=lead.assigned_user_id)
    elif lead.assigned_team_id:
        members = members.filter(team_id=lead.assigned_team_id)
    else:
        return None
    return members.order_by("role", "user__email").first()


def _work(lead: Lead, at: dt.datetime) -> None:
    """Whoever the response was routed to accepts it and calls back soon after, as the SLA asks
    (the lead-ops demo plays the slow and the declining ones)."""
    member = _assignee(lead) if lead.status == LeadStatus.ROUTED else None
    if member is None:
        return
    lead_ops.accept_lead(lead, acting=member, now=at)
    lead_ops.log_touch(
        lead,
        acting=member,
        channel="call",
        subject=f"Called back about {lead.offer.name if lead.offer else 'the offer'}",
        occurred_at=at + dt.timedelta(minutes=15),
    )
    # The clocks stopped when the touch happened, not when the demo was seeded.
    SlaTimer.objects.filter(lead=lead, stopped_at__gt=at).update(
        stopped_at=at + dt.timedelta(minutes=15)
    )


def _workers(tenant: Tenant) -> list[Any]:
    reps = Membership.objects.filter(
        role__in=[Role.DIRECT_REP, Role.DIRECT_MANAGER], is_active=True
    ).select_related("user")
    return [m.user for m in reps.order_by("user__email")]


def _touches(tenant: Tenant) -> int:
    """Each target-listed account of a running campaign worked by one party, some by two."""
    have = set(
        Touch.objects.filter(external_id__startswith="DEMO-CT-").values_list(
            "external_id", flat=True
        )
    )
    reps = _workers(tenant)
    partners = list(Partner.objects.filter(status="active").order_by("name"))
    now = timezone.now()
    rows: list[Touch] = []
    for campaign in Campaign.objects.filter(status="active", target_list__isnull=False):
        offer_id = campaign.offer_links.order_by("pk").values_list("offer_id", flat=True).first()
        running = [p for p in partners if Campaign.objects.filter(pk=campaign.pk).run_by(p)]
        members = TargetListMember.objects.filter(target_list=campaign.target_list_id)
        for account_id in members.order_by("account_id").values_list("account_id", flat=True)[:14]:
            rng = _rng("touches", campaign.pk, account_id)
            parties: list[tuple[str, Any]] = []
            if campaign.direct and reps:
                parties.append((TouchRoute.DIRECT, rng.choice(reps)))
            if running:
                parties.append((TouchRoute.PARTNER, rng.choice(running)))
            if len(running) > 1 and rng.random() < 0.2:
                parties.append((TouchRoute.PARTNER, rng.choice(running)))
            # Most accounts are worked by one party; about one in four by two (overlap).
            chosen = parties if rng.random() < 0.25 else parties[:1] or parties
            for route, who in chosen:
                key = f"DEMO-CT-{campaign.pk}-{account_id}-{route}-{who.pk}"
                if key in have:
                    continue
                have.add(key)
                rows.append(
                    Touch(
                        tenant=tenant,
                        external_id=key,
                        account_id=account_id,
                        campaign=campaign,
                        offer_id=offer_id,
                        channel=rng.choice(["call", "meeting", "email", "event"]),
                        route=route,
                        actor_user=who if route == TouchRoute.DIRECT else None,
                        actor_partner=who if route == TouchRoute.PARTNER else None,
                        occurred_at=now - dt.timedelta(days=rng.randint(1, DAYS)),
                        subject=rng.choice(SUBJECTS[route]),
                    )
                )
    for row in rows:
        row.save()  # through save(): the change feed carries them to the rollups and overlap
    return len(rows)


def _opportunities(today: dt.date) -> int:
    """Opportunities from campaigns: a third of those on accounts a campaign worked come from
    that campaign, and a quarter of those opened during the campaigns' six weeks from a running
    campaign their route runs (so the current quarter has offer conversion to show). Chosen by
    their order of opening and external id, the same on every database."""
    worked = (
        Touch.objects.filter(external_id__startswith="DEMO-CT-")
        .values_list("account_id", "campaign_id", "offer_id")
        .order_by("account_id", "campaign_id")
        .distinct()
    )
    by_account = {account: (campaign, offer) for account, campaign, offer in worked}
    # Counted over every opportunity, marked or not, so seeding again picks the same ones.
    ordered = Opportunity.objects.order_by("opened_on", "external_id", "pk")
    made = 0
    for index, opportunity in enumerate(ordered.filter(account_id__in=list(by_account))):
        if index % 3 == 0 and opportunity.campaign_id is None:
            made += _mark(opportunity, *by_account[opportunity.account_id])
    running = list(Campaign.objects.running_on(today).order_by("pk"))
    recent = ordered.filter(opened_on__gte=today - dt.timedelta(days=DAYS))
    for index, opportunity in enumerate(recent.select_related("partner")):
        if index % 4 == 0 and opportunity.campaign_id is None:
            made += _mark_from_running(opportunity, running)
    return made


def _mark(opportunity: Opportunity, campaign_id: int | None, offer_id: int | None) -> int:
    opportunity.campaign_id, opportunity.offer_id = campaign_id, offer_id
    opportunity.save(update_fields=["campaign", "offer"])
    return 1


def _mark_from_running(opportunity: Opportunity, running: list[Campaign]) -> int:
    """The first running campaign the opportunity's route runs, with the campaign's first offer."""
    party = opportunity.partner if opportunity.route == Route.PARTNER else None
    runs = Campaign.objects.filter(pk__in=[c.pk for c in running]).run_by(party)
    for campaign in runs.order_by("pk"):
        offer_id = campaign.offer_links.order_by("pk").values_list("offer_id", flat=True).first()
        if offer_id is not None:
            return _mark(opportunity, campaign.pk, offer_id)
    return 0
