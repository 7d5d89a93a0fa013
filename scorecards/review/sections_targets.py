"""The review's target-list section (docs/governance.md, "Target lists"): for every target list,
the accounts to add and to drop, each with its reason and a sentence with the figures behind it.

Add:
- engagement: not on the list, but responded to or was touched in the quarter in a campaign that
  targets the list (at least one response, or ENGAGED_TOUCHES touches);
- fit: not on the list, opened an opportunity in the quarter that is still open, in a segment and
  country where members of the list won in the last four quarters.
Drop (one reason per account, the first that holds, in this order):
- won: a member won an opportunity in the quarter: a customer now;
- lost: a member lost an opportunity in the quarter and has no open pipeline left;
- overlap: a member has an open overlap flag: settle who works it first;
- inactive: a member on the list since before the previous quarter with no touch in the
  previous quarter or this one.

Each reason is one grouped query over the members (or the quarter's campaign activity); Python
walks the grouped rows, never the tenant's accounts."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

from accounts.models import Account, Segment, TargetList, TargetListMember
from pipeline.models import CampaignResponse, Touch
from scorecards.choices import OverlapStatus
from scorecards.models import OpportunityFact, OverlapFlag
from scorecards.review.period import Period, Progress
from scorecards.review.sections_common import between

__all__ = ["ADDS", "DROPS", "ENGAGED_TOUCHES", "build_target_lists"]

ADDS = DROPS = 15  # suggestions shown per list and action, strongest first
ENGAGED_TOUCHES = 3  # touches in the quarter that make an account engaged without a response
FIT_QUARTERS = 4  # won members of the list in the quarter and the three before set its profile
DROP_ORDER = ("won", "lost", "overlap", "inactive")


def _n(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


class _Lists:
    """The lists and their members (one query), indexed both ways."""

    def __init__(self) -> None:
        self.names = dict(TargetList.objects.order_by("name").values_list("pk", "name"))
        self.members: dict[int, set[int]] = defaultdict(set)
        self.lists_of: dict[int, list[int]] = defaultdict(list)
        for list_id, account_id in TargetListMember.objects.values_list(
            "target_list_id", "account_id"
        ).iterator(chunk_size=10_000):
            self.members[list_id].add(account_id)
            self.lists_of[account_id].append(list_id)


def _members() -> Any:
    return TargetListMember.objects.values("account_id")


def _won(period: Period) -> dict[int, tuple[int, Decimal]]:
    rows = (
        OpportunityFact.objects.filter(
            account_id__in=_members(), outcome="won", closed_quarter=period.quarter.start
        )
        .values("account_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {r["account_id"]: (r["n"], r["total"] or Decimal(0)) for r in rows}


def _lost(period: Period) -> dict[int, int]:
    open_pipeline = OpportunityFact.objects.filter(
        account_id=OuterRef("account_id"), outcome="open"
    )
    rows = (
        OpportunityFact.objects.filter(
            account_id__in=_members(), outcome="lost", closed_quarter=period.quarter.start
        )
        .exclude(Exists(open_pipeline))
        .values("account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["account_id"]: r["n"] for r in rows}


def _overlaps() -> dict[int, int]:
    rows = (
        OverlapFlag.objects.filter(account_id__in=_members(), status=OverlapStatus.OPEN)
        .values("account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["account_id"]: r["n"] for r in rows}


def _inactive(period: Period) -> set[tuple[int, int]]:
    """(list, account) of members listed before the previous quarter began, untouched since."""
    since, _ = period.quarter.previous.moments(period.tenant.zone)
    touched = Touch.objects.filter(
        account_id=OuterRef("account_id"), occurred_at__gte=since, occurred_at__lt=period.end
    )
    return set(
        TargetListMember.objects.filter(created_at__lt=since)
        .exclude(Exists(touched))
        .values_list("target_list_id", "account_id")
        .iterator(chunk_size=10_000)
    )


def _engaged(period: Period) -> dict[tuple[int, int], list[int]]:
    """(list, account) → [responses, touches] in the quarter in campaigns targeting the list,
    for accounts not on it."""
    found: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for index, model, field in ((0, CampaignResponse, "occurred_at"), (1, Touch, "occurred_at")):
        listed = TargetListMember.objects.filter(
            target_list_id=OuterRef("campaign__target_list_id"), account_id=OuterRef("account_id")
        )
        rows = (
            model.objects.filter(
                between(field, period),
                campaign__target_list__isnull=False,
                account__isnull=False,
            )
            .exclude(Exists(listed))
            .values("campaign__target_list_id", "account_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("campaign__target_list_id", "account_id", "n")
        )
        for list_id, account_id, n in rows.iterator(chunk_size=10_000):
            found[(list_id, account_id)][index] += n
    return {
        key: counts
        for key, counts in found.items()
        if counts[0] >= 1 or counts[1] >= ENGAGED_TOUCHES
    }


def _profiles(period: Period) -> dict[int, set[tuple[int | None, str]]]:
    """Each list's (segment, country) of members that won in the last FIT_QUARTERS quarters."""
    first = period.quarter.shifted(1 - FIT_QUARTERS).start
    won = OpportunityFact.objects.filter(
        account_id=OuterRef("account_id"),
        outcome="won",
        closed_quarter__gte=first,
        closed_quarter__lte=period.quarter.start,
    )
    found: dict[int, set[tuple[int | None, str]]] = defaultdict(set)
    for list_id, segment, country in (
        TargetListMember.objects.filter(Exists(won))
        .values_list("target_list_id", "account__segment_id", "account__country")
        .distinct()
    ):
        if country:
            found[list_id].add((segment, country))
    return found


