"""seed_demo gives each demo manufacturer a rulebook a new user can explain, lint and simulate."""

from io import StringIO
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.audit import audit_context
from core.models import AuditEvent
from core.seeding import demo_modules
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionStatus, VersionStatus
from guardrails.engine import explain_account, explain_hypothetical
from guardrails.models import (
    AccountRoute,
    PartnerAuthorization,
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    RulebookVersion,
    RuleException,
    Simulation,
    Territory,
    TerritoryArea,
)
from guardrails.plain import describe_rule
from guardrails.services.decisions import RECOMPUTE
from guardrails.services.lint import lint
from guardrails.services.simulation import run_simulation
from guardrails.services.versions import active_version
from tenancy.models import Tenant

pytestmark = pytest.mark.django_db

SCALE = 0.1  # 200 Acme accounts, 50 at Globex


def seed_up_to_guardrails(stdout) -> None:
    """What `seed_demo` runs, up to this app's demo: the layers above add nothing it needs.
    (tests/test_seed_demo.py runs the whole command.)"""
    with audit_context(source="command"):
        for module in demo_modules():
            module.seed(stdout=stdout, scale=SCALE)
            if module.__name__ == "guardrails.demo":
                return


@pytest.fixture
def seeded():
    seed_up_to_guardrails(StringIO())
    return {slug: Tenant.objects.get(slug=slug) for slug in ("acme", "globex")}


def _rules(version):
    return list(RouteRule.objects.filter(version=version).order_by("position"))


# Seeding takes a few seconds, so each test checks several things of one seeded database.


def test_each_demo_tenant_gets_territories_a_published_rulebook_and_stored_decisions(seeded):
    _check_territories(seeded["acme"])
    for tenant in seeded.values():
        _check_published_rulebook(tenant)


def test_a_new_user_can_explain_lint_and_simulate_at_once(seeded):
    _check_explain(seeded["acme"])
    for tenant in seeded.values():
        _check_draft(tenant)
    _check_exceptions(seeded["acme"])


def _check_published_rulebook(tenant):
    with tenant_scope(tenant):
        active = active_version(tenant)
        assert active is not None and active.status == VersionStatus.ACTIVE
        rules = _rules(active)
        assert len(rules) >= 25
        assert rules[-1].is_default and not any(r.is_default for r in rules[:-1])
        assert {r.outcome for r in rules} == {"direct", "partner", "open"}
        assert {r.target_kind for r in rules} >= {"team", "partner", "authorized", "owner"}
        fields = {c["field"] for r in rules for c in r.conditions}
        assert fields >= {
            "territory",
            "region",
            "segment",
            "tier",
            "employee_band",
            "revenue_band",
            "product_line",
            "product_mix",
            "deal_size",
            "service_need",
            "named_account",
            "target_list",
            "owner",
        }
        report = lint(active)
        assert report.ok, [f.message for f in report.errors]
        assert all(r.rationale for r in rules)
        # Every rule reads as a sentence.
        assert all(describe_rule(r).endswith(".") for r in rules)

        # Corridors for every product line on both routes, and some tier-specific ones.
        covered = set(
            PricingCorridor.objects.filter(
                version=active, tier__isnull=True, partner_tier=""
            ).values_list("product_line__code", "route")
        )
        lines = set(ProductLine.objects.values_list("code", flat=True))
        assert covered == {(line, route) for line in lines for route in ("direct", "partner")}
        specific = PricingCorridor.objects.filter(version=active).exclude(
            tier__isnull=True, partner_tier=""
        )
        assert specific.exists()
        assert RegistrationCriteria.objects.filter(version=active, min_amount__gt=0).exists()

        # Every account has a stored decision from the active version.
        assert AccountRoute.objects.count() == Account.objects.count() > 0
        assert not AccountRoute.objects.exclude(version=active).exists()


