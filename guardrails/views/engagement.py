"""What the rules mean for the people they bind.

- "Rules of engagement" (sales and portal doors): the published rules that apply to the viewer in
  plain language (`plain.published_rules_for`), the pricing corridors they may read
  (`plain.corridors_for`), the deal-registration criteria in force and, in the portal, the
  partner's own authorizations.
- The account page's "Route" section (every door): the stored decision for the account, and the
  rule-by-rule explanation from `engine.explain_account`.

A partner never reads another partner's terms: rules naming another partner are left out of the
rules and the explanation (a rule it may not read is shown as such, without name or conditions),
another partner as a target reads "another partner", direct teams "the direct team", and
conditions on target lists, owning partners and owning teams are phrased without names.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Account, ProductLine
from guardrails import engine
from guardrails.choices import ExceptionStatus, RequiredField
from guardrails.models import (
    AccountRoute,
    PartnerAuthorization,
    RegistrationCriteria,
    RouteRule,
    Rulebook,
    RulebookVersion,
    RuleException,
)
from guardrails.plain import condition_phrase, corridors_for, published_rules_for, rule_names
from guardrails.redact import Redactor, redactor_for
from guardrails.services.exception_requests import can_request, effective_exceptions
from tenancy.choices import PartnerTier
from tenancy.requests import DoorRequest

__all__ = ["account_route_section", "rules_of_engagement"]

# Conditions whose values name the manufacturer's internal lists, teams or other partners.
HIDDEN_FOR_PARTNERS = {"target_list", "owner_partner", "owner_team"}


def _active_version() -> RulebookVersion | None:
    rulebook = Rulebook.objects.select_related("active_version", "active_version__published_by")
    found = rulebook.first()
    return found.active_version if found else None


# --- rules of engagement -------------------------------------------------------------------------


def _criteria(version: RulebookVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    criteria = RegistrationCriteria.objects.filter(version=version).first()
    if criteria is None:
        return None
    codes = list(criteria.eligible_product_lines or [])
    names = dict(ProductLine.objects.filter(code__in=codes).values_list("code", "name"))
    labels = dict(RequiredField.choices)
    return {
        "criteria": criteria,
        "product_lines": [names.get(code, code) for code in codes],
        "required_fields": [labels.get(f, f) for f in criteria.required_fields or []],
        "min_partner_tier": dict(PartnerTier.choices).get(criteria.min_partner_tier, ""),
    }


def rules_of_engagement(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    version = _active_version()
    redact = redactor_for(membership)
    rules = published_rules_for(membership, version) if version else []
    for (
        rule,
        _,
    ) in rules:  # shown, never saved: the manufacturer's words as the viewer may read them
        rule.name, rule.rationale = redact(rule.name), redact(rule.rationale)
    corridors = list(corridors_for(membership, version)) if version else []
    authorizations = []
    if membership.is_partner_user:
        today = timezone.localdate()
        authorizations = list(
            PartnerAuthorization.objects.visible_to(membership)
            .exclude(valid_until__lt=today)
            .select_related("territory", "product_line")
            .prefetch_related("territory__areas")
            .order_by("territory__name", "valid_from", "pk")
        )
        for auth in authorizations:
            auth.upcoming = auth.valid_from > today
    context = {
        "version": version,
        "rules": rules,
        "corridors": corridors,
        "criteria": _criteria(version),
        "authorizations": authorizations,
        "is_partner": membership.is_partner_user,
        "can_request": can_request(membership),
    }
    return render(request, "guardrails/engagement/rules.html", context)


# --- the account page's route section ------------------------------------------------------------


def _target_text(route: AccountRoute, partner_id: int | None) -> str:
    if route.target_partner_id:
        if partner_id is not None and route.target_partner_id != partner_id:
            return "another partner"
        if partner_id is not None:
            return "your company"
        return route.target_partner.name if route.target_partner else "a partner"
    if route.target_team_id:
        if partner_id is not None or route.target_team is None:
            return "the direct team"
        return route.target_team.name
    return {
        "direct": "the direct team",
        "partner": "no authorized partner yet",
        "open": "either route: deal registration decides",
    }.get(route.outcome, "")


def _partner_traces(explanation: Any, readable: set[int], redact: Redactor) -> list[dict[str, Any]]:
    """The explanation as a partner may read it: rules it may not read are shown as such, and
    conditions naming internal lists, teams or partners without their values."""
    rules = {
        r.pk: r
        for r in RouteRule.objects.filter(pk__in=[t.rule_id for t in explanation.traces]).only(
            "pk", "conditions"
        )
    }
    names = rule_names()
    traces = []
    for trace in explanation.traces:
        if trace.rule_id not in readable:
            traces.append({"position": trace.position, "hidden": True, "matched": trace.matched})
            continue
        conditions = []
        stored = rules[trace.rule_id].conditions if trace.rule_id in rules else []
        for index, result in enumerate(trace.conditions):
            condition = stored[index] if index < len(stored) else None
            if condition and condition.get("field") in HIDDEN_FOR_PARTNERS:
                conditions.append(
                    {
                        "text": condition_phrase(condition, names, hide_ids=True),
                        "passed": result.passed,
                        "reason": "" if result.passed else "not met",
                    }
                )
            else:
                conditions.append(
                    {"text": result.text, "passed": result.passed, "reason": result.reason}
                )
        traces.append(
            {
                "position": trace.position,
                "name": trace.name,
                "matched": trace.matched,
                "conditions": conditions,
            }
        )
    return redact(traces)


def _traces(explanation: Any) -> list[dict[str, Any]]:
    return [
        {
            "position": t.position,
            "name": t.name,
            "matched": t.matched,
            "conditions": [
                {"text": c.text, "passed": c.passed, "reason": c.reason} for c in t.conditions
            ],
        }
        for t in explanation.traces
    ]


def account_route_section(request: HttpRequest, account: Account) -> str:
    """The stored route of the account, and why, rule by rule. (The account page hands sections
    the request its door guard admitted.)"""
    door_request = cast(DoorRequest, request)
    membership = door_request.membership
    partner_id = membership.partner_id if membership.is_partner_user else None
    route = (
        AccountRoute.objects.visible_to(membership)
        .filter(account=account)
        .select_related("rule", "version", "target_team", "target_partner")
        .first()
    )
    redact = redactor_for(membership)
    if route is not None:  # shown, never saved
        route.rationale = redact(route.rationale)
        if route.rule is not None:
            route.rule.name = redact(route.rule.name)
    version = _active_version()
    readable: set[int] | None = None
    if partner_id is not None and version is not None:
        readable = {rule.pk for rule, _ in published_rules_for(membership, version)}

    explanation = engine.explain_account(account, version=version) if version else None
    if explanation is None:
        traces, skipped = [], []
    elif readable is not None:
        # Partners are told how many later rules were not evaluated, not which.
        traces = _partner_traces(explanation, readable, redact)
        skipped = list(explanation.skipped_after)
    else:
        traces, skipped = _traces(explanation), list(explanation.skipped_after)

    rule_shown = route is not None and route.rule_id is not None
    if route is not None and readable is not None and route.rule_id not in readable:
        rule_shown = False
    exceptions = (
        RuleException.objects.visible_to(membership)
        .filter(account=account, status__in=[ExceptionStatus.PENDING, ExceptionStatus.APPROVED])
        .order_by("-created_at")
    )
    in_force = effective_exceptions(exceptions)
    context = {
        "door": door_request.door,
        "active_tenant": door_request.tenant,
        "account": account,
        "route": route,
        "target": _target_text(route, partner_id) if route else "",
        "rule_shown": rule_shown,
        "by_exception": route is not None and route.exception_id is not None,
        "version": version,
        "explanation": explanation,
        "traces": traces,
        "skipped_count": len(skipped),
        "skipped": [] if readable is not None else skipped,
        "is_partner": partner_id is not None,
        "can_request": can_request(membership),
        "exceptions": list(exceptions.filter(status=ExceptionStatus.PENDING)[:5])
        + list(in_force[:5]),
    }
    return render_to_string("guardrails/engagement/_account_route.html", context)
