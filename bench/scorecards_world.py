"""The world of the scorecard benchmark (bench/scorecards.py): the demo manufacturer `acme` (its
tenant, people, taxonomies, catalog, sales stages and territories come from the demo modules)
grown to 50 partners, 10 direct teams and 100 reps, with accounts, opportunities over eight
fiscal quarters (their lines, stage history and some deal registrations) and touches on
opportunities and on accounts by every route.

The big tables are written the way a bulk load writes them: rows made here and sent with
PostgreSQL's COPY, each table in one transaction stamped with that transaction's change sequence
(core.sync), the table's secondary indexes and foreign keys dropped before and created again
after (as pg_restore does), then ANALYZE. Nothing production has is left out at the end.

Everything is drawn from a seeded random generator, so two runs build the same tenant. Sizes:
`Sizes` (bench/scorecards.py reads them from BENCH_OPPORTUNITIES, BENCH_TOUCHES, BENCH_ACCOUNTS).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Django is set up by the bench before the world is built
    from django.db.models import Model

    from tenancy.models import Membership, Tenant

__all__ = ["Sizes", "World", "build_world", "copy_rows", "new_touches"]

PARTNERS, TEAMS, REPS = 50, 10, 100
QUARTERS = 8
COPY_BATCH = 100_000  # rows per COPY call
CURRENCIES = (["EUR", "USD", "GBP", "SEK"], [82, 10, 5, 3])
# (currency, valid from, one unit in EUR)
RATES = [
    ("USD", dt.date(2024, 1, 1), "0.92"),
    ("USD", dt.date(2026, 1, 1), "0.86"),
    ("GBP", dt.date(2024, 1, 1), "1.17"),
    ("SEK", dt.date(2024, 1, 1), "0.088"),
    ("SEK", dt.date(2025, 7, 1), "0.091"),
]
PARTNER_TIERS = (["platinum", "gold", "silver", "registered"], [10, 20, 35, 35])
CHANNELS = {
    "partner": ["email", "call", "meeting", "event"],
    "direct": ["email", "call", "meeting", "event", "other"],
    "marketing": ["web_visit", "form_fill", "ad_click", "event", "email"],
}
# Share of touches logged on an opportunity (the rest on its account only).
ON_OPPORTUNITY = 0.6


@dataclass(frozen=True)
class Sizes:
    opportunities: int
    touches: int
    accounts: int


@dataclass
class World:
    tenant: Tenant
    admin: Membership
    sizes: Sizes
    start: dt.date  # first day of the oldest quarter
    today: dt.date
    partners: list[int]
    reps: list[tuple[int, int]]  # (user, team)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


# --- COPY ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """One value in COPY's text format (the generated strings hold no tab, newline or
    backslash)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _filler(model: type[Model], columns: Sequence[str]) -> tuple[list[str], str]:
    """The model's other columns and their defaults (as the ORM would write them), as a
    constant tail of every COPY line. Raises for a required column without a default."""
    import json

    from django.db import connection
    from django.utils import timezone

    rest: list[str] = []
    values: list[str] = []
    now = timezone.now()
    for item in model._meta.concrete_fields:
        if item.column is None or item.column in columns or item.primary_key:
            continue
        if getattr(item, "auto_now", False) or getattr(item, "auto_now_add", False):
            value: Any = now
        elif item.has_default():
            value = item.get_default()
        elif item.null:
            value = None
        elif item.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
            value = ""
        else:
            raise ValueError(f"{model.__name__}.{item.name} needs a value")
        value = item.get_db_prep_save(value, connection)
        if isinstance(value, (list, dict)):
            value = json.dumps(value)
        elif hasattr(value, "adapted"):  # psycopg2's Json adapter
            value = json.dumps(value.adapted)
        rest.append(item.column)
        values.append(_text(value))
    return rest, "\t".join(values)


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (values of `columns`) into the model's table, the other columns given their
    defaults; in the caller's transaction. Returns how many rows were sent."""
    from django.db import connection

    rest, tail = _filler(model, columns)
    names = ", ".join(f'"{c}"' for c in [*columns, *rest])
    sql = f'COPY "{model._meta.db_table}" ({names}) FROM STDIN'
    suffix = f"\t{tail}\n" if rest else "\n"
    sent = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor
        buffer: list[str] = []
        for row in rows:
            buffer.append("\t".join(map(_text, row)) + suffix)
            if len(buffer) >= COPY_BATCH:
                raw.copy_expert(sql, io.StringIO("".join(buffer)))
                sent += len(buffer)
                buffer.clear()
        if buffer:
            raw.copy_expert(sql, io.StringIO("".join(buffer)))
            sent += len(buffer)
    return sent


