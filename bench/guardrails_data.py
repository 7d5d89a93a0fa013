"""Data for bench/guardrails.py: one large tenant of an equipment manufacturer selling in Europe
and North America, written with bulk_create, and the 200-rule rulebook the benchmark publishes.

Everything is drawn from a seeded random generator, so two runs build the same tenant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Django is set up by the bench before the world is built
    from tenancy.models import Tenant


__all__ = ["World", "draft_changes", "generate", "rule_specs"]

BATCH = 5000

TIERS = ["strategic", "key", "growth", "transactional"]
TIER_WEIGHTS = [3, 12, 40, 45]
SEGMENTS = [
    "mining",
    "construction",
    "agriculture",
    "utilities",
    "oil-gas",
    "manufacturing",
    "logistics",
    "forestry",
    "waste",
    "public",
]
EMPLOYEE_BANDS = ["1-49", "50-199", "200-499", "500-999", "1000-4999", "5000+"]
REVENUE_BANDS = ["<1M", "1M-10M", "10M-50M", "50M-250M", "250M-1B", "1B+"]
SERVICE_NEEDS = ["local_parts", "field_service", "rental", "installation", "training", "financing"]
# code, name, service-heavy, list prices of its products
PRODUCT_LINES = [
    ("excavators", "Excavators", False, [78000, 245000, 389000]),
    ("loaders", "Wheel loaders", False, [198000, 312000]),
    ("dozers", "Dozers", False, [265000, 410000]),
    ("cranes", "Mobile cranes", False, [520000, 890000]),
    ("compact", "Compact equipment", False, [32000, 54000, 61000]),
    ("hydraulics", "Hydraulic components", False, [4100, 6400, 9800]),
    ("parts", "Spare parts", True, [420, 1150, 8900]),
    ("service", "Field service", True, [12500, 21000]),
    ("rental", "Rental fleet", True, [9500, 14500]),
    ("telematics", "Telematics subscriptions", True, [1800, 3600]),
]
# country, weight, postal-code digits, regions (ISO 3166-2)
GEOGRAPHY = [
    ("DE", 22, 5, ["DE-BY", "DE-BW", "DE-NW", "DE-HE", "DE-NI", "DE-SN", "DE-BE", "DE-HH"]),
    ("AT", 5, 4, ["AT-3", "AT-4", "AT-5", "AT-6", "AT-9"]),
    ("CH", 4, 4, ["CH-ZH", "CH-BE", "CH-AG", "CH-VD", "CH-GE"]),
    ("NL", 5, 4, ["NL-NH", "NL-ZH", "NL-NB", "NL-GE", "NL-UT"]),
    ("BE", 3, 4, ["BE-VAN", "BE-VOV", "BE-WHT", "BE-BRU"]),
    ("FR", 8, 5, ["FR-IDF", "FR-ARA", "FR-HDF", "FR-NAQ", "FR-OCC"]),
    ("IT", 5, 5, ["IT-25", "IT-34", "IT-21", "IT-45"]),
    ("ES", 4, 5, ["ES-MD", "ES-CT", "ES-AN", "ES-VC"]),
    ("GB", 7, 0, ["GB-ENG", "GB-SCT", "GB-WLS"]),
    ("SE", 4, 5, ["SE-AB", "SE-O", "SE-M", "SE-BD", "SE-AC"]),
    ("NO", 3, 4, ["NO-03", "NO-46", "NO-50", "NO-42"]),
    ("FI", 2, 5, ["FI-18", "FI-11", "FI-19"]),
    ("DK", 2, 4, ["DK-84", "DK-82", "DK-83"]),
    ("PL", 5, 5, ["PL-14", "PL-24", "PL-30", "PL-02"]),
    ("US", 14, 5, ["US-TX", "US-CA", "US-IL", "US-OH", "US-NY", "US-PA", "US-MI", "US-GA"]),
    ("CA", 4, 0, ["CA-ON", "CA-QC", "CA-AB", "CA-BC"]),
]
# Postal prefixes by region, so postal-code territories match real-looking codes.
POSTAL_PREFIX = {
    "DE-BY": ["80", "81", "82", "83", "84", "85", "86", "87", "90", "91", "92", "93", "94", "95"],
    "DE-BW": ["68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "88", "89"],
    "DE-NW": ["32", "33", "40", "41", "42", "44", "45", "46", "47", "48", "50", "51", "52", "53"],
    "DE-HE": ["34", "35", "36", "60", "61", "63", "64", "65"],
    "DE-NI": ["26", "27", "28", "29", "30", "31", "37", "38", "49"],
    "DE-SN": ["01", "02", "04", "08", "09"],
    "DE-BE": ["10", "12", "13", "14"],
    "DE-HH": ["20", "21", "22"],
    "FR-IDF": ["75", "77", "78", "91", "92", "93", "94", "95"],
    "FR-ARA": ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"],
    "US-TX": ["750", "751", "752", "760", "761", "770", "772", "773", "774", "775", "787"],
    "US-IL": ["600", "601", "602", "603", "604", "605", "606", "607", "608", "610", "617"],
    "US-CA": ["900", "901", "902", "913", "917", "920", "941", "945", "950", "956"],
}
GB_OUTWARD = {
    "GB-ENG": ["M1", "M4", "B12", "LS1", "SW1A", "EC1", "NE1", "BS1", "S1", "L3"],
    "GB-SCT": ["G1", "G2", "EH1", "AB10", "DD1"],
    "GB-WLS": ["CF10", "SA1", "LL11"],
}
CA_FSA = {
    "CA-ON": ["M5V", "M4C", "K1A", "L5B"],
    "CA-QC": ["H2X", "H3A", "G1R"],
    "CA-AB": ["T2P", "T5J"],
    "CA-BC": ["V6B", "V5K", "V8W"],
}
# Territories: code, name, areas as (country, region, postal_from, postal_to)
TERRITORIES: list[tuple[str, str, list[tuple[str, str, str, str]]]] = [
    ("dach", "DACH", [("DE", "", "", ""), ("AT", "", "", ""), ("CH", "", "", "")]),
    ("de-south", "Germany South", [("DE", "DE-BY", "", ""), ("DE", "DE-BW", "", "")]),
    ("de-bavaria", "Bavaria", [("DE", "DE-BY", "", "")]),
    ("de-bw", "Baden-Württemberg", [("DE", "DE-BW", "", "")]),
    ("de-nrw", "North Rhine-Westphalia", [("DE", "DE-NW", "", "")]),
    ("de-hesse", "Hesse", [("DE", "DE-HE", "", "")]),
    ("de-north", "Germany North", [("DE", "DE-NI", "", ""), ("DE", "DE-HH", "", "")]),
    ("de-east", "Germany East", [("DE", "DE-SN", "", ""), ("DE", "DE-BE", "", "")]),
    ("munich", "Munich metro", [("DE", "", "80", "81"), ("DE", "", "85", "")]),
    ("nuremberg", "Nuremberg metro", [("DE", "", "90", "91")]),
    ("stuttgart", "Stuttgart metro", [("DE", "", "70", "71")]),
    ("ruhr", "Ruhr area", [("DE", "", "44", "47")]),
    ("rhineland", "Rhineland", [("DE", "", "40", "42"), ("DE", "", "50", "53")]),
    ("frankfurt", "Frankfurt Rhine-Main", [("DE", "", "60", "61"), ("DE", "", "63", "65")]),
    ("hamburg", "Hamburg metro", [("DE", "", "20", "22")]),
    ("berlin", "Berlin", [("DE", "", "10", "14")]),
    ("austria", "Austria", [("AT", "", "", "")]),
    ("vienna", "Vienna and Lower Austria", [("AT", "AT-9", "", ""), ("AT", "AT-3", "", "")]),
    ("austria-west", "Austria West", [("AT", "AT-5", "", ""), ("AT", "AT-6", "", "")]),
    ("switzerland", "Switzerland", [("CH", "", "", "")]),
    ("romandie", "Romandie", [("CH", "CH-VD", "", ""), ("CH", "CH-GE", "", "")]),
    ("benelux", "Benelux", [("NL", "", "", ""), ("BE", "", "", ""), ("LU", "", "", "")]),
    (
        "randstad",
        "Randstad",
        [("NL", "NL-NH", "", ""), ("NL", "NL-ZH", "", ""), ("NL", "NL-UT", "", "")],
    ),
    ("flanders", "Flanders", [("BE", "BE-VAN", "", ""), ("BE", "BE-VOV", "", "")]),
    ("wallonia", "Wallonia and Brussels", [("BE", "BE-WHT", "", ""), ("BE", "BE-BRU", "", "")]),
    ("france", "France", [("FR", "", "", "")]),
    ("paris", "Paris region", [("FR", "FR-IDF", "", "")]),
    (
        "lyon",
        "Lyon and the Alps",
        [("FR", "", "69", ""), ("FR", "", "38", ""), ("FR", "", "73", "74")],
    ),
    ("france-south", "France South", [("FR", "FR-OCC", "", ""), ("FR", "FR-NAQ", "", "")]),
    ("italy", "Italy", [("IT", "", "", "")]),
    (
        "italy-north",
        "Northern Italy",
        [("IT", "IT-25", "", ""), ("IT", "IT-34", "", ""), ("IT", "IT-21", "", "")],
    ),
    ("iberia", "Iberia", [("ES", "", "", ""), ("PT", "", "", "")]),
    ("catalonia", "Catalonia", [("ES", "ES-CT", "", "")]),
    ("uk-ireland", "UK and Ireland", [("GB", "", "", ""), ("IE", "", "", "")]),
    ("scotland", "Scotland", [("GB", "GB-SCT", "", "")]),
    ("london", "London", [("GB", "", "SW", ""), ("GB", "", "EC", "")]),
    ("manchester", "Manchester and Leeds", [("GB", "", "M", ""), ("GB", "", "LS", "")]),
    (
        "nordics",
        "Nordics",
        [("SE", "", "", ""), ("NO", "", "", ""), ("FI", "", "", ""), ("DK", "", "", "")],
    ),
    ("sweden", "Sweden", [("SE", "", "", "")]),
    ("norrbotten", "Norrbotten mining belt", [("SE", "SE-BD", "", ""), ("SE", "SE-AC", "", "")]),
    ("norway", "Norway", [("NO", "", "", "")]),
    ("finland", "Finland", [("FI", "", "", "")]),
    ("denmark", "Denmark", [("DK", "", "", "")]),
    ("oslo", "Oslo fjord", [("NO", "NO-03", "", "")]),
    ("poland", "Poland", [("PL", "", "", "")]),
    ("silesia", "Silesia", [("PL", "PL-24", "", "")]),
    ("us", "United States", [("US", "", "", "")]),
    ("us-texas", "Texas", [("US", "US-TX", "", "")]),
    ("houston", "Houston metro", [("US", "", "770", "775")]),
    ("dallas", "Dallas–Fort Worth", [("US", "", "750", "761")]),
    (
        "us-great-lakes",
        "Great Lakes",
        [("US", "US-IL", "", ""), ("US", "US-OH", "", ""), ("US", "US-MI", "", "")],
    ),
    ("chicagoland", "Chicagoland", [("US", "", "600", "608")]),
    ("us-west", "US West", [("US", "US-CA", "", "")]),
    ("bay-area", "Bay Area", [("US", "", "940", "951")]),
    ("us-northeast", "US Northeast", [("US", "US-NY", "", ""), ("US", "US-PA", "", "")]),
    ("us-southeast", "US Southeast", [("US", "US-GA", "", "")]),
    ("canada", "Canada", [("CA", "", "", "")]),
    ("canada-east", "Ontario and Quebec", [("CA", "CA-ON", "", ""), ("CA", "CA-QC", "", "")]),
    ("canada-west", "Western Canada", [("CA", "CA-AB", "", ""), ("CA", "CA-BC", "", "")]),
    ("emerging", "Expansion markets", [("CZ", "", "", ""), ("HU", "", "", ""), ("RO", "", "", "")]),
]
PARTNER_TIERS = ["platinum", "gold", "silver", "registered"]
PARTNERS = 40
TEAMS = [
    "Strategic Accounts DACH",
    "Strategic Accounts France",
    "Key Accounts Benelux",
    "Key Accounts UK",
    "Direct Nordics",
    "Direct Southern Europe",
    "Key Accounts US East",
    "Key Accounts US West",
    "Direct Canada",
    "Inside Sales Europe",
]
REPS = 60
TARGET_LISTS = [
    "ABM 2027",
    "Mining expansion",
    "Rental conversion",
    "Utilities framework",
    "Win-back",
]


@dataclass
class World:
    tenant: Tenant
    admin: Any
    territories: dict[str, int] = field(default_factory=dict)
    partners: list[int] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    reps: list[tuple[int, int]] = field(default_factory=list)  # (user id, team id)
    target_lists: list[int] = field(default_factory=list)
    product_lines: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def generate(slug: str, accounts: int, opportunities: int, *, seed: int = 2026) -> World:
    """Create the tenant and its data; returns what the rules refer to. Call outside any scope."""
    from django.db import transaction

    from core.tenancy import tenant_scope
    from tenancy.models import Membership, Tenant, User

    tenant = Tenant.objects.create(name="Bench Heavy Equipment", slug=slug, currency="EUR")
    admin = User.objects.create_user(f"admin@{slug}.example", "bench-password-1")
    rng = random.Random(seed)
    with tenant_scope(tenant), transaction.atomic():
        Membership.objects.create(tenant=tenant, user=admin, role="revops_admin")
        world = World(tenant=tenant, admin=admin)
        _who(world, rng)
        _catalog(world)
        _territories(world, rng)
    with tenant_scope(tenant):
        _accounts(world, rng, accounts)
        _opportunities(world, rng, opportunities)
    return world


def _who(world: World, rng: random.Random) -> None:
    from tenancy.models import Membership, Partner, Team, User

    tenant = world.tenant
    teams = Team.objects.bulk_create(
        [Team(tenant=tenant, name=name, external_id=f"T{i}") for i, name in enumerate(TEAMS)]
    )
    partners = Partner.objects.bulk_create(
        [
            Partner(
                tenant=tenant,
                name=f"Distributor {i:02d}",
                tier=PARTNER_TIERS[min(i // 6, 3)] if i < 24 else rng.choice(PARTNER_TIERS[2:]),
                external_id=f"P{i}",
            )
            for i in range(PARTNERS)
        ]
    )
    users = User.objects.bulk_create(
        [User(email=f"rep{i}@{tenant.slug}.example", full_name=f"Rep {i}") for i in range(REPS)]
    )
    Membership.objects.bulk_create(
        [
            Membership(tenant=tenant, user=user, role="direct_rep", team=teams[i % len(teams)])
            for i, user in enumerate(users)
        ]
    )
    world.teams = [t.pk for t in teams]
    world.partners = [p.pk for p in partners]
    world.reps = [(u.pk, teams[i % len(teams)].pk) for i, u in enumerate(users)]


def _catalog(world: World) -> None:
    from accounts.models import Product, ProductLine, Segment, Tier

    tenant = world.tenant
    Tier.objects.bulk_create(
        [Tier(tenant=tenant, key=k, name=k.title(), rank=i) for i, k in enumerate(TIERS, 1)]
    )
    Segment.objects.bulk_create(
        [Segment(tenant=tenant, key=k, name=k.title(), rank=i) for i, k in enumerate(SEGMENTS, 1)]
    )
    lines = ProductLine.objects.bulk_create(
        [
            ProductLine(tenant=tenant, code=code, name=name, service_heavy=heavy, external_id=code)
            for code, name, heavy, _ in PRODUCT_LINES
        ]
    )
    Product.objects.bulk_create(
        [
            Product(
                tenant=tenant,
                product_line=line,
                sku=f"{code.upper()}-{n}",
                name=f"{name} {n}",
                list_price=Decimal(price),
                currency="EUR",
                external_id=f"{code}-{n}",
            )
            for line, (code, name, _, prices) in zip(lines, PRODUCT_LINES, strict=True)
            for n, price in enumerate(prices)
        ]
    )
    world.product_lines = {line.code: line.pk for line in lines}


def _territories(world: World, rng: random.Random) -> None:
    from guardrails.models import PartnerAuthorization, Territory, TerritoryArea

    tenant = world.tenant
    territories = Territory.objects.bulk_create(
        [Territory(tenant=tenant, code=code, name=name) for code, name, _ in TERRITORIES]
    )
    TerritoryArea.objects.bulk_create(
        [
            TerritoryArea(
                tenant=tenant,
                territory=territory,
                country=country,
                region=region,
                postal_from=postal_from,
                postal_to=postal_to,
            )
            for territory, (_, _, areas) in zip(territories, TERRITORIES, strict=True)
            for country, region, postal_from, postal_to in areas
        ]
    )
    world.territories = {t.code: t.pk for t in territories}
    world.counts["territories"] = len(territories)
    # Each partner covers a few territories, for every line or for some; a few authorizations
    # ended or end soon, as in life.
    today = date.today()
    lines = list(world.product_lines.values())
    authorizations = []
    for partner in world.partners:
        for territory in rng.sample(territories, rng.randint(2, 6)):
            scoped = rng.random() < 0.5
            for line in rng.sample(lines, rng.randint(2, 5)) if scoped else [None]:
                ends = rng.random()
                starts = today - timedelta(days=rng.randint(30, 1500))
                authorizations.append(
                    PartnerAuthorization(
                        tenant=tenant,
                        partner_id=partner,
                        territory=territory,
                        product_line_id=line,
                        valid_from=starts,
                        valid_until=None
                        if ends < 0.8
                        else max(starts, today + timedelta(days=rng.randint(-200, 120))),
                    )
                )
    PartnerAuthorization.objects.bulk_create(authorizations, batch_size=BATCH)
    world.counts["authorizations"] = len(authorizations)


def _postal_code(rng: random.Random, country: str, digits: int, region: str) -> str:
    if country == "GB":
        return (
            rng.choice(GB_OUTWARD[region])
            + f" {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
        )
    if country == "CA":
        return f"{rng.choice(CA_FSA[region])} {rng.randint(1, 9)}{rng.choice('ABCEGH')}{rng.randint(1, 9)}"
    prefix = rng.choice(POSTAL_PREFIX.get(region, [""]))
    rest = digits - len(prefix)
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(rest))


def _accounts(world: World, rng: random.Random, count: int) -> None:
    from django.db import transaction

    from accounts.models import (
        Account,
        AccountProductLine,
        Segment,
        TargetList,
        TargetListMember,
        Tier,
    )
    from core.sync import change_sequence

    tenant = world.tenant
    tiers = dict(Tier.objects.values_list("key", "id"))
    segments = list(Segment.objects.values_list("id", flat=True))
    lines = list(world.product_lines.values())
    countries = [g for g in GEOGRAPHY]
    weights = [g[1] for g in GEOGRAPHY]
    target_lists = TargetList.objects.bulk_create(
        [
            TargetList(tenant=tenant, name=name, external_id=f"TL{i}")
            for i, name in enumerate(TARGET_LISTS)
        ]
    )
    world.target_lists = [t.pk for t in target_lists]
    made = 0
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            country, _, digits, regions = rng.choices(countries, weights)[0]
            region = rng.choice(regions)
            tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
            size = {"strategic": 4, "key": 3, "growth": 2, "transactional": 0}[tier]
            band = min(max(size + rng.randint(-1, 1), 0), 5)
            owner = rng.random()
            rep_user, rep_team = world.reps[n % len(world.reps)]
            direct = owner < 0.45 or tier == "strategic"
            partner = not direct and owner < 0.85
            rows.append(
                Account(
                    tenant=tenant,
                    external_id=f"BA{n}",
                    name=f"Customer {n}",
                    segment_id=rng.choice(segments),
                    tier_id=tiers[tier],
                    employee_band=EMPLOYEE_BANDS[band],
                    revenue_band=REVENUE_BANDS[min(max(band + rng.randint(-1, 1), 0), 5)],
                    country=country,
                    region=region,
                    postal_code=_postal_code(rng, country, digits, region),
                    service_needs=sorted(rng.sample(SERVICE_NEEDS, rng.choice([0, 1, 1, 2, 3]))),
                    owner_user_id=rep_user if direct else None,
                    owner_team_id=rep_team if direct else None,
                    owner_partner_id=rng.choice(world.partners) if partner else None,
                    named_account=tier == "strategic" or (tier == "key" and rng.random() < 0.2),
                    lifecycle=rng.choice(["prospect", "customer", "customer"]),
                )
            )
        with transaction.atomic():
            sequence = change_sequence()
            for row in rows:
                row.sync_seq = sequence
            created = Account.objects.bulk_create(rows, batch_size=BATCH)
            made += len(created)
            owned, members = [], []
            for account in created:
                for line in rng.sample(lines, rng.choice([1, 2, 2, 3, 4])):
                    owned.append(
                        AccountProductLine(
                            tenant=tenant,
                            account=account,
                            product_line_id=line,
                            relation=rng.choice(["interest", "installed"]),
                        )
                    )
                if rng.random() < 0.06:
                    members.append(
                        TargetListMember(
                            tenant=tenant,
                            target_list_id=rng.choice(world.target_lists),
                            account=account,
                        )
                    )
            AccountProductLine.objects.bulk_create(owned, batch_size=BATCH)
            TargetListMember.objects.bulk_create(members, batch_size=BATCH, ignore_conflicts=True)
    world.counts["accounts"] = made
    world.counts["countries"] = len(GEOGRAPHY)
    world.counts["account_product_lines"] = AccountProductLine.objects.count()
    world.counts["target_list_members"] = TargetListMember.objects.count()


def _opportunities(world: World, rng: random.Random, count: int) -> None:
    """`count` open opportunities with one to three lines each, and a fifth as many closed ones."""
    from django.db import transaction

    from accounts.models import Account, Product
    from core.acting import SystemActor
    from core.sync import change_sequence
    from pipeline.models import Opportunity, OpportunityLine, Stage
    from pipeline.services import ensure_default_stages

    tenant = world.tenant
    ensure_default_stages(tenant, acting=SystemActor("bench"))
    stages = list(Stage.objects.order_by("order"))
    open_stages = [s for s in stages if s.outcome == "open"]
    closed_stages = [s for s in stages if s.outcome != "open"]
    accounts = list(
        Account.objects.order_by("id").values_list(
            "id", "owner_user_id", "owner_team_id", "owner_partner_id"
        )
    )
    products = list(Product.objects.values_list("id", "list_price"))
    today = date.today()
    total = count + count // 5
    made = lines_made = 0
    for start in range(0, total, BATCH):
        with transaction.atomic():
            sequence = change_sequence()
            rows = []
            for n in range(start, min(start + BATCH, total)):
                account, user, team, partner = rng.choice(accounts)
                is_open = n < count
                opened = today - timedelta(days=rng.randint(5, 400))
                rows.append(
                    Opportunity(
                        tenant=tenant,
                        external_id=f"BO{n}",
                        account_id=account,
                        name=f"Opportunity {n}",
                        amount=Decimal(rng.choice([8, 15, 24, 48, 95, 180, 320, 650, 1200])) * 1000,
                        currency="EUR",
                        stage=rng.choice(open_stages if is_open else closed_stages),
                        opened_on=opened,
                        expected_close_on=opened + timedelta(days=rng.randint(45, 200)),
                        closed_on=None if is_open else today,
                        route="partner" if partner else "direct",
                        owner_user_id=user,
                        owner_team_id=team,
                        partner_id=partner,
                        source="partner" if partner else "direct",
                        sync_seq=sequence,
                    )
                )
            created = Opportunity.objects.bulk_create(rows, batch_size=BATCH)
            lines = []
            for opportunity in created:
                for product, price in rng.sample(products, rng.randint(1, 3)):
                    lines.append(
                        OpportunityLine(
                            tenant=tenant,
                            opportunity=opportunity,
                            product_id=product,
                            quantity=Decimal(rng.randint(1, 4)),
                            list_price=price,
                            discount_pct=Decimal(rng.choice([0, 2, 5, 8, 12, 18, 25, 35])),
                        )
                    )
            OpportunityLine.objects.bulk_create(lines, batch_size=BATCH)
            made += len(created)
            lines_made += len(lines)
    world.counts["open_opportunities"] = count
    world.counts["opportunities"] = made
    world.counts["opportunity_lines"] = lines_made


# --- the rulebook -----------------------------------------------------------------------------


def rule_specs(world: World, count: int = 200, *, seed: int = 7) -> list[dict[str, Any]]:
    """`count` rules, the last one the default, mixing every kind of condition the way a RevOps
    team writes them: reservations first (named accounts, target lists, strategic tiers), then
    deal size and product mix, then territory-by-territory rules, then ownership fallbacks.

    Territory rules combine one territory with one segment, so none is a narrower copy of an
    earlier one (which lint would refuse as shadowed)."""
    rng = random.Random(seed)
    codes = list(world.territories)
    lines = list(world.product_lines)
    heavy = [code for code, _, is_heavy, _ in PRODUCT_LINES if is_heavy]
    rules: list[dict[str, Any]] = []

    def add(name: str, conditions: list[dict], outcome: str, target: dict, rationale: str) -> None:
        rules.append(
            {
                "name": name,
                "conditions": conditions,
                "outcome": outcome,
                "rationale": rationale,
                "is_default": False,
                **target,
            }
        )

    def team(i: int) -> dict:
        return {"target_kind": "team", "target_team": world.teams[i % len(world.teams)]}

    authorized = {"target_kind": "authorized"}
    add(
        "Named accounts stay direct",
        [{"field": "named_account", "op": "is", "value": True}],
        "direct",
        {"target_kind": "owner"},
        "Named accounts are served by their account team.",
    )
    for i, target_list in enumerate(world.target_lists):
        add(
            f"{TARGET_LISTS[i]} list",
            [{"field": "target_list", "op": "any", "value": [target_list]}],
            "direct" if i % 2 == 0 else "open",
            team(i) if i % 2 == 0 else authorized,
            f"Accounts on the {TARGET_LISTS[i]} list are worked as a campaign.",
        )
    add(
        "Mega deals open to both",
        [{"field": "deal_size", "op": "between", "value": {"min": 1_000_000, "max": None}}],
        "open",
        authorized,
        "Deals above one million go through deal registration.",
    )
    add(
        "Service-heavy mix to partners",
        [
            {"field": "product_mix", "op": "at_least", "value": 80},
            {"field": "employee_band", "op": "between", "value": {"min": None, "max": "200-499"}},
        ],
        "partner",
        authorized,
        "Parts and service buyers are best served locally.",
    )
    # Territory-and-segment rules, with varied extra conditions.
    pairs = [(t, s) for t in codes for s in SEGMENTS]
    rng.shuffle(pairs)
    remaining = count - len(rules) - 6  # ownership fallbacks and the default come last
    for territory, segment in pairs[:remaining]:
        conditions: list[dict[str, Any]] = [
            {"field": "territory", "op": "in", "value": [territory]},
            {"field": "segment", "op": "in", "value": [segment]},
        ]
        extra = rng.random()
        if extra < 0.25:
            low, high = sorted(rng.sample(range(len(EMPLOYEE_BANDS)), 2))
            conditions.append(
                {
                    "field": "employee_band",
                    "op": "between",
                    "value": {"min": EMPLOYEE_BANDS[low], "max": EMPLOYEE_BANDS[high]},
                }
            )
        elif extra < 0.45:
            conditions.append(
                {"field": "tier", "op": "in", "value": rng.sample(TIERS[1:], rng.randint(1, 2))}
            )
        elif extra < 0.6:
            conditions.append(
                {
                    "field": "product_line",
                    "op": "any",
                    "value": rng.sample(lines, rng.randint(1, 3)),
                }
            )
        elif extra < 0.7:
            conditions.append(
                {"field": "service_need", "op": "any", "value": rng.sample(SERVICE_NEEDS, 2)}
            )
        elif extra < 0.8:
            lowest = rng.choice(REVENUE_BANDS[:4])
            conditions.append(
                {"field": "revenue_band", "op": "between", "value": {"min": lowest, "max": None}}
            )
        elif extra < 0.87:
            conditions.append({"field": "product_line", "op": "none", "value": [rng.choice(heavy)]})
        elif extra < 0.93:
            conditions.append(
                {"field": "owner", "op": "is", "value": rng.choice(["partner", "none"])}
            )
        # else: territory and segment only
        kind = rng.random()
        target: dict[str, Any]
        if kind < 0.4:
            outcome, target, why = "partner", authorized, "Authorized partners cover this market."
        elif kind < 0.55:
            outcome, target, why = (
                "partner",
                {"target_kind": "partner", "target_partner": rng.choice(world.partners)},
                "Our appointed distributor for this market.",
            )
        elif kind < 0.8:
            outcome, target, why = (
                "direct",
                team(rng.randrange(len(TEAMS))),
                "Our direct team covers this market.",
            )
        else:
            outcome, target, why = "open", authorized, "Open to both; deal registration decides."
        add(f"{territory} / {segment}", conditions, outcome, target, why)
    add(
        "Partner-owned accounts stay with their partner",
        [{"field": "owner", "op": "is", "value": "partner"}],
        "partner",
        {"target_kind": "owner"},
        "The incumbent partner keeps the account.",
    )
    add(
        "Direct-owned key accounts",
        [
            {"field": "owner", "op": "is", "value": "direct"},
            {"field": "tier", "op": "in", "value": ["key"]},
        ],
        "direct",
        {"target_kind": "owner"},
        "Key accounts stay with their direct owner.",
    )
    add(
        "Small unowned accounts to partners",
        [
            {"field": "owner", "op": "is", "value": "none"},
            {"field": "employee_band", "op": "between", "value": {"min": None, "max": "50-199"}},
        ],
        "partner",
        authorized,
        "Small prospects are developed by partners.",
    )
    add(
        "Rental buyers to partners",
        [{"field": "service_need", "op": "any", "value": ["rental"]}],
        "partner",
        authorized,
        "Rental is a partner business.",
    )
    add(
        "Large companies direct",
        [{"field": "employee_band", "op": "between", "value": {"min": "1000-4999", "max": None}}],
        "direct",
        team(0),
        "Large companies are served directly.",
    )
    rules.append(
        {
            "name": "Everything else",
            "conditions": [],
            "outcome": "direct",
            "target_kind": "owner",
            "rationale": "Served by the account's current owner.",
            "is_default": True,
        }
    )
    return rules


def draft_changes(
    world: World, rules: list[dict[str, Any]], *, seed: int = 11
) -> list[dict[str, Any]]:
    """The rules of the simulated draft: a tenth of the territory rules flip their route and the
    service-mix threshold drops, so a few thousand accounts and their pipeline move."""
    rng = random.Random(seed)
    changed = [dict(rule) for rule in rules]
    for rule in changed:
        if rule["name"] == "Service-heavy mix to partners":
            rule["conditions"] = [
                {"field": "product_mix", "op": "at_least", "value": 60},
                {
                    "field": "employee_band",
                    "op": "between",
                    "value": {"min": None, "max": "500-999"},
                },
            ]
        elif " / " in rule["name"] and rng.random() < 0.1:
            if rule["outcome"] == "direct":
                rule.update(outcome="partner", target_kind="authorized", target_team=None)
                rule["rationale"] = "Moved to partners in the draft."
            else:
                rule.update(
                    outcome="direct",
                    target_kind="team",
                    target_partner=None,
                    target_team=rng.choice(world.teams),
                )
                rule["rationale"] = "Brought direct in the draft."
    return changed
