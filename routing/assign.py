"""Who within the target gets the lead: the account's owner first, otherwise a weighted round robin
over the available members of the team, or over the eligible partners.

The round robin is "smooth weighted" (as in nginx): every pick adds each member's weight to its
credit, the member with the most credit wins and pays back the total. Over any window the shares
follow the weights and a member is never picked twice in a row while another has equal weight.
The credits live in a `RoundRobinPool` row that is locked while picking, so the order survives
restarts and two workers cannot race into giving one member two leads in a row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count

from core.tenancy import current_tenant
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.models import Assignee, RoundRobinPool
from tenancy.choices import PartnerStatus, PartnerTier, Role
from tenancy.models import Membership, Partner

__all__ = [
    "OPEN_STATUSES",
    "Assigner",
    "Candidate",
    "direct_candidates",
    "owner_candidates",
    "partner_candidates",
    "smooth_pick",
]

OPEN_STATUSES = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)
# Without an explicit weight, better partner tiers get proportionally more leads.
TIER_WEIGHT: dict[str, int] = {
    PartnerTier.PLATINUM: 4,
    PartnerTier.GOLD: 3,
    PartnerTier.SILVER: 2,
    PartnerTier.REGISTERED: 1,
}


@dataclass(frozen=True)
class Candidate:
    key: str  # "user:<id>" or "partner:<id>"
    id: int
    weight: int
    capacity: int | None = None  # most open leads at once


def _settings(field: str, ids: Iterable[int]) -> dict[int, Assignee]:
    return {getattr(a, f"{field}_id"): a for a in Assignee.objects.filter(**{f"{field}__in": ids})}


def _present(setting: Assignee | None, today: dt.date) -> bool:
    return setting is None or (setting.accepts_leads and not setting.is_away(today))


def direct_candidates(team_id: int, today: dt.date) -> tuple[list[Candidate], Counter]:
    """Reps of a team who take leads today (its managers when it has no reps), by user id, and
    their open leads."""
    members = list(
        Membership.objects.filter(
            team_id=team_id, is_active=True, user__is_active=True
        ).values_list("id", "user_id", "role")
    )
    reps = [m for m in members if m[2] == Role.DIRECT_REP] or members
    settings = _settings("membership", [m[0] for m in reps])
    candidates = [
        Candidate(
            f"user:{user_id}",
            user_id,
            settings[mid].weight if mid in settings else 1,
            settings[mid].capacity if mid in settings else None,
        )
        for mid, user_id, _ in reps
        if _present(settings.get(mid), today)
    ]
    return candidates, _open_load("assigned_user", candidates)


def owner_candidates(user_id: int, today: dt.date) -> tuple[list[Candidate], Counter]:
    """An account's owner, when they take leads today (active, not away), and their open leads."""
    seats = list(
        Membership.objects.filter(user_id=user_id, is_active=True, user__is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    setting = next(iter(_settings("membership", seats[:1]).values()), None)
    if not seats or not _present(setting, today):
        return [], Counter()
    weight, capacity = (setting.weight, setting.capacity) if setting else (1, None)
    owner = [Candidate(f"user:{user_id}", user_id, weight, capacity)]
    return owner, _open_load("assigned_user", owner)


def partner_candidates(
    partner_ids: Iterable[int], today: dt.date
) -> tuple[list[Candidate], Counter]:
    """Eligible, active partners that take leads today, in the given (ranked) order, and their
    open leads."""
    ranked = list(dict.fromkeys(partner_ids))
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=ranked, status=PartnerStatus.ACTIVE)}
    settings = _settings("partner", ranked)
    out = []
    for pid in ranked:
        partner = partners.get(pid)
        if partner is None or not _present(settings.get(pid), today):
            continue
        setting = settings.get(pid)
        weight = setting.weight if setting else TIER_WEIGHT.get(partner.tier, 1)
        out.append(Candidate(f"partner:{pid}", pid, weight, setting.capacity if setting else None))
    return out, _open_load("assigned_partner", out)


