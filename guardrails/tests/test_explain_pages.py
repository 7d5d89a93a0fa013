"""The console's explain page: for an account found by name, or for hypothetical attributes, under
the active version or a draft: the deciding rule, its target and rationale, and why each earlier
rule did not match, condition by condition."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tenancy import tenant_scope
from guardrails.services.publish import publish
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft
from guardrails.tests.factories import TerritoryAreaFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def explain_url(world) -> str:
    return reverse("console:explain", args=[world.tenant.slug])


def block(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1]


@pytest.fixture
def rulebook(world):
    """Active: 1 named accounts → direct North; 2 Bavaria → partner (the partner);
    3 Austria → open; default → direct. A draft sends Bavaria direct instead."""
    tenant = world.tenant
    with tenant_scope(tenant):
        bavaria = TerritoryFactory(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=bavaria, country="DE", region="DE-BY")
        draft = create_draft(tenant, acting=world.membership("admin"))
        for data in (
            {
                "name": "Named accounts",
                "outcome": "direct",
                "target_kind": "team",
                "target_team": world.orgs["team"].pk,
                "rationale": "Named accounts are served by their direct team.",
                "conditions": [{"field": "named_account", "op": "is", "value": True}],
            },
            {
                "name": "Bavarian hydraulics",
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": world.partner.pk,
                "rationale": "Our Bavarian partner stocks hydraulics.",
                "conditions": [
                    {"field": "territory", "op": "in", "value": ["bavaria"]},
                    {"field": "product_line", "op": "any", "value": ["hydraulics"]},
                ],
            },
            {
                "name": "Austria open",
                "outcome": "open",
                "target_kind": "none",
                "rationale": "Austria is open to both routes.",
                "conditions": [{"field": "country", "op": "in", "value": ["AT"]}],
            },
        ):
            save_rule(draft, data, acting=world.membership("admin"))
        active = publish(draft, acting=world.membership("admin"))
        new = create_draft(tenant, acting=world.membership("admin"), summary="Bavaria goes direct")
        bavarian = next(r for r in new.rules.all() if r.name == "Bavarian hydraulics")
        save_rule(
            new,
            {
                "name": "Bavarian hydraulics",
                "outcome": "direct",
                "target_kind": "none",
                "rationale": "Bavaria is direct now.",
                "conditions": bavarian.conditions,
            },
            rule=bavarian,
            acting=world.membership("admin"),
        )
    return {"active": active, "draft": new}


def test_without_an_active_version_the_page_says_so(world, admin):
    page = admin.get(explain_url(world))
    assert page.status_code == 200
    assert "No rulebook version is active yet" in page.content.decode()
    account = world.customers["rep"]
    explained = admin.get(explain_url(world), {"account": account.pk}).content.decode()
    assert "Nothing to explain" in explained and 'data-testid="explanation"' not in explained
    hypo = admin.get(explain_url(world), {"mode": "hypothetical", "country": "DE"})
    assert hypo.status_code == 200 and 'data-testid="explanation"' not in hypo.content.decode()


def test_an_account_is_found_by_name_and_explained(world, admin, rulebook):
    matches = admin.get(explain_url(world), {"q": "account partner"}).content.decode()
    listed = block(matches, "account-matches").split("</ul>")[0]
    account = world.customers["partner"]
    assert f"?account={account.pk}" in listed and "Account rep" not in listed

    page = admin.get(explain_url(world), {"account": account.pk}).content.decode()
    result = block(page, "explanation")
    decision = block(result, "decision").split("</div>")[0]
    # The factory's accounts are in Bavaria but buy no hydraulics: the default decides.
    assert "Decided by rule #4" in decision and "Default" in decision
    traces = block(result, "traces")
    assert "Named accounts" in traces and "named account is no, not yes" in traces
    assert "Bavarian hydraulics" in traces
    assert "✓" in traces and "in Bavaria" in traces  # passed condition shown too
    assert "product lines: has none, none of Hydraulics" in traces
    assert 'data-testid="skipped"' not in traces
    facts = block(result, "facts")
    assert "Bavaria" in facts and "DE-BY" in facts


def test_rules_after_the_deciding_one_are_greyed_out(world, admin, rulebook):
    account = world.customers["rep"]
    with tenant_scope(world.tenant):
        account.named_account = True
        account.save()
    page = admin.get(explain_url(world), {"account": account.pk}).content.decode()
    decision = block(page, "decision").split("</div>")[0]
    assert "Named accounts" in decision and "Direct North" in decision
    assert "Named accounts are served by their direct team." in decision
    skipped = page.split('data-testid="skipped"')[1:]
    assert len(skipped) == 3
    assert "not evaluated" in skipped[0] and "Bavarian hydraulics" in skipped[0]


def test_hypothetical_attributes_are_explained(world, admin, rulebook):
    page = admin.get(
        explain_url(world),
        {
            "mode": "hypothetical",
            "country": "DE",
            "region": "de-by",
            "postal_code": "80331",
            "product_lines": ["hydraulics"],
            "owner": "none",
        },
    ).content.decode()
    assert "The hypothetical customer" in page
    decision = block(page, "decision").split("</div>")[0]
    assert "Bavarian hydraulics" in decision and world.partner.name in decision
    assert "Our Bavarian partner stocks hydraulics." in decision
    traces = block(page, "traces")
    assert traces.count('data-testid="trace"') == 2
    assert traces.count('data-testid="skipped"') == 2


def test_bad_hypothetical_attributes_are_named(world, admin, rulebook):
    response = admin.get(
        explain_url(world), {"mode": "hypothetical", "country": "DE", "region": "FR-IDF"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Region FR-IDF is not in country DE." in page
    assert 'data-testid="explanation"' not in page
    negative = admin.get(explain_url(world), {"mode": "hypothetical", "deal_size": "-5"})
    assert negative.status_code == 400
    assert "greater than or equal to 0" in negative.content.decode()
    unknown = admin.get(explain_url(world), {"mode": "hypothetical", "segment": "nope"})
    assert unknown.status_code == 400
    assert "Select a valid choice" in unknown.content.decode()


def test_explaining_under_a_draft(world, admin, rulebook):
    draft = rulebook["draft"]
    page = admin.get(
        explain_url(world),
        {
            "mode": "hypothetical",
            "version": draft.pk,
            "country": "DE",
            "region": "DE-BY",
            "product_lines": ["hydraulics"],
        },
    ).content.decode()
    assert f"under version {draft.number} (draft)" in page
    decision = block(page, "decision").split("</div>")[0]
    assert "Bavaria is direct now." in decision
    assert f'<option value="{draft.pk}" selected>' in page


def test_a_version_or_account_of_another_tenant_is_refused(world, admin, rulebook):
    with tenant_scope(world.other_tenant):
        theirs = create_draft(world.other_tenant, acting=world.membership("outsider_admin"))
    response = admin.get(explain_url(world), {"version": theirs.pk, "q": "Account"})
    assert response.status_code == 400
    assert "does not exist or cannot be explained" in response.content.decode()

    from accounts.models import Account

    with tenant_scope(world.other_tenant):
        foreign = Account.objects.first()
    assert foreign is not None
    missing = admin.get(explain_url(world), {"account": foreign.pk})
    assert missing.status_code == 404
    assert "No such account." in missing.content.decode()
    assert "zzbetaleak" not in missing.content.decode()
    junk = admin.get(explain_url(world), {"account": "x" * 30})
    assert junk.status_code == 400
