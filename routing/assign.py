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
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count

from core.tenancy import current_tenant
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.models import Assignee, RoundRobinPool
from tenancy.choices import PartnerStatus, PartnerTier, Role
from tenancy.models import Membership, Partner

__all__ = ["OPEN_STATUSES", "Candidate", "direct_candidates", "partner_candidates", "pick"]

OPEN_STATUSES = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)
# Without an explicit weight, better partner tiers get proportionally more leads.
TIER_WEIGHT = {
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


def _settings(field: str, ids: Iterable[int]) -> dict[int, Assignee]:
    return {getattr(a, f"{field}_id"): a for a in Assignee.objects.filter(**{f"{field}__in": ids})}


def _available(setting: Assignee | None, load: int, today: dt.date) -> bool:
    if setting is None:
        return True
    if not setting.accepts_leads or setting.is_away(today):
        return False
    return setting.capacity is None or load < setting.capacity


def direct_candidates(
    team_id: int, today: dt.date, *, exclude: Iterable[int] = ()
) -> list[Candidate]:
    """Available reps of a team (its managers when it has no reps), by user id."""
    members = list(
        Membership.objects.filter(team_id=team_id, is_active=True, user__is_active=True)
        .exclude(user_id__in=list(exclude))
        .values_list("id", "user_id", "role")
    )
    reps = [m for m in members if m[2] == Role.DIRECT_REP] or members
    settings = _settings("membership", [m[0] for m in reps])
    load = _open_load("assigned_user", [m[1] for m in reps])
    return [
        Candidate(f"user:{user_id}", user_id, settings[mid].weight if mid in settings else 1)
        for mid, user_id, _ in reps
        if _available(settings.get(mid), load[user_id], today)
    ]


def partner_candidates(
    partner_ids: Iterable[int], today: dt.date, *, exclude: Iterable[int] = ()
) -> list[Candidate]:
    """Eligible, active and available partners, in the given (ranked) order."""
    ranked = [p for p in partner_ids if p not in set(exclude)]
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=ranked, status=PartnerStatus.ACTIVE)}
    settings = _settings("partner", ranked)
    load = _open_load("assigned_partner", ranked)
    out = []
    for pid in ranked:
        partner = partners.get(pid)
        if partner is None or not _available(settings.get(pid), load[pid], today):
            continue
        weight = settings[pid].weight if pid in settings else TIER_WEIGHT.get(partner.tier, 1)
        out.append(Candidate(f"partner:{pid}", pid, weight))
    return out


def _open_load(field: str, ids: list[int]) -> Counter:
    rows = (
        Lead.objects.filter(**{f"{field}__in": ids}, status__in=OPEN_STATUSES)
        .values(field)
        .annotate(n=Count("id"))
    )
    return Counter({row[field]: row["n"] for row in rows})


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


@transaction.atomic
def pick(pool_key: str, candidates: list[Candidate]) -> Candidate | None:
    """The next candidate of the pool, advancing its pointer (call inside the lead's transaction)."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    pool = _locked_pool(pool_key)
    chosen, pool.state = smooth_pick(pool.state or {}, candidates)
    pool.save(update_fields=["state", "updated_at"])
    return chosen
