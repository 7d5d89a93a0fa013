"""The console's rulebook editor: versions, rules, pricing corridors, registration criteria, lint,
diff, publish and simulate. RevOps admins only (the console's door guard admits no one else).

Views translate forms into calls of `guardrails.services`, which own every change and its rules:
a published version is immutable (`VersionLocked`, shown as 409 with what to do instead), bad
data is a `ValidationError` shown on the form, naming the rule and the condition, and publishing
a version that lint finds errors in is refused with the list (`PublishRefused`), changing nothing.
Rolling back is "Copy as draft" on an old version, then publishing the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Account
from core.csvexport import Column, csv_response
from core.views import row_or_404
from guardrails.choices import Outcome, RequiredField, SimulationStatus, VersionStatus
from guardrails.diff import diff_corridors, diff_criteria, diff_rules
from guardrails.forms_rulebook import (
    CorridorForm,
    CriteriaForm,
    PublishForm,
    ReviewHoursForm,
    RuleForm,
    SummaryForm,
    TenantChoices,
    attach_condition_errors,
    condition_rows_from_post,
    condition_rows_from_rule,
    conditions_of,
    field_choices,
)
from guardrails.models import (
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    RulebookVersion,
    SimulatedMove,
    Simulation,
)
from guardrails.plain import describe_rule, rule_names
from guardrails.services.errors import PublishRefused, VersionLocked
from guardrails.services.lint import lint
from guardrails.services.pricing import delete_corridor, save_corridor
from guardrails.services.publish import publish
from guardrails.services.registration import save_criteria
from guardrails.services.rules import delete_rule, move_rule, save_rule
from guardrails.services.simulation import start_simulation
from guardrails.services.versions import (
    active_version,
    create_draft,
    delete_draft,
    get_rulebook,
    set_review_hours,
    update_draft,
)
from tenancy.choices import PartnerTier
from tenancy.models import Membership, Tenant
from tenancy.requests import DoorRequest

__all__ = [
    "copy_version",
    "corridor_delete",
    "corridor_edit",
    "corridor_new",
    "criteria_edit",
    "delete_version",
    "edit_summary",
    "new_draft",
    "overview",
    "publish_version",
    "rule_delete",
    "rule_edit",
    "rule_move",
    "rule_new",
    "rulebook_settings",
    "simulate_version",
    "simulation_detail",
    "simulation_export",
    "simulation_progress",
    "version_detail",
    "version_diff",
]

MOVES_PER_PAGE = 50
# Up to this many accounts, the draft page lints against every account on each view.
LINT_ACCOUNTS_INLINE = 20_000


# --- lookups and refusals ----------------------------------------------------------------------


def _versions(membership: Membership):
    return RulebookVersion.objects.visible_to(membership)


def _version(request: DoorRequest, version_id: int) -> RulebookVersion:
    """A version of this tenant the viewer may see; anything else is 404."""
    rows = _versions(request.membership).select_related("created_by", "published_by", "based_on")
    return row_or_404(rows, version_id, "No such rulebook version.")


def _rule(request: DoorRequest, rule_id: int) -> RouteRule:
    rows = RouteRule.objects.visible_to(request.membership).filter(
        version__in=_versions(request.membership)
    )
    return row_or_404(rows.select_related("version"), rule_id, "No such rule.")


def _corridor(request: DoorRequest, corridor_id: int) -> PricingCorridor:
    rows = PricingCorridor.objects.visible_to(request.membership).filter(
        version__in=_versions(request.membership)
    )
    rows = rows.select_related("version", "product_line", "tier")
    return row_or_404(rows, corridor_id, "No such corridor.")


def _simulation(request: DoorRequest, simulation_id: int) -> Simulation:
    rows = Simulation.objects.visible_to(request.membership).filter(
        version__in=_versions(request.membership)
    )
    return row_or_404(
        rows.select_related("version", "requested_by"), simulation_id, "No such simulation."
    )


def _version_url(version: RulebookVersion, tenant: Tenant) -> Any:
    return redirect("console:rulebook-version", tenant.slug, version.pk)


def _refused(
    request: DoorRequest, version: RulebookVersion | None, problems: list[str], status: int
) -> HttpResponse:
    """Nothing changed: say why, and where to go instead."""
    context = {"version": version, "problems": problems, "status": status}
    return render(request, "guardrails/rulebook/refused.html", context, status=status)


def _locked(request: DoorRequest, version: RulebookVersion) -> HttpResponse:
    return _refused(
        request,
        version,
        [
            f"Version {version.number} is {version.get_status_display().lower()}: published "
            "versions never change. Copy it as a draft to change it."
        ],
        409,
    )


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            message if key == "__all__" else f"{key.replace('_', ' ').capitalize()}: {message}"
            for key, values in exc.message_dict.items()
            for message in values
        ]
    return list(exc.messages)


def _form_errors_from(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for key, values in exc.message_dict.items():
            for message in values:
                form.add_error(key if key in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- overview and settings ---------------------------------------------------------------------


def overview(request: DoorRequest) -> HttpResponse:
    rulebook = get_rulebook(request.tenant)
    versions = list(
        _versions(request.membership)
        .select_related("created_by", "published_by", "based_on")
        .annotate(rule_count=Count("rules"))
        .order_by("-number")
    )
    by_status: dict[str, list[RulebookVersion]] = {s: [] for s in VersionStatus.values}
    for version in versions:
        by_status[version.status].append(version)
    active = by_status[VersionStatus.ACTIVE][0] if by_status[VersionStatus.ACTIVE] else None
    form = ReviewHoursForm(initial={"exception_review_hours": rulebook.exception_review_hours})
    context = {
        "rulebook": rulebook,
        "active": active,
        "scheduled": sorted(
            by_status[VersionStatus.SCHEDULED], key=lambda v: v.effective_at or timezone.now()
        ),
        "drafts": by_status[VersionStatus.DRAFT],
        "retired": by_status[VersionStatus.RETIRED],
        "settings_form": form,
    }
    return render(request, "guardrails/rulebook/overview.html", context)


@require_POST
def rulebook_settings(request: DoorRequest) -> HttpResponse:
    form = ReviewHoursForm(request.POST)
    if form.is_valid():
        hours = form.cleaned_data["exception_review_hours"]
        try:
            set_review_hours(request.tenant, hours, acting=request.membership)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, f"Exception requests are now escalated after {hours} hours.")
            return redirect("console:rulebook", request.tenant.slug)
    problems = [f"{form.fields[k].label}: {' '.join(map(str, v))}" for k, v in form.errors.items()]
    return _refused(request, None, problems, 400)


@require_POST
def new_draft(request: DoorRequest) -> HttpResponse:
    """A new draft, a copy of the active version (empty when none is active yet)."""
    try:
        draft = create_draft(request.tenant, acting=request.membership)
    except ValidationError as exc:
        return _refused(request, None, _messages(exc), 400)
    based = f", a copy of version {draft.based_on.number}" if draft.based_on else ""
    messages.success(request, f"Draft version {draft.number} created{based}.")
    return _version_url(draft, request.tenant)


@require_POST
def copy_version(request: DoorRequest, version_id: int) -> HttpResponse:
    """Any version as a new draft; publishing a copy of an old version is how to roll back."""
    source = _version(request, version_id)
    try:
        draft = create_draft(
            request.tenant,
            acting=request.membership,
            copy_from=source,
            summary=f"Copy of version {source.number}",
        )
    except ValidationError as exc:
        return _refused(request, source, _messages(exc), 400)
    messages.success(
        request, f"Draft version {draft.number} created, a copy of version {source.number}."
    )
    return _version_url(draft, request.tenant)


# --- one version --------------------------------------------------------------------------------


def _rules(request: DoorRequest, version: RulebookVersion) -> list[dict]:
    names = rule_names()
    rules = (
        RouteRule.objects.visible_to(request.membership)
        .filter(version=version)
        .select_related("target_team", "target_partner")
        .order_by("position")
    )
    return [{"rule": r, "sentence": describe_rule(r, names=names)} for r in rules]


def _corridors(request: DoorRequest, version: RulebookVersion) -> list[PricingCorridor]:
    return list(
        PricingCorridor.objects.visible_to(request.membership)
        .filter(version=version)
        .select_related("product_line", "tier")
        .order_by("product_line__name", "route", "tier__rank", "partner_tier", "pk")
    )


def _criteria(request: DoorRequest, version: RulebookVersion) -> RegistrationCriteria | None:
    return (
        RegistrationCriteria.objects.visible_to(request.membership).filter(version=version).first()
    )


def _criteria_view(criteria: RegistrationCriteria | None, choices: TenantChoices) -> dict | None:
    if criteria is None:
        return None
    required = dict(RequiredField.choices)
    return {
        "criteria": criteria,
        "lines": [choices.label("product_line", c) for c in criteria.eligible_product_lines or []],
        "required": [required.get(k, k) for k in criteria.required_fields or []],
        "min_tier": dict(PartnerTier.choices).get(criteria.min_partner_tier, ""),
    }


def version_detail(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    return _render_version(request, version)


def _render_version(
    request: DoorRequest,
    version: RulebookVersion,
    *,
    publish_form: PublishForm | None = None,
    summary_form: SummaryForm | None = None,
    refusal: Any = None,
    status: int = 200,
) -> HttpResponse:
    choices = TenantChoices(request.membership)
    draft = version.is_draft
    context: dict[str, Any] = {
        "version": version,
        "draft": draft,
        "active": active_version(request.tenant),
        "rules": _rules(request, version),
        "corridors": _corridors(request, version),
        "criteria": _criteria_view(_criteria(request, version), choices),
        "simulations": list(
            Simulation.objects.visible_to(request.membership)
            .filter(version=version)
            .select_related("requested_by")
            .order_by("-created_at", "-id")[:5]
        ),
        "refusal": refusal,
    }
    if draft:
        # Lint against every account takes seconds on a large tenant: on request only there.
        account_count = Account.objects.visible_to(request.membership).count()
        check_accounts = account_count <= LINT_ACCOUNTS_INLINE or request.GET.get("accounts") == "1"
        context["lint"] = lint(version, check_accounts=check_accounts)
        context["lint_checked_accounts"] = check_accounts
        context["account_count"] = account_count
        context["publish_form"] = publish_form or PublishForm(tenant=request.tenant)
        context["summary_form"] = summary_form or SummaryForm(initial={"summary": version.summary})
    return render(request, "guardrails/rulebook/version.html", context, status=status)


@require_POST
def edit_summary(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if not version.is_draft:
        return _locked(request, version)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            update_draft(version, summary=form.cleaned_data["summary"], acting=request.membership)
        except VersionLocked:
            return _locked(request, version)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, "Summary saved.")
            return _version_url(version, request.tenant)
    return _render_version(request, version, summary_form=form, status=400)


@require_POST
def delete_version(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if not version.is_draft:
        return _locked(request, version)
    number = version.number
    try:
        delete_draft(version, acting=request.membership)
    except VersionLocked:
        return _locked(request, version)
    except ValidationError as exc:
        return _refused(request, version, _messages(exc), 400)
    messages.success(request, f"Draft version {number} deleted.")
    return redirect("console:rulebook", request.tenant.slug)


@require_POST
def publish_version(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if not version.is_draft:
        return _locked(request, version)
    form = PublishForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _render_version(request, version, publish_form=form, status=400)
    try:
        published = publish(
            version,
            acting=request.membership,
            effective_at=form.cleaned_data.get("effective_at"),
        )
    except PublishRefused as exc:
        version.refresh_from_db()
        return _render_version(request, version, publish_form=form, refusal=exc.report, status=409)
    except VersionLocked:
        return _locked(request, version)
    except ValidationError as exc:
        _form_errors_from(form, exc)
        return _render_version(request, version, publish_form=form, status=400)
    if published.status == VersionStatus.ACTIVE:
        messages.success(
            request,
            f"Version {published.number} is published and active. Routes are being recomputed.",
        )
    else:
        when = timezone.localtime(published.effective_at)  # the page's zone (tenancy/clock.py)
        messages.success(
            request,
            f"Version {published.number} is published; it takes effect on {when:%Y-%m-%d %H:%M}.",
        )
    return redirect("console:rulebook", request.tenant.slug)


@require_POST
def simulate_version(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    try:
        simulation = start_simulation(version, acting=request.membership)
    except ValidationError as exc:
        return _refused(request, version, _messages(exc), 400)
    return redirect("console:rulebook-simulation", request.tenant.slug, simulation.pk)


# --- rules -------------------------------------------------------------------------------------


def _rule_page(
    request: DoorRequest,
    version: RulebookVersion,
    rule: RouteRule | None,
) -> HttpResponse:
    """New rule or edit: the form, the condition rows, add/remove a row, save."""
    if not version.is_draft:
        return _locked(request, version)
    choices = TenantChoices(request.membership)
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        rows, problems = condition_rows_from_post(request.POST, choices)
        action = request.POST.get("action", "save")
        saving = action == "save" and not request.POST.get("remove")
        # Adding or removing a condition re-renders what was typed, without complaining yet.
        form = (
            RuleForm(request.POST, choices=choices)
            if saving
            else RuleForm(initial=request.POST.dict(), choices=choices)
        )
        if saving and not problems and form.is_valid():
            data = _rule_data(form.cleaned_data, conditions_of(rows))
            try:
                saved = save_rule(version, data, rule=rule, acting=request.membership)
            except VersionLocked:
                return _locked(request, version)
            except ValidationError as exc:
                problems = _apply_rule_errors(form, rows, exc)
                status = 400
            else:
                messages.success(request, f"Rule #{saved.position} “{saved.name}” saved.")
                return _version_url(version, request.tenant)
        elif saving or problems:
            status = 400
    else:
        initial = (
            {
                "name": rule.name,
                "outcome": rule.outcome,
                "target_kind": rule.target_kind,
                "target_team": rule.target_team_id,
                "target_partner": rule.target_partner_id,
                "rationale": rule.rationale,
                "is_default": rule.is_default,
            }
            if rule
            else {}
        )
        form = RuleForm(initial=initial, choices=choices)
        rows = condition_rows_from_rule(rule.conditions if rule else [], choices)
    context = {
        "version": version,
        "rule": rule,
        "form": form,
        "rows": rows,
        "problems": problems,
        "fields": field_choices(),
        "choices": choices,
    }
    return render(request, "guardrails/rulebook/rule_form.html", context, status=status)


def _rule_data(cleaned: dict, conditions: list[dict]) -> dict:
    return {
        "name": cleaned["name"],
        "conditions": conditions,
        "outcome": cleaned["outcome"],
        "target_kind": cleaned["target_kind"],
        "target_team": cleaned.get("target_team"),
        "target_partner": cleaned.get("target_partner"),
        "rationale": cleaned["rationale"],
        "is_default": bool(cleaned.get("is_default")),
    }


def _apply_rule_errors(form: RuleForm, rows: list, exc: ValidationError) -> list[str]:
    """The service's messages: on the condition they name, on the field they name, or on top."""
    if hasattr(exc, "error_dict"):
        rest = []
        for key, values in exc.message_dict.items():
            if key == "conditions":
                rest += attach_condition_errors(rows, values)
            elif key in form.fields:
                for message in values:
                    form.add_error(key, message)
            else:
                rest += values
    else:
        rest = attach_condition_errors(rows, list(exc.messages))
    # Messages that name a condition are also listed on top, so none is missed.
    named = [e for row in rows for e in row.errors]
    return named + rest


