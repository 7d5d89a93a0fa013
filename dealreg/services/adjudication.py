"""Adjudication: a person decides conflicting claims on one customer (and product line) — award
to one, split the credit by one of the tenant's splits, or reject both — with a reason kept as
precedent. Each claim's timeline shows the decision and the reason, never the other party."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.acting import action
from dealreg.choices import (
    CLOSED_STATES,
    Action,
    AdjudicationDecision,
    ClockState,
    ConflictStatus,
    RegState,
)
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    Claim,
    DealRegistration,
    RegistrationConflict,
)
from dealreg.services.clocks import stop_clocks
from dealreg.services.state import lock, log_event, settings_for, transition
from tenancy.choices import Role
from tenancy.models import Membership

__all__ = ["adjudicate", "precedents"]

MAX_PARTIES = 50


@action
def adjudicate(
    registrations: list[DealRegistration],
    *,
    decision: str,
    reason: str,
    acting: Membership,
    winner: DealRegistration | None = None,
    split: list[int] | None = None,
) -> Adjudication:
    """Decide between claims on one end customer. `award`: `winner` keeps (or takes) the claim,
    the others are rejected. `split`: two claims share the credit by one of the tenant's splits,
    the first named getting the first share. `reject_both`: every claim is rejected."""
    if acting.role != Role.REVOPS_ADMIN:
        raise PermissionDenied("Conflicts are adjudicated by RevOps admins.")
    errors: dict[str, str] = {}
    if decision not in AdjudicationDecision.values:
        errors["decision"] = f"One of {', '.join(AdjudicationDecision.values)}."
    if not (reason or "").strip():
        errors["reason"] = "Give the reason: it is kept as precedent."
    ids = list(dict.fromkeys(r.pk for r in registrations))
    if not 2 <= len(ids) <= MAX_PARTIES:
        errors["registrations"] = f"Name 2 to {MAX_PARTIES} conflicting registrations."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rows = {
            r.pk: r
            for r in DealRegistration.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        parties = [rows[pk] for pk in ids if pk in rows]
        accounts = {r.end_customer_id for r in parties}
        account_id = next(iter(accounts)) if len(accounts) == 1 else None
        if account_id is None:
            raise ValidationError(
                {"registrations": "The registrations must claim one end customer."}
            )
        closed = [r.pk for r in parties if r.state in CLOSED_STATES or r.state == RegState.DRAFT]
        if closed:
            raise ValidationError(
                {"registrations": f"Registrations {closed} are not open: nothing to decide."}
            )
        shares: dict[int, int] = {}
        if decision == AdjudicationDecision.AWARD:
            if winner is None or winner.pk not in rows:
                raise ValidationError({"winner": "Name the registration that prevails."})
            shares = {pk: (100 if pk == winner.pk else 0) for pk in ids}
        elif decision == AdjudicationDecision.SPLIT:
            options = settings_for(parties[0].tenant_id).split_options
            if len(parties) != 2 or not isinstance(split, list) or split not in options:
                raise ValidationError(
                    {"split": f"Split two registrations by one of the tenant's splits: {options}."}
                )
            shares = dict(zip(ids, split, strict=True))
        else:
            shares = dict.fromkeys(ids, 0)
        now = timezone.now()
        conflicts = RegistrationConflict.objects.filter(
            registration_id__in=ids, status=ConflictStatus.OPEN
        ).filter(Q(other_registration_id__in=ids) | Q(other_registration__isnull=True))
        first = conflicts.order_by("pk").first()
        record = Adjudication.objects.create(
            tenant_id=parties[0].tenant_id,
            account_id=account_id,
            product_line=first.product_line if first else None,
            decision=decision,
            conflict_kind=first.kind if first else "",
            reason=reason.strip(),
            decided_by=acting.user,
            decided_at=now,
        )
        AdjudicationParty.objects.bulk_create(
            [
                AdjudicationParty(
                    tenant_id=record.tenant_id,
                    adjudication=record,
                    registration_id=pk,
                    share=shares[pk],
                    prevails=shares[pk] > 0,
                )
                for pk in ids
            ]
        )
        conflicts.update(status=ConflictStatus.RESOLVED, adjudication=record, updated_at=now)
        label = AdjudicationDecision(decision).label
        for registration in parties:
            _apply(
                registration, shares[registration.pk], decision, label, reason.strip(), acting, now
            )
    return record


def _apply(
    registration: DealRegistration,
    share: int,
    decision: str,
    label: str,
    reason: str,
    acting: Membership,
    now: Any,
) -> None:
    if share == 0:
        Claim.objects.filter(registration=registration, active=True).update(
            active=False, released_at=now, updated_at=now
        )
        stop_clocks(registration, now=now, state=ClockState.CANCELLED)
        transition(
            registration,
            Action.REJECT,
            acting=acting,
            reason=f"Conflict adjudicated ({label.lower()}): {reason}",
            changes={
                "decided_at": now,
                "rejection_reason": "Adjudicated",
                "rejection_text": reason,
                "credit_share": 0,
            },
            now=now,
        )
        return
    text = (
        f"Conflict adjudicated: credit split, {share}% to you. {reason}"
        if decision == AdjudicationDecision.SPLIT
        else f"Conflict adjudicated in your favour. {reason}"
    )
    registration.credit_share = share
    registration.has_conflict = RegistrationConflict.objects.filter(
        registration=registration, status=ConflictStatus.OPEN
    ).exists()
    registration.save()
    log_event(
        registration,
        Action.ADJUDICATE,
        acting=acting,
        reason=text,
        from_state=registration.state,
        to_state=registration.state,
        at=now,
    )
    if decision == AdjudicationDecision.AWARD:
        _take_over_claims(lock(registration), now)


def _take_over_claims(registration: DealRegistration, now: Any) -> None:
    """The winner holds every line it claims: claims of the losers were released above."""
    if registration.end_customer_id is None:
        return
    for line in registration.lines.all():
        held = Claim.objects.filter(
            account_id=registration.end_customer_id,
            product_line_id=line.product_line_id,
            active=True,
        ).first()
        if held is None:
            Claim.objects.create(
                tenant_id=registration.tenant_id,
                registration=registration,
                account_id=registration.end_customer_id,
                product_line_id=line.product_line_id,
            )


def precedents(
    queryset: QuerySet[Adjudication],
    *,
    conflict: RegistrationConflict | None = None,
    text: str = "",
) -> QuerySet[Adjudication]:
    """Earlier decisions like this one: the same customer or product line and kind, or
    matching words of the reason."""
    if conflict is not None:
        registration = conflict.registration
        queryset = queryset.filter(
            Q(account_id=registration.end_customer_id)
            | Q(product_line_id=conflict.product_line_id, conflict_kind=conflict.kind)
        )
    for word in (text or "").split()[:5]:
        queryset = queryset.filter(reason__icontains=word)
    return queryset
