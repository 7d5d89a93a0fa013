"""Decisions of a governance review: recorded by RevOps admins with an owner and a due date,
edited while they are open (carried from quarter to quarter) or while their review is open,
closed by their owner (done, or dropped with the reason why), and, for the applicable kinds
(`DecisionKind.applicable`), carried out through the owning app's service in one transaction:

- `target_add` / `target_drop`: `accounts.services.add_target_list_member` /
  `remove_target_list_member`;
- `mdf_move`: `mdf.services.reallocation.accept_line` (the ledger moves the funds);
- `overlap`: `scorecards.overlap.settle`.

Every refusal is a `ValidationError` keyed by the field it is about (payload problems under
`payload`, naming the payload's key: "target_list: no such target list."), raised before anything
is written, so nothing is ever half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Account, TargetList
from accounts.services import add_target_list_member, remove_target_list_member
from core.acting import action
from core.rows import lock_row
from mdf.choices import LineState
from mdf.models import ReallocationLine
from mdf.services.reallocation import accept_line
from scorecards.choices import DecisionKind, DecisionStatus, OverlapStatus
from scorecards.models import GovernanceReview, OverlapFlag, ReviewDecision
from scorecards.overlap import settle
from scorecards.review.workspace import may_govern
from tenancy.acting import Acting
from tenancy.clock import local_text
from tenancy.models import Membership, Partner, Team

__all__ = [
    "EDITABLE",
    "PAYLOAD_KEYS",
    "apply_decision",
    "check_payload",
    "close_decision",
    "create_decision",
    "delete_decision",
    "update_decision",
]

# What `update_decision` may change (status, outcome and the applied/closed stamps have their
# own services).
EDITABLE = ("kind", "title", "detail", "owner", "due_on", "partner", "team", "payload", "source")

# The keys each kind's payload takes: (required, optional).
PAYLOAD_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    DecisionKind.TARGET_ADD: (("target_list", "account"), ("reason",)),
    DecisionKind.TARGET_DROP: (("target_list", "account"), ()),
    DecisionKind.MDF_MOVE: (("line",), ("amount",)),
    DecisionKind.OVERLAP: (("flag",), ()),
}
MAX_OUTCOME = 5000
MAX_PAYLOAD_TEXT = 2000
CENT = Decimal("0.01")


def _payload_error(message: str) -> ValidationError:
    return ValidationError({"payload": message})


def _payload_id(payload: dict[str, Any], key: str, what: str) -> int:
    value = payload.get(key)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**63 - 1:
        raise _payload_error(f"{key}: give the {what}'s id (a whole number).")
    return value


def _payload_amount(payload: dict[str, Any]) -> str | None:
    raw = payload.get("amount")
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise _payload_error('amount: give an amount such as "1250.00".')
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise _payload_error('amount: give an amount such as "1250.00".') from None
    if not amount.is_finite() or amount <= 0:
        raise _payload_error("amount: move an amount above zero.")
    if amount != amount.quantize(CENT) or amount >= Decimal("1e12"):
        raise _payload_error("amount: give at most two decimals and less than a trillion.")
    return f"{amount.quantize(CENT)}"


def check_payload(kind: str, payload: Any) -> dict[str, Any]:
    """The payload as stored, checked against what its kind acts on (rows of the tenant in
    scope, in a state the decision can still act on); a ValidationError under `payload`
    naming the key otherwise."""
    if payload in (None, ""):
        payload = {}
    if not isinstance(payload, dict):
        raise _payload_error("Give the payload as an object of keys and values.")
    keys = PAYLOAD_KEYS.get(kind)
    if keys is None:  # general and rules decisions act on nothing: free notes, if any
        if len(str(payload)) > MAX_PAYLOAD_TEXT:
            raise _payload_error(f"Keep the payload under {MAX_PAYLOAD_TEXT:,} characters.")
        return payload
    required, optional = keys
    unknown = sorted(set(payload) - set(required) - set(optional))
    if unknown:
        raise _payload_error(
            f"{', '.join(unknown)}: not a key of a {kind} payload; "
            f"it takes {', '.join(required + optional)}."
        )
    missing = [key for key in required if payload.get(key) in (None, "")]
    if missing:
        raise _payload_error(f"{missing[0]}: required for a {kind} decision.")
    if kind in (DecisionKind.TARGET_ADD, DecisionKind.TARGET_DROP):
        return _check_target(kind, payload)
    if kind == DecisionKind.MDF_MOVE:
        return _check_line(payload)
    return _check_flag(payload)


def _check_target(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    list_id = _payload_id(payload, "target_list", "target list")
    account_id = _payload_id(payload, "account", "account")
    target_list = TargetList.objects.filter(pk=list_id).first()
    if target_list is None:
        raise _payload_error("target_list: no such target list.")
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise _payload_error("account: no such account.")
    on_list = target_list.members.filter(account_id=account_id).exists()
    if kind == DecisionKind.TARGET_ADD:
        if on_list:
            raise _payload_error(
                f"account: {account.name} is on the target list {target_list.name} already."
            )
        reason = payload.get("reason") or ""
        if not isinstance(reason, str) or len(reason.strip()) > 300:
            raise _payload_error("reason: give the reason as text of at most 300 characters.")
        return {"target_list": list_id, "account": account_id, "reason": reason.strip()}
    if not on_list:
        raise _payload_error(
            f"account: {account.name} is not on the target list {target_list.name}."
        )
    return {"target_list": list_id, "account": account_id}


def _check_line(payload: dict[str, Any]) -> dict[str, Any]:
    line_id = _payload_id(payload, "line", "reallocation line")
    line = ReallocationLine.objects.filter(pk=line_id).first()
    if line is None:
        raise _payload_error("line: no such reallocation line.")
    if line.state != LineState.PROPOSED:
        raise _payload_error(
            f"line: this reallocation line was {line.get_state_display().lower()} already; "
            "only a proposed line can be decided."
        )
    checked: dict[str, Any] = {"line": line_id}
    amount = _payload_amount(payload)
    if amount is not None:
        checked["amount"] = amount
    return checked


def _check_flag(payload: dict[str, Any]) -> dict[str, Any]:
    flag_id = _payload_id(payload, "flag", "overlap flag")
    flag = OverlapFlag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise _payload_error("flag: no such overlap flag.")
    if flag.status != OverlapStatus.OPEN:
        raise _payload_error("flag: this overlap was settled already.")
    return {"flag": flag_id}


# --- recording and editing ---------------------------------------------------------------------


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return models.DateField().to_python(value) if value.strip() else None
        except ValidationError:
            raise ValidationError({"due_on": "Give the due date as YYYY-MM-DD."}) from None
    return value


def _check_row(decision: ReviewDecision) -> None:
    """The row's own rules (`ReviewDecision.clean`: an owner, a due date, a title, all of the
    tenant) and its fields' limits, one message a field: the model's clear words win over the
    generic "cannot be null"."""
    errors: dict[str, list[str]] = {}
    try:
        decision.clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        decision.clean_fields(exclude=["tenant", "review", *errors])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, messages)
    if errors:
        raise ValidationError(errors)


def _check_party(decision: ReviewDecision) -> None:
    """The partner and team it concerns, and its owner, are rows of the tenant in scope (the
    scoped managers find nothing of another tenant)."""
    for field, model in (("partner", Partner), ("team", Team), ("owner", Membership)):
        pk = getattr(decision, f"{field}_id")
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise ValidationError({field: f"No such {field} in this tenant."})


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else value


@action
def create_decision(
    review: GovernanceReview,
    *,
    acting: Acting,
    kind: str = DecisionKind.GENERAL,
    title: str,
    owner: Membership | None,
    due_on: dt.date | str | None,
    detail: str = "",
    partner: Partner | None = None,
    team: Team | None = None,
    payload: dict[str, Any] | None = None,
    source: str = "",
) -> ReviewDecision:
    """Record a decision in an open review: who carries it out (`owner`), by when (`due_on`);
    refused on a signed-off review, without an owner or a due date, or with a payload its kind
    cannot act on."""
    may_govern(acting)
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": f'"{kind}" is not a kind of decision.'})
    with transaction.atomic():
        review = lock_row(review)
        review.refuse_if_frozen("review")
        decision = ReviewDecision(
            tenant_id=review.tenant_id,
            review=review,
            kind=kind,
            title=_text(title or ""),
            detail=_text(detail or ""),
            owner=owner,
            due_on=_as_date(due_on),
            partner=partner,
            team=team,
            source=_text(source or ""),
            created_by=acting.audit_user,
        )
        _check_row(decision)
        _check_party(decision)
        decision.payload = check_payload(kind, payload)
        decision.save()
    return decision


@action
def update_decision(decision: ReviewDecision, *, acting: Acting, **fields: Any) -> ReviewDecision:
    """Change what a decision says (any of `EDITABLE`): allowed while it is open (carried into
    later reviews) or while the review it was raised in is open; a closed decision of a
    signed-off review is frozen with it. An applied decision keeps its kind and payload."""
    may_govern(acting)
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError({unknown[0]: "This field cannot be changed here."})
    with transaction.atomic():
        decision = lock_row(decision)
        review = decision.review
        if not decision.is_open:
            review.refuse_if_frozen("review")
        if decision.applied_at is not None and {"kind", "payload"} & set(fields):
            raise ValidationError(
                {
                    "payload": f"This decision was applied on {decision.applied_at:%Y-%m-%d}; "
                    "what it acted on stays as applied."
                }
            )
        kind = fields.get("kind", decision.kind)
        if kind not in DecisionKind.values:
            raise ValidationError({"kind": f'"{kind}" is not a kind of decision.'})
        for name, value in fields.items():
            if name == "payload":
                continue
            if name == "due_on":
                value = _as_date(value)
            elif name in ("title", "detail", "source"):
                value = _text(value or "")
            setattr(decision, name, value)
        _check_row(decision)
        _check_party(decision)
        if "kind" in fields or "payload" in fields:
            decision.payload = check_payload(kind, fields.get("payload", decision.payload))
        decision.save()
    return decision


@action
def delete_decision(decision: ReviewDecision, *, acting: Acting) -> None:
    """Delete a decision recorded by mistake: only while the review it was raised in is open, and
    never one that was applied (its effect is in the data; close it instead)."""
    may_govern(acting)
    with transaction.atomic():
        decision = lock_row(decision)
        decision.review.refuse_if_frozen("review")
        if decision.applied_at is not None:
            raise ValidationError(
                {
                    "decision": f"This decision was applied on {decision.applied_at:%Y-%m-%d} and "
                    "stays on record; it cannot be deleted."
                }
            )
        decision.delete()


def _may_close(decision: ReviewDecision, acting: Acting) -> None:
    if isinstance(acting, Membership) and not (
        acting.is_admin or acting.user_id == decision.owner.user_id
    ):
        raise PermissionDenied("Only the decision's owner or a RevOps admin closes it.")


def _refuse_closed(decision: ReviewDecision) -> None:
    if decision.is_open:
        return
    when = f" on {decision.closed_at:%Y-%m-%d}" if decision.closed_at else ""
    raise ValidationError(
        {
            "status": f"This decision was closed already{when} "
            f"({decision.get_status_display().lower()}); it is closed once."
        }
    )


@action
def close_decision(
    decision: ReviewDecision,
    *,
    acting: Acting,
    status: str,
    outcome: str = "",
    now: dt.datetime | None = None,
) -> ReviewDecision:
    """Close an open decision as done (what was done) or dropped (why: required). Its owner or a
    RevOps admin; a closed decision is no longer carried into later reviews."""
    _may_close(decision, acting)
    outcome = (outcome or "").strip()
    if status not in (DecisionStatus.DONE, DecisionStatus.DROPPED):
        raise ValidationError({"status": 'Close a decision as "done" or "dropped".'})
    if status == DecisionStatus.DROPPED and not outcome:
        raise ValidationError({"outcome": "Say why the decision is dropped."})
    if len(outcome) > MAX_OUTCOME:
        raise ValidationError({"outcome": f"Use at most {MAX_OUTCOME:,} characters."})
    with transaction.atomic():
        decision = lock_row(decision)
        _refuse_closed(decision)
        decision.status = status
        decision.outcome = outcome
        decision.closed_at = now or timezone.now()
        decision.closed_by = acting.audit_user
        decision.save()
    return decision


# --- applying ----------------------------------------------------------------------------------


def _rekeyed(exc: ValidationError, keys: dict[str, str]) -> ValidationError:
    """A service's refusal with its keys as the decision's caller knows them (the service's
    `account` is the payload's `account`)."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        if key in keys:
            errors.setdefault(keys[key], []).extend(f"{key}: {m}" for m in messages)
        else:
            errors.setdefault(key, []).extend(messages)
    return ValidationError(errors)


def _apply_target(decision: ReviewDecision, payload: dict[str, Any], acting: Acting) -> str:
    target_list = TargetList.objects.get(pk=payload["target_list"])
    account = Account.objects.get(pk=payload["account"])
    note = f"Governance decision #{decision.pk}: {decision.title}"[:500]
    if decision.kind == DecisionKind.TARGET_ADD:
        add_target_list_member(
            target_list, account, reason=payload.get("reason", ""), acting=acting, note=note
        )
        return f"Added {account.name} to the target list {target_list.name}."
    remove_target_list_member(target_list, account, acting=acting, note=note)
    return f"Dropped {account.name} from the target list {target_list.name}."


def _apply_line(
    decision: ReviewDecision, payload: dict[str, Any], amount: str | None, acting: Acting
) -> str:
    line = ReallocationLine.objects.select_related("tenant").get(pk=payload["line"])
    chosen = amount or payload.get("amount")
    line = accept_line(
        line,
        acting=acting,
        amount=None if chosen is None else Decimal(chosen),
        note=f"Governance decision #{decision.pk}",
    )
    # No partner names: the decision's partner reads its outcome, and never another's name.
    return (
        f"Moved {line.amount:,.2f} {line.tenant.currency} of market development funds as "
        f"reallocation line #{line.pk} proposed, through the ledger."
    )


def _apply_flag(decision: ReviewDecision, payload: dict[str, Any], acting: Acting) -> str:
    flag = OverlapFlag.objects.select_related("account", "campaign").get(pk=payload["flag"])
    words = decision.detail or decision.title
    settle(flag, acting=acting, decision=f"{words} (governance decision #{decision.pk})"[:5000])
    return (
        f"Settled the overlap on {flag.account.name} in the campaign {flag.campaign.name}: {words}"
    )


def _amount_override(decision: ReviewDecision, amount: Any) -> str | None:
    if amount in (None, ""):
        return None
    if decision.kind != DecisionKind.MDF_MOVE:
        raise ValidationError({"amount": "Only an MDF move takes an amount."})
    try:
        return _payload_amount({"amount": amount})
    except ValidationError as exc:
        message = exc.message_dict["payload"][0].removeprefix("amount: ")
        raise ValidationError({"amount": message[:1].upper() + message[1:]}) from None


@action
def apply_decision(
    decision: ReviewDecision,
    *,
    acting: Acting,
    amount: Decimal | str | None = None,
    now: dt.datetime | None = None,
) -> ReviewDecision:
    """Carry out an applicable decision through the owning app's service, in one transaction
    (audited as `acting`): the change and the decision marked applied and done, with the outcome
    in words, or neither. `amount` overrides an MDF move's amount. Applied once."""
    may_govern(acting)
    with transaction.atomic():
        decision = lock_row(decision)
        if decision.applied_at is not None:
            by = decision.applied_by.email if decision.applied_by else "the system"
            raise ValidationError(
                {
                    "decision": f"This decision was applied already, on "
                    f"{local_text(decision.applied_at, decision.tenant)} by {by}; "
                    "it is applied once."
                }
            )
        if decision.kind not in DecisionKind.applicable():
            raise ValidationError(
                {
                    "kind": f"A {decision.get_kind_display().lower()} decision is carried out by "
                    "its owner, not applied here; close it when it is done."
                }
            )
        _refuse_closed(decision)
        override = _amount_override(decision, amount)
        payload = check_payload(decision.kind, decision.payload)
        try:
            if decision.kind == DecisionKind.MDF_MOVE:
                outcome = _apply_line(decision, payload, override, acting)
            elif decision.kind == DecisionKind.OVERLAP:
                outcome = _apply_flag(decision, payload, acting)
            else:
                outcome = _apply_target(decision, payload, acting)
        except ValidationError as exc:
            keys = {"account": "payload", "line": "payload", "reason": "payload"}
            raise _rekeyed(exc, keys) from None
        now = now or timezone.now()
        decision.applied_at = decision.closed_at = now
        decision.applied_by = decision.closed_by = acting.audit_user
        decision.status = DecisionStatus.DONE
        decision.outcome = outcome[:MAX_OUTCOME]
        decision.save()
    return decision