@contextmanager
def bulk_load(*models: type[Model]) -> Iterator[None]:
    """Drop the tables' secondary indexes and foreign keys (and unique constraints), let the
    caller load them, then create them all again as they were and ANALYZE the tables: what a
    restore does. The primary keys and check constraints stay throughout."""
    from django.db import connection

    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
            FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
            ORDER BY c.contype DESC""",
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, _, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary""",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition, _ in sorted(constraints, key=lambda c: c[3] != "u"):
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("RESET maintenance_work_mem")


def _set_sequence(model: type[Model]) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )


def _load(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """One table in one transaction, stamped with its change sequence when the model is
    synced (`rows` may hold the placeholder SEQ for it)."""
    from django.db import transaction

    with transaction.atomic():
        written = copy_rows(model, columns, rows)
    _set_sequence(model)
    return written


# --- the world ------------------------------------------------------------------------------------


def _quarter_start(today: dt.date, back: int) -> dt.date:
    index = today.year * 12 + (today.month - 1) // 3 * 3 - 3 * back
    return dt.date(index // 12, index % 12 + 1, 1)


def _people(tenant: Tenant) -> tuple[list[int], list[tuple[int, int]]]:
    """The demo's partners and teams, and more of them, up to PARTNERS, TEAMS and REPS (reps
    spread over the teams)."""
    from tenancy.choices import Role
    from tenancy.models import Membership, Partner, Team, User

    rng = random.Random(3)
    have = Partner.objects.count()
    Partner.objects.bulk_create(
        [
            Partner(
                tenant=tenant,
                name=f"Bench Distributor {n:02d}",
                tier=rng.choices(*PARTNER_TIERS)[0],
                external_id=f"P-bench-{n}",
            )
            for n in range(have, PARTNERS)
        ]
    )
    have = Team.objects.count()
    Team.objects.bulk_create(
        [
            Team(tenant=tenant, name=f"Bench Team {n:02d}", external_id=f"T-bench-{n}")
            for n in range(have, TEAMS)
        ]
    )
    teams = list(Team.objects.order_by("id").values_list("id", flat=True))
    have = Membership.objects.filter(role=Role.DIRECT_REP).count()
    for n in range(have, REPS):
        email = f"bench-rep-{n}@acme.example"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, full_name=f"Bench Rep {n}"
        )
        Membership.objects.create(
            tenant=tenant, user=user, role=Role.DIRECT_REP, team_id=teams[n % len(teams)]
        )
    partners = list(Partner.objects.order_by("id").values_list("id", flat=True))
    reps = list(
        Membership.objects.filter(role=Role.DIRECT_REP)
        .order_by("user_id")
        .values_list("user_id", "team_id")
    )
    return partners, reps


def _zipf(rng: random.Random, n: int, skew: float = 1.1) -> Callable[[], int]:
    """An index in range(n) with a long tail (a few big partners, many small ones)."""
    weights = [1 / (k + 1) ** skew for k in range(n)]
    total = sum(weights)
    cumulative, running = [], 0.0
    for w in weights:
        running += w / total
        cumulative.append(running)
    import bisect

    order = list(range(n))
    rng.shuffle(order)
    return lambda: order[min(bisect.bisect_left(cumulative, rng.random()), n - 1)]


@dataclass
class _Accounts:
    # Per account (index = id - 1): owner partner or 0, owner rep (user) or 0, owner team or 0.
    partner: list[int]
    user: list[int]
    team: list[int]


def _accounts(tenant: Tenant, world: World, n: int, rng: random.Random, seq: int) -> _Accounts:
    from accounts.demo import TERRITORIES
    from accounts.models import Account, Segment, Tier

    tiers = dict(Tier.objects.values_list("key", "id"))
    segments = list(Segment.objects.values_list("id", flat=True))
    places = TERRITORIES["acme"]
    pick_partner = _zipf(rng, len(world.partners))
    owners = _Accounts([], [], [])
    columns = [
        "id", "tenant_id", "external_id", "version", "sync_seq", "name", "legal_name",
        "segment_id", "tier_id", "employee_band", "country", "region", "city", "postal_code",
        "owner_user_id", "owner_team_id", "owner_partner_id", "named_account", "lifecycle",
    ]  # fmt: skip

    def rows() -> Iterator[tuple]:
        for pk in range(1, n + 1):
            tier = rng.choices(["strategic", "key", "growth", "transactional"], [5, 15, 40, 40])[0]
            country, regions, _, cities = rng.choice(places)
            direct = tier in ("strategic", "key") or rng.random() < 0.15
            partner = 0 if direct else world.partners[pick_partner()]
            user, team = rng.choice(world.reps) if direct else (0, 0)
            owners.partner.append(partner)
            owners.user.append(user)
            owners.team.append(team)
            name = f"Bench Customer {pk} {country}"
            yield (
                pk, tenant.pk, f"BA-{pk}", 1, seq, name, name, rng.choice(segments), tiers[tier],
                "200-499", country, rng.choice(regions), rng.choice(cities),
                f"{rng.randint(10000, 99999)}", user or None, team or None, partner or None,
                tier == "strategic", "customer",
            )  # fmt: skip

    _load(Account, columns, rows())
    return owners


def build_world(sizes: Sizes, *, seed: int = 14, log: Callable[[str], None] = print) -> World:
    from django.db import connection, transaction

    from accounts import demo as accounts_demo
    from accounts.models import Account, Product
    from core.acting import SystemActor
    from core.audit import audit_context
    from core.sync import change_sequence
    from core.tenancy import tenant_scope
    from dealreg.models import DealRegistration
    from guardrails import demo as guardrails_demo
    from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange, Touch
    from pipeline.services import ensure_default_stages
    from scorecards.models import ExchangeRate, ScorecardSettings
    from tenancy import demo as tenancy_demo
    from tenancy.models import Membership, Tenant

    began = time.perf_counter()
    tenancy_demo.seed()
    tenant = Tenant.objects.get(slug="acme")
    rng = random.Random(seed)
    today = dt.datetime.now(tenant.zone).date()
    with tenant_scope(tenant), audit_context(source="command"):
        admin = Membership.objects.select_related("user").get(user__email="admin@acme.example")
        accounts_demo.seed_tenant(tenant, 0)  # taxonomies and the catalog
        ensure_default_stages(tenant, acting=SystemActor("bench"))
        guardrails_demo._Seeder(tenant, admin).territories()
        partners, reps = _people(tenant)
        ScorecardSettings.objects.get_or_create(tenant=tenant)
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(tenant=tenant, currency=c, valid_from=d, rate=Decimal(r))
                for c, d, r in RATES
            ]
        )
        world = World(
            tenant=tenant,
            admin=admin,
            sizes=sizes,
            start=_quarter_start(today, QUARTERS - 1),
            today=today,
            partners=partners,
            reps=reps,
        )
        world.seconds["setup"] = time.perf_counter() - began

        began = time.perf_counter()
        with bulk_load(Account), transaction.atomic():
            owners = _accounts(tenant, world, sizes.accounts, rng, change_sequence())
        world.seconds["accounts"] = time.perf_counter() - began
        log(f"  accounts: {sizes.accounts:,} in {world.seconds['accounts']:.0f} s")

        stages = list(Stage.objects.order_by("order").values_list("id", "outcome"))
        products = list(Product.objects.values_list("id", "list_price"))
        opps = _Opportunities(world, owners, stages, products, rng)
        began = time.perf_counter()
        with bulk_load(Opportunity, OpportunityLine, StageChange, DealRegistration):
            for model, columns, rows in opps.tables():
                with transaction.atomic():
                    sequence = change_sequence()
                    written = copy_rows(
                        model, columns, (r if r[-1] != SEQ else (*r[:-1], sequence) for r in rows)
                    )
                _set_sequence(model)
                world.counts[model._meta.db_table] = written
                log(
                    f"  {model._meta.model_name}: {written:,} ({time.perf_counter() - began:.0f} s)"
                )
            log(f"  indexes and keys of the pipeline tables ({time.perf_counter() - began:.0f} s)")
        world.seconds["opportunities"] = time.perf_counter() - began

        began = time.perf_counter()
        with bulk_load(Touch):
            with transaction.atomic():
                sequence = change_sequence()
                written = copy_rows(Touch, TOUCH_COLUMNS, opps.touches(sequence, sizes.touches))
            _set_sequence(Touch)
            world.counts["touch"] = written
            log(f"  touches: {written:,} ({time.perf_counter() - began:.0f} s)")
        world.seconds["touches"] = time.perf_counter() - began
        log(f"  indexes and keys of the touches ({world.seconds['touches']:.0f} s)")
        world.counts["account"] = sizes.accounts
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have by now
    return world


