"""Every transition of a registration, each a `core.acting.action` that checks the state machine
(dealreg.choices.TRANSITIONS; `TransitionRefused` otherwise), writes atomically, lands on the
timeline and, through the registration's save, fires the `deal_registration.updated` webhook
(its timeline entry fires `deal_registration_event.created`).

Submit, in one transaction: complete? → end customer matched or created → the rulebook version
in force is pinned → discounts judged → approval chain chosen → conflict engine → claims taken
(the partial unique index picks one holder per customer and line, whatever the concurrency; the
others record a conflict) → submitted, the review clock started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import Actor, SystemActor, action
from dealreg.choices import (
    Action,
    ClockKind,
    ClockState,
    ConflictKind,
    ConflictStatus,
    RegState,
    StepCondition,
)
from dealreg.models import (
    Claim,
    DealRegistration,
    RegistrationConflict,
    RegistrationLine,
)
from dealreg.services.clocks import (
    start_answer_clock,
    start_conversion_clock,
    start_review_clock,
    stop_clocks,
)
from dealreg.services.conflicts import Finding, Party, find_conflicts, record_conflicts
from dealreg.services.matching import ensure_end_customer, find_customer
from dealreg.services.pricing import LineVerdict, check_lines, check_registration_lines
from dealreg.services.pricing import record_leakage as record_registration_leakage
from dealreg.services.state import (
    TransitionRefused,
    check_allowed,
    lock,
    log_event,
    settings_for,
    transition,
)
from guardrails.choices import RequiredField
from guardrails.models import RegistrationCriteria, RulebookVersion
from guardrails.services.exception_requests import grant_discount_exception
from guardrails.services.registration import check_registration
from guardrails.services.versions import active_version
from pipeline.choices import Outcome, Route, Source
from pipeline.models import Opportunity, Stage
from routing.choices import EventKind
from routing.notify import admins_of, managers_of, notify, partner_admins_of
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

__all__ = [
    "REGISTRANT_FIELDS",
    "approve",
    "approved_discounts",
    "check_before_filing",
    "check_editable",
    "close",
    "criteria_of",
    "decide_extension",
    "expire",
    "registrant_defaults",
    "reject",
    "request_extension",
    "require_registrant",
    "resubmit",
    "return_for_info",
    "set_lines",
    "start_review",
    "submit",
    "withdraw",
]

# What a registrant fills in (and a reviewer may list as editable on a return).
REGISTRANT_FIELDS = (
    "title",
    "end_customer",
    "end_customer_name",
    "end_customer_country",
    "end_customer_website",
    "purchasing_customer",
    "purchasing_customer_name",
    "design_customer",
    "design_customer_name",
    "contact_name",
    "contact_email",
    "estimated_amount",
    "currency",
    "expected_close_on",
    "competitor",
    "incumbent",
    "how_found",
    "budget_confirmed",
    "notes",
    "lines",
)
# Always writable: the CRM's own key.
ALWAYS_EDITABLE = ("external_id",)
REVIEWERS = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER})
TIE_BREAK = SystemActor("conflict engine")
CLOSED_CLAIM = "closed"


class _Defaults:
    protection_days = 90
    max_extensions = 1
    extension_days = 30


def registrant_defaults(membership: Membership) -> dict[str, Any]:
    """Who a new registration is by: a partner user's partner, a direct user's team."""
    if membership.is_partner_user:
        return {
            "route": Route.PARTNER,
            "registrant_partner": membership.partner,
            "registrant_team": None,
            "registrant_user": membership.user,
        }
    if membership.is_direct_user:
        return {
            "route": Route.DIRECT,
            "registrant_partner": None,
            "registrant_team": membership.team,
            "registrant_user": membership.user,
        }
    return {}


def check_editable(registration: DealRegistration, fields: Iterable[str]) -> None:
    """Drafts are editable; a registration returned for information only in the fields the
    reviewer listed; nothing else is (TransitionRefused, the API's 409)."""
    fields = [f for f in fields if f not in ALWAYS_EDITABLE and f != "version"]
    if not fields:
        return
    if registration.state == RegState.DRAFT:
        return
    if registration.state == RegState.RETURNED:
        refused = sorted(set(fields) - set(registration.editable_fields))
        if refused:
            raise ValidationError(
                {
                    name: "The reviewer asked for other information: only "
                    + (", ".join(registration.editable_fields) or "nothing")
                    + " may change."
                    for name in refused
                }
            )
        return
    raise TransitionRefused(
        registration,
        "update",
        f"A registration that is {registration.get_state_display().lower()} cannot be edited; "
        "only drafts and registrations returned for information can.",
    )


def _decimal(value: Any, name: str, errors: dict, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[name] = "A number."
        return Decimal(0)
    if not low <= number <= high:
        errors[name] = f"Between {low} and {high}."
    return number


def set_lines(registration: DealRegistration, lines: list[dict[str, Any]]) -> None:
    """Replace the registration's lines (product line, quantity, amount, requested discount and
    an exception justification when the discount is outside its corridor). One line per
    product line."""
    errors: dict[str, str] = {}
    seen = set()
    rows = []
    for index, line in enumerate(lines):
        product_line = line.get("product_line")
        if not isinstance(product_line, ProductLine):
            errors[f"lines.{index}.product_line"] = "A product line."
            continue
        if product_line.pk in seen:
            errors[f"lines.{index}.product_line"] = "Each product line once."
        seen.add(product_line.pk)
        rows.append(
            RegistrationLine(
                tenant_id=registration.tenant_id,
                registration=registration,
                product_line=product_line,
                quantity=line.get("quantity", Decimal(1)),
                amount=line.get("amount", Decimal(0)),
                requested_discount=line.get("requested_discount", Decimal(0)),
                exception_justification=line.get("exception_justification", ""),
            )
        )
    if errors:
        raise ValidationError(errors)
    registration.lines.all().delete()
    RegistrationLine.objects.bulk_create(rows)


def criteria_of(registration: DealRegistration) -> Any:
    version = registration.rulebook_version
    found = (
        RegistrationCriteria.objects.filter(version=version).first()
        if version is not None
        else None
    )
    return found or _Defaults()


def _provided(registration: DealRegistration, has_lines: bool) -> set[str]:
    provided: set[str] = set()
    if registration.contact_name or registration.contact_email:
        provided.add(RequiredField.CONTACT)
    if registration.expected_close_on:
        provided.add(RequiredField.EXPECTED_CLOSE)
    if has_lines:
        provided.add(RequiredField.PRODUCTS)
    if registration.competitor:
        provided.add(RequiredField.COMPETITOR)
    if registration.budget_confirmed:
        provided.add(RequiredField.BUDGET)
    if registration.notes:
        provided.add(RequiredField.DESCRIPTION)
    return provided


def _criteria_failures(
    registration: DealRegistration, account: Account, version: RulebookVersion | None
) -> list[str]:
    if version is None:
        return []
    lines = [line.product_line for line in registration.lines.all()]
    return check_registration(
        version,
        partner=registration.registrant_partner,
        account=account,
        amount=registration.estimated_amount,
        product_lines=lines,
        provided_fields=_provided(registration, bool(lines)),
    )


def _missing(registration: DealRegistration) -> dict[str, str]:
    """What a registration needs before it can be submitted, by field."""
    missing: dict[str, str] = {}
    if not registration.title.strip():
        missing["title"] = "Say what the deal is."
    if not registration.end_customer_id and not registration.end_customer_name.strip():
        missing["end_customer"] = "Name the end customer, or pick an existing one."
    if not registration.lines.exists():
        missing["lines"] = "Add at least one product line."
    if registration.estimated_amount is None or registration.estimated_amount <= 0:
        missing["estimated_amount"] = "Give the estimated amount."
    return missing


def _chain(registration: DealRegistration, verdicts: list[LineVerdict]) -> list[dict[str, Any]]:
    """The approval steps this registration needs, chosen by the tenant's conditions."""
    steps = []
    outside = any(not v.inside for v in verdicts)
    for step in settings_for(registration.tenant_id).approval_steps:
        condition = step.get("condition")
        if condition == StepCondition.AMOUNT_ABOVE:
            if registration.estimated_amount <= Decimal(str(step.get("threshold", 0))):
                continue
        elif condition == StepCondition.DISCOUNT_OUTSIDE and not outside:
            continue
        steps.append(
            {
                "name": step["name"],
                "condition": condition,
                "role": step["role"],
                "hours": step["hours"],
                "approved_by": None,
                "approved_at": None,
            }
        )
    if not steps:
        steps.append(
            {
                "name": "Review",
                "condition": StepCondition.ALWAYS,
                "role": Role.REVOPS_ADMIN,
                "hours": settings_for(registration.tenant_id).review_hours,
                "approved_by": None,
                "approved_at": None,
            }
        )
    return steps


def _notify_registrant(
    registration: DealRegistration, kind: str, title: str, body: str = ""
) -> None:
    users = [registration.registrant_user_id]
    if registration.route == Route.PARTNER:
        users += partner_admins_of(registration.registrant_partner_id)
    else:
        users += managers_of(registration.registrant_team_id)
    notify(users, tenant=registration.tenant, kind=kind, title=title, body=body)


def _take_claims(registration: DealRegistration, account: Account) -> list[int]:
    """Claim each line for this registration; the database lets one registration hold a
    customer and line. Returns the product lines another registration holds."""
    lost = []
    for line in registration.lines.all():
        if Claim.objects.filter(
            registration=registration, product_line_id=line.product_line_id, active=True
        ).exists():
            continue
        try:
            with transaction.atomic():
                Claim.objects.create(
                    tenant_id=registration.tenant_id,
                    registration=registration,
                    account=account,
                    product_line_id=line.product_line_id,
                )
        except IntegrityError:
            lost.append(line.product_line_id)
    return lost


def _release_claims(registration: DealRegistration, now: dt.datetime) -> None:
    Claim.objects.filter(registration=registration, active=True).update(
        active=False, released_at=now, updated_at=now
    )


def _lift_idle_holders(findings: list[Finding], *, now: dt.datetime) -> None:
    """Documented activity beats an idle claim: holders the engine found idle lose protection
    (their claims go, they expire with the reason) before this registration claims."""
    for finding in findings:
        other = finding.other_registration
        if other is None or not finding.registrant_prevails or not finding.extra.get("idle"):
            continue
        other = lock(other)
        if other.state != RegState.APPROVED:
            continue
        _release_claims(other, now)
        stop_clocks(other, now=now, state=ClockState.CANCELLED)
        # The engine lifts it, not the newcomer: its timeline must not name who filed.
        transition(
            other,
            Action.EXPIRE,
            acting=TIE_BREAK,
            reason="Protection lifted: no activity was logged on the account within the idle "
            "window while another route documented its work.",
            now=now,
        )


def _refresh_conflicts(
    registration: DealRegistration, account: Account, *, acting: Actor, now: dt.datetime
) -> list[Finding]:
    lines = [line.product_line for line in registration.lines.select_related("product_line")]
    findings = find_conflicts(account, lines, Party.of(registration), exclude=registration, now=now)
    _lift_idle_holders(findings, now=now)
    lost = _take_claims(registration, account)
    found_lines = {
        f.product_line.pk
        for f in findings
        if f.kind == ConflictKind.REGISTRATION and f.product_line
    }
    for product_line_id in lost:
        if product_line_id in found_lines:
            continue
        # Lost a race the engine could not see yet (the holder committed meanwhile).
        holder = (
            Claim.objects.filter(account=account, product_line_id=product_line_id, active=True)
            .select_related("registration", "product_line")
            .first()
        )
        product_line = ProductLine.objects.get(pk=product_line_id)
        findings.append(
            Finding(
                kind=ConflictKind.REGISTRATION,
                reason=(
                    f"This account and product line ({product_line.name}) are already registered "
                    "by another route; that registration is waiting for review."
                ),
                internal_reason=(
                    f"Registration #{holder.registration_id} claimed it first."
                    if holder
                    else "Claimed by another registration at the same moment."
                ),
                tie_break="The first complete registration wins.",
                registrant_prevails=False,
                needs_adjudication=True,
                product_line=product_line,
                other_registration=holder.registration if holder else None,
                other_partner_id=holder.registration.registrant_partner_id if holder else None,
                other_team_id=holder.registration.registrant_team_id if holder else None,
            )
        )
    record_conflicts(registration, findings)
    return findings


@action
def submit(registration: DealRegistration, *, acting: Acting) -> DealRegistration:
    """File a draft: see the module's docstring for the steps, all in one transaction."""
    check_allowed(registration, Action.SUBMIT)
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.SUBMIT)
        missing = _missing(registration)
        if missing:
            raise ValidationError(missing)
        now = timezone.now()
        account = ensure_end_customer(registration)
        registration.rulebook_version = active_version(registration.tenant)
        registration.submitted_at = now
        verdicts = check_registration_lines(registration)
        registration.approval_chain = _chain(registration, verdicts)
        registration.approval_step = 0
        findings = _refresh_conflicts(registration, account, acting=acting, now=now)
        blocking = [f for f in findings if f.registrant_prevails is False]
        transition(
            registration,
            Action.SUBMIT,
            acting=acting,
            reason=(f"Submitted; {len(blocking)} conflict(s) found." if blocking else "Submitted."),
            now=now,
        )
        start_review_clock(registration, step=0, hours=_review_hours(registration, 0), now=now)
        if registration.has_conflict:
            log_event(
                registration,
                Action.CONFLICT,
                acting=acting,
                reason=_conflict_summary(findings),
                at=now,
            )
    return registration


def _review_hours(registration: DealRegistration, step: int) -> int:
    if step == 0:
        return settings_for(registration.tenant_id).review_hours
    return int(registration.approval_chain[step]["hours"])


def _conflict_summary(findings: list[Finding]) -> str:
    return " ".join(dict.fromkeys(f.reason for f in findings))


def _require_reviewer(acting: Acting, role: str | None = None) -> None:
    if isinstance(acting, SystemActor):
        return
    if acting.role not in REVIEWERS:
        raise PermissionDenied("Registrations are reviewed by RevOps admins and sales managers.")
    if role and role == Role.REVOPS_ADMIN and acting.role != Role.REVOPS_ADMIN:
        raise PermissionDenied("This approval step is for a RevOps admin.")


def require_registrant(registration: DealRegistration, acting: Acting) -> None:
    """The registrant (or, for a partner, its admin; for a rep, the manager) acts on the claim;
    a RevOps admin may act for anyone."""
    if isinstance(acting, SystemActor) or acting.role == Role.REVOPS_ADMIN:
        return
    if registration.registrant_user_id == acting.user_id:
        return
    admin_of_partner = (
        registration.route == Route.PARTNER
        and acting.role == Role.PARTNER_ADMIN
        and acting.partner_id == registration.registrant_partner_id
    )
    manager_of_team = (
        registration.route == Route.DIRECT
        and acting.role == Role.DIRECT_MANAGER
        and acting.team_id == registration.registrant_team_id
    )
    if admin_of_partner or manager_of_team:
        return
    raise PermissionDenied("Only the registrant (or their admin or manager) may do this.")


@action
def start_review(registration: DealRegistration, *, acting: Acting) -> DealRegistration:
    _require_reviewer(acting)
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.START_REVIEW)
        now = timezone.now()
        _refresh_conflicts(registration, registration.end_customer, acting=acting, now=now)  # type: ignore[arg-type]
        transition(
            registration, Action.START_REVIEW, acting=acting, reason="Review started.", now=now
        )
    return registration


