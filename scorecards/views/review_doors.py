"""The portal's (partner admins) and the sales door's (direct managers) "Governance reviews": the
signed-off reviews, each as the viewer's own extract (`scorecards.review.extract.extract_for`:
their partner's or team's row and the decisions that concern them, never another party's) on a
page and as a one-page PDF. A RevOps admin visiting the sales door is sent to the console's
workspace, where the whole review is (its PDF link gives the whole pack)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from scorecards.choices import ReviewStatus
from scorecards.review import extract, pdf, present
from scorecards.review.period import quarter_of
from scorecards.views.review import _review, decisions_of, reviews_of
from tenancy.choices import Role
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = ["door_review", "door_review_pdf", "door_reviews"]

# Who receives an extract (GovernanceReview.visible_to): partner admins, direct managers.
EXTRACT_ROLES = (Role.PARTNER_ADMIN, Role.DIRECT_MANAGER)


def door_reviews(request: DoorRequest) -> HttpResponse:
    rows = reviews_of(request).filter(status=ReviewStatus.SIGNED_OFF)
    reviews = [{"review": r, "quarter": Quarter.of(request.tenant, r.quarter_start)} for r in rows]
    receives = request.membership.is_admin or request.membership.role in EXTRACT_ROLES
    context = {"reviews": reviews, "receives": receives}
    return render(request, "scorecards/review/door_list.html", context)


def _extract(request: DoorRequest, pk: int) -> tuple[Any, dict[str, Any] | None]:
    review = _review(request, pk)
    if request.membership.is_admin:
        return review, None  # the whole review is the console's
    return review, present.extract_parts(extract.extract_for(review, request.membership))


def door_review(request: DoorRequest, pk: int) -> HttpResponse:
    review, parts = _extract(request, pk)
    context = {"review": review, "quarter": quarter_of(review), "extract": parts}
    return render(request, "scorecards/review/door_review.html", context)


def door_review_pdf(request: DoorRequest, pk: int) -> HttpResponse:
    review, parts = _extract(request, pk)
    if parts is None:  # RevOps: the whole pack, as the console prints it
        body = pdf.review_pdf(review, decisions_of(review), tenant_name=request.tenant.name)
        return pdf.pdf_response(body, f"governance-review-{quarter_of(review).code}.pdf")
    body = pdf.extract_pdf(review, parts, tenant_name=request.tenant.name)
    name = f"governance-review-{quarter_of(review).code}-{parts.get('slug') or 'extract'}.pdf"
    return pdf.pdf_response(body, name)
