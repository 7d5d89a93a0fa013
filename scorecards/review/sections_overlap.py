"""The review's overlap and conflicts sections (docs/governance.md, "Overlap" and "Conflicts"):
accounts worked by both routes or by several partners, and the deal-registration conflicts
raised in the quarter with how they were decided. The per-party counts the parties' section
shows come from here too (`overlap_by_party`, `conflicts_by_party`), counted the same way."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from dealreg.choices import AdjudicationDecision, ConflictKind, ConflictStatus
from dealreg.models import Adjudication, AdjudicationParty, RegistrationConflict
from dealreg.services.state import settings_for
from pipeline.choices import TouchRoute
from pipeline.models import Touch
from routing.calendar import business_minutes_between
from routing.sla import working_time
from scorecards.choices import OverlapKind, OverlapStatus, PartyRoute
from scorecards.models import OverlapFlag, OverlapParty
from scorecards.overlap import WORKING
from scorecards.review.period import Period, Progress
from scorecards.review.sections_common import (
    CAP,
    between,
    counted,
    iso,
    partner_names,
    team_names,
)

__all__ = [
    "build_conflicts",
    "build_overlap",
    "conflicts_by_party",
    "overlap_by_party",
    "quarter_conflicts",
    "reviewed_flags",
]


# --- overlap ---------------------------------------------------------------------------------


def reviewed_flags(period: Period) -> QuerySet:
    """The flags the review shows: still open, or with a touch of a working party (direct, or a
    partner) naming the flag's campaign and account in the quarter."""
    touched = Touch.objects.filter(
        WORKING,
        between("occurred_at", period),
        campaign_id=OuterRef("campaign_id"),
        account_id=OuterRef("account_id"),
    )
    return OverlapFlag.objects.filter(Q(status=OverlapStatus.OPEN) | Q(Exists(touched)))


def overlap_by_party(period: Period) -> tuple[dict[int, int], dict[int, int]]:
    """Accounts of the reviewed flags each partner, and each direct team, is a party to."""
    parties = OverlapParty.objects.filter(flag__in=reviewed_flags(period).values("pk"))
    partners = dict(
        parties.filter(route=PartyRoute.PARTNER, partner__isnull=False)
        .values("partner_id")
        .annotate(n=Count("flag__account_id", distinct=True))
        .values_list("partner_id", "n")
        .order_by()
    )
    teams = dict(
        parties.filter(route=PartyRoute.DIRECT, team__isnull=False)
        .values("team_id")
        .annotate(n=Count("flag__account_id", distinct=True))
        .values_list("team_id", "n")
        .order_by()
    )
    return partners, teams


def _touch_overlap(period: Period) -> dict[str, int]:
    """From every direct and partner touch on an account in the quarter (campaign or not), in one
    grouped query: the accounts both routes touched, and those several partners touched."""
    per_account = (
        Touch.objects.filter(WORKING, between("occurred_at", period), account__isnull=False)
        .values("account_id")
        .annotate(
            direct=Count("id", filter=Q(route=TouchRoute.DIRECT)),
            partners=Count("actor_partner_id", distinct=True),
        )
        .order_by()
    )
    sums = per_account.aggregate(
        both=Count("account_id", filter=Q(direct__gt=0, partners__gt=0)),
        several=Count("account_id", filter=Q(partners__gt=1)),
    )
    return {
        "accounts_both_routes": sums["both"] or 0,
        "accounts_several_partners": sums["several"] or 0,
    }