@action
def return_for_info(
    registration: DealRegistration, *, fields: list[str], note: str, acting: Acting
) -> DealRegistration:
    """Ask the registrant for more: only `fields` become editable; their answer is timed."""
    _require_reviewer(acting)
    errors = {}
    unknown = sorted(set(fields) - set(REGISTRANT_FIELDS))
    if not fields or unknown:
        errors["fields"] = f"List the fields to complete, from: {', '.join(REGISTRANT_FIELDS)}."
    if not (note or "").strip():
        errors["note"] = "Say what information is missing."
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.RETURN)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        stop_clocks(registration, (ClockKind.REVIEW, ClockKind.STEP), now=now)
        transition(
            registration,
            Action.RETURN,
            acting=acting,
            reason=note.strip(),
            changes={"editable_fields": sorted(set(fields)), "return_note": note.strip()},
            now=now,
        )
        start_answer_clock(registration, now=now)
        _notify_registrant(
            registration,
            EventKind.REASSIGNED,
            f"More information needed: {registration.title}",
            note,
        )
    return registration


@action
def resubmit(registration: DealRegistration, *, acting: Acting) -> DealRegistration:
    """The registrant's answer: back to review, within the tenant's cap on resubmissions."""
    require_registrant(registration, acting)
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.RESUBMIT)
        cap = settings_for(registration.tenant_id).resubmission_cap
        if registration.resubmissions >= cap:
            raise TransitionRefused(
                registration,
                Action.RESUBMIT,
                f"This registration was resubmitted {registration.resubmissions} times, the most "
                "allowed; it can only be withdrawn or decided now.",
            )
        now = timezone.now()
        stop_clocks(registration, (ClockKind.ANSWER,), now=now)
        check_registration_lines(registration)
        _refresh_conflicts(registration, registration.end_customer, acting=acting, now=now)  # type: ignore[arg-type]
        transition(
            registration,
            Action.RESUBMIT,
            acting=acting,
            reason="Answered and resubmitted.",
            changes={"resubmissions": registration.resubmissions + 1, "editable_fields": []},
            now=now,
        )
        step = registration.approval_step
        start_review_clock(
            registration, step=step, hours=_review_hours(registration, step), now=now
        )
    return registration


