"""The console's overlap page: accounts worked in one campaign by direct sales and a partner, or
by several partners (scorecards/overlap.py), with who, when and what, to settle in the
governance review; its CSV; and settling one with the decision taken."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from accounts.views import export_rows, filter_rows, paginate
from core.csvexport import Column
from core.views import row_or_404
from scorecards import overlap
from scorecards.filters import OverlapFilter
from scorecards.models import OverlapFlag, OverlapParty
from tenancy.requests import DoorRequest

__all__ = [
    "account_overlap_section",
    "overlap_export",
    "overlap_flags",
    "overlap_settle",
]


def _rows(request: DoorRequest) -> Any:
    return (
        OverlapFlag.objects.visible_to(request.membership)
        .select_related("campaign", "account", "settled_by")
        .prefetch_related("parties__partner", "parties__team", "parties__user")
        .order_by("status", "-last_touch_at", "pk")
    )


def party_name(party: OverlapParty) -> str:
    """Who a party is, as RevOps reads it: the partner, or direct sales with its team and rep."""
    if party.partner is not None:
        return party.partner.name
    who = [
        p
        for p in (party.team.name if party.team else "", party.user.full_name if party.user else "")
        if p
    ]
    return "Direct sales" + (f" ({', '.join(who)})" if who else "")


def overlap_flags(request: DoorRequest) -> HttpResponse:
    filterset, rows, status = filter_rows(request, OverlapFilter, _rows(request))
    page = paginate(request, rows)
    for flag in page:  # a page is a list once iterated: the names stay on its rows
        flag.named_parties = [(party_name(p), p) for p in flag.parties.all()]
    context = {"filterset": filterset, "page": page}
    return render(request, "scorecards/overlap.html", context, status=status)


def _parties_cell(flag: OverlapFlag) -> str:
    return "; ".join(
        f"{party_name(p)}: {p.touches} touch(es) {p.first_touch_at:%Y-%m-%d}–{p.last_touch_at:%Y-%m-%d}, "
        f"last {p.last_channel} “{p.last_subject}”"
        for p in flag.parties.all()
    )


COLUMNS: list[Column] = [
    ("Campaign", lambda f: f.campaign.name),
    ("Account", lambda f: f.account.name),
    ("Who", lambda f: f.get_kind_display()),
    ("On the target list", lambda f: "yes" if f.on_target_list else "no"),
    ("Overlapping since", lambda f: f.first_seen_at),
    ("Last touch", lambda f: f.last_touch_at),
    ("Parties", _parties_cell),
    ("Status", lambda f: f.get_status_display()),
    ("Decision", lambda f: f.decision),
    ("Settled at", lambda f: f.settled_at or ""),
]


def overlap_export(request: DoorRequest) -> HttpResponse | StreamingHttpResponse:
    return export_rows(request, OverlapFilter, _rows(request), COLUMNS, "overlap")


@require_POST
def overlap_settle(request: DoorRequest, pk: int) -> HttpResponse:
    flag = row_or_404(OverlapFlag.objects.visible_to(request.membership), pk, "No such overlap.")
    try:
        overlap.settle(flag, acting=request.membership, decision=request.POST.get("decision", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The overlap on {flag.account.name} is settled.")
    return redirect("console:overlap", request.tenant.slug)


def account_overlap_section(request: DoorRequest, account: Any) -> str:
    """On the account page of a party that works the account in a campaign someone else works it
    in too: that there is someone, never who (RevOps sees who on the overlap page)."""
    campaigns = overlap.others_working(request.membership, [account.pk]).get(account.pk)
    if not campaigns:
        return ""
    return render_to_string(
        "scorecards/_account_overlap.html", {"campaigns": campaigns}, request=request
    )
