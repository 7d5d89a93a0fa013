"""The console's explain page: which rule decides for an account, or for a customer described by
its attributes, and why each earlier rule did not match, condition by condition.

Everything is a GET (nothing changes), so an explanation is a link an admin can share. The rules
are those of the active version unless a draft (or a published version not yet in force) is
chosen, which is how an admin checks a draft before publishing it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import EmployeeBand, RevenueBand
from accounts.models import Account
from guardrails import engine
from guardrails.choices import VersionStatus
from guardrails.forms_rulebook import (
    OWNER_LABELS,
    ExplainAccountForm,
    HypotheticalForm,
    TenantChoices,
    search_accounts,
)
from guardrails.models import RulebookVersion
from guardrails.plain import rule_names
from tenancy.models import Membership, Partner, Team
from tenancy.requests import DoorRequest

__all__ = ["explain", "explain_result"]

EXPLAINABLE = (VersionStatus.ACTIVE, VersionStatus.SCHEDULED, VersionStatus.DRAFT)


def _versions(membership: Membership) -> list[RulebookVersion]:
    return list(
        RulebookVersion.objects.visible_to(membership)
        .filter(status__in=EXPLAINABLE)
        .select_related("created_by")
        .order_by("-number")
    )


def _chosen_version(
    request: DoorRequest, versions: list[RulebookVersion]
) -> tuple[RulebookVersion | None, str]:
    """The version asked for (None: the active one), or a problem to show."""
    raw = request.GET.get("version", "")
    if not raw:
        return None, ""
    chosen = next((v for v in versions if str(v.pk) == raw), None)
    if chosen is None:
        return (
            None,
            "That rulebook version does not exist or cannot be explained; the active one is used.",
        )
    return chosen, ""


def explain(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    versions = _versions(membership)
    active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    version, version_problem = _chosen_version(request, versions)
    used = version or active
    choices = TenantChoices(membership)
    mode = "hypothetical" if request.GET.get("mode") == "hypothetical" else "account"
    account_form = ExplainAccountForm(request.GET if mode == "account" else None)
    hypo_form = HypotheticalForm(request.GET if mode == "hypothetical" else None, choices=choices)
    status = 400 if version_problem else 200
    account, matches, explanation = None, [], None

    if mode == "account" and account_form.is_bound:
        if account_form.is_valid():
            data = account_form.cleaned_data
            if data.get("account"):
                account = (
                    Account.objects.visible_to(membership)
                    .select_related("segment", "tier")
                    .filter(pk=data["account"])
                    .first()
                )
                if account is None:
                    account_form.add_error("account", "No such account.")
                    status = 404
            elif data.get("q"):
                matches = search_accounts(membership, data["q"])
        else:
            status = 400
        if account is not None and used is not None:
            explanation = engine.explain_account(account, version=used)
    elif mode == "hypothetical" and hypo_form.is_valid() and used is not None:
        try:
            explanation = engine.explain_hypothetical(
                request.tenant, hypo_form.facts_data(), version=used
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                target = key if key in hypo_form.fields else None
                for message in messages:
                    hypo_form.add_error(target, message)
            status = 400
    elif mode == "hypothetical" and hypo_form.is_bound and not hypo_form.is_valid():
        status = 400

    context = {
        "versions": versions,
        "active": active,
        "version": version,
        "used": used,
        "version_problem": version_problem,
        "mode": mode,
        "account_form": account_form,
        "hypo_form": hypo_form,
        "account": account,
        "matches": matches,
        "searched": mode == "account" and bool(request.GET.get("q")),
        "explanation": explanation,
        "result": explain_result(explanation, used, choices) if explanation else None,
    }
    return render(request, "guardrails/explain/explain.html", context, status=status)


def explain_result(
    explanation: engine.Explanation, version: RulebookVersion | None, choices: TenantChoices
) -> dict:
    """What the template shows: the decision in words, the traces, the rules not evaluated and
    the facts the rules saw."""
    decision = explanation.decision
    names = rule_names()
    result: dict[str, Any] = {
        "version": version,
        "decision": decision,
        "traces": explanation.traces,
        "skipped": explanation.skipped_after,
        "facts": _facts(explanation.facts, names, choices) if explanation.facts else [],
    }
    if decision is not None:
        result["target"] = engine.target_label(decision)
        eligible = list(
            Partner.objects.filter(pk__in=decision.eligible_partner_ids).values_list("id", "name")
        )
        by_id = dict(eligible)
        result["eligible"] = [by_id[i] for i in decision.eligible_partner_ids if i in by_id]
    return result


def _facts(facts: engine.Facts, names: dict, choices: TenantChoices) -> list[tuple[str, str]]:
    def listed(values: Any, field: str) -> str:
        return ", ".join(sorted(str(names.get((field, v), v)) for v in values)) or "—"

    bands_e, bands_r = list(EmployeeBand.choices), list(RevenueBand.choices)
    owner = OWNER_LABELS.get(facts.owner_kind, facts.owner_kind)
    if facts.owner_partner:
        owner = (
            Partner.objects.filter(pk=facts.owner_partner).values_list("name", flat=True).first()
            or owner
        )
    elif facts.owner_team:
        owner = (
            Team.objects.filter(pk=facts.owner_team).values_list("name", flat=True).first() or owner
        )
    rows = [
        ("Territories", listed(facts.territories, "territory")),
        ("Country", facts.country or "—"),
        ("Region", facts.region or "—"),
        (
            "Segment",
            str(names.get(("segment", facts.segment), facts.segment)) if facts.segment else "—",
        ),
        ("Strategic tier", str(names.get(("tier", facts.tier), facts.tier)) if facts.tier else "—"),
        (
            "Employees",
            bands_e[facts.employee_rank][1] if facts.employee_rank is not None else "—",
        ),
        (
            "Annual revenue",
            bands_r[facts.revenue_rank][1] if facts.revenue_rank is not None else "—",
        ),
        ("Product lines", listed(facts.product_lines, "product_line")),
        (
            "Service-heavy share",
            f"{facts.service_share:.0f}%" if facts.service_share is not None else "—",
        ),
        ("Service needs", listed(facts.service_needs, "service_need")),
        ("Named account", "yes" if facts.named_account else "no"),
        (
            "Target lists",
            ", ".join(choices.label("target_list", i) for i in sorted(facts.target_lists)) or "—",
        ),
        ("Current owner", owner),
    ]
    if facts.deal_size is not None:
        rows.append(("Deal size", f"{facts.deal_size:,.2f}"))
    return rows