def approved_discounts(
    registration: DealRegistration, overrides: dict[str, Any] | None = None
) -> dict[int, Decimal]:
    """The discount each line (by id) is approved with: the reviewer's figure where given (0 to
    the requested discount), else the requested one when inside its corridor or once pricing
    approved it, else the corridor's maximum."""
    # Asked at the final approval: the current step passes with it.
    pricing_passed = any(
        s.get("condition") == StepCondition.DISCOUNT_OUTSIDE
        and (s.get("approved_at") or index == registration.approval_step)
        for index, s in enumerate(registration.approval_chain)
    )
    errors: dict[str, str] = {}
    approved = {}
    lines = list(registration.lines.select_related("product_line"))
    by_code = {line.product_line.code: line for line in lines}
    for code in overrides or {}:
        if code not in by_code:
            errors[f"discounts.{code}"] = "Not a product line of this registration."
    for line in lines:
        requested, outside = line.requested_discount, line.outside_corridor_by
        value = requested if (outside <= 0 or pricing_passed) else requested - outside
        if overrides and line.product_line.code in overrides:
            value = _decimal(
                overrides[line.product_line.code],
                f"discounts.{line.product_line.code}",
                errors,
                low=Decimal(0),
                high=requested,
            )
        approved[line.pk] = value
    if errors:
        raise ValidationError(errors)
    return approved