def build_overlap(period: Period, progress: Progress) -> dict[str, Any]:
    flags = reviewed_flags(period)
    totals = flags.aggregate(
        flags=Count("id"),
        open=Count("id", filter=Q(status=OverlapStatus.OPEN)),
        settled=Count("id", filter=Q(status=OverlapStatus.SETTLED)),
        routes=Count("id", filter=Q(kind=OverlapKind.ROUTES)),
        partners=Count("id", filter=Q(kind=OverlapKind.PARTNERS)),
        on_target_list=Count("id", filter=Q(on_target_list=True)),
    )
    progress.part(1, 3)
    touch_overlap = _touch_overlap(period)
    progress.part(2, 3)
    # Open first, then the latest worked.
    shown = list(
        # "open" sorts before "settled"
        flags.select_related("account", "campaign").order_by("status", "-last_touch_at", "id")[:CAP]
    )
    parties: dict[int, list[OverlapParty]] = defaultdict(list)
    for party in OverlapParty.objects.filter(flag__in=[f.pk for f in shown]).order_by(
        "first_touch_at", "id"
    ):
        parties[party.flag_id].append(party)
    partners = partner_names(p.partner_id for found in parties.values() for p in found)
    teams = team_names(p.team_id for found in parties.values() for p in found)
    items = [
        {
            "flag_id": flag.pk,
            "account_id": flag.account_id,
            "account": flag.account.name,
            "campaign_id": flag.campaign_id,
            "campaign": flag.campaign.name,
            "kind": flag.kind,
            "kind_label": flag.get_kind_display(),
            "status": flag.status,
            "on_target_list": flag.on_target_list,
            "first_seen_at": iso(flag.first_seen_at),
            "last_touch_at": iso(flag.last_touch_at),
            "parties": [
                {
                    "route": p.route,
                    "partner_id": p.partner_id,
                    "partner": partners.get(p.partner_id or 0, ""),
                    "team_id": p.team_id,
                    "team": teams.get(p.team_id or 0, ""),
                    "touches": p.touches,
                }
                for p in parties[flag.pk]
            ],
        }
        for flag in shown
    ]
    return {
        "totals": {key: value or 0 for key, value in totals.items()},
        "touch_overlap": touch_overlap,
        "count": totals["flags"] or 0,
        "items": items,
    }


# --- conflicts --------------------------------------------------------------------------------