def _open_load(field: str, candidates: list[Candidate]) -> Counter:
    """Open leads of the candidates with a capacity cap, by candidate key (only caps need them,
    and counting a big partner's open leads is the dearest query of an assignment)."""
    capped = {c.id: c.key for c in candidates if c.capacity is not None}
    if not capped:
        return Counter()
    rows = (
        Lead.objects.filter(**{f"{field}__in": list(capped)}, status__in=OPEN_STATUSES)
        .values(field)
        .annotate(n=Count("id"))
    )
    return Counter({capped[row[field]]: row["n"] for row in rows})


class Assigner:
    """Assignment for one transaction (a batch of leads, or one lead): candidates and their load
    are read once per team or partner set, pools are locked on first use and saved once, and the
    load counts the leads this batch has already handed out, so capacity caps hold within it."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._candidates: dict[tuple, list[Candidate]] = {}
        self._load: Counter = Counter()
        self._pools: dict[str, RoundRobinPool] = {}

    def _cached(self, key: tuple, load) -> list[Candidate]:
        if key not in self._candidates:
            candidates, counts = load()
            self._candidates[key] = candidates
            for name, count in counts.items():
                self._load.setdefault(name, count)
        return self._candidates[key]

    def _available(self, candidates: list[Candidate], exclude: AbstractSet[int]) -> list[Candidate]:
        return [
            c
            for c in candidates
            if c.id not in exclude and (c.capacity is None or self._load[c.key] < c.capacity)
        ]

    def direct(self, team_id: int, exclude: AbstractSet[int] = frozenset()) -> Candidate | None:
        candidates = self._cached(("team", team_id), lambda: direct_candidates(team_id, self.today))
        return self._pick(f"team:{team_id}", self._available(candidates, exclude))

    def partner(
        self, ranked: list[int], exclude: AbstractSet[int] = frozenset()
    ) -> Candidate | None:
        key = tuple(ranked)
        candidates = self._cached(("partners", key), lambda: partner_candidates(ranked, self.today))
        available = self._available(candidates, exclude)
        pool = "partners:" + ",".join(str(c.id) for c in sorted(available, key=lambda c: c.id))
        return self._pick(pool, available)

    def available_partner(self, partner_id: int, ranked: list[int], exclude: set[int]) -> bool:
        """Whether this partner (the account's own) may take one more lead today."""
        candidates = self._cached(
            ("partners", tuple(ranked)), lambda: partner_candidates(ranked, self.today)
        )
        return any(c.id == partner_id for c in self._available(candidates, exclude))

    def available_owner(self, user_id: int) -> bool:
        """Whether this rep (an account's owner) may take one more lead today."""
        owner = self._cached(("owner", user_id), lambda: owner_candidates(user_id, self.today))
        return bool(self._available(owner, set()))

    def take(self, key: str) -> None:
        """Count a lead given to `key` outside the round robin (the account's owner)."""
        self._load[key] += 1

    def _pick(self, pool_key: str, candidates: list[Candidate]) -> Candidate | None:
        if not candidates:
            return None
        if len(candidates) == 1:
            chosen = candidates[0]
        else:
            pool = self._pools.get(pool_key) or self._pools.setdefault(
                pool_key, _locked_pool(pool_key)
            )
            chosen, pool.state = smooth_pick(pool.state or {}, candidates)
        self._load[chosen.key] += 1
        return chosen

    def save(self) -> None:
        """Store the pools' credits (in the caller's transaction, which holds their locks)."""
        for pool in self._pools.values():
            pool.save(update_fields=["state", "updated_at"])


def _locked_pool(key: str) -> RoundRobinPool:
    try:
        with transaction.atomic():
            RoundRobinPool.objects.get_or_create(key=key, defaults={"tenant": current_tenant()})
    except IntegrityError:  # created by a concurrent worker: fine, it exists now
        pass
    return RoundRobinPool.objects.select_for_update().get(key=key)


def smooth_pick(credits: dict[str, int], candidates: list[Candidate]) -> tuple[Candidate, dict]:
    """One step of smooth weighted round robin; returns the pick and the new credits."""
    credits = {c.key: credits.get(c.key, 0) + c.weight for c in candidates}
    # Ties go to the earlier candidate: the better-ranked partner, or the team's order.
    best = max(candidates, key=lambda c: (credits[c.key], -candidates.index(c)))
    credits[best.key] -= sum(c.weight for c in candidates)
    return best, credits