@action
def approve(
    registration: DealRegistration,
    *,
    acting: Acting,
    discounts: dict[str, Any] | None = None,
    note: str = "",
) -> DealRegistration:
    """Pass the current approval step; the last one approves: criteria of the version in force
    at submission, conflicts re-checked (none may stand against it), then protection starts and
    an opportunity is created or linked with the registrant's route as its source."""
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.APPROVE)
        chain = [dict(s) for s in registration.approval_chain]
        step = registration.approval_step
        current = chain[step] if step < len(chain) else None
        _require_reviewer(acting, current["role"] if current else None)
        now = timezone.now()
        account = registration.end_customer
        assert account is not None  # matched or created on submit
        findings = _refresh_conflicts(registration, account, acting=acting, now=now)
        standing = RegistrationConflict.objects.filter(
            registration=registration, status=ConflictStatus.OPEN
        ).exclude(registrant_prevails=True)
        if standing.exists():
            reasons = " ".join(dict.fromkeys(c.reason for c in standing))
            raise ValidationError(
                {"conflicts": f"Resolve the conflicts first (adjudicate or reject): {reasons}"}
            )
        if current is not None and step < len(chain) - 1:
            current["approved_by"] = acting.audit_label
            current["approved_at"] = now.isoformat()
            stop_clocks(registration, (ClockKind.REVIEW, ClockKind.STEP), now=now)
            registration.approval_chain = chain
            registration.approval_step = step + 1
            if registration.state == RegState.SUBMITTED:
                registration.state = RegState.UNDER_REVIEW
                registration.state_changed_at = now
            registration.save()
            log_event(
                registration,
                Action.APPROVE_STEP,
                acting=acting,
                reason=f"{current['name']} approved." + (f" {note}" if note else ""),
                from_state=registration.state,
                to_state=registration.state,
                at=now,
            )
            start_review_clock(
                registration, step=step + 1, hours=int(chain[step + 1]["hours"]), now=now
            )
            return registration
        failures = _criteria_failures(registration, account, registration.rulebook_version)
        if failures:
            raise ValidationError({"criteria": failures})
        if current is not None:
            current["approved_by"] = acting.audit_label
            current["approved_at"] = now.isoformat()
        registration.approval_chain = chain
        approved = approved_discounts(registration, discounts)
        for line in registration.lines.all():
            line.approved_discount = approved[line.pk]
            line.save(update_fields=["approved_discount", "updated_at"])
        criteria = criteria_of(registration)
        stop_clocks(registration, (ClockKind.REVIEW, ClockKind.STEP), now=now)
        opportunity = _link_opportunity(registration, account, now)
        transition(
            registration,
            Action.APPROVE,
            acting=acting,
            reason=(note or "Approved.") + f" Protected for {criteria.protection_days} days.",
            changes={
                "decided_at": now,
                "protection_starts_at": now,
                "protection_ends_at": now + dt.timedelta(days=criteria.protection_days),
                "opportunity": opportunity,
            },
            now=now,
        )
        start_conversion_clock(registration, now=now)
        _grant_discount_exceptions(registration, opportunity, acting)
        _notify_registrant(
            registration,
            EventKind.ACCEPTED,
            f"Registration approved: {registration.title}",
            f"Protected until {registration.protected_until}.",
        )
        del findings
    return registration


