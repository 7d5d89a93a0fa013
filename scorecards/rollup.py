"""Keeping the scorecards' rollup tables (scorecards.models) true to the raw tables.

`build_facts(tenant, ids)` computes the facts of some opportunities from scratch: their quarters
and amount in the tenant's currency, who sourced them (docs/metrics.md, "Sourced pipeline"),
the touches that influenced them (within the lookback before creation, or while open), every
attribution model's credits, their stage durations and product lines. Their old rows are
replaced in one transaction.

`refresh(tenant)` reads the change feeds (core.sync) of opportunities, touches and deal
registrations since the last refresh, works out which opportunities the changes affect (a touch
on an account affects the account's opportunities whose window holds it) and builds those.
`rebuild(tenant)` builds every opportunity (after a change of definition or settings). A
deleted touch leaves only a tombstone, not the opportunity it influenced: the nightly rebuild
takes it out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Account
from core import generations
from core.rows import delete_rows, insert_rows, new_row
from core.sync import safe_horizon
from dealreg.choices import RegState
from dealreg.models import DealRegistration
from guardrails.engine import TerritoryMatcher
from pipeline.models import Lead, Opportunity, OpportunityLine, StageChange, Touch
from routing.calendar import WorkingTime, business_minutes_between
from scorecards import attribution, cells
from scorecards.choices import INFLUENCE_MODEL, MODEL_KEYS, PartyRoute, SourcedBy
from scorecards.models import (
    Credit,
    ExchangeRate,
    FactProductLine,
    LeadFact,
    OpportunityFact,
    RefreshCursor,
    ScorecardSettings,
    StageDuration,
)
from tenancy.models import Membership, Tenant
from tenancy.quarters import fiscal_quarter

__all__ = [
    "CHUNK",
    "Rates",
    "build_facts",
    "build_lead_facts",
    "converter",
    "generation",
    "last_refreshed",
    "rebuild",
    "refresh",
    "remembered",
    "settings_of",
]

CHUNK = 2000
REMEMBERED_SECONDS = 3600
T = TypeVar("T")
# Registrations that say who found the deal: approved, and what approval leads to.
CLAIMING_STATES = (RegState.APPROVED, RegState.WON, RegState.LOST)
FEEDS: dict[str, Any] = {
    "opportunity": Opportunity,
    "touch": Touch,
    "registration": DealRegistration,
    "lead": Lead,
}

# A party that touched or sourced an opportunity: (route, partner id, team id, user id).
Party = tuple[str, int | None, int | None, int | None]
MARKETING: Party = (PartyRoute.MARKETING, None, None, None)


def settings_of(tenant: Tenant) -> ScorecardSettings:
    found = ScorecardSettings.objects.filter(tenant=tenant).first()
    return found or ScorecardSettings(tenant=tenant)


@dataclass(frozen=True)
class Rates:
    """The tenant's exchange rates: amounts in its currency as the facts convert them."""

    currency: str
    history: dict[str, list[tuple[dt.date, Decimal]]]

    @classmethod
    def load(cls, tenant: Tenant) -> Rates:
        history: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for currency, day, rate in ExchangeRate.objects.order_by("valid_from").values_list(
            "currency", "valid_from", "rate"
        ):
            history[currency].append((day, rate))
        return cls(tenant.currency, dict(history))

    def convert(self, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        """`amount` in the tenant's currency at the rate in force on `day` (the earliest rate
        when `day` is before every rate); None when the currency has no rate at all."""
        if currency == self.currency:
            return amount
        history = self.history.get(currency)
        if not history:
            return None
        rate = history[0][1]
        for valid_from, value in history:
            if valid_from > day:
                break
            rate = value
        return (amount * rate).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class _Context:
    """What building facts needs besides the opportunities: loaded once per run."""

    tenant: Tenant
    lookback: dt.timedelta
    half_life: float
    rates: Rates
    teams_of_users: dict[int, int]
    territories: TerritoryMatcher
    now: dt.datetime

    @classmethod
    def load(cls, tenant: Tenant) -> _Context:
        settings = settings_of(tenant)
        teams = dict(
            Membership.objects.filter(team__isnull=False).values_list("user_id", "team_id")
        )
        return cls(
            tenant=tenant,
            lookback=dt.timedelta(days=settings.lookback_days),
            half_life=float(settings.half_life_days),
            rates=Rates.load(tenant),
            teams_of_users=teams,
            territories=TerritoryMatcher.for_tenant(),
            now=timezone.now(),
        )

    def convert(self, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        return self.rates.convert(amount, currency, day)

    def quarter(self, day: dt.date) -> dt.date:
        return fiscal_quarter(self.tenant, day)[0]

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tenant.zone)


def _touch_party(ctx: _Context, route: str, partner: int | None, team, user) -> Party:
    if route == PartyRoute.PARTNER:
        return (PartyRoute.PARTNER, partner, None, None)
    if route == PartyRoute.DIRECT:
        return (PartyRoute.DIRECT, None, team or ctx.teams_of_users.get(user), user)
    return MARKETING


# --- building facts ------------------------------------------------------------------------------

OPPORTUNITY_FIELDS = (
    "id",
    "account_id",
    "opened_on",
    "closed_on",
    "stage_id",
    "stage__outcome",
    "amount",
    "currency",
    "route",
    "partner_id",
    "owner_team_id",
    "owner_user_id",
    "source",
    "campaign_id",
    "offer_id",
)


def build_facts(
    tenant: Tenant,
    opportunity_ids: Iterable[int],
    ctx: _Context | None = None,
    *,
    keep_cells: bool = True,
) -> int:
    """Replace the facts of these opportunities (those that no longer exist lose theirs), and
    with `keep_cells` their sums in the cells (scorecards.cells). Returns how many facts were
    written."""
    ctx = ctx or _Context.load(tenant)
    written = 0
    ids = sorted(set(opportunity_ids))
    for start in range(0, len(ids), CHUNK):
        written += _build_chunk(ctx, ids[start : start + CHUNK], keep_cells)
    return written


def _build_chunk(ctx: _Context, ids: list[int], keep_cells: bool) -> int:
    rows = list(Opportunity.objects.filter(pk__in=ids).values_list(*OPPORTUNITY_FIELDS))
    accounts = {
        pk: (country, region, postal, segment)
        for pk, country, region, postal, segment in Account.objects.filter(
            pk__in={r[1] for r in rows}
        ).values_list("id", "country", "region", "postal_code", "segment_id")
    }
    registrations = _claiming_registrations(ids)
    touches = _touches_of(ctx, rows)
    stages = _stage_history(ids)
    lines = _product_lines(ids)
    facts, credits, durations, fact_lines = [], [], [], []
    for row in rows:
        fact = _fact(ctx, row, accounts[row[1]], registrations.get(row[0]), touches[row[0]])
        facts.append(fact)
        credits.append(_credits(ctx, fact, touches[row[0]]))
        durations.append(_durations(ctx, fact, stages.get(row[0], [])))
        fact_lines.append(
            [
                new_row(FactProductLine, tenant_id=ctx.tenant.pk, product_line_id=line)
                for line in lines[row[0]]
            ]
        )
    with transaction.atomic():
        if keep_cells:
            cells.apply(ctx.tenant, ids, sign=-1)
        _delete_facts(ids)
        insert_rows(OpportunityFact, facts)
        for fact, own_credits, own_durations, own_lines in zip(
            facts, credits, durations, fact_lines, strict=True
        ):
            for credit in own_credits:
                credit.fact_id = fact.pk
            for duration in own_durations:
                duration.fact_id = fact.pk
            for line in own_lines:
                line.fact_id = fact.pk
        insert_rows(Credit, list(itertools.chain.from_iterable(credits)))
        insert_rows(StageDuration, list(itertools.chain.from_iterable(durations)))
        insert_rows(FactProductLine, list(itertools.chain.from_iterable(fact_lines)))
        if keep_cells:
            cells.apply(ctx.tenant, ids, sign=1)
        _changed(ctx.tenant)
    return len(facts)


def _delete_facts(ids: list[int]) -> None:
    """The facts of these opportunities and the rows hanging off them, without loading them."""
    facts = OpportunityFact.objects.filter(opportunity_id__in=ids)
    for model in (Credit, StageDuration, FactProductLine):
        delete_rows(model.objects.filter(fact__in=facts.values("pk")))
    delete_rows(facts)


def _claiming_registrations(ids: list[int]) -> dict[int, Party]:
    """The party of each opportunity's first approved registration."""
    found: dict[int, Party] = {}
    rows = (
        DealRegistration.objects.filter(opportunity_id__in=ids, state__in=CLAIMING_STATES)
        .order_by("submitted_at", "id")
        .values_list(
            "opportunity_id",
            "route",
            "registrant_partner_id",
            "registrant_team_id",
            "registrant_user_id",
        )
    )
    for opportunity, route, partner, team, user in rows:
        if route == PartyRoute.PARTNER:
            found.setdefault(opportunity, (PartyRoute.PARTNER, partner, None, None))
        else:
            found.setdefault(opportunity, (PartyRoute.DIRECT, None, team, user))
    return found


@dataclass(frozen=True)
class _Touch:
    at: dt.datetime
    party: Party
    pk: int
    campaign: int | None = None


def _window(ctx: _Context, opened_on: dt.date, closed_on: dt.date | None) -> tuple:
    """From `lookback` before the opportunity was opened to the end of the day it closed (or
    now): the touches inside it influenced the opportunity."""
    end = ctx.moment(closed_on + dt.timedelta(days=1)) if closed_on else ctx.now
    return ctx.moment(opened_on) - ctx.lookback, end


def _touches_of(ctx: _Context, rows: list[tuple]) -> dict[int, list[_Touch]]:
    """Each opportunity's influencing touches in time order: those logged on it, and those on
    its account (not on another opportunity) inside its window."""
    by_opportunity: dict[int, list[_Touch]] = defaultdict(list)
    windows = {row[0]: _window(ctx, row[2], row[3]) for row in rows}
    by_account: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_account[row[1]].append(row[0])
    earliest = min((w[0] for w in windows.values()), default=ctx.now)
    fields = (
        "id",
        "opportunity_id",
        "account_id",
        "occurred_at",
        "route",
        "actor_partner_id",
        "actor_team_id",
        "actor_user_id",
        "campaign_id",
    )
    found = Touch.objects.filter(
        Q(opportunity_id__in=list(windows))
        | Q(opportunity__isnull=True, account_id__in=list(by_account), occurred_at__gte=earliest)
    ).values_list(*fields)
    for pk, opportunity, account, at, route, partner, team, user, campaign in found.iterator(
        chunk_size=5000
    ):
        touch = _Touch(at, _touch_party(ctx, route, partner, team, user), pk, campaign)
        targets = [opportunity] if opportunity else by_account.get(account, [])
        for target in targets:
            low, high = windows[target]
            if low <= at < high:
                by_opportunity[target].append(touch)
    for touches in by_opportunity.values():
        touches.sort(key=lambda t: (t.at, t.pk))
    return by_opportunity


def _stage_history(ids: list[int]) -> dict[int, list[tuple[int, dt.datetime]]]:
    history: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    for opportunity, stage, at in (
        StageChange.objects.filter(opportunity_id__in=ids)
        .order_by("opportunity_id", "changed_at", "id")
        .values_list("opportunity_id", "to_stage_id", "changed_at")
    ):
        history[opportunity].append((stage, at))
    return history


def _product_lines(ids: list[int]) -> dict[int, set[int]]:
    lines: dict[int, set[int]] = defaultdict(set)
    for opportunity, line in OpportunityLine.objects.filter(opportunity_id__in=ids).values_list(
        "opportunity_id", "product__product_line_id"
    ):
        if line:
            lines[opportunity].add(line)
    return lines


def _source(
    ctx: _Context, row: tuple, registration: Party | None, touches: list[_Touch]
) -> tuple[Party, str]:
    """Who sourced the opportunity, and on what basis (docs/metrics.md, "Sourced pipeline")."""
    _, _, opened_on, _, _, _, _, _, _, partner, team, user, source = row[:13]
    if registration is not None:
        return registration, SourcedBy.REGISTRATION
    if source == "partner" and partner:
        return (PartyRoute.PARTNER, partner, None, None), SourcedBy.OPPORTUNITY
    if source == "direct":
        return (PartyRoute.DIRECT, None, team or ctx.teams_of_users.get(user), user), (
            SourcedBy.OPPORTUNITY
        )
    if source == "marketing":
        return MARKETING, SourcedBy.OPPORTUNITY
    opened = ctx.moment(opened_on + dt.timedelta(days=1))
    before = [t for t in touches if t.at < opened]
    if before:
        return before[0].party, SourcedBy.TOUCH
    return (PartyRoute.UNKNOWN, None, None, None), SourcedBy.UNKNOWN


def _fact(
    ctx: _Context,
    row: tuple,
    account: tuple,
    registration: Party | None,
    touches: list[_Touch],
) -> OpportunityFact:
    pk, account_id, opened_on, closed_on, stage, outcome, amount, currency = row[:8]
    route, partner, team, user = row[8:12]
    campaign, offer = row[13:15]
    country, region, postal, segment = account
    (s_route, s_partner, s_team, s_user), basis = _source(ctx, row, registration, touches)
    routes = {t.party[0] for t in touches}
    closed = closed_on if outcome != "open" else None
    return new_row(
        OpportunityFact,
        tenant_id=ctx.tenant.pk,
        opportunity_id=pk,
        account_id=account_id,
        opened_on=opened_on,
        closed_on=closed,
        created_quarter=ctx.quarter(opened_on),
        closed_quarter=ctx.quarter(closed) if closed else None,
        outcome=outcome,
        stage_id=stage,
        amount=ctx.convert(amount, currency, opened_on),
        currency=currency,
        route=route,
        partner_id=partner,
        owner_team_id=team,
        owner_user_id=user,
        sourced_route=s_route,
        sourced_by=basis,
        sourced_partner_id=s_partner,
        sourced_team_id=s_team,
        sourced_user_id=s_user,
        territory=ctx.territories.primary(country, region, postal),
        segment_id=segment,
        cycle_days=(closed - opened_on).days if closed else None,
        touched_direct=PartyRoute.DIRECT in routes,
        touched_partner=PartyRoute.PARTNER in routes,
        touched_marketing=PartyRoute.MARKETING in routes,
        campaign_id=campaign,
        offer_id=offer,
        campaign_touched=any(t.campaign is not None for t in touches),
        refreshed_at=ctx.now,
    )


def _credits(ctx: _Context, fact: OpportunityFact, touches: list[_Touch]) -> list[Credit]:
    """Every model's credits, a row for each party that touched (0.00 where the model gives it
    nothing: it touched, and earned nothing under that model); with no touch, the sourcing
    party (if known) earns it all. The collaboration model also counts the sourcing party."""
    if fact.amount is None:
        return []
    counts: dict[Party, int] = defaultdict(int)
    for touch in touches:
        counts[touch.party] += 1
    points = [attribution.TouchPoint(t.at, t.party, t.party[0]) for t in touches]
    source: Party = (
        fact.sourced_route,
        fact.sourced_partner_id,
        fact.sourced_team_id,
        fact.sourced_user_id,
    )
    if not points:
        if source[0] == PartyRoute.UNKNOWN:
            return []
        shares: dict[str, Mapping[Any, Decimal]] = {
            model: {source: fact.amount} for model in MODEL_KEYS
        }
    else:
        deal = attribution.Deal(
            amount=fact.amount,
            created_at=ctx.moment(fact.opened_on),
            closed_at=ctx.moment(fact.closed_on) if fact.closed_on else None,
        )
        shares = {
            model: attribution.credit(model, deal, points, half_life_days=ctx.half_life)
            for model in MODEL_KEYS
        }
        if source[0] != PartyRoute.UNKNOWN and source not in counts:
            # Collaboration (influence) counts the party that sourced it among those who
            # worked it, touches or not: sourced pipeline is always influenced pipeline too.
            sourcing = attribution.TouchPoint(deal.created_at, source, source[0])
            shares[INFLUENCE_MODEL] = attribution.credit(
                INFLUENCE_MODEL, deal, [*points, sourcing], half_life_days=ctx.half_life
            )
    return [
        new_row(
            Credit,
            tenant_id=ctx.tenant.pk,
            model=model,
            route=party[0],
            partner_id=party[1],
            team_id=party[2],
            user_id=party[3],
            amount=amount,
            touches=counts.get(party, 0),
            created_quarter=fact.created_quarter,
        )
        for model, by_party in shares.items()
        for party, amount in by_party.items()
    ]


def _durations(
    ctx: _Context, fact: OpportunityFact, history: list[tuple[int, dt.datetime]]
) -> list[StageDuration]:
    """Days in each stage the opportunity entered and left."""
    durations = []
    for (stage, entered), (_, left) in itertools.pairwise(history):
        days = Decimal((left - entered).total_seconds() / 86400).quantize(Decimal("0.01"))
        durations.append(
            new_row(
                StageDuration,
                tenant_id=ctx.tenant.pk,
                stage_id=stage,
                days=max(days, Decimal(0)),
                left_quarter=ctx.quarter(left.astimezone(ctx.tenant.zone).date()),
            )
        )
    return durations


# --- leads ------------------------------------------------------------------------------------------

LEAD_FIELDS = (
    "id",
    "assigned_at",
    "created_at",
    "first_touch_at",
    "route",
    "assigned_partner_id",
    "assigned_team_id",
    "assigned_user_id",
    "territory",
    "sla_met",
)


def build_lead_facts(tenant: Tenant, lead_ids: Iterable[int], ctx: _Context | None = None) -> int:
    """Replace the lead facts of these leads: those assigned to somebody (the others lose
    theirs). Speed is counted in the tenant's business hours (routing.calendar)."""
    ctx = ctx or _Context.load(tenant)
    hours = WorkingTime.of(tenant)
    ids = sorted(set(lead_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = Lead.objects.filter(pk__in=chunk, assigned_at__isnull=False).values_list(
            *LEAD_FIELDS
        )
        facts = [_lead_fact(ctx, hours, row) for row in rows]
        with transaction.atomic():
            delete_rows(LeadFact.objects.filter(lead_id__in=chunk))
            insert_rows(LeadFact, facts)
            _changed(ctx.tenant)
        written += len(facts)
    return written


def _lead_fact(ctx: _Context, hours: WorkingTime, row: tuple) -> LeadFact:
    pk, assigned, created, first_touch, route, partner, team, user, territory, sla_met = row
    speed = None
    if first_touch is not None:
        minutes = business_minutes_between(hours, created, first_touch)
        speed = Decimal(minutes / 60).quantize(Decimal("0.01"))
    return new_row(
        LeadFact,
        tenant_id=ctx.tenant.pk,
        lead_id=pk,
        assigned_quarter=ctx.quarter(assigned.astimezone(ctx.tenant.zone).date()),
        route=route or "",
        partner_id=partner,
        team_id=team or (ctx.teams_of_users.get(user) if user else None),
        user_id=user,
        territory=territory,
        speed_hours=speed,
        sla_met=sla_met,
    )


# --- keeping them current --------------------------------------------------------------------------


def _changed_since(ctx: _Context, horizon: int) -> tuple[set[int], set[int], dict[str, int]]:
    """Opportunities and leads whose facts the changes since the cursors affect, and the new
    cursors."""
    cursors = dict(RefreshCursor.objects.values_list("source", "seq"))
    affected: set[int] = set()
    leads: set[int] = set()
    moved: dict[str, int] = {}
    for source, model in FEEDS.items():
        since = cursors.get(source, 0)
        changed = model.objects.filter(sync_seq__gt=since, sync_seq__lt=horizon)
        top = changed.aggregate(top=Max("sync_seq"))["top"]
        if top is None:
            continue
        moved[source] = top
        if source == "opportunity":
            affected.update(changed.values_list("id", flat=True))
        elif source == "lead":
            leads.update(changed.values_list("id", flat=True))
        elif source == "registration":
            affected.update(
                changed.filter(opportunity__isnull=False).values_list("opportunity_id", flat=True)
            )
        else:
            affected.update(_touched(ctx, changed))
    return affected, leads, moved


def _touched(ctx: _Context, touches) -> Iterator[int]:
    """Opportunities whose window may hold one of these touches: the one a touch names, else
    its account's opportunities still open, or closed after the touch, or opened within the
    lookback after it (one query for all the accounts)."""
    on_accounts: dict[int, dt.datetime] = {}
    for opportunity, account, at in touches.values_list(
        "opportunity_id", "account_id", "occurred_at"
    ):
        if opportunity:
            yield opportunity
        elif account:
            on_accounts[account] = min(at, on_accounts.get(account, at))
    accounts = list(on_accounts)
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start : start + CHUNK]
        rows = Opportunity.objects.filter(account_id__in=chunk).values_list(
            "id", "account_id", "closed_on"
        )
        for pk, account, closed_on in rows.iterator(chunk_size=5000):
            first = on_accounts[account].astimezone(ctx.tenant.zone).date()
            if closed_on is None or closed_on >= first - dt.timedelta(days=1):
                yield pk


def refresh(tenant: Tenant) -> int:
    """Bring the tenant's rollups up to date with its change feeds; the facts rebuilt."""
    ctx = _Context.load(tenant)
    horizon = safe_horizon()
    affected, leads, moved = _changed_since(ctx, horizon)
    written = build_facts(tenant, affected, ctx) + build_lead_facts(tenant, leads, ctx)
    for source in FEEDS:
        RefreshCursor.objects.update_or_create(
            tenant=tenant,
            source=source,
            defaults={
                "refreshed_at": ctx.now,
                **({"seq": moved[source]} if source in moved else {}),
            },
        )
    return written


def rebuild(tenant: Tenant) -> int:
    """Every fact of the tenant from scratch; the cursors start from now. Chunk by chunk, each
    chunk's old rows replaced in its own transaction (the facts of deleted opportunities and
    leads went with them); then the cells, in one transaction, so the pages show the old
    figures until the new ones are whole (and a changed definition of a cell's sum takes)."""
    ctx = _Context.load(tenant)
    horizon = safe_horizon()
    tops = {
        source: model.objects.filter(sync_seq__lt=horizon).aggregate(top=Max("sync_seq"))["top"]
        or 0
        for source, model in FEEDS.items()
    }
    ids = Opportunity.objects.values_list("id", flat=True)
    try:
        written = build_facts(tenant, ids, ctx, keep_cells=False)
    finally:
        # Also when a chunk failed: the cells must sum the facts as they now are, or the next
        # refresh's deltas would start from sums of facts that are gone.
        with transaction.atomic():
            cells.rebuild(tenant)
            _changed(tenant)
    # Every lead: one no longer assigned loses its fact in its chunk.
    written += build_lead_facts(tenant, Lead.objects.values_list("id", flat=True), ctx)
    for source, top in tops.items():
        RefreshCursor.objects.update_or_create(
            tenant=tenant, source=source, defaults={"seq": top, "refreshed_at": ctx.now}
        )
    return written


def generation(tenant: Tenant) -> str:
    """A token that changes whenever the tenant's rollups do (after the writing transaction
    commits): what is computed from them can be kept under it (`remembered`)."""
    return generations.generation("scorecards", tenant.pk)


def remembered(tenant: Tenant, name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, kept until the rollups change: for the figures that cannot be summed from
    the cells (medians, the funnel's current stages) and would otherwise read a quarter's
    facts on every page view."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    key = f"scorecards:{tenant.pk}:{generation(tenant)}:{name}:{digest}"
    return cast(T, cache.get_or_set(key, compute, REMEMBERED_SECONDS))


def _changed(tenant: Tenant) -> None:
    """The rollups changed: what was remembered from them is stale (core.generations)."""
    generations.changed("scorecards", tenant.pk)


def converter(tenant: Tenant) -> Callable[[Decimal, str, dt.date], Decimal | None]:
    """`convert(amount, currency, day)` with the tenant's rates, as the facts convert."""
    return Rates.load(tenant).convert


def last_refreshed(tenant: Tenant) -> dt.datetime | None:
    """When the rollups were last brought up to date (the oldest of the feeds' refreshes)."""
    times = list(RefreshCursor.objects.values_list("refreshed_at", flat=True))
    known = [t for t in times if t is not None]
    return min(known) if known and len(known) == len(times) else None
