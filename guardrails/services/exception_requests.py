"""The exception workflow: a partner user or a direct rep asks to step outside the rules for one
account or opportunity; a RevOps admin approves or denies it with a comment; requests left
unreviewed longer than the rulebook's review time are escalated to every RevOps admin by email.
Used by the front-door pages and the API.

Approved exceptions are in force from approval until their end date (`effective_exceptions`);
the engine applies them in explain and the corridor check. Every change is saved row by row, so
the audit log records it; stored decisions and leakage are recomputed once the change commits.

What a requester may name: an account (and opportunity) they can see. A partner asking to work an
account the rules give to someone else cannot see that account in the portal, so a partner may
also name, by id, any account of the tenant for a work-account request; nothing about that account
is shown back to them (pages show "Account #<id>").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import action
from core.requirements import RequiredWhen
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.models import AccountRoute, RuleException
from guardrails.services.decisions import RECOMPUTE, recompute_routes
from guardrails.services.pricing import record_leakage
from guardrails.services.versions import get_rulebook
from pipeline.models import Opportunity
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

__all__ = [
    "DENIAL_REQUIRES",
    "DISCOUNT_REQUIRES",
    "MAX_DAYS",
    "can_request",
    "effective_exceptions",
    "escalate_overdue",
    "grant_discount_exception",
    "request_exception",
    "review_exception",
    "withdraw_exception",
]

# An exception ends at most this many days after it is requested.
MAX_DAYS = 365
JUSTIFICATION_MAX = 4000
COMMENT_MAX = 4000
REQUESTER_ROLES = Role.partner_roles() | Role.direct_roles()
# What a discount request must name besides the account, and what a denial must say: checked
# here, and read by the request and review forms to mark those fields (core.requirements).
_FOR_DISCOUNT = ("kind", (ExceptionKind.DISCOUNT,))
DISCOUNT_REQUIRES = (
    RequiredWhen(
        "opportunity",
        when=_FOR_DISCOUNT,
        when_text="for a discount",
        message="a discount exception is for one opportunity",
    ),
    RequiredWhen(
        "product_line",
        when=_FOR_DISCOUNT,
        when_text="for a discount",
        message="a discount exception names the product line",
    ),
    RequiredWhen(
        "requested_discount",
        when=_FOR_DISCOUNT,
        when_text="for a discount",
        message="say which discount (percent) you need",
    ),
)
DENIAL_REQUIRES = (
    RequiredWhen(
        "comment",
        when=("decision", ("deny",)),
        when_text="when denying",
        message="say why the request is denied",
    ),
)


def can_request(membership: Membership) -> bool:
    """Partner users and direct reps and managers ask for exceptions; RevOps admins review them."""
    return membership.role in REQUESTER_ROLES


def _tenant_local_today() -> dt.date:
    return timezone.localdate()


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**18 else None
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _account(membership: Membership, value: Any, kind: str) -> Account:
    """The account the requester names. Visible to them, or, for a partner's work-account
    request, any account of the tenant named by id. One message for "no such" and "not yours"."""
    tenant = membership.tenant
    pk = value.pk if isinstance(value, Account) else _id(value)
    if value is None or value == "":
        raise ValidationError({"account": "an account is required"})
    if pk is None or (isinstance(value, Account) and value.tenant_id != tenant.pk):
        raise ValidationError({"account": f"no such account ({value!r})"})
    visible = Account.objects.visible_to(membership).filter(tenant=tenant, pk=pk).first()
    if visible is not None:
        return visible
    if membership.is_partner_user and kind == ExceptionKind.WORK_ACCOUNT:
        found = Account.objects.filter(tenant=tenant, pk=pk).first()
        if found is not None:
            return found
    raise ValidationError({"account": f"no such account (#{pk})"})


def _opportunity(membership: Membership, value: Any, account: Account) -> Opportunity | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Opportunity) else _id(value)
    found = None
    if pk is not None:
        found = (
            Opportunity.objects.visible_to(membership)
            .filter(tenant=membership.tenant, pk=pk)
            .first()
        )
    if found is None:
        raise ValidationError({"opportunity": f"no such opportunity (#{pk or value!r})"})
    if found.account_id != account.pk:
        raise ValidationError(
            {"opportunity": f"opportunity “{found.name}” is not on the account you named"}
        )
    return found


def _product_line(tenant: Tenant, value: Any) -> ProductLine | None:
    if value is None or value == "":
        return None
    if isinstance(value, ProductLine):
        if value.tenant_id == tenant.pk:
            return value
        raise ValidationError({"product_line": "no such product line"})
    found = None
    pk = _id(value)
    if pk is not None:
        found = ProductLine.objects.filter(tenant=tenant, pk=pk).first()
    if found is None and isinstance(value, str):
        found = ProductLine.objects.filter(tenant=tenant, code=value.strip()).first()
    if found is None:
        raise ValidationError({"product_line": f"no such product line ({value!r})"})
    return found


def _discount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({"requested_discount": "the discount must be a number"})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"requested_discount": f"the discount must be a number, not {value!r}"}
        ) from None
    if not number.is_finite() or number < 0 or number > 100:
        raise ValidationError(
            {"requested_discount": f"the discount must be between 0 and 100 %, not {value}"}
        )
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"requested_discount": "the discount has at most two decimal places"})
    return number.quantize(Decimal("0.01"))


def _ends_on(value: Any, today: dt.date) -> dt.date:
    if value is None or value == "":
        raise ValidationError({"ends_on": "an end date is required"})
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({"ends_on": f"{value!r} is not a date (YYYY-MM-DD)"}) from None
    if value <= today:
        raise ValidationError({"ends_on": f"the end date must be after today ({today})"})
    latest = today + dt.timedelta(days=MAX_DAYS)
    if value > latest:
        raise ValidationError(
            {"ends_on": f"an exception lasts at most a year: end on {latest} or earlier"}
        )
    return value


def _text(value: Any, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({what: f"the {what} must be text"})
    text = value.replace("\x00", "").strip()
    if len(text) > limit:
        raise ValidationError({what: f"the {what} is longer than {limit} characters"})
    return text


def _current_rule_name(account: Account) -> str:
    route = (
        AccountRoute.objects.filter(tenant_id=account.tenant_id, account=account)
        .select_related("rule")
        .first()
    )
    return route.rule.name if route is not None and route.rule is not None else ""


@action
def request_exception(
    *,
    acting: Membership,
    kind: str,
    account: Any,
    justification: str,
    ends_on: Any,
    opportunity: Any = None,
    product_line: Any = None,
    requested_discount: Any = None,
) -> RuleException:
    """File a pending request. `account`, `opportunity` and `product_line` are instances or ids.

    Work-account requests name an account (and optionally an opportunity on it); discount requests
    need an opportunity, the product line and the discount asked for (0 to 100 %). The end date is
    after today and at most a year out. The requester's partner or team and the rule currently
    deciding the account are filled in. Raises PermissionDenied for roles that do not request
    (RevOps admins) and ValidationError naming the field otherwise."""
    membership = acting
    if not can_request(membership):
        raise PermissionDenied(
            "RevOps admins review exceptions; partner users and reps request them."
        )
    tenant = membership.tenant
    if kind not in ExceptionKind.values:
        raise ValidationError(
            {"kind": f"unknown kind {kind!r}; use one of {', '.join(ExceptionKind.values)}"}
        )
    today = _tenant_local_today()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def collect(name: str, fn: Any, *args: Any) -> None:
        try:
            values[name] = fn(*args)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages[0])

    collect("account", _account, membership, account, kind)
    if "account" in values:
        collect("opportunity", _opportunity, membership, opportunity, values["account"])
    collect("product_line", _product_line, tenant, product_line)
    collect("requested_discount", _discount, requested_discount)
    collect("ends_on", _ends_on, ends_on, today)
    collect("justification", _text, justification, "justification", JUSTIFICATION_MAX)
    if "justification" in values and not values["justification"]:
        errors["justification"] = "say why the exception is needed"
    if kind == ExceptionKind.DISCOUNT:
        for rule in DISCOUNT_REQUIRES:
            # The opportunity is looked up on the account: without one, the account's error says it.
            checkable = rule.field != "opportunity" or "account" in values
            if checkable and rule.field not in errors and not rule.is_met({**values, "kind": kind}):
                errors[rule.field] = rule.message
        line, opp = values.get("product_line"), values.get("opportunity")
        if line is not None and opp is not None and not errors:
            lines = set(opp.lines.values_list("product__product_line_id", flat=True))
            if lines and line.pk not in lines:
                errors["product_line"] = f"opportunity “{opp.name}” has no {line.name} line"
    else:
        if values.get("product_line") is not None:
            errors["product_line"] = "only a discount exception names a product line"
        if values.get("requested_discount") is not None:
            errors["requested_discount"] = "only a discount exception asks for a discount"
    if errors:
        raise ValidationError(errors)

    account_obj, opp = values["account"], values.get("opportunity")
    with transaction.atomic():
        # The periodic sweep that escalates overdue requests visits tenants with a rulebook.
        get_rulebook(tenant)
        same = RuleException.objects.filter(
            tenant=tenant,
            kind=kind,
            account=account_obj,
            opportunity=opp,
            product_line=values.get("product_line"),
            status=ExceptionStatus.PENDING,
        )
        same = (
            same.filter(partner=membership.partner)
            if membership.is_partner_user
            else same.filter(requested_by_id=membership.user_id)
        )
        pending = same.order_by("pk").first()
        if pending is not None:
            raise ValidationError(
                {"account": f"exception #{pending.pk} for this already waits for review"}
            )
        return RuleException.objects.create(
            tenant=tenant,
            kind=kind,
            status=ExceptionStatus.PENDING,
            account=account_obj,
            opportunity=opp,
            product_line=values.get("product_line"),
            requested_discount=values.get("requested_discount"),
            rule_name=_current_rule_name(account_obj)[:200],
            requested_by=membership.user,
            partner=membership.partner if membership.is_partner_user else None,
            team=membership.team if membership.is_direct_user else None,
            justification=values["justification"],
            ends_on=values["ends_on"],
        )


@action
def grant_discount_exception(
    *,
    acting: Membership,
    opportunity: Opportunity,
    product_line: ProductLine,
    discount: Decimal,
    ends_on: dt.date,
    justification: str,
    requested_by: Any = None,
    partner: Any = None,
    team: Any = None,
) -> RuleException:
    """A discount exception asked and approved through another approval (a deal registration's
    pricing step): recorded approved at once, in the same register as requested ones, so the
    corridor check and leakage of the opportunity apply it until `ends_on`."""
    if acting.tenant_id != opportunity.tenant_id or not acting.is_active:
        raise PermissionDenied("Only the manufacturer's reviewers grant exceptions.")
    now = timezone.now()
    with transaction.atomic():
        get_rulebook(opportunity.tenant)
        granted = RuleException.objects.create(
            tenant_id=opportunity.tenant_id,
            kind=ExceptionKind.DISCOUNT,
            status=ExceptionStatus.APPROVED,
            account_id=opportunity.account_id,
            opportunity=opportunity,
            product_line=product_line,
            requested_discount=discount,
            rule_name=_current_rule_name(opportunity.account)[:200],
            requested_by=requested_by,
            partner=partner,
            team=team,
            justification=_text(justification, "justification", JUSTIFICATION_MAX)
            or "Granted with a deal registration.",
            ends_on=ends_on,
            reviewed_by=acting.user,
            reviewed_at=now,
            review_comment="Approved in the deal registration's pricing step.",
        )
        _recompute_on_commit(granted)
    return granted


def _locked(exc: RuleException) -> RuleException:
    return RuleException.objects.select_for_update().get(tenant_id=exc.tenant_id, pk=exc.pk)


@action
def review_exception(
    exc: RuleException, *, acting: Membership, approve: bool, comment: str
) -> RuleException:
    """Approve or deny a pending request, as a RevOps admin of its tenant. A denial needs a
    comment (the requester reads it); an exception whose end date has passed cannot be approved."""
    if acting.tenant_id != exc.tenant_id or not acting.is_active or not acting.is_admin:
        raise PermissionDenied("Only a RevOps admin of the tenant reviews exceptions.")
    text = _text(comment, "comment", COMMENT_MAX)
    for rule in DENIAL_REQUIRES:
        rule.check({"decision": "approve" if approve else "deny", "comment": text})
    with transaction.atomic():
        current = _locked(exc)
        if current.status != ExceptionStatus.PENDING:
            raise ValidationError(
                f"Exception #{current.pk} is {current.get_status_display().lower()}; "
                "only pending requests are reviewed."
            )
        if approve and current.ends_on < _tenant_local_today():
            raise ValidationError(
                f"Exception #{current.pk} ended on {current.ends_on}; it can no longer be approved."
            )
        current.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.DENIED
        current.reviewed_by = acting.user
        current.reviewed_at = timezone.now()
        current.review_comment = text
        current.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
        )
        if approve:
            _recompute_on_commit(current)
    return current


@action
def withdraw_exception(exc: RuleException, *, acting: Membership) -> RuleException:
    """The requester takes back a request that is still pending."""
    if exc.requested_by_id is None or exc.requested_by_id != acting.user_id:
        raise PermissionDenied("Only the requester withdraws a request.")
    with transaction.atomic():
        current = _locked(exc)
        if current.status != ExceptionStatus.PENDING:
            raise ValidationError(
                f"Exception #{current.pk} is {current.get_status_display().lower()}; "
                "only pending requests can be withdrawn."
            )
        current.status = ExceptionStatus.WITHDRAWN
        current.save(update_fields=["status", "updated_at"])
    return current


def _review_hours(tenant: Tenant) -> int:
    return get_rulebook(tenant).exception_review_hours


@action
def escalate_overdue(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    """Escalate pending requests older than the rulebook's review time: mark them and email every
    active RevOps admin of the tenant. Already escalated ones are left alone, so running it again
    changes and sends nothing. Returns how many were escalated."""
    now = now or timezone.now()
    with tenant_scope(tenant):
        cutoff = now - dt.timedelta(hours=_review_hours(tenant))
        with transaction.atomic():
            overdue = list(
                RuleException.objects.select_for_update(of=("self",))
                .filter(
                    tenant=tenant,
                    status=ExceptionStatus.PENDING,
                    escalated_at__isnull=True,
                    created_at__lte=cutoff,
                )
                .select_related("account", "requested_by", "partner", "team")
                .order_by("created_at", "pk")
            )
            if not overdue:
                return 0
            for exc in overdue:
                exc.escalated_at = now
                exc.save(update_fields=["escalated_at", "updated_at"])
            admins = list(
                Membership.objects.filter(
                    tenant=tenant, role=Role.REVOPS_ADMIN, is_active=True, user__is_active=True
                )
                .select_related("user")
                .order_by("user__email")
            )
            # Sent inside the transaction: if sending fails nothing is marked, and the next run
            # tries again.
            if admins:
                subject, body = _escalation_mail(tenant, overdue, now)
                send_mass_mail(
                    [(subject, body, None, [m.user.email]) for m in admins], fail_silently=False
                )
    return len(overdue)


def _escalation_mail(
    tenant: Tenant, overdue: list[RuleException], now: dt.datetime
) -> tuple[str, str]:
    count = len(overdue)
    noun = "request waits" if count == 1 else "requests wait"
    subject = f"{count} exception {noun} for review in {tenant.name}"
    lines = [
        f"These exception requests in {tenant.name} have not been reviewed in time:",
        "",
    ]
    for exc in overdue:
        who = exc.requested_by.email if exc.requested_by else "a former user"
        org = exc.partner.name if exc.partner else (exc.team.name if exc.team else "")
        hours = int((now - exc.created_at).total_seconds() // 3600)
        lines.append(
            f"- #{exc.pk} {exc.get_kind_display()}: {exc.account.name}, "
            f"asked by {who}{f' ({org})' if org else ''} {hours} hours ago"
        )
        lines.append(f"  /console/{tenant.slug}/exceptions/{exc.pk}/")
    lines += ["", "Approve or deny them in the RevOps console."]
    return subject, "\n".join(lines)


def effective_exceptions(tenant_or_qs: Any, on: dt.date | None = None) -> QuerySet:
    """Approved exceptions still in force on `on` (default today): of a tenant, or narrowing a
    queryset of RuleException."""
    on = on or _tenant_local_today()
    if isinstance(tenant_or_qs, QuerySet):
        rows = tenant_or_qs
    else:
        rows = RuleException.objects.filter(tenant=tenant_or_qs)
    return rows.filter(status=ExceptionStatus.APPROVED, ends_on__gte=on)


def _recompute_on_commit(exc: RuleException) -> None:
    """An exception in force changes the account's decision and the opportunity's leakage."""
    tenant, account_id, opportunity_id = exc.tenant, exc.account_id, exc.opportunity_id

    def run() -> None:
        with tenant_scope(tenant):
            recompute_routes(tenant, [account_id], acting=RECOMPUTE)
            if opportunity_id is not None:
                record_leakage(tenant, [opportunity_id], acting=RECOMPUTE)

    transaction.on_commit(run)