def _edit_page(
    request: DoorRequest, row: RouteRule | PricingCorridor, page: Callable[..., HttpResponse]
) -> HttpResponse:
    """A rule's or a corridor's edit page; opened from a published version, back to the version."""
    if request.method == "GET" and not row.version.is_draft:
        return redirect("console:rulebook-version", request.tenant.slug, row.version_id)
    return page(request, row.version, row)


def _change_draft(
    request: DoorRequest, version: RulebookVersion, change: Callable[[], object]
) -> HttpResponse | None:
    """Make a change to a draft: the "locked" page when the version is no longer a draft (or
    stops being one meanwhile), the service's refusal as a 400, None when the change went through."""
    if not version.is_draft:
        return _locked(request, version)
    try:
        change()
    except VersionLocked:
        return _locked(request, version)
    except ValidationError as exc:
        return _refused(request, version, _messages(exc), 400)
    return None


def rule_new(request: DoorRequest, version_id: int) -> HttpResponse:
    return _rule_page(request, _version(request, version_id), None)


def rule_edit(request: DoorRequest, rule_id: int) -> HttpResponse:
    return _edit_page(request, _rule(request, rule_id), _rule_page)


@require_POST
def rule_delete(request: DoorRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    label = f"#{rule.position} “{rule.name}”"
    refused = _change_draft(
        request, rule.version, lambda: delete_rule(rule, acting=request.membership)
    )
    if refused:
        return refused
    messages.success(request, f"Rule {label} deleted.")
    return _version_url(rule.version, request.tenant)


@require_POST
def rule_move(request: DoorRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    direction = request.POST.get("direction", "")

    def move() -> None:
        if direction not in ("up", "down"):
            raise ValidationError("Move a rule “up” or “down”.")
        target = rule.position - 1 if direction == "up" else rule.position + 1
        move_rule(rule, target, acting=request.membership)

    return _change_draft(request, rule.version, move) or _version_url(rule.version, request.tenant)


# --- corridors and criteria --------------------------------------------------------------------


def _corridor_page(
    request: DoorRequest, version: RulebookVersion, corridor: PricingCorridor | None
) -> HttpResponse:
    if not version.is_draft:
        return _locked(request, version)
    choices = TenantChoices(request.membership)
    status = 200
    if request.method == "POST":
        form = CorridorForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                save_corridor(
                    version,
                    dict(form.cleaned_data),
                    corridor=corridor,
                    acting=request.membership,
                )
            except VersionLocked:
                return _locked(request, version)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, "Pricing corridor saved.")
                return redirect(f"{_version_url(version, request.tenant).url}#corridors")
        status = 400
    else:
        initial = (
            {
                "product_line": corridor.product_line.code,
                "route": corridor.route,
                "tier": corridor.tier.key if corridor.tier else "",
                "partner_tier": corridor.partner_tier,
                "min_discount": corridor.min_discount,
                "max_discount": corridor.max_discount,
            }
            if corridor
            else {"min_discount": Decimal(0)}
        )
        form = CorridorForm(initial=initial, choices=choices)
    context = {"version": version, "corridor": corridor, "form": form}
    return render(request, "guardrails/rulebook/corridor_form.html", context, status=status)


def corridor_new(request: DoorRequest, version_id: int) -> HttpResponse:
    return _corridor_page(request, _version(request, version_id), None)


def corridor_edit(request: DoorRequest, corridor_id: int) -> HttpResponse:
    return _edit_page(request, _corridor(request, corridor_id), _corridor_page)


@require_POST
def corridor_delete(request: DoorRequest, corridor_id: int) -> HttpResponse:
    corridor = _corridor(request, corridor_id)
    refused = _change_draft(
        request, corridor.version, lambda: delete_corridor(corridor, acting=request.membership)
    )
    if refused:
        return refused
    messages.success(request, "Pricing corridor deleted.")
    return redirect(f"{_version_url(corridor.version, request.tenant).url}#corridors")


def criteria_edit(request: DoorRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    if not version.is_draft:
        if request.method == "GET":
            return redirect("console:rulebook-version", request.tenant.slug, version.pk)
        return _locked(request, version)
    choices = TenantChoices(request.membership)
    status = 200
    if request.method == "POST":
        form = CriteriaForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                save_criteria(version, dict(form.cleaned_data), acting=request.membership)
            except VersionLocked:
                return _locked(request, version)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, "Deal-registration criteria saved.")
                return redirect(f"{_version_url(version, request.tenant).url}#criteria")
        status = 400
    else:
        criteria = _criteria(request, version) or RegistrationCriteria()
        form = CriteriaForm(
            initial={
                "min_amount": criteria.min_amount,
                "eligible_product_lines": list(criteria.eligible_product_lines or []),
                "required_fields": list(criteria.required_fields or []),
                "require_authorization": criteria.require_authorization,
                "min_partner_tier": criteria.min_partner_tier,
                "exclude_named_accounts": criteria.exclude_named_accounts,
                "protection_days": criteria.protection_days,
                "max_extensions": criteria.max_extensions,
                "extension_days": criteria.extension_days,
            },
            choices=choices,
        )
    context = {"version": version, "form": form}
    return render(request, "guardrails/rulebook/criteria_form.html", context, status=status)


# --- diff --------------------------------------------------------------------------------------


def version_diff(request: DoorRequest, version_id: int) -> HttpResponse:
    """This version against another (the active one by default, `?against=<id>`)."""
    version = _version(request, version_id)
    against_id = request.GET.get("against", "")
    others = list(_versions(request.membership).exclude(pk=version.pk).order_by("-number"))
    if against_id:
        base = next((v for v in others if str(v.pk) == against_id), None)
        if base is None:
            raise Http404("No such rulebook version to compare with.")
    else:
        base = active_version(request.tenant)
        if base is not None and base.pk == version.pk:
            base = version.based_on
    names = rule_names()
    rules = [r["rule"] for r in _rules(request, version)]
    context: dict[str, Any] = {"version": version, "base": base, "others": others}
    if base is not None:
        base_rules = [r["rule"] for r in _rules(request, base)]
        context.update(
            rules=diff_rules(base_rules, rules, names),
            corridors=diff_corridors(_corridors(request, base), _corridors(request, version)),
            criteria=diff_criteria(_criteria(request, base), _criteria(request, version)),
        )
    return render(request, "guardrails/rulebook/diff.html", context)


# --- simulations -------------------------------------------------------------------------------


def _percent(simulation: Simulation) -> int:
    if simulation.status == SimulationStatus.DONE:
        return 100
    if not simulation.total:
        return 0
    return min(100, int(simulation.processed * 100 / simulation.total))


def simulation_detail(request: DoorRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id)
    moves = (
        SimulatedMove.objects.visible_to(request.membership)
        .filter(simulation=simulation)
        .select_related("account")
        .order_by("-open_pipeline", "id")
    )
    page = Paginator(moves, MOVES_PER_PAGE).get_page(request.GET.get("page"))
    finished = simulation.status in (SimulationStatus.DONE, SimulationStatus.FAILED)
    context = {
        "simulation": simulation,
        "version": simulation.version,
        "percent": _percent(simulation),
        "finished": finished,
        "summary": summary_view(simulation.summary or {}) if finished else None,
        "page": page,
        "moves": [move_view(move) for move in page.object_list],
        "currency": request.tenant.currency,
    }
    return render(request, "guardrails/rulebook/simulation.html", context)


def _route(outcome: str, target: str, rule: str) -> dict:
    label = Outcome(outcome).label if outcome in Outcome.values else (outcome or "No route")
    return {"outcome": outcome, "label": label, "target": target, "rule": rule}


def move_view(move: SimulatedMove) -> dict:
    """One listed account as the page shows it: a line for the account itself when its own route
    or target changes, and a line per open opportunity that changes, each with its route, target
    and rule before and after; when only opportunities move, the route the account keeps."""
    lines: list[dict[str, Any]] = []
    if move.account_moves:
        lines.append(
            {
                "what": "Account",
                "name": "",
                "before": _route(move.from_outcome, move.from_target, move.from_rule),
                "after": _route(move.to_outcome, move.to_target, move.to_rule),
                "amount": None,
            }
        )
    prefix = f"{move.account.name}: "
    for deal in move.opportunity_moves or []:
        name = deal.get("name") or f"#{deal.get('opportunity')}"
        lines.append(
            {
                "what": "Opportunity",
                "name": name.removeprefix(prefix) or name,  # the account is beside it
                "before": _route(deal["from_outcome"], deal["from_target"], deal["from_rule"]),
                "after": _route(deal["to_outcome"], deal["to_target"], deal["to_rule"]),
                "amount": _amount(deal.get("amount")),
            }
        )
    if not lines:  # recorded before opportunity moves were kept
        lines.append(
            {
                "what": f"{move.open_opportunities} open opportunities",
                "name": "",
                "before": None,
                "after": None,
                "amount": move.open_pipeline,
            }
        )
    stays = (
        None if move.account_moves else _route(move.from_outcome, move.from_target, move.from_rule)
    )
    return {"move": move, "lines": lines, "stays": stays}


def simulation_progress(request: DoorRequest, simulation_id: int) -> JsonResponse:
    simulation = _simulation(request, simulation_id)
    return JsonResponse(
        {
            "status": simulation.status,
            "processed": simulation.processed,
            "total": simulation.total,
            "percent": _percent(simulation),
        }
    )


MOVE_COLUMNS: list[Column] = [
    ("account_id", lambda m: m.account_id),
    ("account", lambda m: m.account.name),
    ("external_id", lambda m: m.account.external_id),
    ("from_route", lambda m: m.from_outcome),
    ("from_target", lambda m: m.from_target),
    ("from_rule", lambda m: m.from_rule),
    ("to_route", lambda m: m.to_outcome),
    ("to_target", lambda m: m.to_target),
    ("to_rule", lambda m: m.to_rule),
    ("open_pipeline", lambda m: m.open_pipeline),
    ("open_opportunities", lambda m: m.open_opportunities),
    ("account_moves", lambda m: "yes" if m.account_moves else "no"),
    ("opportunity_moves", lambda m: _deal_moves_text(m)),
]


def _deal_moves_text(move: SimulatedMove) -> str:
    """The opportunities that move, in one cell: `name (amount): route target → route target`."""
    return "; ".join(
        f"{deal.get('name')} ({deal.get('amount')}): "
        f"{deal.get('from_outcome')} {deal.get('from_target')}".rstrip()
        + f" → {deal.get('to_outcome')} {deal.get('to_target')}".rstrip()
        for deal in move.opportunity_moves or []
    )


def simulation_export(request: DoorRequest, simulation_id: int) -> StreamingHttpResponse:
    simulation = _simulation(request, simulation_id)
    moves = (
        SimulatedMove.objects.visible_to(request.membership)
        .filter(simulation=simulation)
        .select_related("account")
        .order_by("-open_pipeline", "id")
    )
    filename = f"simulation-{request.tenant.slug}-v{simulation.version.number}-{simulation.pk}.csv"
    return csv_response(moves, MOVE_COLUMNS, filename)


ROUTE_WORDS = {"direct": "direct", "partner": "partner", "open": "open to both"}


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except ArithmeticError:
        return Decimal(0)


def summary_view(summary: dict) -> dict:
    """The simulation's summary JSON (`run_simulation` documents its keys) as the page
    shows it: totals, the flows between routes (direct→partner, partner→direct, to and from
    open), and who gains and loses, per partner and per team. Missing keys show as zero."""
    flows = []
    for flow in summary.get("flows") or []:
        src, dst = flow.get("from", ""), flow.get("to", "")
        if src == dst:
            continue  # same route, another target: counted in the per-partner/team tables
        flows.append(
            {
                "label": f"{ROUTE_WORDS.get(src, src)} → {ROUTE_WORDS.get(dst, dst)}",
                "from": src,
                "to": dst,
                "accounts": int(flow.get("accounts") or 0),
                "open_pipeline": _amount(flow.get("open_pipeline")),
                "opportunities": int(flow.get("opportunities") or 0),
            }
        )
    flows.sort(key=lambda f: (f["from"] != "direct", f["from"], f["to"]))

    def sides(raw: Any) -> list[dict]:
        rows = []
        for name, counts in sorted((raw or {}).items()):
            gained, lost = (
                _amount(counts.get("gained_pipeline")),
                _amount(counts.get("lost_pipeline")),
            )
            rows.append(
                {
                    "name": name,
                    "gained_accounts": int(counts.get("gained_accounts") or 0),
                    "lost_accounts": int(counts.get("lost_accounts") or 0),
                    "gained_pipeline": gained,
                    "lost_pipeline": lost,
                    "net_accounts": int(counts.get("gained_accounts") or 0)
                    - int(counts.get("lost_accounts") or 0),
                    "net_pipeline": gained - lost,
                }
            )
        return rows

    return {
        "accounts": int(summary.get("accounts") or 0),
        "moved_accounts": int(summary.get("moved_accounts") or 0),
        "open_opportunities": int(summary.get("open_opportunities") or 0),
        "open_pipeline": _amount(summary.get("open_pipeline")),
        "moved_pipeline": sum((f["open_pipeline"] for f in flows), Decimal(0)),
        "flows": flows,
        "by_partner": sides(summary.get("by_partner")),
        "by_team": sides(summary.get("by_team")),
        "seconds": summary.get("seconds"),
        "active_version": summary.get("active_version"),
    }
