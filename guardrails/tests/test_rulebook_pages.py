"""The console's rulebook editor as a RevOps admin uses it: drafts, rules edited through the
structured condition form (never JSON), corridors, criteria, lint, diff, publish (refused with the
list when lint finds errors), read-only published versions, rollback by copy, and simulation."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tenancy import tenant_scope
from guardrails.choices import Outcome, SimulationStatus, TargetKind, VersionStatus
from guardrails.models import (
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    Rulebook,
    RulebookVersion,
    SimulatedMove,
    Simulation,
)
from guardrails.services.pricing import save_corridor
from guardrails.services.publish import publish as publish_draft
from guardrails.services.rules import delete_rule, move_rule, save_rule
from guardrails.services.versions import create_draft
from guardrails.tests.factories import TerritoryAreaFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def url(world, name: str, *args) -> str:
    return reverse(f"console:{name}", args=[world.tenant.slug, *args])


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def draft(world):
    """A first draft (just the default rule) with a Bavaria territory to write rules about."""
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=territory, country="DE", region="DE-BY")
        return create_draft(world.tenant, acting=world.membership("admin"))


def rules_of(world, version) -> list[RouteRule]:
    with tenant_scope(world.tenant):
        return list(RouteRule.objects.filter(version=version).order_by("position"))


def add_rule(world, version, **data) -> RouteRule:
    payload = {
        "name": "Bavarian parts",
        "outcome": Outcome.PARTNER,
        "target_kind": TargetKind.AUTHORIZED,
        "rationale": "Local partners stock the parts.",
        "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
    }
    payload.update(data)
    with tenant_scope(world.tenant):
        return save_rule(version, payload, acting=world.membership("admin"))


def publish(world, version) -> RulebookVersion:
    with tenant_scope(world.tenant):
        return publish_draft(version, acting=world.membership("admin"))


RULE_POST = {
    "name": "Small German accounts",
    "outcome": "partner",
    "target_kind": "authorized",
    "rationale": "Partners serve small accounts locally.",
    "c-0-field": "country",
    "c-0-op": "in",
    "c-0-values": ["DE"],
    "c-1-field": "employee_band",
    "c-1-op": "between",
    "c-1-min": "",
    "c-1-max": "200-499",
    "c-2-field": "product_line",
    "c-2-op": "any",
    "c-2-values": ["hydraulics"],
    "c-3-field": "deal_size",
    "c-3-op": "between",
    "c-3-min": "",
    "c-3-max": "50000",
    "action": "save",
}


# --- overview ------------------------------------------------------------------------------------


def test_the_overview_says_when_no_version_is_active(world, admin):
    response = admin.get(url(world, "rulebook"))
    assert response.status_code == 200
    assert "No version is active yet" in response.content.decode()


def test_new_draft_starts_with_a_default_rule(world, admin):
    response = admin.post(url(world, "rulebook-new-draft"))
    with tenant_scope(world.tenant):
        draft = RulebookVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(world, "rulebook-version", draft.pk)
    assert draft.status == VersionStatus.DRAFT
    assert [r.is_default for r in rules_of(world, draft)] == [True]
    page = admin.get(url(world, "rulebook")).content.decode()
    assert f"Version {draft.number}" in page


def test_the_overview_lists_active_scheduled_draft_and_retired_versions(world, admin, draft):
    first = publish(world, draft)
    with tenant_scope(world.tenant):
        second = create_draft(world.tenant, acting=world.membership("admin"), summary="Second")
    publish(world, second)
    with tenant_scope(world.tenant):
        third = create_draft(world.tenant, acting=world.membership("admin"), summary="Later")
        publish_draft(
            third,
            acting=world.membership("admin"),
            effective_at=timezone.now() + dt.timedelta(days=7),
        )
        create_draft(world.tenant, acting=world.membership("admin"), summary="Work in progress")
    page = admin.get(url(world, "rulebook")).content.decode()
    active_block = page.split('data-testid="active-version"')[1].split("</section>")[0]
    assert f"Version {second.number}" in active_block and "Second" in active_block
    assert "admin@alpha.test" in active_block  # published by
    assert "Later" in page.split('id="scheduled-heading"')[1].split("</section>")[0]
    assert "Work in progress" in page.split('id="drafts-heading"')[1].split("</section>")[0]
    retired = page.split('id="retired-heading"')[1].split("</section>")[0]
    assert f"Version {first.number}" in retired


def test_the_review_time_is_a_setting(world, admin):
    response = admin.post(url(world, "rulebook-settings"), {"exception_review_hours": "24"})
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        assert Rulebook.objects.get().exception_review_hours == 24
    bad = admin.post(url(world, "rulebook-settings"), {"exception_review_hours": "0"})
    assert bad.status_code == 400
    assert "Exception review time" in bad.content.decode()
    with tenant_scope(world.tenant):
        assert Rulebook.objects.get().exception_review_hours == 24


# --- the version page ----------------------------------------------------------------------------


def test_a_draft_shows_rules_as_sentences_with_lint_and_edit_controls(world, admin, draft):
    add_rule(world, draft)
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    assert "Accounts in Bavaria are served by the partners authorized" in page
    assert "Local partners stock the parts." in page
    assert 'data-testid="lint"' in page
    assert "Add a rule" in page and "Publish version" in page
    assert url(world, "rulebook-rule", rules_of(world, draft)[0].pk) in page


def test_lint_lists_errors_with_the_rule_they_concern(world, admin, draft):
    rule = add_rule(
        world,
        draft,
        name="Contradiction",
        conditions=[
            {"field": "country", "op": "in", "value": ["DE"]},
            {"field": "country", "op": "in", "value": ["FR"]},
        ],
    )
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    errors = page.split('data-testid="lint-errors"')[1].split("</ul>")[0]
    assert f"Rule #{rule.position}" in errors and "contradict" in errors


def test_a_published_version_is_read_only(world, admin, draft):
    add_rule(world, draft)
    version = publish(world, draft)
    rule = rules_of(world, version)[0]
    page = admin.get(url(world, "rulebook-version", version.pk)).content.decode()
    assert "Published versions never change" in page
    assert url(world, "rulebook-rule", rule.pk) not in page
    assert "Add a rule" not in page and "Publish version" not in page
    assert "Copy as draft" in page

    edit = admin.post(url(world, "rulebook-rule", rule.pk), {**RULE_POST, "name": "Changed"})
    assert edit.status_code == 409
    assert "copy it as a draft" in edit.content.decode().lower()
    for name, args, data in [
        ("rulebook-rule-new", [version.pk], RULE_POST),
        ("rulebook-rule-delete", [rule.pk], {}),
        ("rulebook-rule-move", [rule.pk], {"direction": "down"}),
        ("rulebook-version-summary", [version.pk], {"summary": "Changed"}),
        ("rulebook-version-delete", [version.pk], {}),
        ("rulebook-version-publish", [version.pk], {}),
        ("rulebook-corridor-new", [version.pk], {}),
        ("rulebook-criteria", [version.pk], {"min_amount": "1"}),
    ]:
        assert admin.post(url(world, name, *args), data).status_code == 409, name
    assert [(r.name, r.position) for r in rules_of(world, version)] == [
        ("Bavarian parts", 1),
        ("Default", 2),
    ]
    with tenant_scope(world.tenant):
        assert RulebookVersion.objects.get(pk=version.pk).summary == version.summary


def test_a_version_of_another_tenant_is_not_found(world, admin, login_as):
    with tenant_scope(world.other_tenant):
        theirs = create_draft(world.other_tenant, acting=world.membership("outsider_admin"))
    assert admin.get(url(world, "rulebook-version", theirs.pk)).status_code == 404
    assert admin.get(url(world, "rulebook-version", 2**63)).status_code == 404


# --- rules through the structured form ----------------------------------------------------------


def test_an_admin_adds_a_rule_with_structured_conditions(world, admin, draft):
    form = admin.get(url(world, "rulebook-rule-new", draft.pk)).content.decode()
    assert 'name="add_field"' in form and "Service-heavy share of product mix" in form

    response = admin.post(url(world, "rulebook-rule-new", draft.pk), RULE_POST)
    assert response.status_code == 302, response.content.decode()[:2000]
    first, default = rules_of(world, draft)
    assert default.is_default
    assert first.name == "Small German accounts"
    assert first.outcome == Outcome.PARTNER and first.target_kind == TargetKind.AUTHORIZED
    assert first.conditions == [
        {"field": "country", "op": "in", "value": ["DE"]},
        {"field": "employee_band", "op": "between", "value": {"min": None, "max": "200-499"}},
        {"field": "product_line", "op": "any", "value": ["hydraulics"]},
        {"field": "deal_size", "op": "between", "value": {"min": None, "max": "50000"}},
    ]
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    assert "Accounts in Germany with fewer than 500 employees buying Hydraulics" in page


def test_adding_and_removing_condition_rows_keeps_what_was_typed(world, admin, draft):
    data = {
        "name": "Typed so far",
        "outcome": "direct",
        "target_kind": "none",
        "rationale": "",
        "c-0-field": "country",
        "c-0-op": "not_in",
        "c-0-values": ["FR"],
        "add_field": "named_account",
        "action": "add",
    }
    response = admin.post(url(world, "rulebook-rule-new", draft.pk), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="condition"') == 2
    assert 'name="c-1-field" value="named_account"' in page
    assert 'value="FR" selected' in page and 'value="Typed so far"' in page
    assert "This field is required" not in page  # no complaints before saving
    assert len(rules_of(world, draft)) == 1  # nothing saved

    removed = admin.post(
        url(world, "rulebook-rule-new", draft.pk),
        {**data, "action": "", "c-1-field": "named_account", "c-1-op": "is", "remove": "0"},
    )
    page = removed.content.decode()
    assert page.count('data-testid="condition"') == 1
    assert 'name="c-0-field" value="named_account"' in page


def test_a_bad_condition_is_refused_naming_the_rule_and_the_condition(world, admin, draft):
    data = {
        **RULE_POST,
        "c-0-field": "region",
        "c-0-op": "in",
        "c-0-text": "DE-BY, XX-ZZ",
        "c-1-min": "5000+",
        "c-1-max": "1-49",
    }
    del data["c-0-values"]
    response = admin.post(url(world, "rulebook-rule-new", draft.pk), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "condition 1 (region)" in page and "XX-ZZ" in page
    assert "condition 2 (employee_band)" in page and "impossible range" in page
    assert 'data-testid="condition-error"' in page
    assert 'value="DE-BY, XX-ZZ"' in page  # what was typed stays
    assert len(rules_of(world, draft)) == 1


def test_a_rule_needs_its_target(world, admin, draft):
    response = admin.post(
        url(world, "rulebook-rule-new", draft.pk),
        {**RULE_POST, "outcome": "direct", "target_kind": "team", "target_team": ""},
    )
    assert response.status_code == 400
    assert "Choose the direct team" in response.content.decode()
    assert len(rules_of(world, draft)) == 1


def test_an_admin_edits_moves_and_deletes_rules(world, admin, draft):
    first = add_rule(world, draft, name="First")
    second = add_rule(
        world,
        draft,
        name="Second",
        conditions=[{"field": "named_account", "op": "is", "value": True}],
    )
    edit_page = admin.get(url(world, "rulebook-rule", second.pk)).content.decode()
    assert 'name="c-0-value"' in edit_page and '<option value="true" selected>' in edit_page

    response = admin.post(
        url(world, "rulebook-rule", second.pk),
        {
            "name": "Named accounts",
            "outcome": "direct",
            "target_kind": "team",
            "target_team": str(world.orgs["team"].pk),
            "rationale": "Named accounts stay direct.",
            "c-0-field": "named_account",
            "c-0-op": "is",
            "c-0-value": "true",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert (
        admin.post(url(world, "rulebook-rule-move", second.pk), {"direction": "up"}).status_code
        == 302
    )
    names = [r.name for r in rules_of(world, draft)]
    assert names == ["Named accounts", "First", "Default"]
    moved = rules_of(world, draft)[0]
    assert moved.target_team_id == world.orgs["team"].pk

    assert (
        admin.post(
            url(world, "rulebook-rule-move", first.pk), {"direction": "sideways"}
        ).status_code
        == 400
    )
    assert admin.post(url(world, "rulebook-rule-delete", first.pk)).status_code == 302
    assert [r.name for r in rules_of(world, draft)] == ["Named accounts", "Default"]
    assert [r.position for r in rules_of(world, draft)] == [1, 2]


# --- corridors, criteria, summary, delete --------------------------------------------------------


def test_corridors_are_added_edited_checked_and_deleted(world, admin, draft):
    base = {
        "product_line": "hydraulics",
        "route": "partner",
        "tier": "strategic",
        "partner_tier": "gold",
        "min_discount": "5",
        "max_discount": "20",
    }
    assert admin.get(url(world, "rulebook-corridor-new", draft.pk)).status_code == 200
    assert admin.post(url(world, "rulebook-corridor-new", draft.pk), base).status_code == 302
    with tenant_scope(world.tenant):
        corridor = PricingCorridor.objects.get(version=draft)
    assert (corridor.min_discount, corridor.max_discount) == (Decimal(5), Decimal(20))
    assert corridor.tier is not None
    assert corridor.tier.key == "strategic" and corridor.partner_tier == "gold"

    duplicate = admin.post(url(world, "rulebook-corridor-new", draft.pk), base)
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    upside_down = admin.post(
        url(world, "rulebook-corridor", corridor.pk), {**base, "min_discount": "30"}
    )
    assert upside_down.status_code == 400 and "below the minimum" in upside_down.content.decode()
    direct_with_partner_tier = admin.post(
        url(world, "rulebook-corridor", corridor.pk), {**base, "route": "direct"}
    )
    assert direct_with_partner_tier.status_code == 400
    assert "only applies to the partner route" in direct_with_partner_tier.content.decode()

    edit_page = admin.get(url(world, "rulebook-corridor", corridor.pk)).content.decode()
    assert '<option value="hydraulics" selected>' in edit_page
    assert (
        admin.post(
            url(world, "rulebook-corridor", corridor.pk), {**base, "max_discount": "25"}
        ).status_code
        == 302
    )
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    assert "25.00%" in page
    assert admin.post(url(world, "rulebook-corridor-delete", corridor.pk)).status_code == 302
    with tenant_scope(world.tenant):
        assert PricingCorridor.objects.filter(version=draft).count() == 0


def test_registration_criteria_are_edited(world, admin, draft):
    page = admin.get(url(world, "rulebook-criteria", draft.pk))
    assert page.status_code == 200
    response = admin.post(
        url(world, "rulebook-criteria", draft.pk),
        {
            "min_amount": "10000",
            "eligible_product_lines": ["hydraulics"],
            "required_fields": ["contact", "budget"],
            "require_authorization": "on",
            "min_partner_tier": "silver",
            "protection_days": "60",
            "max_extensions": "2",
            "extension_days": "30",
        },
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        criteria = RegistrationCriteria.objects.get(version=draft)
    assert criteria.min_amount == Decimal(10000)
    assert criteria.eligible_product_lines == ["hydraulics"]
    assert criteria.required_fields == ["budget", "contact"]
    assert criteria.exclude_named_accounts is False and criteria.require_authorization is True
    assert (criteria.protection_days, criteria.max_extensions) == (60, 2)
    shown = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    assert "Hydraulics" in shown.split('data-testid="criteria"')[1]

    bad = admin.post(url(world, "rulebook-criteria", draft.pk), {"min_amount": "-1"})
    assert bad.status_code == 400
    with tenant_scope(world.tenant):
        assert RegistrationCriteria.objects.get(version=draft).min_amount == Decimal(10000)


def test_summary_and_deleting_a_draft(world, admin, draft):
    assert (
        admin.post(
            url(world, "rulebook-version-summary", draft.pk), {"summary": "Parts to partners"}
        ).status_code
        == 302
    )
    with tenant_scope(world.tenant):
        assert RulebookVersion.objects.get(pk=draft.pk).summary == "Parts to partners"
    too_long = admin.post(url(world, "rulebook-version-summary", draft.pk), {"summary": "x" * 301})
    assert too_long.status_code == 400
    assert admin.post(url(world, "rulebook-version-delete", draft.pk)).status_code == 302
    with tenant_scope(world.tenant):
        assert RulebookVersion.objects.filter(pk=draft.pk).count() == 0


# --- publish, rollback, diff ---------------------------------------------------------------------


def test_publishing_with_lint_errors_is_refused_with_the_list(world, admin, draft):
    default = rules_of(world, draft)[0]
    add_rule(world, draft)
    with tenant_scope(world.tenant):
        move_rule(
            default, 1, acting=world.membership("admin")
        )  # the default rule is no longer last
    response = admin.post(url(world, "rulebook-version-publish", draft.pk), {})
    page = response.content.decode()
    assert response.status_code == 409
    refusal = page.split('data-testid="publish-refused"')[1].split("</div>")[0]
    assert "Publishing was refused" in refusal and "must come last" in refusal
    with tenant_scope(world.tenant):
        assert RulebookVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
        assert Rulebook.objects.get().active_version is None


def test_publishing_now_and_later(world, admin, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url(world, "rulebook-version-publish", draft.pk), {})
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        assert Rulebook.objects.get().active_version_id == draft.pk
        later = create_draft(world.tenant, acting=world.membership("admin"))
    world.tenant.timezone = "Europe/Berlin"
    world.tenant.save()
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    response = admin.post(
        url(world, "rulebook-version-publish", later.pk),
        {"effective_date": tomorrow.isoformat(), "effective_time": "06:30"},
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        later.refresh_from_db()
    assert later.status == VersionStatus.SCHEDULED
    expected = dt.datetime.combine(tomorrow, dt.time(6, 30), zoneinfo.ZoneInfo("Europe/Berlin"))
    assert later.effective_at == expected


def test_an_effective_date_in_the_past_is_refused(world, admin, draft):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = admin.post(
        url(world, "rulebook-version-publish", draft.pk), {"effective_date": yesterday.isoformat()}
    )
    assert response.status_code == 400
    assert "That moment has passed" in response.content.decode()
    with tenant_scope(world.tenant):
        assert RulebookVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_rolling_back_is_copying_an_old_version_and_publishing_it(world, admin, draft):
    add_rule(world, draft, name="Old rule")
    old = publish(world, draft)
    with tenant_scope(world.tenant):
        newer = create_draft(world.tenant, acting=world.membership("admin"))
        delete_rule(rules_of(world, newer)[0], acting=world.membership("admin"))
    publish(world, newer)
    response = admin.post(url(world, "rulebook-version-copy", old.pk))
    with tenant_scope(world.tenant):
        copy = RulebookVersion.objects.filter(status=VersionStatus.DRAFT).get()
    assert response["Location"] == url(world, "rulebook-version", copy.pk)
    assert copy.based_on_id == old.pk
    assert [r.name for r in rules_of(world, copy)] == ["Old rule", "Default"]
    assert admin.post(url(world, "rulebook-version-publish", copy.pk), {}).status_code == 302
    with tenant_scope(world.tenant):
        assert Rulebook.objects.get().active_version_id == copy.pk


def test_the_diff_shows_rules_and_corridors_that_changed(world, admin, draft):
    add_rule(world, draft, name="Stays")
    add_rule(
        world,
        draft,
        name="Goes",
        conditions=[{"field": "named_account", "op": "is", "value": True}],
    )
    add_rule(
        world, draft, name="Changes", conditions=[{"field": "country", "op": "in", "value": ["AT"]}]
    )
    with tenant_scope(world.tenant):
        save_corridor(
            draft,
            {
                "product_line": "hydraulics",
                "route": "direct",
                "min_discount": 0,
                "max_discount": 10,
            },
            acting=world.membership("admin"),
        )
    active = publish(world, draft)
    with tenant_scope(world.tenant):
        new = create_draft(world.tenant, acting=world.membership("admin"))
        by_name = {r.name: r for r in rules_of(world, new)}
        delete_rule(by_name["Goes"], acting=world.membership("admin"))
        by_name = {r.name: r for r in rules_of(world, new)}
        save_rule(
            new,
            {
                "name": "Changes",
                "outcome": "direct",
                "target_kind": "none",
                "rationale": "Austria is direct now.",
                "conditions": [{"field": "country", "op": "in", "value": ["AT", "CH"]}],
            },
            rule=by_name["Changes"],
            acting=world.membership("admin"),
        )
        save_rule(
            new,
            {
                "name": "Brand new",
                "outcome": "open",
                "target_kind": "none",
                "rationale": "Open.",
                "conditions": [{"field": "owner", "op": "is", "value": "none"}],
            },
            acting=world.membership("admin"),
        )
        corridor = PricingCorridor.objects.get(version=new)
        save_corridor(
            new,
            {
                "product_line": "hydraulics",
                "route": "direct",
                "min_discount": 0,
                "max_discount": 12,
            },
            corridor=corridor,
            acting=world.membership("admin"),
        )
    page = admin.get(url(world, "rulebook-version-diff", new.pk)).content.decode()
    assert f"against version {active.number}" in page
    rules = page.split('data-testid="rule-changes"')[1].split("</section>")[0]
    assert "Removed" in rules and "Goes" in rules
    assert "Added" in rules and "Brand new" in rules and "with no owner yet" in rules
    assert "Changed" in rules and "Austria or Switzerland" in rules and "conditions" in rules
    assert "Stays" not in rules
    corridors = page.split('data-testid="corridor-changes"')[1].split("</section>")[0]
    assert "0.00–10.00" in corridors and "0.00–12.00" in corridors

    against_itself = admin.get(url(world, "rulebook-version-diff", active.pk))
    assert against_itself.status_code == 200
    assert (
        admin.get(url(world, "rulebook-version-diff", new.pk) + "?against=999999").status_code
        == 404
    )


# --- simulation ----------------------------------------------------------------------------------


def test_simulating_a_draft_shows_progress_summary_and_moves(
    world, admin, draft, django_capture_on_commit_callbacks
):
    publish(world, draft)  # everything direct
    with tenant_scope(world.tenant):
        new = create_draft(world.tenant, acting=world.membership("admin"))
        save_rule(
            new,
            {
                "name": "Partner-owned stay",
                "outcome": "partner",
                "target_kind": "owner",
                "rationale": "Partners keep their accounts.",
                "conditions": [{"field": "owner", "op": "is", "value": "partner"}],
            },
            acting=world.membership("admin"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url(world, "rulebook-version-simulate", new.pk))
    with tenant_scope(world.tenant):
        simulation = Simulation.objects.get(version=new)
        moves = SimulatedMove.objects.filter(simulation=simulation).count()
    assert response.status_code == 302
    assert response["Location"] == url(world, "rulebook-simulation", simulation.pk)
    assert simulation.status == SimulationStatus.DONE
    assert moves == 2  # the two partner-owned accounts

    page = admin.get(response["Location"]).content.decode()
    status = page.split('data-testid="simulation-status">')[1].split("</p>")[0]
    assert 'class="total"' not in status  # the number is text, not a boxed total card
    assert status.startswith('<span data-field="status">Done</span>: ')
    assert '<span data-field="processed">4</span> of <span data-field="total">4</span>' in status
    summary = page.split('data-testid="simulation-summary"')[1]
    assert 'data-testid="moved-accounts">2<' in summary
    flows = page.split('data-testid="flows"')[1].split("</table>")[0]
    assert "route-direct" in flows and "route-partner" in flows
    assert world.partner.name in page.split('data-testid="by-partner"')[1].split("</table>")[0]
    assert world.customers["partner"].name in page.split('data-testid="moves"')[1]

    progress = admin.get(url(world, "rulebook-simulation-progress", simulation.pk)).json()
    assert progress["status"] == "done" and progress["percent"] == 100

    export = admin.get(url(world, "rulebook-simulation-export", simulation.pk))
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].lstrip("\ufeff").startswith("account_id,account,")
    assert len(body.strip().splitlines()) == 3


def test_moves_show_what_moves_when_the_account_keeps_its_route(world, admin, draft):
    """An account listed for its opportunities says it stays and shows each opportunity's move;
    an account that moves itself gets an Account line. No line has the same before and after."""
    stays, moves = world.customers["partner"], world.customers["rep"]
    with tenant_scope(world.tenant):
        simulation = Simulation.objects.create(
            tenant=world.tenant,
            version=draft,
            status=SimulationStatus.DONE,
            total=2,
            processed=2,
            summary={
                "accounts": 2,
                "moved_accounts": 2,
                "by_partner": {
                    world.partner.name: {
                        "gained_accounts": 1,
                        "lost_accounts": 0,
                        "gained_pipeline": "15000.00",
                        "lost_pipeline": "0",
                    }
                },
            },
        )
        route = {"from_outcome": "direct", "from_target": "North", "from_rule": "Default"}
        SimulatedMove.objects.create(
            tenant=world.tenant,
            simulation=simulation,
            account=stays,
            **route,
            to_outcome="direct",
            to_target="North",
            to_rule="Default",
            open_pipeline=Decimal(15000),
            open_opportunities=1,
            account_moves=False,
            opportunity_moves=[
                {
                    "opportunity": 1,
                    "name": f"{stays.name}: fleet renewal",
                    "amount": "15000.00",
                    **route,
                    "to_outcome": "partner",
                    "to_target": world.partner.name,
                    "to_rule": "Big deals to partners",
                }
            ],
        )
        SimulatedMove.objects.create(
            tenant=world.tenant,
            simulation=simulation,
            account=moves,
            **route,
            to_outcome="partner",
            to_target=world.partner.name,
            to_rule="Owners keep accounts",
        )
    page = admin.get(url(world, "rulebook-simulation", simulation.pk)).content.decode()
    table = page.split('data-testid="moves"')[1].split("</table>")[0]
    first, second = table.split('data-testid="move"')[1:]
    assert stays.name in first and 'data-testid="account-stays"' in first
    assert "Opportunity: fleet renewal" in first and "Big deals to partners" in first
    assert "15,000 EUR" in first and "Account</td>" not in first
    assert moves.name in second and "Account</td>" in second
    assert 'data-testid="account-stays"' not in second and "Owners keep accounts" in second
    by_partner = page.split('data-testid="by-partner"')[1].split("</table>")[0]
    assert "+15,000 EUR" in by_partner


def test_a_running_simulation_shows_a_progress_bar(world, admin, draft):
    with tenant_scope(world.tenant):
        simulation = Simulation.objects.create(
            tenant=world.tenant,
            version=draft,
            status=SimulationStatus.RUNNING,
            total=200,
            processed=50,
        )
    page = admin.get(url(world, "rulebook-simulation", simulation.pk)).content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="25"' in page
    assert 'data-testid="simulation-summary"' not in page
    progress = admin.get(url(world, "rulebook-simulation-progress", simulation.pk)).json()
    assert progress == {"status": "running", "processed": 50, "total": 200, "percent": 25}


def test_lint_names_accounts_that_fall_through_to_the_default(world, admin, draft, monkeypatch):
    add_rule(
        world,
        draft,
        name="Named",
        conditions=[{"field": "named_account", "op": "is", "value": True}],
    )
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    warnings = page.split('data-testid="lint-warnings"')[1].split("</ul>")[0]
    assert "4 of 4 accounts match no rule but the default" in warnings
    assert "Rule #1" in warnings and "matches none of today" in warnings
    fallthrough = page.split('data-testid="fallthrough"')[1].split("</ul>")[0]
    assert world.customers["rep"].name in fallthrough

    from guardrails.views import rulebook

    monkeypatch.setattr(rulebook, "LINT_ACCOUNTS_INLINE", 2)
    page = admin.get(url(world, "rulebook-version", draft.pk)).content.decode()
    assert 'data-testid="lint-accounts"' in page and "match no rule" not in page
    page = admin.get(url(world, "rulebook-version", draft.pk) + "?accounts=1").content.decode()
    assert "4 of 4 accounts match no rule but the default" in page


def test_a_default_rule_with_conditions_is_refused(world, admin, draft):
    default = rules_of(world, draft)[0]
    response = admin.post(
        url(world, "rulebook-rule", default.pk),
        {
            "name": "Default",
            "outcome": "direct",
            "target_kind": "none",
            "rationale": "Everything else.",
            "is_default": "on",
            "c-0-field": "country",
            "c-0-op": "in",
            "c-0-values": ["DE"],
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "the default rule has no conditions" in response.content.decode()
    assert rules_of(world, draft)[0].conditions == []