SEQ = object()  # placeholder: the loading transaction's change sequence
TOUCH_COLUMNS = [
    "id", "tenant_id", "external_id", "version", "sync_seq", "account_id", "opportunity_id",
    "channel", "route", "actor_user_id", "actor_partner_id", "actor_team_id", "occurred_at",
    "subject",
]  # fmt: skip


class _Opportunities:
    """Opportunities and what hangs off them, generated in order; each one's facts kept in
    compact lists for its touches."""

    def __init__(self, world: World, owners: _Accounts, stages, products, rng: random.Random):
        self.world, self.owners, self.rng = world, owners, rng
        self.open_stages = [pk for pk, outcome in stages if outcome == "open"]
        self.won = next(pk for pk, outcome in stages if outcome == "won")
        self.lost = next(pk for pk, outcome in stages if outcome == "lost")
        self.products = products
        self.pick_partner = _zipf(rng, len(world.partners))
        n = world.sizes.opportunities
        # Per opportunity (index = id - 1): account, opened and window end (ordinal days),
        # partner (0: direct route), owner rep and team.
        self.account = [0] * n
        self.opened = [0] * n
        self.end = [0] * n
        self.partner = [0] * n
        self.user = [0] * n
        self.team = [0] * n

    def tables(self) -> Iterator[tuple[type[Model], list[str], Iterable[tuple]]]:
        from dealreg.models import DealRegistration
        from pipeline.models import Opportunity, OpportunityLine, StageChange

        self.lines: list[tuple] = []
        self.changes: list[tuple] = []
        self.registrations: list[tuple] = []
        yield (
            Opportunity,
            [
                "id", "tenant_id", "external_id", "version", "account_id", "name", "amount",
                "currency", "stage_id", "opened_on", "expected_close_on", "closed_on", "route",
                "owner_user_id", "owner_team_id", "partner_id", "source", "sync_seq",
            ],
            self._opportunities(),
        )  # fmt: skip
        yield (
            OpportunityLine,
            ["id", "tenant_id", "opportunity_id", "product_id", "quantity", "list_price"],
            self._drain(self.lines),
        )
        yield (
            StageChange,
            ["id", "tenant_id", "opportunity_id", "from_stage_id", "to_stage_id", "changed_at"],
            self._drain(self.changes),
        )
        yield (
            DealRegistration,
            [
                "id", "tenant_id", "external_id", "version", "route", "registrant_partner_id",
                "end_customer_id", "title", "estimated_amount", "currency", "state",
                "submitted_at", "decided_at", "opportunity_id", "sync_seq",
            ],
            self._drain(self.registrations),
        )  # fmt: skip

    @staticmethod
    def _drain(rows: list[tuple]) -> Iterator[tuple]:
        yield from rows
        rows.clear()

    def _opportunities(self) -> Iterator[tuple]:
        world, owners, rng = self.world, self.owners, self.rng
        tenant = world.tenant.pk
        first, last = world.start.toordinal(), world.today.toordinal()
        accounts = world.sizes.accounts
        line_id = change_id = registration_id = 0
        for index in range(world.sizes.opportunities):
            pk = index + 1
            account = rng.randrange(accounts)
            owner_partner = owners.partner[account]
            # The account's owner mostly; otherwise the other route's people who cover it.
            if owner_partner:
                partner_route = rng.random() < 0.85
                partner = owner_partner if partner_route else 0
            else:
                partner_route = rng.random() < 0.15
                partner = world.partners[(account + 1) * 7 % len(world.partners)]
                partner = partner if partner_route else 0
            if partner_route:
                user = team = 0
                source = rng.choices(["partner", "marketing", "unknown"], [60, 15, 25])[0]
            else:
                user, team = (
                    (owners.user[account], owners.team[account])
                    if owners.user[account] and rng.random() < 0.95
                    else world.reps[(account + 1) % len(world.reps)]
                )
                source = rng.choices(["direct", "marketing", "unknown"], [50, 25, 25])[0]
            opened = rng.randint(first, last)
            cycle = int(rng.gammavariate(2.0, 40)) + 7
            closed = opened + cycle
            if closed <= last:
                stage = self.won if rng.random() < 0.35 else self.lost
                end = closed + 1
            else:
                elapsed = (last - opened) / cycle
                stage = self.open_stages[min(int(elapsed * len(self.open_stages)), 3)]
                closed, end = 0, last + 1
            amount = Decimal(min(max(math.exp(rng.gauss(10.3, 1.0)), 500), 2_000_000)).quantize(
                Decimal("0.01")
            )
            currency = rng.choices(*CURRENCIES)[0]
            self.account[index], self.opened[index], self.end[index] = account + 1, opened, end
            self.partner[index], self.user[index], self.team[index] = partner, user, team
            opened_day = dt.date.fromordinal(opened)
            yield (
                pk, tenant, f"BO-{pk}", 1, account + 1, f"Bench deal {pk}", amount, currency,
                stage, opened_day, dt.date.fromordinal(opened + cycle),
                dt.date.fromordinal(closed) if closed else None,
                "partner" if partner else "direct", user or None, team or None, partner or None,
                source, SEQ,
            )  # fmt: skip
            for _ in range(1 if rng.random() < 0.7 else 2):
                line_id += 1
                product, price = rng.choice(self.products)
                self.lines.append((line_id, tenant, pk, product, rng.randint(1, 4), price))
            # Stage history: through the open stages it reached, then its close.
            reached = stage if stage in self.open_stages else rng.choice(self.open_stages)
            path = self.open_stages[: self.open_stages.index(reached) + 1]
            if stage not in self.open_stages:
                path.append(stage)
            at = _moment(opened, rng.randint(8, 17))
            span = ((closed or last) - opened) * 86400
            previous = None
            for step, to in enumerate(path):
                change_id += 1
                if step and step == len(path) - 1 and closed:
                    at = _moment(closed, 17)
                elif step:
                    at += dt.timedelta(seconds=rng.uniform(0.1, 0.5) * span / len(path))
                self.changes.append((change_id, tenant, pk, previous, to, at.isoformat()))
                previous = to
            if partner and rng.random() < 0.1:
                registration_id += 1
                submitted = _moment(opened, 9) - dt.timedelta(days=rng.randint(0, 10))
                state = {self.won: "won", self.lost: "lost"}.get(stage, "approved")
                self.registrations.append(
                    (
                        registration_id, tenant, f"BR-{registration_id}", 1, "partner", partner,
                        account + 1, f"Registered deal {pk}", amount, currency, state,
                        submitted.isoformat(), (submitted + dt.timedelta(days=2)).isoformat(), pk,
                        SEQ,
                    )
                )  # fmt: skip

    def touches(self, sequence: int, total: int, first_id: int = 1) -> Iterator[tuple]:
        """`total` touches: ON_OPPORTUNITY of them logged on opportunities (within a couple of
        months before opening to just after closing), the rest on accounts over the whole
        period, none later than yesterday; by the owner's side mostly, marketing, and the other
        route now and then."""
        world, rng = self.world, self.rng
        tenant = world.tenant.pk
        n = world.sizes.opportunities
        on_opportunities = int(total * ON_OPPORTUNITY)
        yesterday = world.today.toordinal() - 1
        pk = first_id - 1
        # On opportunities: each draws about the mean, the remainder spread at random.
        for index in range(n):
            count = on_opportunities // n + (1 if rng.random() < (on_opportunities % n) / n else 0)
            # Until yesterday at the latest: no touch is logged ahead of the clock.
            low, high = self.opened[index] - 60, min(self.end[index] + 5, yesterday)
            for _ in range(count):
                pk += 1
                yield self._touch(pk, tenant, sequence, index, rng.randint(low, high), True)
        # On accounts: an opportunity of the account gives the owner side.
        remaining = total - (pk - first_id + 1)
        accounts = world.sizes.accounts
        first, last = world.start.toordinal() - 90, yesterday
        for _ in range(remaining):
            pk += 1
            index = rng.randrange(n)
            day = rng.randint(first, last)
            touch = self._touch(pk, tenant, sequence, index, day, False)
            if rng.random() < 0.3:  # an account without an opportunity now
                touch = (*touch[:5], rng.randint(1, accounts), *touch[6:])
            yield touch

    def _touch(self, pk, tenant, sequence, index, day, on_opportunity) -> tuple:
        """A touch of the opportunity's (or its account's) people: its owner's side mostly,
        marketing, and now and then the other route (the account's rep, or a partner that
        covers the account)."""
        rng, world, owners = self.rng, self.world, self.owners
        draw = rng.random()
        account = self.account[index]
        partner, user, team = self.partner[index], self.user[index], self.team[index]
        if draw < 0.3:
            route = "marketing"
            user = team = partner = 0
        elif (draw < 0.85) == bool(partner):  # the owner's side when partner-owned
            route = "partner"
            partner = partner or owners.partner[account - 1]
            partner = partner or world.partners[account * 7 % len(world.partners)]
            user = team = 0
        else:
            route = "direct"
            if not user:
                user, team = owners.user[account - 1], owners.team[account - 1]
            if not user:
                user, team = world.reps[account % len(world.reps)]
            if rng.random() < 0.05:
                user = 0  # logged for the team
            partner = 0
        moment = _moment(day, rng.randint(7, 18), rng.randint(0, 59))
        return (
            pk, tenant, f"BT-{pk}", 1, sequence, account,
            index + 1 if on_opportunity else None, rng.choice(CHANNELS[route]), route,
            user or None, partner or None, team or None, moment.isoformat(), "",
        )  # fmt: skip


