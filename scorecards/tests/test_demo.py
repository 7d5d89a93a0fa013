"""seed_demo gives acme and globex two years of history, so every scorecard, tier standing and
chart shows real figures after `make run`.

The demo is built from the day it is seeded, so these tests seed it on fixed days (the clock,
`django.utils.timezone.now`, is stopped): mid-quarter for the whole demo, and the first day of a
quarter, when the current quarter has only hours behind it.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.audit import audit_context
from core.metrics import Scope
from core.seeding import demo_modules
from core.tenancy import tenant_scope
from pipeline.models import Lead, Opportunity, StageChange, Touch
from scorecards import services
from scorecards.models import ExchangeRate, OpportunityFact, TierRequirement
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db

SCALE = 0.3  # 450 Acme opportunities, 180 at Globex: enough for every quarter and route
# Globex's 120: the demo's last weeks hold one found by each route (pipeline.demo.FRESH_EVERY).
FIRST_DAY_SCALE = 0.2
MID_QUARTER = dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC)  # a Wednesday
FIRST_DAY = dt.datetime(2026, 10, 1, 7, 0, tzinfo=dt.UTC)  # in Berlin and in Chicago
ROUTES = [Scope("route", "direct"), Scope("route", "partner")]
SLUGS = ("acme", "globex")


def stop_clock(monkeypatch, at: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at)


def test_seed_demo_gives_two_years_of_scorecards(monkeypatch):
    # One seeding for every check: it replays the lead engine and the registrations.
    stop_clock(monkeypatch, MID_QUARTER)
    call_command("seed_demo", "--scale", str(SCALE), "--quiet-logins", stdout=StringIO())
    seeded = {slug: Tenant.objects.get(slug=slug) for slug in SLUGS}
    for tenant in seeded.values():
        with tenant_scope(tenant):
            check_sourced_pipeline_of_both_routes(tenant)
            check_every_chart_has_values_in_most_quarters(tenant)
            check_partners_stand_on_different_tiers_and_one_is_short(tenant)
            check_stage_histories_walk_the_stages_in_order(tenant)
            check_leads_were_worked_over_the_two_years(tenant)
            check_campaigns_have_figures(tenant)
    with tenant_scope(seeded["acme"]):
        check_foreign_deals_are_converted_with_rates_of_their_day()


def _quarters(tenant: Tenant) -> list[Quarter]:
    """The last eight quarters, oldest first: what the dashboard's trend shows."""
    current = services.quarter_from(tenant, None)
    return [current.shifted(-n) for n in range(7, -1, -1)]


def check_sourced_pipeline_of_both_routes(tenant):
    current = services.quarter_from(tenant, None)
    for quarter in (current, current.shifted(-4), current.shifted(-7)):
        for scope in ROUTES:
            card = services.scorecard(tenant, scope, quarter)
            row = next(r for r in card.rows if r.metric.key == "sourced_pipeline")
            assert row.value and row.value > 0, (tenant.slug, quarter.code, scope)
            assert card.unconverted == 0


def check_campaigns_have_figures(tenant):
    """The demo's campaign activity shows on the scorecard: responses, their conversion, and
    pipeline from and influenced by campaigns."""
    keys = (
        "campaign_sourced_pipeline",
        "campaign_influenced_pipeline",
        "offer_responses",
        "offer_conversion",
    )
    found: set[str] = set()
    for quarter in _quarters(tenant):
        card = services.scorecard(tenant, Scope("tenant"), quarter)
        found |= {row.metric.key for row in card.rows if row.metric.key in keys and row.value}
    assert found == set(keys), (tenant.slug, found)


def check_every_chart_has_values_in_most_quarters(tenant):
    quarters = _quarters(tenant)
    trend = services.dashboard(tenant, quarters[-1])["trend"]
    for route in ("direct", "partner"):
        assert sum(1 for value in trend[route] if value) >= 6, (tenant.slug, route, trend)
    shown: dict[str, int] = dict.fromkeys(
        ("sourced_vs_influenced", "funnel", "overlap", "stage_medians"), 0
    )
    for quarter in quarters:
        data = services.dashboard(tenant, quarter)
        pairs = data["sourced_vs_influenced"].values()
        shown["sourced_vs_influenced"] += all(
            sourced and influenced for sourced, influenced in pairs
        )
        shown["funnel"] += bool(data["funnel"])
        shown["overlap"] += bool(data["overlap"]["cells"])
        shown["stage_medians"] += bool(services.stage_medians(tenant, quarter))
    assert all(count >= 6 for count in shown.values()), (tenant.slug, shown)
    # The trend moves: the latest full quarters hold more than the first ones.
    totals = [sum(trend[route][i] or 0 for route in trend) for i in range(8)]
    assert totals[5] + totals[6] > totals[0] + totals[1], (tenant.slug, totals)


