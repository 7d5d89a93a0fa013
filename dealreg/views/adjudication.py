"""Deal registration's adjudication pages (console): the queue of conflicts a person must decide,
grouped by end customer, oldest first; the decide page for one end customer's conflicting claims
(side by side, with lines, evidence, each side's recent touches, the engine's reasons and
tie-breaks, the rules' route for the account and similar precedents); and the precedent search.

The console is for the manufacturer, so the parties are named here. The decision is the
service's (`dealreg.services.adjudication.adjudicate`, RevOps admins only): the page names the
claims it showed, and a refusal comes back as a message naming the field, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Account, ProductLine
from core.views import row_or_404
from dealreg.choices import ACTIVE_STATES, AdjudicationDecision, ConflictKind
from dealreg.filters import PrecedentFilterSet
from dealreg.forms import AdjudicationForm
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    DealRegistration,
    EvidenceFile,
    RegistrationConflict,
    RegistrationLine,
)
from dealreg.services.adjudication import adjudicate, precedents
from dealreg.services.conflicts import Party
from dealreg.services.state import settings_for
from dealreg.views.common import PER_PAGE, REFUSALS, refusal
from guardrails.models import AccountRoute
from pipeline.models import Touch
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = ["adjudicate_conflict", "conflict", "conflict_queue", "precedent_search"]

QUEUE_PER_PAGE = 20
TOUCHES_SHOWN = 8
PRECEDENTS_SHOWN = 10
SEARCH_FIELDS = ("q", "decision", "conflict_kind", "product_line", "account_name", "account")
FIELD_LABELS = {
    "claims": "Claims",
    "registrations": "Claims",
    "decision": "Decision",
    "winner": "Award to",
    "split": "Split",
    "first": "First share to",
    "second": "Second share to",
    "reason": "Reason",
}
_PARTY_REGISTRATION = (
    "registration__registrant_partner",
    "registration__registrant_team",
    "registration__registrant_user",
)
_OTHER_REGISTRATION = (
    "other_registration__registrant_partner",
    "other_registration__registrant_team",
    "other_registration__registrant_user",
)


@dataclass
class ConflictGroup:
    """One end customer's conflicts waiting for a person, and the claims they involve."""

    account: Account
    oldest: dt.datetime
    conflicts: list[RegistrationConflict] = field(default_factory=list)
    claims: list[DealRegistration] = field(default_factory=list)

    @property
    def product_lines(self) -> list[str]:
        names = {c.product_line.name for c in self.conflicts if c.product_line is not None}
        return sorted(names)


def _waiting(membership: Membership) -> QuerySet[RegistrationConflict]:
    return (
        RegistrationConflict.objects.visible_to(membership)
        .waiting_for_adjudication()
        .filter(registration__end_customer__isnull=False)
    )


def _with_parties(conflicts: QuerySet[RegistrationConflict]) -> QuerySet[RegistrationConflict]:
    return conflicts.select_related(
        "registration__end_customer", "product_line", *_PARTY_REGISTRATION, *_OTHER_REGISTRATION
    ).order_by("created_at", "pk")


def _claims_of(conflicts: list[RegistrationConflict]) -> list[DealRegistration]:
    """The registrations a decision is between: those the conflicts stand against, and the other
    registrations they name while those are still open or protected; the earliest filed first."""
    claims: dict[int, DealRegistration] = {}
    for c in conflicts:
        claims.setdefault(c.registration_id, c.registration)
        other = c.other_registration
        if other is not None and other.state in ACTIVE_STATES:
            claims.setdefault(other.pk, other)
    return sorted(claims.values(), key=lambda r: (r.submitted_at or r.created_at, r.pk))


def _distinct(conflicts: list[RegistrationConflict]) -> list[RegistrationConflict]:
    """A conflict between two registrations is recorded on both: show it once (the older)."""
    seen: set[tuple] = set()
    shown = []
    for c in conflicts:
        pair = frozenset(filter(None, (c.registration_id, c.other_registration_id)))
        key = (c.kind, c.product_line_id, pair, c.other_opportunity_id)
        if key not in seen:
            seen.add(key)
            shown.append(c)
    return shown