def _moment(ordinal: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time(hour, minute), tzinfo=dt.UTC)


# What each copy of the world shifts: table → {column: SQL of the copy's value}; `k` is the
# copy's number, `{x}_step` the base's largest id of table x (the other columns are copied).
COPIED = {
    "accounts_account": {
        "id": "id + k * {account_step}",
        "external_id": "'BA-' || (id + k * {account_step})",
        "name": "'Bench Customer ' || (id + k * {account_step}) || ' ' || country",
        "legal_name": "'Bench Customer ' || (id + k * {account_step}) || ' ' || country",
    },
    "pipeline_opportunity": {
        "id": "id + k * {opportunity_step}",
        "external_id": "'BO-' || (id + k * {opportunity_step})",
        "name": "'Bench deal ' || (id + k * {opportunity_step})",
        "account_id": "account_id + k * {account_step}",
    },
    "pipeline_opportunityline": {
        "id": "id + k * {opportunityline_step}",
        "opportunity_id": "opportunity_id + k * {opportunity_step}",
    },
    "pipeline_stagechange": {
        "id": "id + k * {stagechange_step}",
        "opportunity_id": "opportunity_id + k * {opportunity_step}",
    },
    "dealreg_dealregistration": {
        "id": "id + k * {dealregistration_step}",
        "external_id": "'BR-' || (id + k * {dealregistration_step})",
        "end_customer_id": "end_customer_id + k * {account_step}",
        "opportunity_id": "opportunity_id + k * {opportunity_step}",
    },
    "pipeline_touch": {
        "id": "id + k * {touch_step}",
        "external_id": "'BT-' || (id + k * {touch_step})",
        "account_id": "account_id + k * {account_step}",
        "opportunity_id": "opportunity_id + k * {opportunity_step}",
    },
    "scorecards_opportunityfact": {
        "id": "id + k * {opportunityfact_step}",
        "opportunity_id": "opportunity_id + k * {opportunity_step}",
        "account_id": "account_id + k * {account_step}",
    },
    "scorecards_credit": {
        "id": "id + k * {credit_step}",
        "fact_id": "fact_id + k * {opportunityfact_step}",
    },
    "scorecards_stageduration": {
        "id": "id + k * {stageduration_step}",
        "fact_id": "fact_id + k * {opportunityfact_step}",
    },
    "scorecards_factproductline": {
        "id": "id + k * {factproductline_step}",
        "fact_id": "fact_id + k * {opportunityfact_step}",
    },
}