def check_partners_stand_on_different_tiers_and_one_is_short(tenant):
    assert set(TierRequirement.objects.values_list("tier", flat=True)) == {
        "registered",
        "silver",
        "gold",
        "platinum",
    }
    last_full = services.quarter_from(tenant, None).previous
    standings = {p.pk: services.tier_standing(tenant, p, last_full) for p in Partner.objects.all()}
    assert len({s.earned for s in standings.values()}) >= 2, standings
    # Someone works towards a tier: a requirement of the next tier up is not met yet.
    assert any(s.needs for s in standings.values()), standings


def check_stage_histories_walk_the_stages_in_order(tenant):
    zone = tenant.zone
    history: dict[int, list] = {}
    for change in StageChange.objects.select_related("to_stage").order_by("changed_at", "id"):
        history.setdefault(change.opportunity_id, []).append(change)
    demo = Opportunity.objects.filter(external_id__startswith="DEMO-O-").select_related("stage")
    assert demo.count() > 100
    for opportunity in demo:
        changes = history[opportunity.pk]
        orders = [c.to_stage.order for c in changes]
        assert orders == sorted(orders) and len(set(orders)) == len(orders), opportunity
        assert changes[-1].to_stage_id == opportunity.stage_id
        assert changes[0].changed_at.astimezone(zone).date() == opportunity.opened_on
        assert changes[-1].changed_at <= timezone.now()
        if opportunity.stage.outcome != "open":
            assert changes[-1].changed_at.astimezone(zone).date() == opportunity.closed_on
    # Opened over two years and more, by both routes, found by every kind of source.
    oldest = demo.order_by("opened_on").first()
    assert oldest is not None and (timezone.localdate() - oldest.opened_on).days > 730
    assert set(demo.values_list("route", flat=True)) == {"direct", "partner"}
    assert set(demo.values_list("source", flat=True)) >= {"partner", "direct", "marketing"}
    # Co-sold: both routes touched some deals.
    assert OpportunityFact.objects.filter(touched_direct=True, touched_partner=True).count() > 10


def check_leads_were_worked_over_the_two_years(tenant):
    earlier = Lead.objects.filter(external_id__startswith="DEMO-LH-")
    assert earlier.exists()
    assert set(earlier.values_list("route", flat=True)) == {"direct", "partner"}
    oldest = earlier.order_by("created_at").first()
    assert oldest is not None and timezone.now() - oldest.created_at > dt.timedelta(days=600)
    touched = earlier.filter(first_touch_at__isnull=False)
    assert touched.exists() and earlier.filter(first_touch_at__isnull=True).exists()
    for lead in touched:
        # Speed-to-lead and the SLA follow from the first touch, which is in the touch log.
        assert lead.first_touch_at is not None
        speed = lead.first_touch_at - lead.created_at
        assert lead.speed_to_lead_seconds == int(speed.total_seconds())
        assert lead.sla_met is not None
        assert Touch.objects.filter(lead=lead, occurred_at=lead.first_touch_at).exists()
    assert not earlier.filter(first_touch_at__isnull=True, sla_met=True).exists()
    assert {True, False} <= set(earlier.values_list("sla_met", flat=True))
    quarters = _quarters(tenant)
    partner_sla = [services.scorecard(tenant, Scope("route", "partner"), q).rows for q in quarters]
    values = [
        next(r for r in rows if r.metric.key == "lead_sla_attainment").value for rows in partner_sla
    ]
    assert sum(1 for v in values if v is not None) >= 6, values


def check_foreign_deals_are_converted_with_rates_of_their_day():
    currencies = set(Opportunity.objects.values_list("currency", flat=True))
    assert {"EUR", "USD", "GBP", "CHF"} <= currencies
    foreign = OpportunityFact.objects.exclude(currency="EUR")
    assert foreign.exists() and not foreign.filter(amount__isnull=True).exists()
    oldest = Opportunity.objects.order_by("opened_on").first()
    assert oldest is not None
    for currency in ("USD", "GBP", "CHF"):
        rates = ExchangeRate.objects.filter(currency=currency)
        assert rates.filter(valid_from__lte=oldest.opened_on).exists()
        assert rates.count() >= 24 and len(set(rates.values_list("rate", flat=True))) > 12


def test_the_current_quarter_has_both_routes_on_its_first_day(monkeypatch):
    stop_clock(monkeypatch, FIRST_DAY)
    wanted = {"tenancy.demo", "accounts.demo", "pipeline.demo", "scorecards.demo"}
    with audit_context(source="command"):
        for module in demo_modules():
            if module.__name__ in wanted:
                module.seed(stdout=StringIO(), scale=FIRST_DAY_SCALE)
    for slug in SLUGS:
        tenant = Tenant.objects.get(slug=slug)
        with tenant_scope(tenant):
            current = services.quarter_from(tenant, None)
            assert current.start == timezone.localtime(FIRST_DAY, tenant.zone).date()
            check_sourced_pipeline_of_both_routes_now(tenant, current)


def check_sourced_pipeline_of_both_routes_now(tenant, current):
    data = services.dashboard(tenant, current)
    for route in ("direct", "partner"):
        sourced, _ = data["sourced_vs_influenced"][route]
        assert sourced and sourced > 0, (tenant.slug, route)