def _grant_discount_exceptions(
    registration: DealRegistration, opportunity: Opportunity, acting: Acting
) -> None:
    """A discount approved beyond its corridor is the registrant's exception request granted:
    it joins the rulebook's exception register (for the opportunity, until protection ends), so
    the corridor check and leakage of the opportunity apply it, and the timeline says so."""
    if not isinstance(acting, Membership):
        return
    for line in registration.lines.select_related("product_line"):
        corridor_max = line.requested_discount - line.outside_corridor_by
        if line.outside_corridor_by <= 0 or (line.approved_discount or 0) <= corridor_max:
            continue
        granted = grant_discount_exception(
            acting=acting,
            opportunity=opportunity,
            product_line=line.product_line,
            discount=line.approved_discount,  # type: ignore[arg-type]
            ends_on=registration.protected_until,  # type: ignore[arg-type]
            justification=line.exception_justification,
            requested_by=registration.registrant_user,
            partner=registration.registrant_partner,
            team=registration.registrant_team,
        )
        log_event(
            registration,
            Action.EXCEPTION,
            acting=acting,
            reason=f"Discount exception #{granted.pk} granted: {line.approved_discount} % on "
            f"{line.product_line.name} until {registration.protected_until}.",
            from_state=registration.state,
            to_state=registration.state,
        )


