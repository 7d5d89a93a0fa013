"""Odd and hostile input to the guardrails API is a 4xx with the error body, never a 5xx, and
changes nothing."""

from __future__ import annotations

import pytest

from guardrails.models import (
    PartnerAuthorization,
    PricingCorridor,
    RouteRule,
    RulebookVersion,
    RuleException,
    Territory,
)
from guardrails.tests.test_api import rulebook  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

WATCHED = (Territory, PartnerAuthorization, RulebookVersion, RouteRule, PricingCorridor)


def snapshot() -> list:
    return [list(m.all_tenants.order_by("pk").values()) for m in WATCHED] + [
        list(RuleException.all_tenants.order_by("pk").values())
    ]


def draft_url(world) -> str:
    draft = RulebookVersion.all_tenants.filter(tenant=world.tenant, status="draft").first()
    assert draft is not None
    return f"/api/v1/rulebook-versions/{draft.pk}/"


RULE = {"name": "R", "outcome": "direct", "rationale": "x"}
BAD = [
    ("post", "territories/", {"code": "a b", "name": "", "areas": "DE"}),
    (
        "post",
        "territories/",
        {"code": "ok", "name": "Ok", "areas": [{"country": "DE", "region": "XX"}]},
    ),
    (
        "post",
        "territories/",
        {
            "code": "ok",
            "name": "Ok",
            "areas": [{"country": "DE", "postal_from": "9", "postal_to": "10"}],
        },
    ),
    ("post", "territories/", {"code": "ok", "name": "Ok", "areas": [{"country": "DE\x00"}]}),
    ("post", "territories/", []),
    ("post", "partner-authorizations/", {"partner": "x", "territory": {"id": 1}}),
    ("post", "partner-authorizations/", {"partner": 2**70, "territory": "nope", "valid_from": "x"}),
    ("patch", "DRAFT", {"rules": [None]}),
    ("patch", "DRAFT", {"rules": [{**RULE, "conditions": ["territory"]}]}),
    (
        "patch",
        "DRAFT",
        {"rules": [{**RULE, "conditions": [{"field": "territory", "op": "in", "value": [1]}]}]},
    ),
    (
        "patch",
        "DRAFT",
        {
            "rules": [
                {
                    **RULE,
                    "conditions": [
                        {"field": "deal_size", "op": "between", "value": {"min": "NaN"}}
                    ],
                }
            ]
        },
    ),
    (
        "patch",
        "DRAFT",
        {
            "rules": [
                {
                    **RULE,
                    "conditions": [{"field": "product_mix", "op": "at_least", "value": "1e400"}],
                }
            ]
        },
    ),
    ("patch", "DRAFT", {"rules": [{**RULE, "target_kind": "team"}]}),
    ("patch", "DRAFT", {"rules": [{**RULE, "target_partner": 2**62}]}),
    ("patch", "DRAFT", {"rules": [{**RULE, "outcome": "sideways"}]}),
    (
        "patch",
        "DRAFT",
        {
            "rules": [
                {
                    **RULE,
                    "is_default": True,
                    "conditions": [{"field": "owner", "op": "is", "value": "none"}],
                }
            ]
        },
    ),
    ("patch", "DRAFT", {"rules": "all of them"}),
    (
        "patch",
        "DRAFT",
        {
            "corridors": [
                {
                    "product_line": {"code": "hydraulics"},
                    "route": "direct",
                    "min_discount": "20",
                    "max_discount": "10",
                }
            ]
        },
    ),
    (
        "patch",
        "DRAFT",
        {
            "corridors": [
                {
                    "product_line": {"code": "hydraulics"},
                    "route": "direct",
                    "partner_tier": "gold",
                    "min_discount": "0",
                    "max_discount": "10",
                }
            ]
        },
    ),
    (
        "patch",
        "DRAFT",
        {
            "corridors": [
                {
                    "product_line": {"code": "hydraulics"},
                    "route": "direct",
                    "min_discount": "0",
                    "max_discount": "10",
                },
                {
                    "product_line": {"code": "hydraulics"},
                    "route": "direct",
                    "min_discount": "0",
                    "max_discount": "12",
                },
            ]
        },
    ),
    ("patch", "DRAFT", {"criteria": {"eligible_product_lines": ["nope"], "protection_days": -1}}),
    ("patch", "DRAFT", {"criteria": None}),
    ("patch", "DRAFT", {"summary": "x" * 400}),
    ("post", "rulebook-versions/", {"copy_from": 2**63}),
    ("post", "explain/", {"attributes": "DE"}),
    (
        "post",
        "explain/",
        {"attributes": {"deal_size": "1e400", "named_account": "yes", "target_lists": ["a"]}},
    ),
    ("post", "explain/", {"attributes": {"country": "DE", "region": "FR-75", "segment": 5}}),
    ("post", "explain/", {"account": {"external_id": ""}}),
    ("post", "explain/", {"account": True}),
    ("post", "explain/", {"attributes": {}, "version": "latest"}),
    ("post", "corridor-check/", {"product_line": 1, "route": "direct", "discount_pct": "NaN"}),
    (
        "post",
        "corridor-check/",
        {
            "product_line": {"code": "hydraulics"},
            "route": "direct",
            "discount_pct": "5",
            "tier": "nope",
        },
    ),
    (
        "post",
        "rule-exceptions/",
        {"kind": "discount", "account": 2**70, "justification": "", "ends_on": "soon"},
    ),
    ("post", "rulebook/", {}),
    ("patch", "rulebook/", {"exception_review_hours": "many"}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD)
def test_bad_input_is_a_4xx_and_changes_nothing(world, api_as, rulebook, method, path, body):  # noqa: F811
    admin = api_as("admin")
    admin.post("/api/v1/rulebook-versions/", {}, format="json")  # a draft to edit
    target = draft_url(world) if path == "DRAFT" else f"/api/v1/{path}"
    persona = "rep" if path == "rule-exceptions/" else "admin"
    before = snapshot()
    response = getattr(api_as(persona), method)(target, body, format="json")
    assert 400 <= response.status_code < 500, response.content[:500]
    assert set(response.json()) >= {"code", "detail", "fields"}
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "territories/?archived=maybe",
        "territories/?country=%00",
        "partner-authorizations/?current=perhaps&partner=x",
        "rulebook-versions/?status=sideways",
        "rule-exceptions/?ends_on__gte=yesterday",
        "account-routes/?account=-1&outcome__in=x",
        "discount-leakage/?recorded_since=tomorrow",
        "simulations/?version=99999999999999999999",
        "territories/?updated_since=10000-01-01T00:00:00Z",
    ],
)
def test_odd_filters_are_400_not_500(world, api_as, rulebook, query):  # noqa: F811
    response = api_as("admin").get(f"/api/v1/{query}")
    assert response.status_code in (200, 400), response.content[:300]