def replicate(copies: int, log: Callable[[str], None] = print) -> dict[str, float]:
    """Make the base world (raw tables and its rollups) `copies` times as big: copies 1 to
    copies - 1 of every row, with ids shifted past the base's and on accounts of their own. The
    copies hold the same people, dates, amounts and touch paths as the base, so their rollups are
    the base's rows with the ids shifted: exactly what `rollup.rebuild` would write for them.
    Indexes and foreign keys are dropped for the copy and created again after, then ANALYZE."""
    from django.apps import apps
    from django.db import connection, transaction

    seconds: dict[str, float] = {}
    if copies <= 1:
        return seconds
    models = [
        m for m in apps.get_models() if m._meta.db_table in COPIED
    ]  # every table that is copied
    with connection.cursor() as cursor:
        steps = {}
        for table in COPIED:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            steps[f"{table.split('_', 1)[1]}_step"] = cursor.fetchone()[0]
    began = time.perf_counter()
    with bulk_load(*models):
        for table, shifted in COPIED.items():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = %s ORDER BY ordinal_position",
                    [table],
                )
                columns = [name for (name,) in cursor.fetchall()]
                names = ", ".join(f'"{c}"' for c in columns)
                values = [shifted.get(c, f'"{c}"').format(**steps) for c in columns]
                with transaction.atomic():
                    cursor.execute(
                        f"INSERT INTO {table} ({names})"
                        f" SELECT {', '.join(values)} FROM {table}"
                        f" CROSS JOIN generate_series(1, %s) AS k",
                        [copies - 1],
                    )
            log(f"  copied {table} ({time.perf_counter() - began:.0f} s)")
        seconds["copy"] = time.perf_counter() - began
    seconds["indexes"] = time.perf_counter() - began - seconds["copy"]
    log(f"  indexes, keys and ANALYZE ({seconds['indexes']:.0f} s)")
    _scale_cells(copies)
    for model in models:
        _set_sequence(model)
    return seconds


