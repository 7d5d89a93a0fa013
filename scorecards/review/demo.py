"""Demo governance reviews: for each demo manufacturer, the reviews of the two quarters before
the current one, signed off, and the current quarter's in preparation; decisions in every state:
applied through the owning services (a target list refreshed, an overlap settled), done, dropped
with the reason, and open ones carried from quarter to quarter onto their owners' home pages (the
direct sales manager's and a partner admin's, one overdue).

Written through the services (`workspace`, `decisions`); a quarter that has a review already is
left alone, so seeding again adds nothing."""

from __future__ import annotations

import datetime as dt

from scorecards.choices import DecisionKind, DecisionStatus
from scorecards.models import GovernanceReview, ReviewDecision
from scorecards.review.decisions import apply_decision, close_decision, create_decision
from scorecards.review.workspace import open_review, prepare_now, sign_off
from tenancy.choices import Role
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

__all__ = ["seed_reviews"]


def _member(role: str) -> Membership | None:
    return (
        Membership.objects.filter(role=role, is_active=True)
        .select_related("user", "partner", "team")
        .order_by("user__email")
        .first()
    )


def _target_decision(
    review: GovernanceReview, action: str, *, admin: Membership, owner: Membership, due: dt.date
) -> ReviewDecision | None:
    """A decision on the review's first target-list suggestion of `action` (add or drop), as an
    admin records it from the review page; None when the review suggests none."""
    for listed in review.data["sections"]["target_lists"]["lists"]:
        for suggestion in listed["suggestions"]:
            if suggestion["action"] != action:
                continue
            payload = {"target_list": listed["id"], "account": suggestion["account_id"]}
            if action == "add":
                payload["reason"] = suggestion["why"][:300]
            verb = "Add" if action == "add" else "Drop"
            joint = "to" if action == "add" else "from"
            return create_decision(
                review,
                acting=admin,
                kind=DecisionKind.TARGET_ADD if action == "add" else DecisionKind.TARGET_DROP,
                title=f"{verb} {suggestion['account']} {joint} {listed['name']}",
                detail=suggestion["why"],
                owner=owner,
                due_on=due,
                payload=payload,
                source=f"target_lists:{listed['id']}:{suggestion['account_id']}",
            )
    return None


def _moment(tenant: Tenant, day: dt.date, hour: int = 16) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tenant.zone)


def seed_reviews(tenant: Tenant, today: dt.date) -> int:
    """The three reviews of the demo tenant; how many it created."""
    admin = _member(Role.REVOPS_ADMIN)
    manager = _member(Role.DIRECT_MANAGER)
    partner_admin = _member(Role.PARTNER_ADMIN)
    if admin is None or manager is None:
        return 0
    current = Quarter.of(tenant, today)
    made = 0
    for shift in (-2, -1, 0):
        quarter = current.shifted(shift)
        if GovernanceReview.objects.filter(quarter_start=quarter.start).exists():
            continue
        review = prepare_now(open_review(tenant, quarter, acting=admin), acting=admin)
        decide = {-2: _first_quarter, -1: _second_quarter, 0: _current_quarter}[shift]
        decide(review, quarter, admin, manager, partner_admin)
        if shift < 0:
            sign_off(
                review,
                acting=admin,
                note=f"Reviewed with sales and channel leadership; {quarter.code} closed.",
                now=_moment(tenant, quarter.following + dt.timedelta(days=12 + shift)),
            )
        made += 1
    return made


def _first_quarter(
    review: GovernanceReview,
    quarter: Quarter,
    admin: Membership,
    manager: Membership,
    partner_admin: Membership | None,
) -> None:
    due = quarter.following + dt.timedelta(days=30)
    dropped_account = _target_decision(review, "drop", admin=admin, owner=admin, due=due)
    if dropped_account is not None:
        apply_decision(dropped_account, acting=admin)
    create_decision(
        review,
        acting=admin,
        kind=DecisionKind.RULES,
        title="Give mid-market accounts to partners by default where both routes worked them",
        detail="Direct reps and partners both worked mid-market accounts in the same territories "
        "this quarter; write the split into the rulebook and simulate it before publishing.",
        owner=manager,
        due_on=quarter.following + dt.timedelta(days=45),
        team=manager.team,
    )  # stays open: carried into every later review, overdue on the manager's home page
    dropped = create_decision(
        review,
        acting=admin,
        title="Weekly overlap call with every partner",
        detail="Proposed to settle overlaps faster.",
        owner=admin,
        due_on=due,
    )
    close_decision(
        dropped,
        acting=admin,
        status=DecisionStatus.DROPPED,
        outcome="The overlap page and its home-page queue settle them faster than a call.",
    )


def _second_quarter(
    review: GovernanceReview,
    quarter: Quarter,
    admin: Membership,
    manager: Membership,
    partner_admin: Membership | None,
) -> None:
    due = quarter.following + dt.timedelta(days=30)
    added_account = _target_decision(review, "add", admin=admin, owner=admin, due=due)
    if added_account is not None:
        apply_decision(added_account, acting=admin)
    items = review.data["sections"]["overlap"]["items"]
    open_items = [i for i in items if i["status"] == "open"]
    if open_items:
        item = open_items[0]
        d = create_decision(
            review,
            acting=admin,
            kind=DecisionKind.OVERLAP,
            title=f"Settle the overlap on {item['account']} in {item['campaign']}",
            detail="Direct sales lead the account; the partner co-sells under registration.",
            owner=admin,
            due_on=due,
            payload={"flag": item["flag_id"]},
            source=f"overlap:{item['flag_id']}",
        )
        apply_decision(d, acting=admin)
    partner = partner_admin.partner if partner_admin is not None else None
    if partner_admin is not None and partner is not None:
        create_decision(
            review,
            acting=admin,
            title=f"{partner.name} completes its co-branding profile",
            detail="A complete profile lets every shared offer be published co-branded.",
            owner=partner_admin,
            due_on=quarter.following + dt.timedelta(days=75),
            partner=partner,
        )  # open: on the partner admin's home page and in its extract


def _current_quarter(
    review: GovernanceReview,
    quarter: Quarter,
    admin: Membership,
    manager: Membership,
    partner_admin: Membership | None,
) -> None:
    # Open: the manager checks the account with the team before it is applied.
    _target_decision(review, "add", admin=admin, owner=manager, due=quarter.last_day)
    mdf_lines = review.data["sections"]["mdf"]["lines"]
    lines = [line for line in mdf_lines if line["state"] == "proposed"]
    if lines:
        line = lines[0]
        create_decision(
            review,
            acting=admin,
            kind=DecisionKind.MDF_MOVE,
            title=f"Move {line['amount']} of MDF from {line['from_partner']} to {line['to_partner']}",
            detail=line["reason"],
            owner=admin,
            due_on=quarter.last_day,
            payload={"line": line["line_id"]},
            source=f"mdf:{line['line_id']}",
        )