def conflict_queue(request: DoorRequest) -> HttpResponse:
    """End customers with conflicts waiting for a person, the longest waiting first. Three
    queries whatever the page size: the groups' count, one page of groups, their conflicts."""
    waiting = _waiting(request.membership)
    groups = (
        waiting.values("registration__end_customer")
        .annotate(oldest=Min("created_at"), waiting=Count("pk"))
        .order_by("oldest", "registration__end_customer")
    )
    page = Paginator(groups, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    ids = [row["registration__end_customer"] for row in page]
    by_account: dict[int | None, list[RegistrationConflict]] = {}
    for c in _with_parties(waiting.filter(registration__end_customer_id__in=ids)):
        by_account.setdefault(c.registration.end_customer_id, []).append(c)
    shown = []
    for row in page:
        conflicts = by_account.get(row["registration__end_customer"], [])
        account = conflicts[0].registration.end_customer if conflicts else None
        if account is None:
            continue  # decided between the two queries
        shown.append(
            ConflictGroup(
                account=account,
                oldest=row["oldest"],
                conflicts=_distinct(conflicts),
                claims=_claims_of(conflicts),
            )
        )
    context = {"page": page, "groups": shown, "now": timezone.now()}
    return render(request, "dealreg/adjudication_queue.html", context)


def _claims_in_full(
    claims: list[DealRegistration], account: Account, since: dt.datetime
) -> list[DealRegistration]:
    """The claims with their lines, evidence files and the touches their side logged on the
    account since `since` (one query per claim for the touches: a decision names a few)."""
    rows = {
        r.pk: r
        for r in DealRegistration.objects.filter(pk__in=[c.pk for c in claims])
        .select_related("registrant_partner", "registrant_team", "registrant_user")
        .prefetch_related(
            Prefetch(
                "lines",
                RegistrationLine.objects.select_related("product_line").order_by("pk"),
                to_attr="shown_lines",
            ),
            Prefetch(
                "files", EvidenceFile.objects.order_by("created_at", "pk"), to_attr="shown_files"
            ),
        )
    }
    full: list[DealRegistration] = [rows[c.pk] for c in claims if c.pk in rows]
    for registration in full:
        registration.recent_touches = list(  # type: ignore[attr-defined]
            Touch.objects.filter(
                Party.of(registration).touches(), account=account, occurred_at__gte=since
            )
            .select_related("actor_user", "actor_partner", "actor_team")
            .order_by("-occurred_at", "-pk")[:TOUCHES_SHOWN]
        )
    return full


def _claim_label(registration: DealRegistration) -> str:
    who = registration.registrant_partner or registration.registrant_team
    return (
        f"#{registration.pk} {who.name if who else 'Direct'} ({registration.get_route_display()})"
    )


def _form(
    request: DoorRequest, claims: list[DealRegistration], data: Any = None
) -> AdjudicationForm:
    return AdjudicationForm(
        data,
        claims=[(r.pk, _claim_label(r)) for r in claims],
        splits=settings_for(request.tenant).split_options,
        initial={"claims": [r.pk for r in claims]},
    )


def _precedent_rows(queryset: QuerySet[Adjudication]) -> QuerySet[Adjudication]:
    return queryset.select_related("account", "product_line", "decided_by").prefetch_related(
        Prefetch(
            "parties",
            AdjudicationParty.objects.select_related(*_PARTY_REGISTRATION).order_by("-share", "id"),
        )
    )


def conflict(request: DoorRequest, pk: int) -> HttpResponse:
    """One end customer's conflicting claims, side by side, and the decision form."""
    membership = request.membership
    account = row_or_404(Account.objects.visible_to(membership), pk, "No such customer.")
    conflicts = list(_with_parties(_waiting(membership).filter(registration__end_customer=account)))
    claims = _claims_of(conflicts)
    window = settings_for(request.tenant).touch_window_days
    now = timezone.now()
    similar: list[Adjudication] = []
    if conflicts:
        found = precedents(Adjudication.objects.visible_to(membership), conflict=conflicts[0])
        similar = list(_precedent_rows(found).order_by("-decided_at", "-pk")[:PRECEDENTS_SHOWN])
    route = (
        AccountRoute.objects.visible_to(membership)
        .filter(account=account)
        .select_related("rule", "target_team", "target_partner")
        .first()
    )
    context = {
        "account": account,
        "conflicts": _distinct(conflicts),
        "claims": _claims_in_full(claims, account, now - dt.timedelta(days=window)),
        "window": window,
        "route": route,
        "precedents": similar,
        "form": _form(request, claims) if len(claims) >= 2 else None,
        "now": now,
    }
    return render(request, "dealreg/adjudication_decide.html", context)


def _problems(errors: dict[str, Any]) -> str:
    return "; ".join(
        f"{FIELD_LABELS.get(name, name.replace('_', ' ').capitalize())}: "
        + " ".join(str(e) for e in problems)
        for name, problems in errors.items()
    )


@require_POST
def adjudicate_conflict(request: DoorRequest, pk: int) -> HttpResponse:
    membership = request.membership
    account = row_or_404(Account.objects.visible_to(membership), pk, "No such customer.")
    back = redirect("console:dealreg-conflict", request.tenant.slug, account.pk)
    waiting = _waiting(membership).filter(registration__end_customer=account)
    claims = _claims_of(list(_with_parties(waiting)))
    form = _form(request, claims, request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was decided: {_problems(form.errors)}")
        return back
    data = form.cleaned_data
    if set(data["claims"]) != {r.pk for r in claims}:
        messages.error(
            request,
            "Nothing was decided: the claims on this customer changed since the page was "
            "opened. Look at them again.",
        )
        return back
    by_pk = {r.pk: r for r in claims}
    decision = data["decision"]
    parties = (
        [by_pk[data["first"]], by_pk[data["second"]]]
        if decision == AdjudicationDecision.SPLIT
        else claims
    )
    try:
        record = adjudicate(
            parties,
            decision=decision,
            reason=data["reason"],
            winner=by_pk.get(data["winner"]) if data["winner"] is not None else None,
            split=form.split_shares() if decision == AdjudicationDecision.SPLIT else None,
            acting=membership,
        )
    except REFUSALS as error:
        named = isinstance(error, ValidationError) and hasattr(error, "error_dict")
        text = _problems(error.message_dict) if named else refusal(error)  # type: ignore[union-attr]
        messages.error(request, f"Nothing was decided: {text}")
        return back
    given = {p.registration_id: p.share for p in record.parties.all()}
    shares = ", ".join(
        f"#{r.pk} {given[r.pk]} %" if given.get(r.pk) else f"#{r.pk} rejected" for r in parties
    )
    messages.success(
        request,
        f"{account.name}: {record.get_decision_display().lower()} ({shares}). "
        "The reason is kept as precedent.",
    )
    return redirect("console:dealreg-conflicts", request.tenant.slug)


def precedent_search(request: DoorRequest) -> HttpResponse:
    """Every adjudication, searchable by words of the reason and filtered by decision, conflict
    kind, product line and customer name; the newest first."""
    rows: QuerySet[Adjudication] = Adjudication.objects.visible_to(request.membership)
    filters = PrecedentFilterSet(request.GET or None, queryset=rows)
    status = 200
    if filters.is_bound:
        if filters.is_valid():
            rows = filters.qs
        else:
            rows, status = rows.none(), 400
    rows = _precedent_rows(rows).order_by("-decided_at", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "decisions": AdjudicationDecision.choices,
        "kinds": ConflictKind.choices,
        "product_lines": ProductLine.objects.order_by("name").values_list("pk", "name"),
        "filtered": any(request.GET.get(name) for name in SEARCH_FIELDS),
    }
    return render(request, "dealreg/adjudication_precedents.html", context, status=status)
