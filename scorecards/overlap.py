"""Overlap: an account worked in the same campaign by direct sales and a partner, or by several
partners, flagged (who, when, what) so RevOps settles it in the governance review before it
becomes a conflict.

A party is direct sales (every direct rep and team together: reps of one manufacturer working
the same account is not channel conflict) or one partner; "working" is a touch of the direct or
partner route that names the campaign and the account (marketing's own touches are not a party).
Flags are kept from the touches' change feed by the scorecards' refresh (`refresh`, under the
tenant's one-writer flag) and recomputed whole by `rebuild`. A settled flag stays settled until
a party that was not there when it was settled starts working the account; then it opens again.

A party sees only that someone else also works an account (`others_working`), never who."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import TargetListMember
from campaigns.models import Campaign
from core.acting import action
from core.rows import chunked
from core.sync import safe_horizon
from pipeline.choices import TouchRoute
from pipeline.models import Touch
from scorecards.choices import OverlapKind, OverlapStatus, PartyRoute
from scorecards.models import OverlapFlag, OverlapParty, RefreshCursor
from tenancy.acting import Acting
from tenancy.models import Membership, Tenant

__all__ = ["CURSOR", "accounts_others_work", "others_working", "rebuild", "refresh", "settle"]

CURSOR = "overlap:touch"
CHUNK = 500
PartyKey = tuple[str, int | None]  # (route, partner id or None for direct sales)
Pair = tuple[int, int]  # (campaign id, account id)


@dataclass
class _Party:
    route: str
    partner_id: int | None
    touches: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    team_id: int | None = None
    user_id: int | None = None
    channel: str = ""
    subject: str = ""

    def add(self, touch: Mapping[str, Any]) -> None:
        """Touches arrive oldest first: the last one added is the latest."""
        self.touches += 1
        self.first = self.first or touch["occurred_at"]
        self.last = touch["occurred_at"]
        self.team_id, self.user_id = touch["actor_team_id"], touch["actor_user_id"]
        self.channel, self.subject = touch["channel"], touch["subject"][:300]


@dataclass
class _Pair:
    parties: dict[PartyKey, _Party] = field(default_factory=dict)


WORKING = Q(route=TouchRoute.DIRECT) | Q(route=TouchRoute.PARTNER, actor_partner__isnull=False)


def _party_key(touch: Mapping[str, Any]) -> PartyKey:
    if touch["route"] == TouchRoute.PARTNER:
        return (PartyRoute.PARTNER, touch["actor_partner_id"])
    return (PartyRoute.DIRECT, None)


def _gather(pairs: list[Pair]) -> dict[Pair, _Pair]:
    """Each pair's parties from its touches (one query for a chunk of pairs)."""
    campaigns = {c for c, _ in pairs}
    accounts = {a for _, a in pairs}
    wanted = set(pairs)
    touches = (
        Touch.objects.filter(WORKING, campaign_id__in=campaigns, account_id__in=accounts)
        .order_by("occurred_at", "id")
        .values(
            "campaign_id",
            "account_id",
            "route",
            "actor_partner_id",
            "actor_team_id",
            "actor_user_id",
            "occurred_at",
            "channel",
            "subject",
        )
    )
    found: dict[Pair, _Pair] = defaultdict(_Pair)
    for touch in touches.iterator(chunk_size=2000):
        pair = (touch["campaign_id"], touch["account_id"])
        if pair not in wanted:
            continue
        key = _party_key(touch)
        party = found[pair].parties.setdefault(key, _Party(route=key[0], partner_id=key[1]))
        party.add(touch)
    return found


def _targets(pairs: list[Pair]) -> set[Pair]:
    """The pairs whose account is on its campaign's target list."""
    lists = dict(
        Campaign.objects.filter(
            pk__in={c for c, _ in pairs}, target_list__isnull=False
        ).values_list("pk", "target_list_id")
    )
    if not lists:
        return set()
    members = set(
        TargetListMember.objects.filter(
            target_list_id__in=set(lists.values()), account_id__in={a for _, a in pairs}
        ).values_list("target_list_id", "account_id")
    )
    return {(c, a) for c, a in pairs if (lists.get(c), a) in members}


def _write(tenant: Tenant, pairs: list[Pair]) -> int:
    """Flag, update or unflag each pair as its touches now say; the number of flags open."""
    found = _gather(pairs)
    targets = _targets(pairs)
    existing = {
        (f.campaign_id, f.account_id): f
        for f in OverlapFlag.objects.filter(
            campaign_id__in={c for c, _ in pairs}, account_id__in={a for _, a in pairs}
        ).prefetch_related("parties")
    }
    opened = 0
    with transaction.atomic():
        for pair in pairs:
            parties = found[pair].parties if pair in found else {}
            flag = existing.get(pair)
            if len(parties) < 2:
                if flag is not None and flag.status == OverlapStatus.OPEN:
                    flag.delete()  # a touch moved away: nothing overlaps any more
                continue
            opened += _flag(tenant, pair, parties, flag, pair in targets)
    return opened