def quarter_conflicts(period: Period) -> QuerySet:
    """Conflicts raised in the quarter, each with `prevailed`: its registrant prevails, by the
    written tie-break or by an adjudication that gave its registration the claim or a share."""
    won = AdjudicationParty.objects.filter(
        adjudication_id=OuterRef("adjudication_id"),
        registration_id=OuterRef("registration_id"),
        prevails=True,
    )
    prevailed = Q(registrant_prevails=True) | Q(Exists(won))
    return RegistrationConflict.objects.filter(between("created_at", period)).annotate(
        prevailed=Case(
            When(prevailed, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    )


def conflicts_by_party(
    period: Period,
) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """(conflicts, prevailed) of the quarter on each partner's and each team's registrations."""
    rows = (
        quarter_conflicts(period)
        .values(
            "registration__route",
            "registration__registrant_partner_id",
            "registration__registrant_team_id",
        )
        .annotate(n=Count("id"), prevailed_n=Count("id", filter=Q(prevailed=1)))
        .order_by()
    )
    partners: dict[int, tuple[int, int]] = {}
    teams: dict[int, tuple[int, int]] = {}
    for row in rows:
        if row["registration__route"] == "partner":
            target, key = partners, row["registration__registrant_partner_id"]
        else:
            target, key = teams, row["registration__registrant_team_id"]
        if key is None:
            continue
        n, won = target.get(key, (0, 0))
        target[key] = (n + row["n"], won + row["prevailed_n"])
    return partners, teams


def _decision_hours(period: Period, adjudications: list[dict[str, Any]]) -> list[float]:
    """Business hours from each adjudication's first conflict to its decision (the tenant's
    calendar, as the deal-registration clocks count)."""
    if not adjudications:
        return []
    raised = dict(
        RegistrationConflict.objects.filter(adjudication_id__in=[a["id"] for a in adjudications])
        .values("adjudication_id")
        .annotate(first=Min("created_at"))
        .values_list("adjudication_id", "first")
        .order_by()
    )
    hours = working_time(period.tenant)
    found = []
    for adjudication in adjudications:
        first = raised.get(adjudication["id"])
        if first is not None:
            minutes = business_minutes_between(hours, first, adjudication["decided_at"])
            found.append(minutes / 60)
    return found


def build_conflicts(period: Period, progress: Progress) -> dict[str, Any]:
    conflicts = quarter_conflicts(period)
    totals = conflicts.aggregate(
        raised=Count("id"),
        prevailed_n=Count("id", filter=Q(prevailed=1)),
        adjudicated=Count("id", filter=Q(adjudication__isnull=False)),
    )
    by_kind = counted(conflicts.values("kind").annotate(n=Count("id")).order_by(), "kind")
    by_status = counted(conflicts.values("status").annotate(n=Count("id")).order_by(), "status")
    progress.part(1, 3)
    decided = Adjudication.objects.filter(between("decided_at", period))
    by_decision = counted(decided.values("decision").annotate(n=Count("id")).order_by(), "decision")
    count = sum(by_decision.values())
    # Every adjudication's time to decide (a few per quarter: the queue is decided by people).
    times = [dict(row) for row in decided.order_by("-decided_at").values("id", "decided_at")]
    hours = _decision_hours(period, times)
    limit = settings_for(period.tenant.pk).review_hours
    within = sum(1 for h in hours if h <= limit)
    progress.part(2, 3)
    shown = list(
        decided.select_related("account", "product_line", "decided_by").order_by(
            "-decided_at", "-id"
        )[:CAP]
    )
    parties: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for party in (
        AdjudicationParty.objects.filter(adjudication__in=[a.pk for a in shown])
        .order_by("-share", "id")
        .values(
            "adjudication_id",
            "registration_id",
            "share",
            "prevails",
            "registration__route",
            "registration__registrant_partner_id",
            "registration__registrant_team_id",
        )
    ):
        parties[party["adjudication_id"]].append(dict(party))
    every = [p for found in parties.values() for p in found]
    partners = partner_names(p["registration__registrant_partner_id"] for p in every)
    teams = team_names(p["registration__registrant_team_id"] for p in every)
    adjudications = [
        {
            "id": a.pk,
            "account_id": a.account_id,
            "account": a.account.name,
            "product_line": a.product_line.name if a.product_line else "",
            "decision": a.decision,
            "decision_label": a.get_decision_display(),
            "reason": a.reason,
            "decided_at": iso(a.decided_at),
            "decided_by": a.decided_by.email if a.decided_by else "",
            "parties": [_party(p, partners, teams) for p in parties[a.pk]],
        }
        for a in shown
    ]
    return {
        "totals": {
            "raised": totals["raised"] or 0,
            "by_kind": {k: v for k, v in by_kind.items() if k in ConflictKind.values},
            "by_status": {k: v for k, v in by_status.items() if k in ConflictStatus.values},
            "registrant_prevailed": totals["prevailed_n"] or 0,
            "adjudicated": totals["adjudicated"] or 0,
            "by_decision": {
                k: v for k, v in by_decision.items() if k in AdjudicationDecision.values
            },
            "decided": count,
            "decided_within_sla": within if hours else None,
            "sla_hours": limit,
            "median_hours_to_decide": f"{statistics.median(hours):.1f}" if hours else None,
        },
        "count": count,
        "adjudications": adjudications,
    }


def _party(row: dict[str, Any], partners: dict[int, str], teams: dict[int, str]) -> dict[str, Any]:
    partner = row["registration__route"] == "partner"
    partner_id = row["registration__registrant_partner_id"] if partner else None
    team_id = None if partner else row["registration__registrant_team_id"]
    return {
        "registration_id": row["registration_id"],
        "route": "partner" if partner else "direct",
        "partner_id": partner_id,
        "partner": partners.get(partner_id or 0, ""),
        "team_id": team_id,
        "team": teams.get(team_id or 0, ""),
        "share": row["share"],
        "prevails": row["prevails"],
    }