def _link_opportunity(
    registration: DealRegistration, account: Account, now: dt.datetime
) -> Opportunity:
    """The registrant's open opportunity on the account, or a new one sourced by its route."""
    if registration.opportunity_id:
        return registration.opportunity  # type: ignore[return-value]
    open_ones = Opportunity.objects.filter(account=account, stage__outcome=Outcome.OPEN)
    if registration.route == Route.PARTNER:
        mine = open_ones.filter(route=Route.PARTNER, partner=registration.registrant_partner)
    else:
        mine = open_ones.filter(route=Route.DIRECT, owner_team=registration.registrant_team)
    found = mine.order_by("-opened_on", "-id").first()
    if found is not None:
        return found
    stage = Stage.objects.filter(outcome=Outcome.OPEN).order_by("order").first()
    if stage is None:
        from pipeline.services import ensure_default_stages

        ensure_default_stages(registration.tenant, acting=SystemActor("deal registration"))
        stage = Stage.objects.filter(outcome=Outcome.OPEN).order_by("order").first()
    assert stage is not None
    partner_route = registration.route == Route.PARTNER
    return Opportunity.objects.create(
        tenant_id=registration.tenant_id,
        account=account,
        name=registration.title[:200],
        amount=registration.estimated_amount,
        currency=registration.currency,
        stage=stage,
        opened_on=timezone.localdate(now),
        expected_close_on=registration.expected_close_on,
        route=registration.route,
        partner_id=registration.registrant_partner_id if partner_route else None,
        owner_user_id=None if partner_route else registration.registrant_user_id,
        owner_team_id=None if partner_route else registration.registrant_team_id,
        source=Source.PARTNER if partner_route else Source.DIRECT,
        source_detail=f"Deal registration #{registration.pk}",
    )