def _fits(
    period: Period, profiles: dict[int, set[tuple[int | None, str]]]
) -> dict[tuple, list[tuple]]:
    """Accounts with opportunities opened in the quarter and still open, in the profiles'
    segments and countries, by (segment, country): (account, those opportunities, their
    amount)."""
    pairs = set().union(*profiles.values()) if profiles else set()
    if not pairs:
        return {}
    segments = {s for s, _ in pairs if s is not None}
    countries = {c for _, c in pairs}
    segment_q = Q(account__segment_id__in=segments)
    if any(s is None for s, _ in pairs):
        segment_q |= Q(account__segment__isnull=True)
    rows = (
        OpportunityFact.objects.filter(
            segment_q,
            outcome="open",
            created_quarter=period.quarter.start,
            account__country__in=countries,
        )
        .values("account_id", "account__segment_id", "account__country")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    found: dict[tuple, list[tuple]] = defaultdict(list)
    for row in rows.iterator(chunk_size=10_000):
        key = (row["account__segment_id"], row["account__country"])
        if key in pairs:
            found[key].append((row["account_id"], row["n"], row["total"] or Decimal(0)))
    return found


def _amount(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def build_target_lists(period: Period, progress: Progress) -> dict[str, Any]:
    lists = _Lists()
    if not lists.names:
        return {"totals": {"add": 0, "drop": 0}, "lists": []}
    won, lost, overlaps = _won(period), _lost(period), _overlaps()
    progress.part(1, 4)
    inactive = _inactive(period)
    progress.part(2, 4)
    engaged = _engaged(period)
    profiles = _profiles(period)
    fits = _fits(period, profiles)
    progress.part(3, 4)
    currency = period.tenant.currency
    code = period.quarter.code

    # Drops: one reason per member, the first that holds.
    drops: dict[int, list[tuple[tuple, int, str]]] = defaultdict(list)
    drop_counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DROP_ORDER, 0))
    candidates: Iterable[int] = set(won) | set(lost) | set(overlaps) | {a for _, a in inactive}
    for account_id in candidates:
        for list_id in lists.lists_of.get(account_id, ()):
            rank: tuple[int, Decimal]
            if account_id in won:
                reason, rank = "won", (0, -won[account_id][1])
            elif account_id in lost:
                reason, rank = "lost", (1, Decimal(-lost[account_id]))
            elif account_id in overlaps:
                reason, rank = "overlap", (2, Decimal(-overlaps[account_id]))
            elif (list_id, account_id) in inactive:
                reason, rank = "inactive", (3, Decimal(0))
            else:
                continue
            drops[list_id].append((rank, account_id, reason))
            drop_counts[list_id][reason] += 1
    # Adds: engagement first, then fit (an account once per list).
    adds: dict[int, list[tuple[tuple, int, str]]] = defaultdict(list)
    add_counts: dict[int, dict[str, int]] = defaultdict(lambda: {"engagement": 0, "fit": 0})
    for (list_id, account_id), (responses, touches) in engaged.items():
        if list_id in lists.names:
            adds[list_id].append(
                ((0, -(responses * ENGAGED_TOUCHES + touches)), account_id, "engagement")
            )
            add_counts[list_id]["engagement"] += 1
    fit_of: dict[tuple[int, int], tuple[int, Decimal, tuple]] = {}
    for list_id, pairs in profiles.items():
        members = lists.members.get(list_id, set())
        for pair in pairs:
            for account_id, n, total in fits.get(pair, ()):
                if account_id in members or (list_id, account_id) in engaged:
                    continue
                fit_of[(list_id, account_id)] = (n, total, pair)
                adds[list_id].append(((1, -total), account_id, "fit"))
                add_counts[list_id]["fit"] += 1

    shown_adds = {k: heapq.nsmallest(ADDS, v) for k, v in adds.items()}
    shown_drops = {k: heapq.nsmallest(DROPS, v) for k, v in drops.items()}
    shown_ids = {a for v in (*shown_adds.values(), *shown_drops.values()) for _, a, _ in v}
    names = dict(Account.objects.filter(pk__in=shown_ids).values_list("pk", "name"))
    last_touch = dict(
        Touch.objects.filter(
            account_id__in=[a for v in shown_drops.values() for _, a, r in v if r == "inactive"]
        )
        .values("account_id")
        .annotate(last=Max("occurred_at"))
        .values_list("account_id", "last")
        .order_by()
    )
    segments = dict(Segment.objects.values_list("pk", "name"))

    def why(list_id: int, account_id: int, reason: str) -> str:
        name = names.get(account_id, f"Account {account_id}")
        if reason == "won":
            n, total = won[account_id]
            return f"{name} won {_n(n, 'opportunity', 'opportunities')} worth {_amount(total, currency)} in {code}: it is a customer now."
        if reason == "lost":
            n = lost[account_id]
            deals = _n(n, "opportunity", "opportunities")
            return f"{name} lost {deals} in {code} and has no open pipeline left."
        if reason == "overlap":
            flags = _n(overlaps[account_id], "open overlap flag", "open overlap flags")
            return (
                f"{name} has {flags}: more than one party works it; settle who does before "
                "keeping it on the list."
            )
        if reason == "inactive":
            last = last_touch.get(account_id)
            quarters = f"{period.quarter.previous.code} or {code}"
            if last is None:
                return f"No touch on {name} was ever recorded; none in {quarters}."
            day = last.astimezone(period.tenant.zone).date()
            return f"No touch on {name} since {day.isoformat()}: none in {quarters}."
        if reason == "engagement":
            responses, touches = engaged[(list_id, account_id)]
            return (
                f"{name} is not on the list but in {code} gave "
                f"{_n(responses, 'response', 'responses')} and had "
                f"{_n(touches, 'touch', 'touches')} in campaigns that target it."
            )
        n, total, (segment, country) = fit_of[(list_id, account_id)]
        deals = _n(n, "opportunity", "opportunities")
        return (
            f"{name} opened {deals} in {code}, still open, worth {_amount(total, currency)}, "
            f"and is in "
            f"{segments.get(segment or 0, 'no segment')}, {country}, like members of the list "
            f"won in the last {FIT_QUARTERS} quarters."
        )

    result: list[dict[str, Any]] = []
    for list_id, list_name in lists.names.items():
        suggestions = [
            {
                "action": "add",
                "account_id": a,
                "account": names.get(a, ""),
                "reason": r,
                "why": why(list_id, a, r),
            }
            for _, a, r in shown_adds.get(list_id, [])
        ] + [
            {
                "action": "drop",
                "account_id": a,
                "account": names.get(a, ""),
                "reason": r,
                "why": why(list_id, a, r),
            }
            for _, a, r in shown_drops.get(list_id, [])
        ]
        result.append(
            {
                "id": list_id,
                "name": list_name,
                "members": len(lists.members.get(list_id, ())),
                "counts": {
                    "add": sum(add_counts[list_id].values()),
                    "drop": sum(drop_counts[list_id].values()),
                    "by_reason": {**add_counts[list_id], **drop_counts[list_id]},
                },
                "suggestions": suggestions,
            }
        )
    return {
        "totals": {
            "add": sum(sum(add_counts[k].values()) for k in lists.names),
            "drop": sum(sum(drop_counts[k].values()) for k in lists.names),
        },
        "lists": result,
    }