def _flag(
    tenant: Tenant,
    pair: Pair,
    parties: dict[PartyKey, _Party],
    flag: OverlapFlag | None,
    on_target_list: bool,
) -> int:
    firsts = sorted(p.first for p in parties.values() if p.first)
    kind = (
        OverlapKind.ROUTES
        if any(route == PartyRoute.DIRECT for route, _ in parties)
        else OverlapKind.PARTNERS
    )
    if flag is None:
        flag = OverlapFlag(tenant=tenant, campaign_id=pair[0], account_id=pair[1])
    elif flag.status == OverlapStatus.SETTLED:
        known = {(p.route, p.partner_id) for p in flag.parties.all()}
        if set(parties) - known:  # someone new works the account: settle it again
            flag.status, flag.settled_at, flag.settled_by, flag.decision = (
                OverlapStatus.OPEN,
                None,
                None,
                "",
            )
    flag.kind = kind
    flag.on_target_list = on_target_list
    flag.first_seen_at = firsts[1]
    flag.last_touch_at = max(p.last for p in parties.values() if p.last)
    flag.save()
    flag.parties.all().delete()
    OverlapParty.objects.bulk_create(_party_row(tenant, flag, p) for p in parties.values())
    return int(flag.status == OverlapStatus.OPEN)


def _party_row(tenant: Tenant, flag: OverlapFlag, party: _Party) -> OverlapParty:
    assert party.first is not None and party.last is not None  # a party has a touch
    return OverlapParty(
        tenant=tenant,
        flag=flag,
        route=party.route,
        partner_id=party.partner_id,
        team_id=party.team_id,
        user_id=party.user_id,
        touches=party.touches,
        first_touch_at=party.first,
        last_touch_at=party.last,
        last_channel=party.channel,
        last_subject=party.subject,
    )


def _campaign_touches() -> Q:
    return Q(campaign__isnull=False, account__isnull=False)


def refresh(tenant: Tenant) -> int:
    """Re-judge the pairs whose touches changed since the cursor; the number of open flags
    written. Idempotent: a rerun re-judges the same pairs from the same touches."""
    horizon = safe_horizon()
    cursor = RefreshCursor.objects.filter(source=CURSOR).first()
    since = cursor.seq if cursor else 0
    feed = Touch.objects.filter(sync_seq__gt=since, sync_seq__lt=horizon)
    top = feed.aggregate(top=Max("sync_seq"))["top"]
    if top is None:
        return 0
    pairs = set(feed.filter(_campaign_touches()).values_list("campaign_id", "account_id"))
    written = sum(_write(tenant, chunk) for chunk in chunked(sorted(pairs), CHUNK))
    RefreshCursor.objects.update_or_create(
        tenant=tenant, source=CURSOR, defaults={"seq": top, "refreshed_at": timezone.now()}
    )
    return written


def rebuild(tenant: Tenant) -> int:
    """Every flag from the touches as they are: open flags no touch supports any more go."""
    horizon = safe_horizon()
    top = Touch.objects.filter(sync_seq__lt=horizon).aggregate(top=Max("sync_seq"))["top"] or 0
    pairs = set(Touch.objects.filter(_campaign_touches()).values_list("campaign_id", "account_id"))
    stale = OverlapFlag.objects.filter(status=OverlapStatus.OPEN).values_list(
        "campaign_id", "account_id"
    )
    pairs |= set(stale)
    written = sum(_write(tenant, chunk) for chunk in chunked(sorted(pairs), CHUNK))
    RefreshCursor.objects.update_or_create(
        tenant=tenant, source=CURSOR, defaults={"seq": top, "refreshed_at": timezone.now()}
    )
    return written


@action
def settle(flag: OverlapFlag, *, acting: Acting, decision: str) -> OverlapFlag:
    """RevOps records how an overlap is settled (who keeps the account, what changes)."""
    if isinstance(acting, Membership) and not acting.is_admin:
        raise PermissionDenied("Only RevOps admins settle overlaps.")
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": "Say how the overlap is settled."})
    if len(decision) > 5000:
        raise ValidationError({"decision": "Use at most 5,000 characters."})
    flag.status = OverlapStatus.SETTLED
    flag.decision = decision
    flag.settled_at = timezone.now()
    flag.settled_by = acting.audit_user
    flag.save(update_fields=["status", "decision", "settled_at", "settled_by", "updated_at"])
    return flag


def others_working(
    membership: Membership, account_ids: Iterable[int], *, campaign_id: int | None = None
) -> dict[int, list[str]]:
    """For the accounts the viewer's party works: the campaigns (only `campaign_id`, if given)
    in which someone else works the same account too (open flags), by account; never who the
    others are."""
    if membership.is_admin:
        return {}
    flags = OverlapFlag.objects.filter(
        _party_of(membership), status=OverlapStatus.OPEN, account_id__in=list(account_ids)
    )
    if campaign_id is not None:
        flags = flags.filter(campaign_id=campaign_id)
    found: dict[int, list[str]] = defaultdict(list)
    for account_id, campaign in flags.values_list("account_id", "campaign__name").distinct():
        found[account_id].append(campaign)
    return dict(found)


def _party_of(membership: Membership) -> Q:
    """Flags in which the viewer's party (its partner, or direct sales) is one of the parties."""
    if membership.is_partner_user:
        return Q(parties__route=PartyRoute.PARTNER, parties__partner_id=membership.partner_id)
    return Q(parties__route=PartyRoute.DIRECT)


def accounts_others_work(membership: Membership) -> int:
    """How many accounts the viewer's party works in a campaign someone else works them in too
    (open flags): one COUNT, for the home page; never who. RevOps admins: 0 (they settle them
    on the overlap page)."""
    if membership.is_admin:
        return 0
    flags = OverlapFlag.objects.filter(_party_of(membership), status=OverlapStatus.OPEN)
    return flags.values("account_id").distinct().count()