@action
def reject(
    registration: DealRegistration, *, reason: str, text: str = "", acting: Acting
) -> DealRegistration:
    """Reject with a reason from the tenant's list (and text). A rejected registration is
    closed for good: it can never be approved again."""
    _require_reviewer(acting)
    reasons = settings_for(registration.tenant_id).rejection_reasons
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.REJECT)
        if reason not in reasons:
            raise ValidationError({"reason": f"Choose one of: {'; '.join(reasons)}."})
        now = timezone.now()
        _close_claim(registration, now)
        transition(
            registration,
            Action.REJECT,
            acting=acting,
            reason=reason + (f": {text.strip()}" if text and text.strip() else ""),
            changes={
                "decided_at": now,
                "rejection_reason": reason,
                "rejection_text": (text or "").strip(),
                "has_conflict": False,
            },
            now=now,
        )
        _notify_registrant(
            registration, EventKind.REJECTED, f"Registration rejected: {registration.title}", reason
        )
    return registration


def _close_claim(registration: DealRegistration, now: dt.datetime) -> None:
    _release_claims(registration, now)
    stop_clocks(registration, now=now, state=ClockState.CANCELLED)
    RegistrationConflict.objects.filter(
        registration=registration, status=ConflictStatus.OPEN
    ).update(status=ConflictStatus.RESOLVED, updated_at=now)


@action
def withdraw(registration: DealRegistration, *, reason: str, acting: Acting) -> DealRegistration:
    require_registrant(registration, acting)
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.WITHDRAW)
        if not (reason or "").strip():
            raise ValidationError({"reason": "Say why the registration is withdrawn."})
        now = timezone.now()
        _close_claim(registration, now)
        transition(
            registration,
            Action.WITHDRAW,
            acting=acting,
            reason=reason.strip(),
            changes={"withdraw_reason": reason.strip(), "has_conflict": False},
            now=now,
        )
    return registration


@action
def expire(registration: DealRegistration, *, acting: Acting, reason: str = "") -> DealRegistration:
    """Protection ended without conversion (the sweep calls this when the clock runs out)."""
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.EXPIRE)
        now = timezone.now()
        _release_claims(registration, now)
        RegistrationConflict.objects.filter(
            registration=registration, status=ConflictStatus.OPEN
        ).update(status=ConflictStatus.RESOLVED, updated_at=now)
        transition(
            registration,
            Action.EXPIRE,
            acting=acting,
            reason=reason or "Protection ended without a won or lost deal.",
            changes={"has_conflict": False},
            now=now,
        )
        _notify_registrant(
            registration, EventKind.BREACHED, f"Registration expired: {registration.title}"
        )
    return registration


@action
def close(
    registration: DealRegistration, *, won: bool, acting: Acting, reason: str = ""
) -> DealRegistration:
    """Won or lost (usually from the CRM closing the linked opportunity)."""
    name = Action.WIN if won else Action.LOSE
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, name)
        now = timezone.now()
        _release_claims(registration, now)
        stop_clocks(registration, (ClockKind.CONVERSION,), now=now)
        RegistrationConflict.objects.filter(
            registration=registration, status=ConflictStatus.OPEN
        ).update(status=ConflictStatus.RESOLVED, updated_at=now)
        transition(
            registration,
            name,
            acting=acting,
            reason=reason or ("The deal was won." if won else "The deal was lost."),
            changes={"close_reason": (reason or "")[:300], "has_conflict": False},
            now=now,
        )
        record_registration_leakage(registration)
    return registration


