"""The governance review's sections, each on a small world with known answers, and the
preparation job end to end (docs/governance.md defines every figure)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import TargetList, TargetListMember
from accounts.tests.factories import AccountFactory, ProductLineFactory, SegmentFactory
from campaigns.tests.factories import CampaignFactory
from core.acting import SystemActor
from core.tenancy import tenant_scope
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    DealRegistration,
    RegistrationClock,
    RegistrationConflict,
)
from guardrails.models import RuleException, Simulation
from guardrails.tests.factories import RulebookVersionFactory
from mdf.models import FundBalance, FundRequest, MdfClock, Reallocation, ReallocationLine
from pipeline.models import Lead, Stage
from pipeline.services import ensure_default_stages
from pipeline.tests.factories import CampaignResponseFactory, OpportunityFactory, TouchFactory
from routing.models import SlaTimer
from scorecards import overlap, rollup
from scorecards.choices import JobStatus, ReviewStatus
from scorecards.models import GovernanceReview, LeadFact, OverlapFlag, TierRequirement
from scorecards.review.period import Period, Progress
from scorecards.review.sections import SECTIONS
from scorecards.review.workspace import run_preparation
from tenancy.choices import Role
from tenancy.quarters import Quarter
from tenancy.tests.factories import PartnerFactory, TeamFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")
IN = dt.datetime(2026, 8, 10, 10, tzinfo=dt.UTC)  # a Monday of 2026-Q3
EARLY = dt.datetime(2026, 2, 2, 10, tzinfo=dt.UTC)  # 2026-Q1: outside the review
KEYS = ["headline", "parties", "overlap", "conflicts", "sla", "rules", "target_lists", "mdf"]


class W:
    """The small world: names to rows."""

    tenant: Any
    quarter: Quarter
    anvil: Any
    bolt: Any
    team: Any
    reallocation: Any
    v2: Any

    def __init__(self, **rows: Any) -> None:
        self.__dict__.update(rows)


def _stage(outcome: str) -> Stage:
    return Stage.objects.filter(outcome=outcome).order_by("order")[0]


@pytest.fixture
def w():
    tenant = TenantFactory()
    with tenant_scope(tenant):
        yield _build(tenant)


def _build(tenant) -> W:
    ensure_default_stages(tenant, acting=SYSTEM)
    quarter = Quarter.of(tenant, dt.date(2026, 8, 1))
    anvil = PartnerFactory(tenant=tenant, name="Anvil Distribution", tier="gold")
    bolt = PartnerFactory(tenant=tenant, name="Bolt Supply", tier="silver")
    team = TeamFactory(tenant=tenant, name="Direct North")
    rep = member(tenant, Role.DIRECT_REP, team=team)
    mining = SegmentFactory(tenant=tenant, key="mining", name="Mining")
    acc = {n: AccountFactory(tenant=tenant, name=f"A{n}") for n in range(1, 16)}
    for n in (1, 7, 14):
        acc[n].segment = mining
        acc[n].save()
    open_, won, lost = _stage("open"), _stage("won"), _stage("lost")

    def opp(n, amount, stage, opened, closed=None, **fields):
        return OpportunityFactory(
            tenant=tenant,
            account=acc[n],
            amount=amount,
            stage=stage,
            opened_on=opened,
            closed_on=closed,
            **fields,
        )

    partner_deal = {"route": "partner", "partner": anvil, "source": "partner"}
    direct_deal = {"route": "direct", "owner_team": team, "owner_user": rep, "source": "direct"}
    opp(1, 1000, open_, dt.date(2026, 8, 3), **partner_deal)
    opp(2, 2500, won, dt.date(2026, 7, 5), dt.date(2026, 8, 20), **direct_deal)
    opp(3, 400, open_, dt.date(2026, 5, 1), **direct_deal)
    opp(7, 3000, won, dt.date(2026, 5, 10), dt.date(2026, 8, 15))
    opp(8, 800, lost, dt.date(2026, 5, 10), dt.date(2026, 8, 12))
    opp(14, 7000, open_, dt.date(2026, 7, 20))
    opp(15, 900, open_, dt.date(2026, 7, 20))  # in no segment: no fit
    acc[16] = AccountFactory(tenant=tenant, name="A16", segment=mining)
    opp(16, 9000, open_, dt.date(2026, 6, 1))  # open, but opened before the quarter: no fit
    TierRequirement.objects.create(
        tenant=tenant, tier="platinum", metric="sourced_pipeline", minimum=5000
    )

    # Target list L1, targeted by campaign C.
    listed = TargetList.objects.create(tenant=tenant, name="Presses")
    for n in (4, 7, 8, 9, 10):
        TargetListMember.objects.create(tenant=tenant, target_list=listed, account=acc[n])
    TargetListMember.objects.filter(account__in=[acc[9], acc[10]]).update(
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    campaign = CampaignFactory(tenant=tenant, name="Press line ABM", target_list=listed)

    def touch(n, who, when=IN, **fields):
        if who == "direct":
            fields.update(route="direct", actor_user=rep, actor_team=team)
        elif who == "marketing":
            fields.update(route="marketing")
        else:
            fields.update(route="partner", actor_partner=who)
        return TouchFactory(tenant=tenant, account=acc[n], occurred_at=when, **fields)

    touch(4, "direct", campaign=campaign)
    touch(4, anvil, IN + dt.timedelta(days=1), campaign=campaign)
    touch(5, anvil, campaign=campaign)
    touch(5, bolt, IN + dt.timedelta(days=1), campaign=campaign)
    touch(6, "direct", EARLY, campaign=campaign)
    touch(6, bolt, EARLY, campaign=campaign)
    touch(10, "marketing")
    for _ in range(3):
        touch(12, "marketing", campaign=campaign)
    for _ in range(2):
        touch(13, "marketing", campaign=campaign)
    CampaignResponseFactory(tenant=tenant, campaign=campaign, account=acc[11], occurred_at=IN)
    overlap.rebuild(tenant)
    for flag in OverlapFlag.objects.filter(account__in=[acc[5], acc[6]]):
        overlap.settle(flag, acting=SYSTEM, decision="Bolt keeps it.")
    rollup.rebuild(tenant)

    # Deal registrations, conflicts and an adjudication.
    def registration(route, **fields):
        return DealRegistration.objects.create(
            tenant=tenant,
            route=route,
            title=f"{route} claim",
            end_customer=acc[4],
            estimated_amount=Decimal(5000),
            currency="EUR",
            state="under_review",
            **fields,
        )

    r1 = registration("partner", registrant_partner=anvil)
    r2 = registration("direct", registrant_team=team)
    line = ProductLineFactory(tenant=tenant, name="Presses")
    decided = Adjudication.objects.create(
        tenant=tenant,
        account=acc[4],
        product_line=line,
        decision="award",
        reason="Anvil registered first.",
        decided_at=IN + dt.timedelta(hours=3),
    )
    AdjudicationParty.objects.create(
        tenant=tenant, adjudication=decided, registration=r1, share=100, prevails=True
    )
    AdjudicationParty.objects.create(
        tenant=tenant, adjudication=decided, registration=r2, share=0, prevails=False
    )

    def conflict(reg, kind, when, **fields):
        made = RegistrationConflict.objects.create(
            tenant=tenant, registration=reg, kind=kind, reason="x", internal_reason="y", **fields
        )
        RegistrationConflict.objects.filter(pk=made.pk).update(created_at=when)

    conflict(r1, "registration", IN, status="resolved", adjudication=decided, other_registration=r2)
    conflict(r2, "registration", IN, status="resolved", adjudication=decided, other_registration=r1)
    conflict(r1, "touches", IN, registrant_prevails=True)
    conflict(r2, "touches", EARLY, registrant_prevails=False)

    # SLA clocks of every area.
    hour = dt.timedelta(hours=1)
    lead1 = Lead.objects.create(
        tenant=tenant, source="api", company="Lead One", route="partner", assigned_partner=anvil
    )
    lead2 = Lead.objects.create(
        tenant=tenant, source="api", company="Lead Two", route="direct", assigned_team=team
    )

    def timer(lead, kind, state, **fields):
        SlaTimer.objects.create(
            tenant=tenant,
            lead=lead,
            kind=kind,
            assignment=1,
            state=state,
            started_at=IN - 2 * hour,
            due_at=IN + hour,
            next_action_at=IN,
            **fields,
        )

    timer(lead1, "accept", "met", stopped_at=IN)
    timer(lead1, "first_touch", "breached", breached_at=IN + 2 * hour, stopped_at=IN + 5 * hour)
    timer(lead2, "accept", "met", stopped_at=IN)
    timer(lead2, "first_touch", "met", stopped_at=EARLY)

    # Lead follow-up is counted from the lead facts (the scorecard's lead SLA attainment): a
    # partner lead met and one breached, a direct one met, one without an outcome yet and one of
    # another quarter, neither counted.
    def lead_fact(lead, sla_met, assigned_quarter=quarter.start):
        LeadFact.objects.create(
            tenant=tenant,
            lead=lead,
            assigned_quarter=assigned_quarter,
            route=lead.route,
            partner=lead.assigned_partner,
            team=lead.assigned_team,
            sla_met=sla_met,
        )

    def another_lead(name, **fields):
        return Lead.objects.create(tenant=tenant, source="api", company=name, **fields)

    lead_fact(lead1, False)
    lead_fact(another_lead("Lead Three", route="partner", assigned_partner=anvil), True)
    lead_fact(lead2, True)
    lead_fact(another_lead("Lead Four", route="direct", assigned_team=team), None)
    early_lead = another_lead("Lead Five", route="partner", assigned_partner=anvil)
    lead_fact(early_lead, False, assigned_quarter=quarter.previous.start)

    def reg_clock(reg, side, kind, state, **fields):
        RegistrationClock.objects.create(
            tenant=tenant,
            registration=reg,
            side=side,
            kind=kind,
            state=state,
            started_at=IN - 48 * hour,
            next_action_at=IN,
            **{"due_at": IN, **fields},
        )

    reg_clock(r1, "vendor", "review", "met", stopped_at=IN)
    reg_clock(
        r1, "registrant", "answer", "breached", due_at=IN - 24 * hour, breached_at=IN, stopped_at=IN
    )
    reg_clock(r2, "registrant", "answer", "met", stopped_at=IN)
    request = FundRequest.objects.create(
        tenant=tenant,
        partner=anvil,
        quarter_start=quarter.start,
        activity_type="event",
        title="Open house",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 9, 2),
        total_cost=Decimal(4000),
        amount_requested=Decimal(2000),
        state="approved",
    )
    MdfClock.objects.create(
        tenant=tenant,
        partner=anvil,
        request=request,
        side="vendor",
        kind="decide_request",
        state="met",
        started_at=IN - hour,
        due_at=IN + hour,
        stopped_at=IN,
    )
    MdfClock.objects.create(
        tenant=tenant,
        partner=anvil,
        request=request,
        side="partner",
        kind="claim_window",
        state="running",
        started_at=IN - 72 * hour,
        due_at=IN - 48 * hour,
        breached_at=IN,
    )

    # Rules: a version published in the quarter (and one before), exceptions.
    v1 = RulebookVersionFactory(rulebook__tenant=tenant, status="retired", published_at=EARLY)
    v2 = RulebookVersionFactory(
        rulebook=v1.rulebook, status="active", summary="Austria to partners", published_at=IN
    )
    flows = [
        {"from": "direct", "to": "partner", "accounts": 3, "open_pipeline": "1500.00"},
        {"from": "partner", "to": "direct", "accounts": 0, "open_pipeline": "500.00"},
    ]
    for finished, summary in (
        (IN - hour, {"moved_accounts": 9, "flows": []}),
        (IN, {"moved_accounts": 3, "flows": flows}),
    ):
        Simulation.objects.create(
            tenant=tenant, version=v2, status="done", summary=summary, finished_at=finished
        )
    for kind, status, when, extra in (
        ("work_account", "approved", IN, {"partner": anvil}),
        ("discount", "pending", IN, {"product_line": line, "requested_discount": Decimal("12.5")}),
        ("work_account", "denied", EARLY, {}),
    ):
        made = RuleException.objects.create(
            tenant=tenant,
            kind=kind,
            status=status,
            account=acc[4],
            justification="Because.",
            ends_on=dt.date(2026, 12, 31),
            **extra,
        )
        RuleException.objects.filter(pk=made.pk).update(created_at=when)

    # Funds of the quarter and a recommendation with a line still proposed.
    FundBalance.objects.create(
        tenant=tenant,
        partner=anvil,
        quarter_start=quarter.start,
        allocated=Decimal(10000),
        committed=Decimal(2000),
        paid=Decimal(3000),
        available=Decimal(5000),
    )
    FundBalance.objects.create(
        tenant=tenant,
        partner=bolt,
        quarter_start=quarter.start,
        allocated=Decimal(4000),
        available=Decimal(4000),
    )
    reallocation = Reallocation.objects.create(
        tenant=tenant, quarter_start=quarter.start, summary={"sources": 1}
    )
    ReallocationLine.objects.create(
        tenant=tenant,
        reallocation=reallocation,
        from_partner=bolt,
        to_partner=anvil,
        proposed_amount=Decimal(500),
        reason="Bolt has spare funds.",
    )
    return W(
        tenant=tenant,
        quarter=quarter,
        anvil=anvil,
        bolt=bolt,
        team=team,
        acc=acc,
        listed=listed,
        reallocation=reallocation,
        v2=v2,
        decided=decided,
        r1=r1,
        r2=r2,
    )


def build(w: W, key: str) -> dict:
    review = GovernanceReview.objects.create(tenant=w.tenant, quarter_start=w.quarter.start)
    period = Period.of(review, SYSTEM)
    section = next(s for s in SECTIONS if s.key == key)
    data = section.build(period, Progress(review.pk, len(SECTIONS)))
    json.dumps(data)  # JSON-ready as it is
    return data


def test_the_sections_are_the_eight_of_the_design_in_order():
    assert [s.key for s in SECTIONS] == KEYS


def test_headline_shows_both_routes_and_the_tenant_beside_the_previous_quarter(w):
    data = build(w, "headline")
    keys = [m["key"] for m in data["metrics"]]
    assert keys[:5] == [
        "sourced_pipeline",
        "influenced_pipeline",
        "won_revenue",
        "win_rate_count",
        "partner_sourced_share",
    ]
    assert {"speed_to_lead_median", "lead_sla_attainment", "offer_conversion"} <= set(keys)
    now, before = data["routes"], data["previous"]
    assert now["partner"]["sourced_pipeline"] == "1000.00"
    assert now["direct"]["sourced_pipeline"] == "2500.00"
    # The tenant's counts every source, the unknown ones too (A14's and A15's 7,900.00).
    assert now["tenant"]["sourced_pipeline"] == "11400.00"
    assert now["tenant"]["won_revenue"] == "5500.00"
    assert now["direct"]["win_rate_count"] is not None
    assert before["direct"]["sourced_pipeline"] == "400.00"
    assert before["partner"]["sourced_pipeline"] is None  # no data is not 0


def test_parties_give_each_partner_and_team_their_own_figures_and_counts(w):
    data = build(w, "parties")
    anvil = next(p for p in data["partners"] if p["id"] == w.anvil.pk)
    bolt = next(p for p in data["partners"] if p["id"] == w.bolt.pk)
    assert [p["name"] for p in data["partners"]] == ["Anvil Distribution", "Bolt Supply"]
    assert anvil["tier"] == "gold" and anvil["tier_label"] == "Gold"
    assert anvil["figures"]["sourced_pipeline"] == "1000.00"
    assert anvil["previous"]["sourced_pipeline"] is None
    assert anvil["tier_standing"]["next_tier"] == "platinum"
    assert anvil["tier_standing"]["missing"] == ["Sourced pipeline: 1,000.00 of at least 5,000.00"]
    assert anvil["overlap_accounts"] == 2  # A4 (with direct sales) and A5 (with Bolt)
    assert bolt["overlap_accounts"] == 1  # A5; A6 was settled and not worked this quarter
    assert (anvil["conflicts"], anvil["conflicts_prevailed"]) == (2, 2)
    assert anvil["sla"] == {
        "lead_ops": {"clocks": 2, "breached": 1},
        "dealreg": {"clocks": 1, "breached": 1},
        "mdf": {"clocks": 1, "breached": 1},
    }
    assert anvil["mdf"]["funded"] == "10000.00"
    assert anvil["mdf"]["paid"] == "3000.00"
    assert anvil["mdf"]["available"] == "5000.00"
    assert bolt["mdf"]["funded"] == "4000.00" and bolt["sla"]["lead_ops"]["clocks"] == 0
    (team,) = data["teams"]
    assert team["name"] == "Direct North"
    assert team["figures"]["sourced_pipeline"] == "2500.00"
    assert team["overlap_accounts"] == 1
    assert (team["conflicts"], team["conflicts_prevailed"]) == (1, 0)
    assert team["sla"] == {
        "lead_ops": {"clocks": 1, "breached": 0},
        "dealreg": {"clocks": 1, "breached": 0},
    }


def test_overlap_lists_open_flags_first_and_counts_touch_overlap(w):
    data = build(w, "overlap")
    assert data["totals"] == {
        "flags": 2,
        "open": 1,
        "settled": 1,
        "routes": 1,
        "partners": 1,
        "on_target_list": 1,
    }
    assert data["touch_overlap"] == {"accounts_both_routes": 1, "accounts_several_partners": 1}
    assert data["count"] == 2
    first, second = data["items"]
    assert (first["account"], first["status"], first["kind"]) == ("A4", "open", "routes")
    assert first["on_target_list"] and first["campaign"] == "Press line ABM"
    assert {(p["route"], p["partner"], p["team"], p["touches"]) for p in first["parties"]} == {
        ("direct", "", "Direct North", 1),
        ("partner", "Anvil Distribution", "", 1),
    }
    assert (second["account"], second["status"]) == ("A5", "settled")


def test_conflicts_count_those_raised_and_how_the_quarter_decided(w):
    data = build(w, "conflicts")
    totals = data["totals"]
    assert totals["raised"] == 3
    assert totals["by_kind"] == {"registration": 2, "touches": 1}
    assert totals["by_status"] == {"resolved": 2, "open": 1}
    assert totals["registrant_prevailed"] == 2  # the award to Anvil, and a tie-break
    assert totals["adjudicated"] == 2
    assert totals["by_decision"] == {"award": 1}
    assert totals["decided_within_sla"] == 1
    assert totals["median_hours_to_decide"] == "3.0"
    assert data["count"] == 1
    (adjudication,) = data["adjudications"]
    assert adjudication["decision_label"] == "Awarded to one claim"
    assert adjudication["product_line"] == "Presses" and adjudication["account"] == "A4"
    assert [
        (p["partner"], p["team"], p["share"], p["prevails"]) for p in adjudication["parties"]
    ] == [
        ("Anvil Distribution", "", 100, True),
        ("", "Direct North", 0, False),
    ]


def test_sla_rows_by_area_and_side_parties_and_the_worst_breaches(w):
    data = build(w, "sla")
    rows = {
        (r["area"], r["side"]): (r["clocks"], r["breached"], r["met_pct"]) for r in data["rows"]
    }
    assert rows == {
        ("lead_ops", "partner"): (2, 1, "50.0"),
        ("lead_ops", "direct"): (1, 0, "100.0"),
        ("dealreg", "manufacturer"): (1, 0, "100.0"),
        ("dealreg", "partner"): (1, 1, "0.0"),
        ("dealreg", "direct"): (1, 0, "100.0"),
        ("mdf", "manufacturer"): (1, 0, "100.0"),
        ("mdf", "partner"): (1, 1, "0.0"),
    }
    parties = {(p["partner"], p["team"]): (p["clocks"], p["breached"]) for p in data["by_party"]}
    assert parties == {("Anvil Distribution", ""): (4, 3), ("", "Direct North"): (2, 0)}
    assert data["by_party"][0]["partner"] == "Anvil Distribution"  # most breaches first
    worst = [(b["area"], b["kind"], b["hours_late"]) for b in data["worst"]]
    # The claim window still runs: late until the quarter's end (2026-10-01 00:00 UTC).
    assert worst == [
        (
            "mdf",
            "claim_window",
            f"{(dt.datetime(2026, 10, 1, tzinfo=dt.UTC) - (IN - dt.timedelta(hours=48))).total_seconds() / 3600:.1f}",
        ),
        ("dealreg", "answer", "24.0"),
        ("lead_ops", "first_touch", "4.0"),
    ]
    assert data["worst"][2]["partner"] == "Anvil Distribution"


def test_rules_show_versions_published_with_their_latest_simulation_and_exceptions(w):
    data = build(w, "rules")
    (version,) = data["versions"]
    assert version["id"] == w.v2.pk and version["summary"] == "Austria to partners"
    assert version["moved"]["accounts"] == 3
    assert version["moved"]["open_pipeline"] == "2000.00"
    exceptions = data["exceptions"]
    assert exceptions["totals"] == {
        "requested": 2,
        "by_kind": {"work_account": 1, "discount": 1},
        "by_status": {"approved": 1, "pending": 1},
        "approved": 1,
        "denied": 0,
    }
    discount = next(e for e in exceptions["items"] if e["kind"] == "discount")
    assert (
        discount["requested_discount"] == "12.50" and discount["status_label"] == "Pending review"
    )
    approved = next(e for e in exceptions["items"] if e["kind"] == "work_account")
    assert approved["partner"] == "Anvil Distribution" and approved["account"] == "A4"


def test_target_lists_suggest_adds_and_drops_with_reasons_and_figures(w):
    data = build(w, "target_lists")
    assert data["totals"] == {"add": 4, "drop": 4}
    (listed,) = data["lists"]
    assert listed["name"] == "Presses" and listed["members"] == 5
    got = {(s["action"], s["account"], s["reason"]) for s in listed["suggestions"]}
    assert got == {
        ("add", "A11", "engagement"),
        ("add", "A12", "engagement"),
        ("add", "A14", "fit"),
        ("add", "A1", "fit"),
        ("drop", "A7", "won"),
        ("drop", "A8", "lost"),
        ("drop", "A4", "overlap"),
        ("drop", "A9", "inactive"),
    }
    adds = [s["account"] for s in listed["suggestions"] if s["action"] == "add"]
    assert adds[2:] == ["A14", "A1"]  # engagement first, then fit by open pipeline
    why = {s["account"]: s["why"] for s in listed["suggestions"]}
    assert why["A7"] == "A7 won 1 opportunity worth 3,000.00 EUR in 2026-Q3: it is a customer now."
    assert why["A8"] == "A8 lost 1 opportunity in 2026-Q3 and has no open pipeline left."
    assert "1 open overlap flag" in why["A4"]
    assert why["A9"] == "No touch on A9 was ever recorded; none in 2026-Q2 or 2026-Q3."
    assert why["A11"] == (
        "A11 is not on the list but in 2026-Q3 gave 1 response and had 0 touches in campaigns "
        "that target it."
    )
    assert "3 touches" in why["A12"]
    assert why["A14"] == (
        "A14 opened 1 opportunity in 2026-Q3, still open, worth 7,000.00 EUR, and is in Mining, "
        "DE, like members of the list won in the last 4 quarters."
    )


def test_mdf_totals_and_the_recommendation_still_to_decide_is_reused(w):
    data = build(w, "mdf")
    assert data["totals"] == {
        "funded": "14000.00",
        "committed": "2000.00",
        "paid": "3000.00",
        "available": "9000.00",
        "expired": "0.00",
    }
    assert data["reallocation_id"] == w.reallocation.pk
    (line,) = data["lines"]
    assert (line["from_partner"], line["to_partner"], line["amount"], line["state"]) == (
        "Bolt Supply",
        "Anvil Distribution",
        "500.00",
        "proposed",
    )


def test_mdf_recommends_anew_when_every_line_was_decided(w):
    ReallocationLine.objects.update(state="rejected")
    data = build(w, "mdf")
    assert data["reallocation_id"] != w.reallocation.pk
    assert Reallocation.objects.count() == 2


def test_preparation_runs_every_section_and_leaves_a_frozen_review_alone(w):
    review = GovernanceReview.objects.create(tenant=w.tenant, quarter_start=w.quarter.start)
    done = run_preparation(review.pk, acting=SYSTEM)
    assert done is not None
    review.refresh_from_db()
    assert review.job_status == JobStatus.DONE and review.progress_percent == 100
    assert review.job_done == review.job_total == 800
    assert sorted(review.data["sections"]) == sorted(KEYS)  # JSONB keeps no key order
    assert review.data["quarter"]["code"] == "2026-Q3"
    assert review.data["sections"]["overlap"]["totals"]["open"] == 1
    json.dumps(review.data)

    GovernanceReview.objects.filter(pk=review.pk).update(
        status=ReviewStatus.SIGNED_OFF, signed_off_at=IN, data={"frozen": True}
    )
    again = run_preparation(review.pk, acting=SYSTEM)
    assert again is not None and again.data == {"frozen": True}
    review.refresh_from_db()
    assert review.data == {"frozen": True} and review.job_status == JobStatus.DONE


def test_a_tenant_with_nothing_yet_is_prepared_with_empty_sections():
    tenant = TenantFactory()
    with tenant_scope(tenant):
        quarter = Quarter.of(tenant, dt.date(2026, 8, 1))
        review = GovernanceReview.objects.create(tenant=tenant, quarter_start=quarter.start)
        run_preparation(review.pk, acting=SYSTEM)
        review.refresh_from_db()
    sections = review.data["sections"]
    assert review.job_status == JobStatus.DONE and sorted(sections) == sorted(KEYS)
    assert sections["parties"] == {"partners": [], "teams": []}
    assert sections["overlap"]["count"] == 0 and sections["conflicts"]["count"] == 0
    assert sections["conflicts"]["totals"]["decided_within_sla"] is None
    assert all(row["clocks"] == 0 and row["met_pct"] is None for row in sections["sla"]["rows"])
    assert sections["target_lists"] == {"totals": {"add": 0, "drop": 0}, "lists": []}
    assert sections["mdf"]["totals"]["funded"] == "0.00" and sections["mdf"]["lines"] == []
    assert sections["headline"]["routes"]["tenant"]["sourced_pipeline"] is None


def test_the_just_ended_quarters_review_opens_by_itself_in_the_next_quarters_first_days(db):
    from core.acting import SystemActor
    from scorecards.choices import JobStatus
    from scorecards.review.workspace import open_due_review
    from tenancy.tests.factories import TenantFactory

    tenant = TenantFactory()
    system = SystemActor("test")
    with tenant_scope(tenant):
        late = open_due_review(tenant, acting=system, today=dt.date(2026, 11, 20))
        assert late is None  # 50 days into the quarter: RevOps opens it when it wants
        review = open_due_review(tenant, acting=system, today=dt.date(2026, 10, 2))
        assert review is not None and review.quarter_start == dt.date(2026, 7, 1)
        assert review.job_status == JobStatus.QUEUED
        again = open_due_review(tenant, acting=system, today=dt.date(2026, 10, 3))
        assert again is None and GovernanceReview.objects.count() == 1
