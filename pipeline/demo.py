"""Demo pipeline: two years of opportunities with line items and stage history, and the touches
of every route around them.

Volumes per tenant at --scale 1: Acme 1,500 opportunities and 20,000 touches; Globex 600 and 8,000.

Opportunities are opened over the two years the scorecards look back (HISTORY_DAYS) and the
months before them (OPENED_DAYS: the deals that close in the first of those quarters), more of
them every quarter (GROWTH) and at quarter ends, fewer in August and at the turn of the year.
Each is owned by a direct team or a distributor, drawn from the owners' profiles (PROFILES): how
much of the business each one carries at first and how that changes, how often it wins and how
big its deals are, so the partners perform differently and the trend lines move. An
opportunity's source says who found it: the distributor, the direct team, marketing, or nobody
on record (the first touch before it opened then decides, often the other route's). Some of
Acme's deals are quoted in US dollars, pounds or, in Switzerland, francs (FOREIGN; the
scorecards demo seeds the rates).

A deal runs its cycle (longer for larger amounts): when that ends before today it is closed, won
or lost, on that day, and its stage history walks the open stages in order up to the outcome;
otherwise it is open in the stage its progress has reached. One in FRESH_EVERY was opened in the
last weeks of the current quarter, by a distributor and a direct team in turn, each finding its
own deal: the current quarter shows both routes even on its first day.

Touches fall around the deals: the finder's before the opportunity was opened, the owner's while
it is open, marketing's throughout, and on about a fifth of the deals (co-sold) the other route's
too: the territory's distributor on a direct deal, a direct rep on a distributor's. The rest
nurture accounts over the two years. All rows are numbered and built from their number, so
seeding is deterministic and adds only what is missing.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import timezone

from accounts.demo import TERRITORIES
from accounts.models import Account, Contact, Product
from core.acting import SystemActor
from core.seeding import numbered, seed_numbered
from core.tenancy import tenant_scope
from pipeline.choices import Channel, Outcome, Route, Source, TouchRoute
from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange, Touch
from pipeline.services import ensure_default_stages
from tenancy.models import Membership, Partner, Team, Tenant
from tenancy.quarters import fiscal_quarter

__all__ = ["FOREIGN", "HISTORY_DAYS", "OPENED_DAYS", "PROFILES", "SEASON", "Profile", "seed"]

VOLUMES = {"acme": (1500, 20000), "globex": (600, 8000)}
HISTORY_DAYS = 730  # the history the demo shows: eight quarters and then some
OPENED_DAYS = HISTORY_DAYS + 120  # opportunities are opened this far back
FRESH_EVERY = 100  # one opportunity in this many was opened in the last weeks of this quarter
CO_SOLD_SHARE = 0.22
GROWTH = 0.7  # the market: this much more new business today than at the start of the history


@dataclass(frozen=True)
class Profile:
    """An owner of deals: a direct team (T-<n>) or a distributor (P-<key>)."""

    weight: float  # its share of the tenant's new opportunities two years ago
    trend: float  # how that share changes over two years (+1: doubles, -0.3: loses 30%)
    win_rate: float
    size: float  # its deal size against the tenant's usual


PROFILES: dict[str, dict[str, Profile]] = {
    "acme": {
        "T-1": Profile(1.2, 0.3, 0.34, 1.5),  # Strategic Accounts DACH: few, large deals
        "T-2": Profile(0.6, 0.6, 0.30, 1.1),
        "P-nordic": Profile(1.0, 0.3, 0.40, 1.25),  # platinum, and it shows
        "P-rhein": Profile(0.55, 1.3, 0.37, 1.1),  # gold, growing fast towards platinum
        "P-alpine": Profile(0.9, -0.35, 0.19, 0.7),  # silver, many small deals, wins few
        "P-baltic": Profile(0.22, 1.1, 0.31, 0.8),  # registered, growing towards silver
    },
    "globex": {
        "T-1": Profile(0.5, 0.4, 0.33, 1.4),
        "T-2": Profile(1.1, 0.4, 0.31, 1.2),
        "P-greatlakes": Profile(1.0, 0.25, 0.39, 1.2),
        "P-gulfcoast": Profile(0.7, 0.1, 0.33, 1.0),
        "P-prairie": Profile(0.35, 1.2, 0.32, 0.85),  # silver, closing in on gold
    },
}
# Seasonality by calendar month: quarter ends pull deals in, August and the holidays slow down.
SEASON = {
    "acme": [0.85, 0.95, 1.2, 0.95, 1.0, 1.15, 0.9, 0.6, 1.15, 1.0, 1.1, 0.85],
    "globex": [0.85, 0.95, 1.2, 0.95, 1.0, 1.15, 0.95, 0.85, 1.15, 1.0, 1.05, 0.8],
}
AMOUNTS = ([8, 15, 24, 48, 95, 180, 320, 650], [14, 18, 18, 16, 14, 10, 5, 2])  # thousands
SIZE = {"acme": 1.0, "globex": 0.35}
# Deal currencies other than the tenant's: currency -> units of the tenant's currency per unit,
# roughly, two years ago (the scorecards demo seeds the rates from these). Swiss deals are in
# francs; some others are quoted in US dollars or pounds.
FOREIGN: dict[str, dict[str, float]] = {"acme": {"USD": 0.92, "GBP": 1.17, "CHF": 1.04}}
FOREIGN_SHARE = {"acme": [("USD", 0.06), ("GBP", 0.04)]}
LOCAL_CURRENCY = {"acme": {"CH": ("CHF", 0.7)}}

LOSS_REASONS = ["Price", "Lost to competitor", "No budget", "Timing", "Went with rental"]
WIN_REASONS = [
    "Uptime guarantee",
    "Local service coverage",
    "Total cost of ownership",
    "Trade-in offer",
]
WHAT = ["fleet renewal", "new site", "service contract", "replacement", "expansion"]
SOURCE_DETAIL = {
    Source.PARTNER: ["Found by the distributor", "Distributor's customer day", "Dealer referral"],
    Source.DIRECT: ["Rep prospecting", "Existing customer expansion", "Key account plan"],
    Source.MARKETING: ["Website quote request", "Trade show", "Webinar", "Newsletter offer"],
    Source.UNKNOWN: [""],
}
MARKETING_CHANNELS = [
    Channel.WEB_VISIT,
    Channel.FORM_FILL,
    Channel.AD_CLICK,
    Channel.EVENT,
    Channel.EMAIL,
]
SALES_CHANNELS = [Channel.CALL, Channel.MEETING, Channel.EMAIL, Channel.EVENT]


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug, (opportunities, touches) in VOLUMES.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            ensure_default_stages(tenant, acting=SystemActor("demo seeding"))
            made = _Pipeline(tenant).seed(round(opportunities * scale), round(touches * scale))
        if stdout is not None:
            stdout.write(f"pipeline: {slug}: {made[0]} opportunities, {made[1]} touches created")


class _Deal(NamedTuple):
    """What placing touches needs to know about a demo opportunity."""

    id: int
    number: int
    account_id: int
    opened_on: dt.date
    closed_on: dt.date | None
    route: str
    partner_id: int | None
    owner_user_id: int | None
    owner_team_id: int | None
    source: str


class _Pipeline:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.slug = tenant.slug
        self.now = timezone.now()
        self.zone = zoneinfo.ZoneInfo(tenant.timezone)
        self.today = self.now.astimezone(self.zone).date()
        self.quarter_start = fiscal_quarter(tenant, self.today)[0]
        self.stages = list(Stage.objects.order_by("order"))
        self.open_stages = [s for s in self.stages if s.outcome == Outcome.OPEN]
        self.won = next(s for s in self.stages if s.outcome == Outcome.WON)
        self.lost = next(s for s in self.stages if s.outcome == Outcome.LOST)
        self.accounts = list(
            Account.objects.filter(external_id__startswith="DEMO-A-")
            .only(
                "id",
                "name",
                "country",
                "region",
                "owner_user_id",
                "owner_team_id",
                "owner_partner_id",
            )
            .order_by("id")
        )
        self.products = list(Product.objects.all())
        partners = {p.external_id: p.pk for p in Partner.objects.all()}
        teams = {t.external_id: t.pk for t in Team.objects.all()}
        # Who owns which accounts, by the owner's key in PROFILES.
        key_of = {("partner", pk): key for key, pk in partners.items()}
        key_of |= {("team", pk): key for key, pk in teams.items()}
        self.owned: dict[str, list[Account]] = defaultdict(list)
        for account in self.accounts:
            owner = (
                ("partner", account.owner_partner_id)
                if account.owner_partner_id
                else ("team", account.owner_team_id)
            )
            if owner in key_of:
                self.owned[key_of[owner]].append(account)
        self.profiles = {
            key: profile
            for key, profile in PROFILES.get(self.slug, {}).items()
            if self.owned.get(key)
        }
        # The distributor of each region, for co-selling on direct accounts.
        self.partner_of_region = {
            region: partners[f"P-{key}"]
            for _, regions, key, _ in TERRITORIES.get(self.slug, [])
            for region in regions
            if f"P-{key}" in partners
        }
        self.all_partners = sorted(partners.values())
        members = Membership.objects.filter(team__isnull=False).order_by("user__email")
        self.team_of = dict(members.values_list("user_id", "team_id"))
        self.direct_people = list(self.team_of)

    def seed(self, opportunities: int, touches: int) -> tuple[int, int]:
        if not self.accounts or not self.profiles:
            return 0, 0
        made = seed_numbered(Opportunity, "DEMO-O", opportunities, self.opportunity)
        self.history()
        self.contacts = dict(
            Contact.objects.filter(external_id__startswith="DEMO-C-").values_list(
                "account_id", "id"
            )
        )
        self.names = {a.pk: a.name.rsplit(" ", 1)[0] for a in self.accounts}
        self.regions = {a.pk: a.region for a in self.accounts}
        rows = (
            Opportunity.objects.filter(external_id__startswith="DEMO-O-")
            .order_by("id")
            .values_list(
                "id",
                "external_id",
                "account_id",
                "opened_on",
                "closed_on",
                "route",
                "partner_id",
                "owner_user_id",
                "owner_team_id",
                "source",
            )
        )
        self.deals = [_Deal(row[0], int(row[1].rsplit("-", 1)[1]), *row[2:]) for row in rows]
        made_touches = seed_numbered(Touch, "DEMO-T", touches, self.touch, batch=5000)
        return made, made_touches

    # --- opportunities --------------------------------------------------------------------------

    def _age(self, days_back: int) -> float:
        """0 at the start of the history, 1 today."""
        return max(0.0, 1 - days_back / OPENED_DAYS)

    def _weights(self, keys: list[str], t: float) -> list[float]:
        return [max(0.05, self.profiles[k].weight * (1 + self.profiles[k].trend * t)) for k in keys]

    def _days_back(self, rng: random.Random) -> int:
        """How long ago an opportunity was opened: more often lately (the market grows, and so
        do most owners), by the season."""
        season = SEASON.get(self.slug, SEASON["acme"])
        keys = list(self.profiles)

        def weight(t: float) -> float:
            return (1 + GROWTH * t) * sum(self._weights(keys, t))

        # Both factors change linearly with time: the largest product is at one end.
        ceiling = max(weight(0.0), weight(1.0)) * max(season)
        while True:
            days = rng.randint(0, OPENED_DAYS)
            day = self.today - dt.timedelta(days=days)
            if rng.random() * ceiling < weight(self._age(days)) * season[day.month - 1]:
                return days

    def opportunity(self, index: int, rng: random.Random) -> Opportunity:
        keys = list(self.profiles)
        if index % FRESH_EVERY == 1:
            # Opened lately, in this quarter, by each kind of owner in turn, and found by it.
            days_back = rng.randint(0, min(30, (self.today - self.quarter_start).days))
            partner_turn = (index // FRESH_EVERY) % 2 == 0
            keys = [k for k in keys if k.startswith("P-") == partner_turn] or keys
        else:
            days_back = self._days_back(rng)
        t = self._age(days_back)
        key = rng.choices(keys, self._weights(keys, t))[0]
        profile = self.profiles[key]
        account = rng.choice(self.owned[key])
        partner_route = account.owner_partner_id is not None
        opened = self.today - dt.timedelta(days=days_back)

        base = rng.choices(*AMOUNTS)[0] * 1000 * SIZE.get(self.slug, 1.0) * profile.size
        amount: float = base * rng.uniform(0.85, 1.15)
        cycle = rng.randint(40, 140) + (90 if amount >= 150000 else 40 if amount >= 40000 else 0)
        win_rate = profile.win_rate * (0.9 + 0.2 * t)
        win_rate *= 1.15 if amount < 40000 else 0.9 if amount > 150000 else 1.0
        won = rng.random() < win_rate
        closes = opened + dt.timedelta(days=round(cycle * rng.uniform(0.8, 1.3 if won else 1.0)))
        stalled = days_back < 365 and rng.random() < 0.04
        closed = closes <= self.today and not stalled
        if closed:
            stage = self.won if won else self.lost
        else:
            progress = (self.today - opened).days / cycle
            last = len(self.open_stages) - 1
            stage = self.open_stages[min(int(progress * len(self.open_stages)), last)]
        finders = [Source.PARTNER if partner_route else Source.DIRECT, Source.MARKETING]
        source = rng.choices(
            [*finders, Source.UNKNOWN], [70, 15, 15] if partner_route else [55, 25, 20]
        )[0]
        if index % FRESH_EVERY == 1:
            source = finders[0]
        currency, quoted = self._currency(account, amount, rng)
        return Opportunity(
            tenant=self.tenant,
            external_id=numbered("DEMO-O", index),
            account=account,
            name=f"{account.name}: {rng.choice(WHAT)}",
            amount=quoted,
            currency=currency,
            stage=stage,
            opened_on=opened,
            expected_close_on=opened + dt.timedelta(days=cycle),
            closed_on=closes if closed else None,
            route=Route.PARTNER if partner_route else Route.DIRECT,
            owner_user_id=account.owner_user_id,
            owner_team_id=account.owner_team_id,
            partner_id=account.owner_partner_id,
            source=source,
            source_detail=rng.choice(SOURCE_DETAIL[source]),
            close_reason=rng.choice(WIN_REASONS if won else LOSS_REASONS) if closed else "",
        )

    def _currency(self, account: Account, amount: float, rng: random.Random) -> tuple[str, Decimal]:
        """The deal's currency and its amount in it, rounded as a quote would be."""
        currency = self.tenant.currency
        local = LOCAL_CURRENCY.get(self.slug, {}).get(account.country)
        if local and rng.random() < local[1]:
            currency = local[0]
        else:
            pick = rng.random()
            for code, share in FOREIGN_SHARE.get(self.slug, []):
                if pick < share:
                    currency = code
                    break
                pick -= share
        if currency != self.tenant.currency:
            amount /= FOREIGN[self.slug][currency]
        step = 500 if amount < 100000 else 5000
        return currency, Decimal(max(step, round(amount / step) * step))

    def history(self) -> None:
        """Stage history and line items for demo opportunities that have none yet."""
        done = set(StageChange.objects.values_list("opportunity_id", flat=True))
        changes, lines = [], []
        for opportunity in (
            Opportunity.objects.filter(external_id__startswith="DEMO-O-")
            .exclude(id__in=done)
            .select_related("stage")
        ):
            rng = random.Random(f"history:{opportunity.external_id}")
            changes.extend(self._stage_changes(opportunity, rng))
            for product in rng.sample(self.products, min(len(self.products), rng.randint(1, 3))):
                lines.append(
                    OpportunityLine(
                        tenant=self.tenant,
                        opportunity=opportunity,
                        product=product,
                        quantity=Decimal(rng.randint(1, 4)),
                        list_price=product.list_price,
                        discount_pct=Decimal(rng.choice([0, 2, 5, 8, 12, 18])),
                    )
                )
        StageChange.objects.bulk_create(changes, batch_size=5000)
        OpportunityLine.objects.bulk_create(lines, batch_size=5000)

    def _stage_changes(self, opportunity: Opportunity, rng: random.Random) -> list[StageChange]:
        """The stages it entered, in order: the open stages up to where it is (a lost deal drops
        out after some of them), then its outcome on the day it closed. The time in each stage
        varies; negotiations take longest."""
        stage = opportunity.stage
        if stage.outcome == Outcome.OPEN:
            path = [s for s in self.open_stages if s.order <= stage.order]
        elif stage.outcome == Outcome.WON:
            path = list(self.open_stages)
        else:
            path = self.open_stages[: rng.randint(1, len(self.open_stages))]
        midnight = dt.datetime.combine(opportunity.opened_on, dt.time(), tzinfo=self.zone)
        # Opened at nine, or (opened today, before nine) half-way to now: never in the future.
        start = min(midnight + dt.timedelta(hours=9), midnight + (self.now - midnight) / 2)
        if opportunity.closed_on is not None and stage.outcome != Outcome.OPEN:
            # At four on the day it closed; closed today, before four: by now.
            closing = dt.datetime.combine(opportunity.closed_on, dt.time(), tzinfo=self.zone)
            end = min(closing + dt.timedelta(hours=16), self.now - dt.timedelta(minutes=1))
            end = max(start, closing, end)
            spans = [rng.uniform(0.6, 1.4) * (1 + s.order / 3) for s in path]
        else:
            # Still open: it has been in its current stage for a while, until now.
            end = self.now
            spans = [rng.uniform(0.6, 1.4) * (1 + s.order / 3) for s in path[:-1]]
            spans.append(rng.uniform(0.3, 1.2) * (1 + path[-1].order / 3))
        scale = (end - start) / sum(spans)
        moment, previous, changes = start, None, []
        for entered, span in zip(path, spans, strict=False):
            changes.append(
                StageChange(
                    tenant=self.tenant,
                    opportunity=opportunity,
                    from_stage=previous,
                    to_stage=entered,
                    changed_at=moment,
                )
            )
            previous, moment = entered, moment + scale * span
        if stage.outcome != Outcome.OPEN:
            changes.append(
                StageChange(
                    tenant=self.tenant,
                    opportunity=opportunity,
                    from_stage=previous,
                    to_stage=stage,
                    changed_at=end,
                )
            )
        return changes

    # --- touches --------------------------------------------------------------------------------

    def _co_sold(self, deal: _Deal) -> bool:
        return random.Random(f"co-sold:{self.slug}:{deal.number}").random() < CO_SOLD_SHARE

    def touch(self, index: int, rng: random.Random) -> Touch:
        if self.deals and rng.random() < 0.72:
            return self._deal_touch(index, rng, rng.choice(self.deals))
        # Nurture: an account hears from marketing or its owner, any time in the two years.
        account = self.accounts[(index * 13) % len(self.accounts)]
        day = self.today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS))
        if rng.random() < 0.55:
            who = TouchRoute.MARKETING
        else:
            who = TouchRoute.PARTNER if account.owner_partner_id else TouchRoute.DIRECT
        return self._touch(
            index,
            rng,
            account.pk,
            None,
            self._at(rng, day),
            who,
            partner=account.owner_partner_id,
            user=account.owner_user_id,
        )

    def _deal_touch(self, index: int, rng: random.Random, deal: _Deal) -> Touch:
        co_sold = self._co_sold(deal)
        owner = TouchRoute.PARTNER if deal.route == Route.PARTNER else TouchRoute.DIRECT
        other = TouchRoute.DIRECT if owner == TouchRoute.PARTNER else TouchRoute.PARTNER
        if rng.random() < 0.3:
            # Before it was opened: whoever found it (nobody on record: often the other route).
            day = deal.opened_on - dt.timedelta(days=rng.randint(1, 75))
            found_by: dict[str, str] = {
                Source.PARTNER: TouchRoute.PARTNER,
                Source.DIRECT: TouchRoute.DIRECT,
                Source.MARKETING: TouchRoute.MARKETING,
            }
            who = found_by.get(deal.source) or (other if co_sold or rng.random() < 0.3 else owner)
            opportunity = None
        else:
            last = deal.closed_on or self.today
            day = deal.opened_on + dt.timedelta(days=rng.randint(0, (last - deal.opened_on).days))
            pick = rng.random()
            who = (
                TouchRoute.MARKETING if pick < 0.15 else other if co_sold and pick < 0.4 else owner
            )
            opportunity = deal.id if rng.random() < 0.65 else None
        at = self._at(rng, day)
        if opportunity is not None or day >= deal.opened_on:
            # While open: not before it was opened, not in the future.
            at = max(at, dt.datetime.combine(deal.opened_on, dt.time(), tzinfo=self.zone))
        partner = deal.partner_id or self.partner_of_region.get(
            self.regions.get(deal.account_id, "")
        )
        if partner is None and self.all_partners:
            partner = self.all_partners[deal.number % len(self.all_partners)]
        user = deal.owner_user_id
        if who == TouchRoute.DIRECT and deal.route == Route.PARTNER and self.direct_people:
            user = self.direct_people[deal.number % len(self.direct_people)]
        return self._touch(
            index, rng, deal.account_id, opportunity, at, who, partner=partner, user=user
        )

    def _at(self, rng: random.Random, day: dt.date) -> dt.datetime:
        """Working hours of that day in the tenant's part of the world; never in the future."""
        at = dt.datetime.combine(
            day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=self.zone
        )
        return min(at, self.now - dt.timedelta(minutes=rng.randint(5, 90)))

    def _touch(
        self,
        index: int,
        rng: random.Random,
        account: int,
        opportunity: int | None,
        at: dt.datetime,
        who: str,
        *,
        partner: int | None,
        user: int | None,
    ) -> Touch:
        actor: dict[str, int | None] = {}
        if who == TouchRoute.MARKETING:
            channel = rng.choice(MARKETING_CHANNELS)
        elif who == TouchRoute.PARTNER and partner is not None:
            channel, actor = rng.choice(SALES_CHANNELS), {"actor_partner_id": partner}
        else:
            who, channel = TouchRoute.DIRECT, rng.choice(SALES_CHANNELS)
            if user:
                actor = {"actor_user_id": user, "actor_team_id": self.team_of.get(user)}
        return Touch(
            tenant=self.tenant,
            external_id=numbered("DEMO-T", index),
            account_id=account,
            contact_id=self.contacts.get(account),
            opportunity_id=opportunity,
            channel=channel,
            route=who,
            occurred_at=at,
            subject=f"{channel.label} with {self.names.get(account, 'the customer')}",
            **actor,
        )