@action
def request_extension(
    registration: DealRegistration, *, reason: str, acting: Acting
) -> DealRegistration:
    """Ask for more protection; refused beyond the criteria's number of extensions."""
    require_registrant(registration, acting)
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, Action.REQUEST_EXTENSION)
        limit = criteria_of(registration).max_extensions
        if registration.extensions_used >= limit:
            raise TransitionRefused(
                registration,
                Action.REQUEST_EXTENSION,
                f"No extension left: {registration.extensions_used} of {limit} used.",
            )
        if registration.extension_requested_at is not None:
            raise TransitionRefused(
                registration, Action.REQUEST_EXTENSION, "An extension request is already waiting."
            )
        if not (reason or "").strip():
            raise ValidationError({"reason": "Say why more time is needed."})
        now = timezone.now()
        transition(
            registration,
            Action.REQUEST_EXTENSION,
            acting=acting,
            reason=reason.strip(),
            changes={"extension_requested_at": now, "extension_reason": reason.strip()},
            now=now,
        )
        notify(
            admins_of(),
            tenant=registration.tenant,
            kind=EventKind.ROUTED,
            title=f"Extension requested: {registration.title}",
        )
    return registration


@action
def decide_extension(
    registration: DealRegistration, *, approve: bool, acting: Acting, note: str = ""
) -> DealRegistration:
    _require_reviewer(acting)
    name = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    with transaction.atomic():
        registration = lock(registration)
        check_allowed(registration, name)
        if registration.extension_requested_at is None:
            raise TransitionRefused(registration, name, "No extension request is waiting.")
        criteria = criteria_of(registration)
        changes: dict[str, Any] = {"extension_requested_at": None}
        now = timezone.now()
        if approve:
            if registration.extensions_used >= criteria.max_extensions:
                raise TransitionRefused(
                    registration,
                    name,
                    f"No extension left: {registration.extensions_used} of "
                    f"{criteria.max_extensions} used.",
                )
            assert registration.protection_ends_at is not None
            ends = registration.protection_ends_at + dt.timedelta(days=criteria.extension_days)
            changes |= {
                "protection_ends_at": ends,
                "extensions_used": registration.extensions_used + 1,
            }
        transition(
            registration,
            name,
            acting=acting,
            reason=note
            or (
                f"Protection extended by {criteria.extension_days} days."
                if approve
                else "Extension denied."
            ),
            changes=changes,
            now=now,
        )
        if approve:
            stop_clocks(registration, (ClockKind.CONVERSION,), now=now, state=ClockState.CANCELLED)
            start_conversion_clock(registration, now=now)
    return registration


def check_before_filing(
    tenant: Tenant,
    *,
    membership: Membership,
    account: Account | None,
    customer_name: str = "",
    country: str = "",
    website: str = "",
    lines: list[tuple[ProductLine, Decimal]],
    amount: Decimal | None = None,
) -> dict[str, Any]:
    """ "Check before I file": the matched customer, the conflicts (as the registrant reads them:
    nobody named), each discount against its corridor. Writes nothing."""
    match_message = ""
    if account is None and customer_name:
        match = find_customer(customer_name, country=country, website=website)
        account, match_message = match.account, match.message
    defaults = registrant_defaults(membership)
    route = defaults.get("route", Route.DIRECT)
    party = Party(
        route,
        getattr(defaults.get("registrant_partner"), "pk", None),
        getattr(defaults.get("registrant_team"), "pk", None),
        membership.user_id,
    )
    findings = (
        find_conflicts(account, [pl for pl, _ in lines], party) if account is not None else []
    )
    verdicts = check_lines(
        tenant,
        route=route,
        lines=lines,
        account=account,
        partner=defaults.get("registrant_partner"),
    )
    version = active_version(tenant)
    criteria = (
        check_registration(
            version,
            partner=defaults.get("registrant_partner"),
            account=account,
            amount=amount if amount is not None else Decimal("1e12"),
            product_lines=[pl for pl, _ in lines],
            # What the form has not asked for yet is not held against the registrant here.
            provided_fields=RequiredField.values,
        )
        if version is not None and account is not None
        else []
    )
    return {
        "matched_customer": account.name if account is not None else None,
        "match_message": match_message,
        "conflicts": [f.for_registrant() for f in findings],
        "discounts": [v.as_dict() for v in verdicts],
        "criteria": criteria,
    }
