"""What each party receives of a review: a partner's or a direct team's one-page extract, built
from the review's `data` (never live data, so a signed-off extract never changes) and its
decisions (the frozen `decisions_at_sign_off` of a signed-off review).

A partner's extract holds its own row of the `parties` section (its figures, the previous
quarter's, its tier and what it misses for the next, its overlap, conflicts, SLA and MDF) and the
decisions that concern it; never another partner's name or figures, nor a total that adds them
up (the whole company's or the direct route's: a partner could work out its rivals' share from
it). Only the listed keys of a party's row are
copied, so a key a section adds later is not handed out by accident."""

from __future__ import annotations

from typing import Any

from scorecards.models import GovernanceReview
from scorecards.review.workspace import decision_row, shown_decisions
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Team

__all__ = ["PARTNER_KEYS", "TEAM_KEYS", "extract_for", "partner_extract", "team_extract"]

PARTNER_KEYS = (
    "id",
    "name",
    "tier",
    "tier_label",
    "figures",
    "previous",
    "tier_standing",
    "overlap_accounts",
    "conflicts",
    "conflicts_prevailed",
    "sla",
    "mdf",
)
TEAM_KEYS = ("id", "name", "figures", "previous", "overlap_accounts", "conflicts", "sla")
# What a decision row tells a partner: the manufacturer's teams stay out of it.
PARTNER_DECISION_HIDDEN = ("team", "team_id")


def _sections(review: GovernanceReview) -> dict[str, Any]:
    data = review.data or {}
    sections = data.get("sections")
    return sections if isinstance(sections, dict) else {}


def _frame(review: GovernanceReview) -> dict[str, Any]:
    """The review's own facts every extract starts with."""
    data = review.data or {}
    return {
        "review_id": review.pk,
        "quarter": data.get("quarter") or {"start": review.quarter_start.isoformat()},
        "currency": data.get("currency") or review.tenant.currency,
        "prepared_at": data.get("prepared_at"),
        "status": review.status,
        "signed_off_at": review.signed_off_at.isoformat() if review.signed_off_at else None,
    }


def _row_of(rows: Any, pk: int) -> dict[str, Any] | None:
    if not isinstance(rows, list):
        return None
    return next((r for r in rows if isinstance(r, dict) and r.get("id") == pk), None)


def _decisions(review: GovernanceReview, field: str, pk: int) -> list[dict[str, Any]]:
    """The review's decisions concerning one party (`partner_id` or `team_id` equal to `pk`):
    as frozen at sign-off, or as they stand in an open review (carried ones included)."""
    if review.is_frozen:
        rows = review.decisions_at_sign_off or []
        return [dict(r) for r in rows if isinstance(r, dict) and r.get(f"{field}_id") == pk]
    return [decision_row(d, review) for d in shown_decisions(review).filter(**{f"{field}_id": pk})]


def _headline(review: GovernanceReview) -> dict[str, Any]:
    headline = _sections(review).get("headline")
    return headline if isinstance(headline, dict) else {}


def partner_extract(review: GovernanceReview, partner: Partner) -> dict[str, Any]:
    """One partner's extract: its own figures, tier and standing, and the decisions that concern
    it."""
    parties = _sections(review).get("parties") or {}
    row = _row_of(parties.get("partners") if isinstance(parties, dict) else None, partner.pk)
    own = {key: row[key] for key in PARTNER_KEYS if row is not None and key in row}
    own.setdefault("id", partner.pk)
    own.setdefault("name", partner.name)
    decisions = _decisions(review, "partner", partner.pk)
    # The owner is named only when one of the partner's own people owns the decision.
    own_people = set(Membership.objects.filter(partner=partner).values_list("pk", flat=True))
    for decision in decisions:
        for key in PARTNER_DECISION_HIDDEN:
            decision.pop(key, None)
        if decision.get("owner_id") not in own_people:
            decision["owner"] = "RevOps"
            decision["owner_id"] = None
    return {
        **_frame(review),
        "kind": "partner",
        "party": own,
        "prepared": row is not None,
        "metrics": _headline(review).get("metrics") or [],
        "decisions": decisions,
    }


def team_extract(review: GovernanceReview, team: Team) -> dict[str, Any]:
    """One direct team's extract: its own figures, the direct route's and the tenant's headline
    for context, and the decisions that concern it."""
    parties = _sections(review).get("parties") or {}
    row = _row_of(parties.get("teams") if isinstance(parties, dict) else None, team.pk)
    own = {key: row[key] for key in TEAM_KEYS if row is not None and key in row}
    own.setdefault("id", team.pk)
    own.setdefault("name", team.name)
    headline = _headline(review)
    routes = headline.get("routes") or {}
    previous = headline.get("previous") or {}
    return {
        **_frame(review),
        "kind": "team",
        "party": own,
        "prepared": row is not None,
        "metrics": headline.get("metrics") or [],
        "direct": {
            "current": routes.get("direct") or {},
            "previous": previous.get("direct") or {},
        },
        "tenant": {
            "current": routes.get("tenant") or {},
            "previous": previous.get("tenant") or {},
        },
        "decisions": _decisions(review, "team", team.pk),
    }


def full_data(review: GovernanceReview) -> dict[str, Any]:
    """RevOps' view: the whole of `data`, with the review's decisions beside it."""
    if review.is_frozen:
        decisions = [dict(r) for r in review.decisions_at_sign_off or []]
    else:
        decisions = [decision_row(d, review) for d in shown_decisions(review)]
    return {**_frame(review), **(review.data or {}), "kind": "full", "decisions": decisions}


def extract_for(review: GovernanceReview, membership: Membership) -> dict[str, Any]:
    """What `membership` may read of the review: RevOps admins the whole of it; partner admins
    their partner's extract; direct managers their team's; nobody else anything."""
    if membership.is_admin:
        return full_data(review)
    if membership.role == Role.PARTNER_ADMIN and membership.partner is not None:
        return partner_extract(review, membership.partner)
    if membership.role == Role.DIRECT_MANAGER and membership.team is not None:
        return team_extract(review, membership.team)
    return {}
