"""The channel-balance maturity assessment: the questionnaire's scores and levels, every live-data
measure on a small world with known answers, the refusals (nothing half-saved), the trend, the
console page and the API's roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProductLine
from accounts.tests.factories import ProductFactory, ProductLineFactory
from campaigns.tests.factories import CoBrandProfileFactory, OfferFactory
from core.acting import SystemActor
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration, RegistrationClock, RegistrationConflict
from guardrails.models import DiscountLeakage, Rulebook, RuleException
from guardrails.tests.factories import PricingCorridorFactory, RulebookVersionFactory
from mdf.models import FundRequest
from pipeline.models import Lead, OpportunityLine
from pipeline.tests.factories import OpportunityFactory
from routing.models import LeadEvent
from routing.tests.factories import LeadFactory
from scorecards.maturity import data
from scorecards.maturity.questions import QUESTIONS
from scorecards.maturity.services import history, recompute_data, save_assessment
from scorecards.models import MaturityAssessment, MaturityScore
from scorecards.tests.factories import OpportunityFactFactory
from tenancy.quarters import Quarter
from tenancy.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("maturity test")
Q3 = dt.date(2026, 7, 1)  # the tenant is on the calendar year: 2026-Q3, July to September
IN = dt.datetime(2026, 8, 12, 10, tzinfo=dt.UTC)  # inside the quarter
BEFORE = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 10, 2, 10, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)  # the quarter has ended


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


def quarter(a: Any) -> Quarter:
    return Quarter.of(a.tenant, Q3)


def answers(level: int = 3, **overrides: int) -> dict[str, Any]:
    given: dict[str, Any] = {q.key: level for q in QUESTIONS}
    given.update({k.replace("__", "."): v for k, v in overrides.items()})
    return given


def measure(a: Any, capability: str) -> data.Measure:
    return data.MEASURES[capability](data.Window.of(a.tenant, quarter(a), NOW))


def pages(measure: data.Measure) -> list[str]:
    return [r["page"] for r in measure.recommendations]


def active_version(a: Any, published_at: dt.datetime = BEFORE) -> Any:
    rulebook, _ = Rulebook.objects.get_or_create(tenant=a.tenant)
    return RulebookVersionFactory(
        rulebook=rulebook, status="active", published_at=published_at, effective_at=published_at
    )


# --- the questionnaire --------------------------------------------------------------------------


def test_the_questionnaire_scores_each_capability_by_the_mean_of_its_three_answers(a):
    given = answers(
        1,
        governance__rules=1,
        governance__exceptions=2,
        governance__conflicts=4,
        enablement__kits=4,
        enablement__funds=4,
        enablement__dashboards=4,
        offers__kind=3,
        offers__shared=4,
        offers__conversion=4,
    )
    assessment = save_assessment(a.tenant, quarter(a), given, acting=a.membership("admin"), now=NOW)
    scores = {s.capability: s for s in assessment.scores.all()}
    assert len(scores) == 6
    assert scores["governance"].questionnaire_score == Decimal("2.33")
    assert scores["governance"].questionnaire_level == 2  # 2.33 has reached "defined" only
    assert scores["enablement"].questionnaire_score == Decimal("4.00")
    assert scores["enablement"].questionnaire_level == 4
    assert scores["offers"].questionnaire_score == Decimal("3.67")
    assert scores["offers"].questionnaire_level == 3
    assert scores["lead_ops"].questionnaire_level == 1
    assert assessment.answers["governance.conflicts"] == 4
    assert assessment.assessed_by == a.users["admin"]
    assert assessment.quarter_start == Q3
    # The lowest answer's next level is a recommendation, linked to where it is worked on.
    texts = [r["text"] for r in scores["governance"].recommendations]
    assert any("answered at level 1" in t and "Next step, level 2" in t for t in texts)
    assert not any(
        r["text"].startswith("Questionnaire") for r in scores["enablement"].recommendations
    )


def test_saving_again_replaces_the_quarters_answers_and_keeps_one_assessment(a):
    save_assessment(a.tenant, quarter(a), answers(2), acting=SYSTEM, now=NOW)
    save_assessment(a.tenant, quarter(a), answers(3), acting=SYSTEM, now=NOW)
    assert MaturityAssessment.objects.count() == 1
    assert MaturityScore.objects.count() == 6
    assert set(MaturityScore.objects.values_list("questionnaire_level", flat=True)) == {3}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"governance.rules": 5}, "governance.rules (“How are the rules"),
        ({"governance.rules": 5}, "5 is out of range; answer 1 to 4"),
        ({"lead_ops.sla": 0}, "lead_ops.sla"),
        ({"offers.kind": "three"}, "“three” is not a whole number"),
        ({"offers.kind": 2.5}, "offers.kind"),
        ({"offers.kind": True}, "offers.kind"),
        ({"offers.kind": None}, "whole number from 1 to 4"),
        ({"governance.vibes": 3}, "governance.vibes: no such question."),
        ({"attribution.models": "__missing__"}, "attribution.models (“How is credit"),
        ({"attribution.models": "__missing__"}, "not answered"),
    ],
)
def test_a_wrong_answer_is_refused_naming_the_question_and_nothing_is_saved(a, change, words):
    save_assessment(a.tenant, quarter(a), answers(2), acting=SYSTEM, now=NOW)
    given = answers(3)
    for key, value in change.items():
        if value == "__missing__":
            del given[key]
        else:
            given[key] = value
    with pytest.raises(ValidationError) as refused:
        save_assessment(a.tenant, quarter(a), given, acting=SYSTEM, now=NOW)
    assert any(words in m for m in refused.value.message_dict["answers"])
    # Nothing half-saved: the earlier answers and scores stand.
    assessment = MaturityAssessment.objects.get()
    assert set(assessment.answers.values()) == {2}
    assert set(MaturityScore.objects.values_list("questionnaire_level", flat=True)) == {2}


def test_answers_that_are_not_an_object_are_refused_and_no_assessment_is_made(a):
    with pytest.raises(ValidationError) as refused:
        save_assessment(a.tenant, quarter(a), [3, 3, 3], acting=SYSTEM, now=NOW)
    assert "answers" in refused.value.message_dict
    assert not MaturityAssessment.objects.exists()


def test_only_revops_admins_assess(a):
    for persona in ("manager", "rep", "partner_admin"):
        with pytest.raises(PermissionDenied):
            save_assessment(a.tenant, quarter(a), answers(), acting=a.membership(persona))
    assert not MaturityAssessment.objects.exists()


# --- the live-data measures ---------------------------------------------------------------------


def registration(a: Any, i: int) -> DealRegistration:
    return DealRegistration.objects.create(
        tenant=a.tenant,
        route="partner",
        registrant_partner=a.partner,
        registrant_user=a.users["partner_rep"],
        end_customer=a.customers["partner"],
        title=f"Registration {i}",
        estimated_amount=Decimal(1000),
        currency="EUR",
    )


def test_governance_without_a_published_rulebook_in_force_is_ad_hoc(a):
    active_version(a, published_at=AFTER)  # published after the quarter: not in force in it
    result = measure(a, "governance")
    assert (result.value, result.level) == (Decimal(0), 1)
    assert result.evidence["version"] is None
    assert pages(result) == ["rulebook"]


def test_governance_averages_conflicts_decided_clocks_met_and_exceptions_reviewed(a):
    active_version(a)
    line = ProductLine.objects.first()
    for i, status in enumerate(("resolved", "open")):
        RegistrationConflict.objects.create(
            tenant=a.tenant,
            registration=registration(a, i),
            kind="touches",
            product_line=line,
            status=status,
            reason="r",
            internal_reason="r",
        )
    RegistrationConflict.objects.update(created_at=IN)
    reg = registration(a, 9)
    clock = {"registration": reg, "side": "vendor", "kind": "review", "started_at": IN}
    clock |= {"due_at": IN, "next_action_at": IN, "tenant": a.tenant}
    for _ in range(3):
        RegistrationClock.objects.create(**clock, state="met", stopped_at=IN)
    RegistrationClock.objects.create(**clock, state="breached", breached_at=IN)
    RegistrationClock.objects.create(
        **{**clock, "side": "registrant"}, state="breached", breached_at=IN
    )
    RegistrationClock.objects.create(
        **clock, state="breached", breached_at=BEFORE
    )  # not this quarter
    for i in range(4):
        RuleException.objects.create(
            tenant=a.tenant,
            kind="work_account",
            account=a.customers["partner"],
            requested_by=a.users["partner_rep"],
            partner=a.partner,
            justification=f"Exception {i}",
            ends_on=dt.date(2030, 1, 1),
            status="approved",
        )
    RuleException.objects.update(created_at=IN)

    result = measure(a, "governance")
    # (50 % decided + 75 % met + 100 % reviewed) / 3
    assert result.value == Decimal("75.00")
    assert result.level == 3
    assert result.evidence["conflicts_raised"] == 2
    assert result.evidence["vendor_clocks_breached"] == 1
    assert pages(result) == ["dealreg-conflicts", "dealreg-review"]
    assert "1 of 2 registration conflicts" in result.recommendations[0]["text"]
    assert "1 of 4 manufacturer review clocks" in result.recommendations[1]["text"]


def test_enablement_averages_complete_cobranding_and_mdf_in_use_over_active_partners(a):
    PartnerFactory(tenant=a.tenant, status="suspended")  # not counted
    CoBrandProfileFactory(tenant=a.tenant, partner=a.partner, logo="cobranding/logo.png")
    CoBrandProfileFactory(tenant=a.tenant, partner=a.other_partner)  # no logo: incomplete
    FundRequest.objects.create(
        tenant=a.tenant,
        partner=a.partner,
        quarter_start=Q3,
        activity_type="event",
        title="Open house",
        starts_on=dt.date(2026, 8, 1),
        ends_on=dt.date(2026, 8, 2),
        total_cost=1000,
        amount_requested=500,
        state="approved",
        submitted_at=IN,
    )
    result = measure(a, "enablement")
    assert result.evidence["active_partners"] == 2
    assert (result.evidence["complete_profiles"], result.evidence["partners_with_mdf"]) == (1, 1)
    assert result.value == Decimal(50)
    assert result.level == 3
    assert pages(result) == ["cobrand-profiles", "mdf-budgets"]
    assert (
        "1 of 2 active partners have no complete co-branding profile"
        in (result.recommendations[0]["text"])
    )


def test_lead_ops_counts_leads_routed_automatically_and_touched_within_sla(a):
    routed = {"decision": {"outcome": "partner"}, "route": "partner", "assigned_partner": a.partner}
    both = LeadFactory(tenant=a.tenant, assigned_at=IN, sla_met=True, **routed)
    by_hand = LeadFactory(tenant=a.tenant, assigned_at=IN, sla_met=True, **routed)
    LeadEvent.objects.create(tenant=a.tenant, lead=by_hand, kind="reassigned", occurred_at=IN)
    LeadFactory(tenant=a.tenant, assigned_at=IN, sla_met=False, **routed)
    LeadFactory(
        tenant=a.tenant, assigned_at=IN, sla_met=True, route="direct", decision={}
    )  # no routing decision: placed by hand
    LeadFactory(tenant=a.tenant, assigned_at=BEFORE, sla_met=True, **routed)  # other quarter
    result = measure(a, "lead_ops")
    assert result.evidence == {
        "leads_assigned": 4,
        "routed_automatically": 2,
        "first_touch_in_sla": 3,
        "sla_missed": 1,
        "automatic_and_in_sla": 1,
    }
    assert both.sla_met and result.value == Decimal(25)
    assert result.level == 2
    assert pages(result) == ["rulebook", "sla-monitor"]


def test_attribution_is_the_share_of_the_quarters_pipeline_with_a_recorded_source(a):
    OpportunityFactFactory(tenant=a.tenant, amount=6000, sourced_by="opportunity")
    OpportunityFactFactory(tenant=a.tenant, amount=3000, sourced_by="registration")
    OpportunityFactFactory(tenant=a.tenant, amount=1000, sourced_by="unknown")
    OpportunityFactFactory(
        tenant=a.tenant, amount=50000, sourced_by="unknown", created_quarter=dt.date(2026, 4, 1)
    )
    result = measure(a, "attribution")
    assert result.value == Decimal(90)
    assert result.level == 4
    assert pages(result) == ["opportunities"]
    assert "1 of 3 opportunities" in result.recommendations[0]["text"]
    assert "EUR 1,000 of EUR 10,000" in result.recommendations[0]["text"]


def test_offers_count_leads_and_opportunities_from_offers_shared_across_routes(a):
    shared = OfferFactory(tenant=a.tenant, routes=["direct", "partner"])
    direct_only = OfferFactory(tenant=a.tenant, routes=["direct"])
    LeadFactory(tenant=a.tenant, offer=shared)
    LeadFactory(tenant=a.tenant)
    Lead.objects.update(created_at=IN)
    OpportunityFactFactory(tenant=a.tenant, offer=shared)
    OpportunityFactFactory(tenant=a.tenant, offer=direct_only)
    OpportunityFactFactory(tenant=a.tenant)
    result = measure(a, "offers")
    assert result.evidence["shared_offers"] == 1
    assert result.value == Decimal(40)  # (1 lead + 1 opportunity) of (2 + 3)
    assert result.level == 4


def test_offers_without_a_shared_offer_recommend_opening_one_to_both_routes(a):
    OfferFactory(tenant=a.tenant, routes=["partner"])
    OpportunityFactFactory(tenant=a.tenant)
    result = measure(a, "offers")
    assert (result.value, result.level) == (Decimal(0), 1)
    assert pages(result) == ["offers"]


def test_brand_and_pricing_is_corridor_coverage_lowered_a_level_by_leakage(a):
    version = active_version(a)
    lines = [*ProductLine.objects.all(), *(ProductLineFactory(tenant=a.tenant) for _ in range(3))]
    assert len(lines) == 4
    for line in lines[:3]:
        PricingCorridorFactory(version=version, product_line=line)
    OpportunityFactFactory(tenant=a.tenant, amount=10000)
    result = measure(a, "brand_pricing")
    assert result.value == Decimal(75)
    assert result.level == 3
    assert pages(result) == ["rulebook"]
    assert lines[3].name in result.recommendations[0]["text"]

    opportunity = OpportunityFactory(tenant=a.tenant)
    line = OpportunityLine.objects.create(
        tenant=a.tenant,
        opportunity=opportunity,
        product=ProductFactory(tenant=a.tenant),
        quantity=1,
        list_price=1000,
        discount_pct=40,
    )
    DiscountLeakage.objects.create(
        tenant=a.tenant,
        opportunity=opportunity,
        line=line,
        version=version,
        route="direct",
        discount_pct=40,
        max_discount=20,
        amount=200,
        currency="EUR",
        recorded_at=IN,
    )
    result = measure(a, "brand_pricing")
    assert result.evidence["leakage_pct"] == "2.00"  # 200 of 10,000 opened
    assert result.level == 2 and result.evidence["lowered_by_leakage"]
    assert pages(result) == ["rulebook", "scorecard-drilldown"]
    assert result.recommendations[1]["args"] == ["discount_leakage"]


def test_every_recommendation_links_to_a_console_page_that_exists(a):
    active_version(a, published_at=AFTER)
    OfferFactory(tenant=a.tenant, routes=["partner"])
    OpportunityFactFactory(tenant=a.tenant, sourced_by="unknown")
    LeadFactory(tenant=a.tenant, assigned_at=IN, route="direct", sla_met=False)
    assessment = save_assessment(a.tenant, quarter(a), answers(1), acting=SYSTEM, now=NOW)
    recs = [r for s in assessment.scores.all() for r in s.recommendations]
    assert len(recs) >= 10
    for rec in recs:
        assert reverse(f"console:{rec['page']}", args=[a.tenant.slug, *rec["args"]])


def test_each_questions_next_step_links_to_a_console_page_that_exists(a):
    from scorecards.maturity.services import PAGE_OF

    for page, _, args in PAGE_OF.values():
        assert reverse(f"console:{page}", args=[a.tenant.slug, *args])


def test_recompute_scores_the_live_data_again_and_keeps_the_answers(a):
    assessment = save_assessment(a.tenant, quarter(a), answers(2), acting=SYSTEM, now=NOW)
    assert assessment.scores.get(capability="attribution").data_level is None  # nothing opened
    OpportunityFactFactory(tenant=a.tenant, sourced_by="opportunity")
    recompute_data(assessment, acting=a.membership("admin"), now=NOW)
    score = assessment.scores.get(capability="attribution")
    assert (score.data_value, score.data_level) == (Decimal(100), 4)
    assert score.questionnaire_level == 2
    with pytest.raises(PermissionDenied):
        recompute_data(assessment, acting=a.membership("manager"))


def test_history_is_the_trend_by_quarter_oldest_first(a):
    for i, day in enumerate((dt.date(2026, 1, 1), dt.date(2025, 10, 1), dt.date(2026, 4, 1))):
        save_assessment(a.tenant, Quarter.of(a.tenant, day), answers(1 + i), acting=SYSTEM, now=NOW)
    points = history(a.tenant)
    assert [p.quarter.code for p in points] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert [p.overall for p in points] == [Decimal("2.00"), Decimal("1.00"), Decimal("3.00")]


# --- the console page ---------------------------------------------------------------------------


def test_the_page_saves_the_questionnaire_and_shows_both_scores_the_trend_and_history(a, login_as):
    client = login_as("admin")
    url = reverse("console:maturity", args=[a.tenant.slug])
    page = client.get(url).content.decode()
    assert "No assessment yet" in page and 'name="governance.rules"' in page
    response = client.post(url, {k: str(v) for k, v in answers(3).items()})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="q-level-governance">3 · Managed' in page
    assert 'data-testid="d-level-governance">1 · Ad hoc' in page  # no rulebook in force
    assert f"/console/{a.tenant.slug}/rulebook/" in page
    assert 'data-chart="line"' in page
    assessment = MaturityAssessment.objects.get()
    detail = reverse("console:maturity-assessment", args=[a.tenant.slug, assessment.pk])
    assert detail in page
    shown = client.get(detail).content.decode()
    assert "How are the rules deciding" in shown and "3 · Managed" in shown


def test_the_page_refuses_an_incomplete_questionnaire_naming_the_questions(a, login_as):
    client = login_as("admin")
    url = reverse("console:maturity", args=[a.tenant.slug])
    given = {k: str(v) for k, v in answers(3).items()}
    del given["lead_ops.sla"]
    given["offers.kind"] = "7"
    response = client.post(url, given)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "lead_ops.sla (“Are there response times" in page and "not answered" in page
    assert "7 is out of range" in page
    assert 'value="3" checked' in page  # the other answers are kept on the page
    assert not MaturityAssessment.objects.exists()


# --- the API ------------------------------------------------------------------------------------


def test_admins_create_list_retrieve_and_update_assessments_through_the_api(a, api_as):
    client = api_as("admin")
    created = client.post(
        "/api/v1/maturity-assessments/",
        {"quarter": "2026-Q3", "answers": answers(2)},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["quarter"] == "2026-Q3" and len(body["scores"]) == 6
    governance = next(s for s in body["scores"] if s["capability"] == "governance")
    assert governance["questionnaire_level"] == 2 and governance["data_level"] == 1
    assert governance["recommendations"][0]["url"] == f"/console/{a.tenant.slug}/rulebook/"
    pk = body["id"]
    listed = client.get("/api/v1/maturity-assessments/?quarter=2026-Q3").json()
    assert [r["id"] for r in listed["results"]] == [pk]
    assert client.get("/api/v1/maturity-assessments/?quarter=2026-Q2").json()["results"] == []
    updated = client.patch(
        f"/api/v1/maturity-assessments/{pk}/", {"answers": answers(4)}, format="json"
    )
    assert updated.status_code == 200, updated.json()
    assert {s["questionnaire_level"] for s in updated.json()["scores"]} == {4}
    again = client.post(
        "/api/v1/maturity-assessments/",
        {"quarter": "2026-Q3", "answers": answers(2)},
        format="json",
    )
    assert again.status_code == 400
    assert "has an assessment already" in again.content.decode()


def test_the_api_refuses_wrong_answers_naming_the_question(a, api_as):
    client = api_as("admin")
    given = answers(3)
    given["brand_pricing.leakage"] = 9
    response = client.post(
        "/api/v1/maturity-assessments/", {"quarter": "2026-Q3", "answers": given}, format="json"
    )
    assert response.status_code == 400
    assert "brand_pricing.leakage" in response.content.decode()
    future = Quarter.of(a.tenant, timezone.localdate()).shifted(2).code
    response = client.post(
        "/api/v1/maturity-assessments/", {"quarter": future, "answers": answers()}, format="json"
    )
    assert response.status_code == 400 and "has not begun" in response.content.decode()
    assert not MaturityAssessment.objects.exists()


def test_other_roles_are_refused_and_other_tenants_assessments_are_not_found(a, api_as):
    mine = save_assessment(a.tenant, quarter(a), answers(), acting=SYSTEM, now=NOW)
    for persona in ("manager", "rep", "partner_admin", "partner_rep"):
        client = api_as(persona)
        assert client.get("/api/v1/maturity-assessments/").status_code == 403, persona
        assert client.get(f"/api/v1/maturity-assessments/{mine.pk}/").status_code == 403
        response = client.post(
            "/api/v1/maturity-assessments/",
            {"quarter": "2026-Q2", "answers": answers()},
            format="json",
        )
        assert response.status_code == 403
    outsider = api_as("outsider_admin")
    assert outsider.get(f"/api/v1/maturity-assessments/{mine.pk}/").status_code == 404
    assert outsider.get("/api/v1/maturity-assessments/").json()["results"] == []


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_makes_four_quarters_with_a_rising_trend_once(a):
    from scorecards.maturity.demo import seed_tenant

    assert seed_tenant(a.tenant, now=NOW) == 4
    assert seed_tenant(a.tenant, now=NOW) == 0  # seeding again adds nothing
    points = history(a.tenant)
    # The quarter of NOW (2026-Q4) and the three before it.
    assert [p.quarter.code for p in points] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    overall = [p.overall or Decimal(0) for p in points]
    assert overall == sorted(overall) and overall[0] < overall[-1]
    assert all(p.assessment.assessed_by == a.users["admin"] for p in points)
    assessed = [p.assessment.assessed_at for p in points]
    assert assessed[0] and assessed[1] and assessed[0] < assessed[1]