def _check_territories(tenant):
    with tenant_scope(tenant):
        assert Territory.objects.count() >= 10
        areas = TerritoryArea.objects.all()
        assert len({a.country for a in areas}) >= 8
        assert {"DE-BY", "DE-BW", "DE-NW"} <= {a.region for a in areas}
        munich = TerritoryArea.objects.get(territory__code="munich", postal_to="81")
        assert (munich.region, munich.postal_from) == ("DE-BY", "80")
        authorizations = PartnerAuthorization.objects.all()
        assert len({a.partner_id for a in authorizations}) == 4
        assert any(a.product_line_id is None for a in authorizations)
        assert any(a.product_line_id is not None for a in authorizations)
        today = timezone.localdate()
        assert any(a.valid_until and a.valid_until < today for a in authorizations)  # expired
        assert any(a.valid_until and a.valid_until >= today for a in authorizations)  # expiring


def _check_explain(tenant):
    with tenant_scope(tenant):
        account = Account.objects.order_by("external_id").first()
        assert account is not None
        explanation = explain_account(account)
        assert explanation.decision is not None
        assert explanation.traces[-1].matched
        assert all(not t.matched for t in explanation.traces[:-1])

        munich = explain_hypothetical(
            tenant,
            {
                "country": "DE",
                "region": "DE-BY",
                "postal_code": "80331",
                "employee_band": "50-199",
                "product_lines": ["parts"],
                "owner": "none",
            },
        )
        assert munich.decision is not None
        assert munich.decision.rule_name == "Munich metro, under 500 employees"
        assert munich.decision.outcome == "partner"
        failed = [c for t in munich.traces[:-1] for c in t.conditions if not c.passed]
        assert failed and all(c.reason for c in failed)


def _check_draft(tenant):
    with tenant_scope(tenant):
        active = active_version(tenant)
        draft = RulebookVersion.objects.get(status=VersionStatus.DRAFT)
        assert draft.based_on == active and draft.summary
        before = {(r.name, r.position, r.outcome, str(r.conditions)) for r in _rules(active)}
        after = {(r.name, r.position, r.outcome, str(r.conditions)) for r in _rules(draft)}
        assert len(after - before) >= 3
        assert lint(draft).ok

        simulation = Simulation.objects.create(tenant=tenant, version=draft)
        done = run_simulation(simulation.pk, acting=RECOMPUTE)
        assert done is not None and done.status == "done"
        simulation = done
        assert simulation.summary["accounts"] == Account.objects.count()
        assert simulation.summary["moved_accounts"] > 0


def _check_exceptions(tenant):
    """Requests wait for review, one is overdue, and an approved one decides its account."""
    with tenant_scope(tenant):
        statuses = set(RuleException.objects.values_list("status", flat=True))
        assert {ExceptionStatus.PENDING, ExceptionStatus.APPROVED} <= statuses
        assert RuleException.objects.filter(escalated_at__isnull=False).exists()
        assert RuleException.objects.filter(kind="discount").exists()
        assert RuleException.objects.filter(partner__isnull=False).exists()
        approved = RuleException.objects.filter(
            kind="work_account", status=ExceptionStatus.APPROVED
        ).first()
        assert approved is not None
        route = AccountRoute.objects.get(account=approved.account)
        assert route.exception == approved
        assert route.target_partner_id == approved.partner_id


def test_seeding_again_changes_nothing(seeded):
    def snapshot() -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for model in (
            Territory,
            TerritoryArea,
            PartnerAuthorization,
            RulebookVersion,
            RouteRule,
            PricingCorridor,
            RegistrationCriteria,
            RuleException,
            AccountRoute,
        ):
            rows[model.__name__] = sorted(model.all_tenants.values_list("id", "updated_at"))
        rows["audit"] = AuditEvent.all_tenants.count()
        return rows

    first = snapshot()
    out = StringIO()
    seed_up_to_guardrails(out)
    assert snapshot() == first
    assert "guardrails: acme: 0 territories, 0 authorizations, 0 rulebook versions" in (
        out.getvalue()
    )
