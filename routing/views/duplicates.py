"""The console's duplicate review: pairs the matcher scored between its two thresholds, side by
side with their score and reasons, to merge or to mark "not a duplicate" (remembered, never
proposed again); and the recent merges, automatic or by hand, each of which can be undone.

Scores are shown on the tenant's scale: its thresholds (learned, routing.dedupe_weights, or the
defaults) are where the bar marks them. The work is routing.dedupe_service's: `merge_candidate`, `mark_distinct`, `undo_merge`. Every
action is a POST that answers with a redirect and a message.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.views import row_or_404
from routing.choices import CandidateStatus
from routing.dedupe import score_scale
from routing.dedupe_service import mark_distinct, merge_candidate, undo_merge
from routing.dedupe_weights import weights_for
from routing.models import DuplicateCandidate, LeadMerge
from routing.views.common import flash_outcome
from tenancy.requests import DoorRequest

__all__ = ["candidate_distinct", "candidate_merge", "duplicate_review", "merge_undo"]

PER_PAGE = 20
RECENT_MERGES = 20
# What the reviewer compares, lead against lead (or contact), in this order.
COMPARED = (
    ("Name", lambda r: " ".join(p for p in (r.first_name, r.last_name) if p)),
    ("Email", lambda r: r.email),
    ("Phone", lambda r: r.phone),
    ("Company", lambda r: getattr(r, "company", "") or _account_name(r)),
    ("Title", lambda r: r.title),
    ("Street", lambda r: getattr(r, "street", "")),
    ("City", lambda r: getattr(r, "city", "")),
    ("Postal code", lambda r: getattr(r, "postal_code", "")),
    ("Country", lambda r: getattr(r, "country", "")),
)


def _account_name(row: Any) -> str:
    account = getattr(row, "account", None)
    return account.name if account else ""


def _compare(left: Any, right: Any) -> list[dict[str, Any]]:
    rows = []
    for label, value in COMPARED:
        a, b = (value(left) or "").strip(), (value(right) or "").strip()
        if a or b:
            rows.append({"label": label, "left": a, "right": b, "differs": a.lower() != b.lower()})
    return rows


def duplicate_review(request: DoorRequest) -> HttpResponse:
    pending = DuplicateCandidate.objects.filter(status=CandidateStatus.PENDING).select_related(
        "lead__account", "other_lead__account", "contact__account"
    )
    page = Paginator(pending.order_by("-score", "id"), PER_PAGE).get_page(request.GET.get("page"))
    # Each pending pair with its field-by-field comparison.
    pairs = [(pair, _compare(pair.lead, pair.other_lead or pair.contact)) for pair in page]
    weights = weights_for(request.tenant)  # the tenant's thresholds, learned or the defaults
    for pair, _ in pairs:
        pair.scale = score_scale(pair.score, weights)  # type: ignore[attr-defined]  # for the template
    merges = list(
        LeadMerge.objects.select_related("survivor", "merged", "merged_by", "undone_by")[
            :RECENT_MERGES
        ]
    )
    for merge in merges:
        merge.scale = score_scale(merge.score, weights) if merge.score is not None else None  # type: ignore[attr-defined]
    context = {
        "page": page,
        "pairs": pairs,
        "merges": merges,
        "pending_count": page.paginator.count,
        "thresholds": score_scale(0.0, weights),
    }
    return render(request, "routing/duplicates/review.html", context)


def _candidate(pk: int) -> DuplicateCandidate:
    return row_or_404(DuplicateCandidate.objects.all(), pk, "No such pair.")


def _back(request: DoorRequest) -> HttpResponse:
    return redirect(reverse("console:duplicates", args=[request.tenant.slug]))


@require_POST
def candidate_merge(request: DoorRequest, pk: int) -> HttpResponse:
    pair = _candidate(pk)
    what = "Contact linked" if pair.contact_id else "Leads merged"
    flash_outcome(
        request,
        lambda: merge_candidate(pair, acting=request.membership),
        f"{what} (pair #{pair.pk}).",
    )
    return _back(request)


@require_POST
def candidate_distinct(request: DoorRequest, pk: int) -> HttpResponse:
    pair = _candidate(pk)
    flash_outcome(
        request,
        lambda: mark_distinct(pair, acting=request.membership),
        f"Pair #{pair.pk} marked as not a duplicate; it will not be proposed again.",
    )
    return _back(request)


@require_POST
def merge_undo(request: DoorRequest, pk: int) -> HttpResponse:
    merge = row_or_404(LeadMerge.objects.all(), pk, "No such merge.")
    flash_outcome(
        request,
        lambda: undo_merge(merge, acting=request.membership),
        f"Merge of lead {merge.merged_id} into {merge.survivor_id} undone; both leads are back.",
    )
    return _back(request)
