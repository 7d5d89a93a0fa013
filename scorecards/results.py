"""Attribution results as each person may read them (the API's /scorecards/attribution/): the
opportunities of a quarter with one attribution model's credits, by the same visibility rules as
the scorecards (scorecards.services.allowed_scopes).

- RevOps admins: every opportunity, every party's credits;
- a direct manager: the opportunities their team or its reps own or touched, and the credits of
  the team and its reps;
- a direct rep: the opportunities they own or touched, and their own credits;
- a partner user: the opportunities their partner owns or touched, and their partner's credits
  only (never another party's share, partner or name).

"Touched" is a credit of the influence model (every party that touched the opportunity has one).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from core.metrics import Filters
from scorecards.choices import INFLUENCE_MODEL
from scorecards.metrics import facts
from scorecards.models import Credit, OpportunityFact
from tenancy.choices import Role
from tenancy.models import Membership
from tenancy.quarters import Quarter

__all__ = ["attributed_facts", "own_credits", "own_facts"]

NOTHING = Q(pk__in=[])


def _team_reps(team_id: int) -> QuerySet:
    return Membership.objects.filter(team_id=team_id, role=Role.DIRECT_REP).values("user_id")


def own_credits(membership: Membership) -> Q | None:
    """The credit rows of the caller's own party (None: every party's, for RevOps admins)."""
    if membership.role == Role.REVOPS_ADMIN:
        return None
    if membership.is_partner_user:
        return Q(partner_id=membership.partner_id) if membership.partner_id else NOTHING
    if membership.role == Role.DIRECT_REP:
        return Q(user_id=membership.user_id)
    if membership.role == Role.DIRECT_MANAGER and membership.team_id:
        return Q(team_id=membership.team_id) | Q(user_id__in=_team_reps(membership.team_id))
    return NOTHING


def own_facts(membership: Membership) -> Q | None:
    """The opportunities the caller's party owns (None: all, for RevOps admins)."""
    if membership.role == Role.REVOPS_ADMIN:
        return None
    if membership.is_partner_user:
        return Q(partner_id=membership.partner_id) if membership.partner_id else NOTHING
    if membership.role == Role.DIRECT_REP:
        return Q(owner_user_id=membership.user_id)
    if membership.role == Role.DIRECT_MANAGER and membership.team_id:
        team = membership.team_id
        return Q(owner_team_id=team) | Q(owner_user_id__in=_team_reps(team))
    return NOTHING


def attributed_facts(
    membership: Membership, quarter: Quarter, *, model: str, filters: Filters
) -> QuerySet:
    """The quarter's opportunity facts (opened in it, filtered) the caller may read, each with
    `shown_credits`: the model's credits of the caller's party (an admin's: every party's)."""
    rows = OpportunityFact.objects.filter(facts(filters), created_quarter=quarter.start)
    credits = Credit.objects.filter(model=model)
    owned, party = own_facts(membership), own_credits(membership)
    if owned is not None and party is not None:
        touched = Credit.objects.filter(party, fact=OuterRef("pk"), model=INFLUENCE_MODEL)
        rows = rows.filter(owned | Q(Exists(touched)))
        credits = credits.filter(party)
    return rows.select_related("opportunity").prefetch_related(
        Prefetch(
            "credits",
            queryset=credits.order_by("route", "partner_id", "team_id", "user_id", "pk"),
            to_attr="shown_credits",
        )
    )