def _scale_cells(copies: int) -> None:
    """The copies share the base's territories, segments, partners, teams and reps, so each
    copy adds exactly the base's sums to the same cells: every sum times `copies`, which is what
    `scorecards.cells.rebuild` would write (the bench checks figures against the raw tables)."""
    from django.db import connection, transaction

    from scorecards.cells import CREDIT_MEASURES, PIPELINE_MEASURES
    from scorecards.models import CreditCell, PipelineCell

    with transaction.atomic(), connection.cursor() as cursor:
        for model, sums in ((PipelineCell, PIPELINE_MEASURES), (CreditCell, CREDIT_MEASURES)):
            assignments = ", ".join(f"{c} = {c} * %s" for c in sums)
            cursor.execute(f"UPDATE {model._meta.db_table} SET {assignments}", [copies] * len(sums))
        cursor.execute("ANALYZE scorecards_pipelinecell")
        cursor.execute("ANALYZE scorecards_creditcell")


def new_touches(tenant: Tenant, count: int, *, seed: int = 99) -> list:
    """`count` unsaved touches of the last hours (for the incremental refresh), as a CRM sync
    would bring them: on open opportunities (six in ten) and on their accounts, by the owner's
    side, marketing and the other route."""
    from django.utils import timezone

    from pipeline.models import Opportunity, Touch
    from tenancy.models import Membership

    rng = random.Random(seed)
    stamp = int(time.time())  # a kept world measured again gets new touches, not the same ids
    open_ones = list(
        Opportunity.objects.filter(closed_on__isnull=True)
        .order_by("?")
        .values_list("id", "account_id", "partner_id", "owner_user_id", "owner_team_id")[:count]
    )
    partners = sorted({row[2] for row in open_ones if row[2]})
    reps = list(Membership.objects.filter(team__isnull=False).values_list("user_id", "team_id"))
    now = timezone.now()
    touches = []
    for n in range(count):
        pk, account, partner, user, team = open_ones[n % len(open_ones)]
        draw = rng.random()
        actor: dict[str, Any] = {}
        if draw < 0.3:
            route = "marketing"
        elif (draw < 0.85) == bool(partner):
            route = "partner"
            actor = {"actor_partner_id": partner or rng.choice(partners)}
        else:
            route = "direct"
            user, team = (user, team) if user else rng.choice(reps)
            actor = {"actor_user_id": user, "actor_team_id": team}
        touches.append(
            Touch(
                tenant=tenant,
                external_id=f"BN-{seed}-{stamp}-{n}",
                account_id=account,
                opportunity_id=pk if rng.random() < ON_OPPORTUNITY else None,
                channel=rng.choice(CHANNELS[route]),
                route=route,
                occurred_at=now - dt.timedelta(minutes=rng.randint(1, 600)),
                **actor,
            )
        )
    return touches
