"""Each rule of the guardrails is written once, so the console and the API refuse the same input
with the same message. Where two copies disagreed, the stricter one won: at most 30 conditions a
rule (the API allowed 50), a review comment of at most 4,000 characters (the API allowed 5,000)."""

from __future__ import annotations

import pytest

from core.tenancy import tenant_scope
from guardrails.models import PricingCorridor, RegistrationCriteria, RouteRule
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft, get_rulebook
from guardrails.tests.factories import TerritoryAreaFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

CONSOLE = "/console/alpha/"
API = "/api/v1/"
RULE = {
    "name": "Bavarian parts",
    "outcome": "partner",
    "target_kind": "authorized",
    "rationale": "Local partners stock the parts.",
}


@pytest.fixture
def console(login_as):
    return login_as("admin")


@pytest.fixture
def api(api_as):
    return api_as("admin")


@pytest.fixture
def draft(world):
    """A draft with one rule before the default rule."""
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=territory, country="DE", region="DE-BY")
        version = create_draft(world.tenant, acting=world.membership("admin"))
        rule = save_rule(
            version,
            {**RULE, "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}]},
            acting=world.membership("admin"),
        )
    return version, rule


def refused_in_console(response) -> str:
    assert response.status_code == 400, response.status_code
    return response.content.decode()


def refused_by_api(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert field in fields, fields
    return fields[field]


def patch_version(api, version, body: dict):
    return api.patch(f"{API}rulebook-versions/{version.pk}/", body, format="json")


def test_a_rule_has_at_most_30_conditions_in_console_and_api(world, console, api, draft):
    version, rule = draft
    message = "Rule 1 “Bavarian parts”: a rule has at most 30 conditions."
    rows: dict[str, str] = {}
    for index in range(31):
        rows |= {f"c-{index}-field": "country", f"c-{index}-op": "in", f"c-{index}-values": "DE"}
    page = console.post(f"{CONSOLE}rulebook/rules/{rule.pk}/", {**RULE, **rows, "action": "save"})
    assert message in refused_in_console(page)
    conditions = [{"field": "country", "op": "in", "value": ["DE"]}] * 31
    default = {"name": "Default", "outcome": "direct", "rationale": "D.", "is_default": True}
    refused = patch_version(api, version, {"rules": [{**RULE, "conditions": conditions}, default]})
    assert refused_by_api(refused, "rules.0.conditions") == [message]
    with tenant_scope(world.tenant):
        assert len(RouteRule.objects.get(pk=rule.pk).conditions) == 1
    thirty = patch_version(
        api, version, {"rules": [{**RULE, "conditions": conditions[:30]}, default]}
    )
    assert thirty.status_code == 200, thirty.content


CORRIDOR = {"product_line": "hydraulics", "route": "partner", "min_discount": "5"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_discount": "2"}, "max_discount", "The maximum discount is below the minimum."),
        (
            {"route": "direct", "partner_tier": "gold", "max_discount": "10"},
            "partner_tier",
            "A partner tier only applies to the partner route.",
        ),
    ],
)
def test_a_corridor_is_refused_alike_in_console_and_api(
    world, console, api, draft, changes, field, message
):
    version, _ = draft
    corridor = {**CORRIDOR, **changes}
    page = console.post(f"{CONSOLE}rulebook/versions/{version.pk}/corridors/new/", corridor)
    assert message in refused_in_console(page)
    by_code = {**corridor, "product_line": {"code": "hydraulics"}}
    refused = patch_version(api, version, {"corridors": [by_code]})
    assert refused_by_api(refused, f"corridors.0.{field}") == [message]
    with tenant_scope(world.tenant):
        assert not PricingCorridor.objects.filter(version=version).exists()


CRITERIA = {
    "min_amount": "1000",
    "protection_days": "90",
    "max_extensions": "1",
    "extension_days": "30",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("protection_days", 3651, "Ensure this value is less than or equal to 3650."),
        ("protection_days", 0, "Ensure this value is greater than or equal to 1."),
        ("extension_days", 0, "Ensure this value is greater than or equal to 1."),
        ("max_extensions", 21, "Ensure this value is less than or equal to 20."),
    ],
)
def test_registration_limits_are_the_same_in_console_and_api(
    world, console, api, draft, field, value, message
):
    version, _ = draft
    page = console.post(
        f"{CONSOLE}rulebook/versions/{version.pk}/criteria/", {**CRITERIA, field: value}
    )
    assert message in refused_in_console(page)
    refused = patch_version(api, version, {"criteria": {field: value}})
    assert refused_by_api(refused, f"criteria.{field}") == [message]
    with tenant_scope(world.tenant):
        criteria = RegistrationCriteria.objects.get(version=version)
        assert getattr(criteria, field) == getattr(RegistrationCriteria(), field)  # the default


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (2161, "Ensure this value is less than or equal to 2160."),
        (0, "Ensure this value is greater than or equal to 1."),
        (-5, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_review_hours_are_limited_alike_in_console_and_api(world, console, api, hours, message):
    page = console.post(f"{CONSOLE}rulebook/settings/", {"exception_review_hours": hours})
    assert message in refused_in_console(page)
    refused = api.patch(f"{API}rulebook/", {"exception_review_hours": hours}, format="json")
    assert refused_by_api(refused, "exception_review_hours") == [message]
    with tenant_scope(world.tenant):
        assert get_rulebook(world.tenant).exception_review_hours == 48
