"""Demo customers for an industrial OEM: taxonomies, a product catalog, accounts across several
countries owned by direct reps or distributors by tier and territory, contacts and target lists.

Volumes per tenant at --scale 1: Acme 2,000 accounts and about 6,000 contacts; Globex a quarter.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.choices import (
    BuyingRole,
    ConsentStatus,
    EmployeeBand,
    Lifecycle,
    ProductRelation,
    RevenueBand,
    ServiceNeed,
)
from accounts.models import (
    Account,
    AccountDomain,
    AccountProductLine,
    Contact,
    Product,
    ProductLine,
    Segment,
    TargetList,
    TargetListMember,
    Tier,
)
from core.seeding import numbered, seed_numbered
from core.tenancy import tenant_scope
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant

ACCOUNTS = {"acme": 2000, "globex": 500}
TIERS = [
    ("strategic", "Strategic"),
    ("key", "Key"),
    ("growth", "Growth"),
    ("transactional", "Transactional"),
]
SEGMENTS = [
    ("mining", "Mining & quarrying"),
    ("construction", "Construction"),
    ("agriculture", "Agriculture"),
    ("utilities", "Utilities"),
    ("oil-gas", "Oil & gas"),
    ("manufacturing", "Manufacturing"),
    ("logistics", "Ports & logistics"),
    ("forestry", "Forestry"),
]
CATALOG = {
    "acme": [
        (
            "excavators",
            "Excavators",
            False,
            [
                ("EX-220", "Crawler excavator 22 t", 245000),
                ("EX-350", "Crawler excavator 35 t", 389000),
                ("EX-060", "Compact excavator 6 t", 78000),
            ],
        ),
        (
            "loaders",
            "Wheel loaders",
            False,
            [("WL-150", "Wheel loader 15 t", 198000), ("WL-250", "Wheel loader 25 t", 312000)],
        ),
        (
            "hydraulics",
            "Hydraulic components",
            False,
            [("HY-PMP-40", "Axial piston pump", 6400), ("HY-CYL-12", "Boom cylinder", 4100)],
        ),
        (
            "parts",
            "Spare parts",
            True,
            [
                ("SP-FLT-KIT", "Filter service kit", 420),
                ("SP-TRK-01", "Track chain assembly", 8900),
                ("SP-BKT-20", "Bucket teeth set", 1150),
            ],
        ),
        (
            "service",
            "Field service",
            True,
            [
                ("FS-PM-YEAR", "Preventive maintenance, yearly", 12500),
                ("FS-RESP-4H", "4-hour response contract", 21000),
            ],
        ),
        ("rental", "Rental fleet", True, [("RN-EX-MONTH", "Excavator rental, per month", 14500)]),
    ],
    "globex": [
        (
            "screw",
            "Rotary screw compressors",
            False,
            [("RS-37", "Rotary screw 37 kW", 38000), ("RS-90", "Rotary screw 90 kW", 71000)],
        ),
        ("portable", "Portable compressors", False, [("PT-185", "Portable 185 cfm", 24500)]),
        ("dryers", "Air treatment", False, [("DR-REF-500", "Refrigerated dryer", 9200)]),
        (
            "aftermarket",
            "Aftermarket parts",
            True,
            [("AM-SEP-KIT", "Separator kit", 640), ("AM-OIL-20", "Compressor oil 20 l", 310)],
        ),
        ("service", "Service plans", True, [("SV-CARE", "Care plan, yearly", 5400)]),
    ],
}
# country -> regions (ISO 3166-2) and the demo partner that covers it (None: direct only)
TERRITORIES = {
    "acme": [
        (
            "DE",
            ["DE-BY", "DE-BW"],
            "alpine",
            ["München", "Augsburg", "Stuttgart", "Ulm", "Regensburg"],
        ),
        (
            "DE",
            ["DE-NW", "DE-HE", "DE-NI"],
            "rhein",
            ["Köln", "Dortmund", "Frankfurt", "Hannover", "Essen"],
        ),
        ("AT", ["AT-4", "AT-6", "AT-9"], "alpine", ["Linz", "Graz", "Wien"]),
        ("CH", ["CH-ZH", "CH-BE"], "alpine", ["Zürich", "Bern"]),
        ("SE", ["SE-AB", "SE-O", "SE-BD"], "nordic", ["Stockholm", "Göteborg", "Luleå"]),
        ("NO", ["NO-03", "NO-46"], "nordic", ["Oslo", "Bergen"]),
        ("FI", ["FI-18", "FI-11"], "nordic", ["Helsinki", "Tampere"]),
        ("PL", ["PL-14", "PL-24"], "baltic", ["Warszawa", "Katowice"]),
    ],
    "globex": [
        (
            "US",
            ["US-IL", "US-MI", "US-OH", "US-WI"],
            "greatlakes",
            ["Chicago", "Detroit", "Cleveland", "Milwaukee"],
        ),
        ("US", ["US-TX", "US-LA"], "gulfcoast", ["Houston", "Dallas", "Baton Rouge"]),
        ("US", ["US-KS", "US-NE", "US-IA"], "prairie", ["Wichita", "Omaha", "Des Moines"]),
    ],
}
# Account names are built from the row's number, so seeding stays deterministic and idempotent:
# a stem (two syllables) and a trade word in the country's language, then a legal form of the
# country. Numbers below STEMS x TRADES give distinct (stem, trade) pairs; above, a family name
# goes in front (LAST), so names stay distinct up to STEMS x TRADES x (1 + len(LAST)) accounts.
STEM_PARTS = {
    "european": (
        [
            "Berg",
            "Nord",
            "Stahl",
            "Fels",
            "Hafen",
            "Kraft",
            "Linden",
            "Eisen",
            "Holm",
            "Sand",
            "Granit",
            "Wald",
            "Falk",
            "Lund",
            "Ost",
            "Kies",
        ],
        [
            "bau",
            "werk",
            "stein",
            "mann",
            "dal",
            "tec",
            "strand",
            "feld",
            "haus",
            "port",
            "mark",
            "hof",
        ],
    ),
    "american": (
        [
            "Ridge",
            "Lake",
            "Iron",
            "Stone",
            "Prairie",
            "River",
            "Summit",
            "Harbor",
            "Oak",
            "Pine",
            "Cedar",
            "Granite",
            "Eagle",
            "Falcon",
            "North",
            "West",
        ],
        [
            "field",
            "view",
            "wood",
            "point",
            "land",
            "gate",
            "port",
            "ton",
            "ford",
            "brook",
            "crest",
            "line",
        ],
    ),
}
# Per country: its stems, trade words in its language and its legal forms.
GERMAN_TRADES = [
    "Bau",
    "Maschinenbau",
    "Logistik",
    "Technik",
    "Baustoffe",
    "Anlagenbau",
    "Industrie",
    "Transporte",
    "Tiefbau",
    "Umwelttechnik",
    "Metallbau",
    "Service",
]
NORDIC_TRADES = [
    "Entreprenad",
    "Maskin",
    "Industri",
    "Logistik",
    "Bygg",
    "Teknik",
    "Transport",
    "Gruppen",
    "Service",
    "Anlegg",
    "Energi",
    "Metall",
]
POLISH_TRADES = [
    "Budownictwo",
    "Maszyny",
    "Logistyka",
    "Technika",
    "Przemysł",
    "Transport",
    "Serwis",
    "Energia",
    "Instalacje",
    "Kruszywa",
    "Recykling",
    "Konstrukcje",
]
AMERICAN_TRADES = [
    "Construction",
    "Equipment",
    "Logistics",
    "Industries",
    "Materials",
    "Fabrication",
    "Energy",
    "Services",
    "Contracting",
    "Machinery",
    "Aggregates",
    "Manufacturing",
]
NAMING = {
    "DE": ("european", GERMAN_TRADES, ["GmbH", "AG", "GmbH & Co. KG"]),
    "AT": ("european", GERMAN_TRADES, ["GmbH", "AG"]),
    "CH": ("european", GERMAN_TRADES, ["AG", "GmbH"]),
    "SE": ("european", NORDIC_TRADES, ["AB"]),
    "NO": ("european", NORDIC_TRADES, ["AS"]),
    "FI": ("european", NORDIC_TRADES, ["Oy"]),
    "PL": ("european", POLISH_TRADES, ["Sp. z o.o.", "S.A."]),
    "US": ("american", AMERICAN_TRADES, ["Inc.", "LLC", "Corp."]),
}
NAME_SPACE = 16 * 12 * 12  # stems x trade words
NAME_STEP = 997  # a prime: consecutive numbers get unrelated names, and the mapping stays 1:1


def demo_account_name(index: int, country: str) -> str:
    """The demo account numbered `index` in `country`: "Granitfeld Maschinenbau GmbH",
    "Lundstrand Entreprenad AB", "Cedarbrook Fabrication LLC". Distinct for distinct numbers
    (see NAME_SPACE), whatever the country; no number in it."""
    stems, trades, legal_forms = NAMING.get(country, NAMING["US"])
    firsts, seconds = STEM_PARTS[stems]
    slot = (index * NAME_STEP) % NAME_SPACE
    stem = firsts[slot % 16] + seconds[slot // 16 % 12]
    trade = trades[slot // (16 * 12)]
    family = LAST[(index // NAME_SPACE - 1) % len(LAST)] + " " if index >= NAME_SPACE else ""
    return f"{family}{stem} {trade} {legal_forms[index % len(legal_forms)]}"


FIRST = [
    "Anna",
    "Jonas",
    "Lea",
    "Lukas",
    "Sofia",
    "Elias",
    "Mia",
    "Noah",
    "Emma",
    "Ben",
    "Ida",
    "Oskar",
    "Maja",
    "Henrik",
    "Laura",
    "Tomasz",
    "Karin",
    "James",
    "Maria",
    "David",
]
LAST = [
    "Müller",
    "Schmidt",
    "Andersson",
    "Nieminen",
    "Hansen",
    "Kowalski",
    "Huber",
    "Fischer",
    "Lindqvist",
    "Berg",
    "Novak",
    "Keller",
    "Weber",
    "Johnson",
    "Garcia",
    "Brown",
    "Olsen",
    "Wagner",
]
TITLES = [
    ("Plant manager", BuyingRole.DECISION_MAKER),
    ("Head of procurement", BuyingRole.PROCUREMENT),
    ("Fleet manager", BuyingRole.TECHNICAL_EVALUATOR),
    ("CFO", BuyingRole.ECONOMIC_BUYER),
    ("Maintenance lead", BuyingRole.USER),
    ("Operations director", BuyingRole.INFLUENCER),
]
BANDS_BY_TIER = {
    "strategic": (
        [EmployeeBand.B1000_4999, EmployeeBand.B5000],
        [RevenueBand.R250M_1B, RevenueBand.R1B],
    ),
    "key": (
        [EmployeeBand.B500_999, EmployeeBand.B1000_4999],
        [RevenueBand.R50_250M, RevenueBand.R250M_1B],
    ),
    "growth": (
        [EmployeeBand.B50_199, EmployeeBand.B200_499],
        [RevenueBand.R10_50M, RevenueBand.R50_250M],
    ),
    "transactional": (
        [EmployeeBand.B1_49, EmployeeBand.B50_199],
        [RevenueBand.R_1M, RevenueBand.R1_10M],
    ),
}


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug, base in ACCOUNTS.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            made = seed_tenant(tenant, round(base * scale))
        if stdout is not None:
            stdout.write(
                f"accounts: {slug}: {made['accounts']} accounts, {made['contacts']} contacts created"
            )


def seed_tenant(tenant: Tenant, accounts: int) -> dict[str, int]:
    for rank, (key, name) in enumerate(TIERS, start=1):
        Tier.objects.get_or_create(tenant=tenant, key=key, defaults={"name": name, "rank": rank})
    for rank, (key, name) in enumerate(SEGMENTS, start=1):
        Segment.objects.get_or_create(tenant=tenant, key=key, defaults={"name": name, "rank": rank})
    for code, name, service_heavy, products in CATALOG[tenant.slug]:
        line, _ = ProductLine.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={"name": name, "service_heavy": service_heavy, "external_id": f"PL-{code}"},
        )
        for sku, product_name, price in products:
            Product.objects.get_or_create(
                tenant=tenant,
                sku=sku,
                defaults={
                    "product_line": line,
                    "name": product_name,
                    "list_price": Decimal(price),
                    "currency": tenant.currency,
                    "external_id": f"PR-{sku}",
                },
            )
    world = _Context(tenant)
    made_accounts = seed_numbered(Account, "DEMO-A", accounts, world.account)
    world.load_accounts()
    made_contacts = seed_numbered(Contact, "DEMO-C", accounts * 3, world.contact)
    world.account_parts()
    _target_lists(tenant)
    return {"accounts": made_accounts, "contacts": made_contacts}


class _Context:
    """What the row builders need, loaded once per tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.tiers = {t.key: t for t in Tier.objects.all()}
        self.segments = list(Segment.objects.all())
        self.lines = list(ProductLine.objects.all())
        self.partners = {p.external_id.removeprefix("P-"): p for p in Partner.objects.all()}
        reps = Membership.objects.filter(role=Role.DIRECT_REP, is_active=True).select_related(
            "user"
        )
        self.reps = sorted(reps, key=lambda m: m.user.email)
        self.accounts: dict[int, Account] = {}

    def account(self, index: int, rng: random.Random) -> Account:
        tier = rng.choices(
            ["strategic", "key", "growth", "transactional"], weights=[5, 15, 40, 40]
        )[0]
        country, regions, partner_key, cities = rng.choice(TERRITORIES[self.tenant.slug])
        name = demo_account_name(index, country)
        employees, revenue = BANDS_BY_TIER[tier]
        direct = (
            tier in ("strategic", "key")
            or partner_key not in self.partners
            or not rng.random() < 0.9
        )
        rep = self.reps[index % len(self.reps)] if self.reps else None
        return Account(
            tenant=self.tenant,
            external_id=numbered("DEMO-A", index),
            name=name,
            legal_name=name,
            segment=rng.choice(self.segments),
            tier=self.tiers[tier],
            employee_band=rng.choice(employees),
            revenue_band=rng.choice(revenue),
            country=country,
            region=rng.choice(regions),
            city=rng.choice(cities),
            postal_code=f"{rng.randint(10000, 99999)}",
            service_needs=sorted(rng.sample(ServiceNeed.values, rng.randint(0, 3))),
            owner_user=rep.user if direct and rep else None,
            owner_team_id=rep.team_id if direct and rep else None,
            owner_partner=None if direct and rep else self.partners.get(partner_key),
            named_account=tier == "strategic",
            lifecycle=rng.choices(Lifecycle.values, weights=[30, 60, 7, 3])[0],
        )

    def load_accounts(self) -> None:
        self.accounts = {
            int(a.external_id.rsplit("-", 1)[1]): a
            for a in Account.objects.filter(external_id__startswith="DEMO-A-").only(
                "id", "name", "country", "external_id"
            )
        }

    def contact(self, index: int, rng: random.Random) -> Contact | None:
        account = self.accounts.get((index + 2) // 3)
        if account is None:
            return None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        title, role = rng.choice(TITLES)
        domain = (
            account.name.split(" ")[0]
            .lower()
            .replace("ü", "ue")
            .replace("ö", "oe")
            .replace("ä", "ae")
        )
        return Contact(
            tenant=self.tenant,
            external_id=numbered("DEMO-C", index),
            account=account,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{index}@{domain}.example",
            title=title,
            buying_role=role,
            consent=rng.choice(ConsentStatus.values),
            opted_out=rng.random() < 0.03,
        )

    def account_parts(self) -> None:
        """Domains and product lines for demo accounts that have none yet."""
        done = set(AccountDomain.objects.values_list("account_id", flat=True))
        domains, lines = [], []
        for index, account in self.accounts.items():
            if account.pk in done:
                continue
            rng = random.Random(f"parts:{index}")
            slug = (
                account.name.split(" ")[0]
                .lower()
                .replace("ü", "ue")
                .replace("ö", "oe")
                .replace("ä", "ae")
            )
            domains.append(
                AccountDomain(tenant=self.tenant, account=account, domain=f"{slug}-{index}.example")
            )
            for line in rng.sample(self.lines, 2):
                relation = rng.choice(ProductRelation.values)
                lines.append(
                    AccountProductLine(
                        tenant=self.tenant, account=account, product_line=line, relation=relation
                    )
                )
        AccountDomain.objects.bulk_create(domains, batch_size=2000)
        AccountProductLine.objects.bulk_create(lines, batch_size=2000, ignore_conflicts=True)


def _target_lists(tenant: Tenant) -> None:
    specs = [
        (
            "ABM 2027: strategic accounts",
            "Strategic tier, direct-named",
            {"tier__key": "strategic"},
        ),
        ("Mining expansion", "Mining accounts with a service need", {"segment__key": "mining"}),
    ]
    for name, reason, criteria in specs:
        target_list, created = TargetList.objects.get_or_create(
            tenant=tenant,
            name=name,
            defaults={
                "refreshed_at": timezone.now(),
                "refresh_note": "Seeded from tier and segment",
                "external_id": f"TL-{name[:20]}",
            },
        )
        if created:
            accounts = Account.objects.filter(**criteria).order_by("id")[:150]
            TargetListMember.objects.bulk_create(
                [
                    TargetListMember(
                        tenant=tenant, target_list=target_list, account=a, reason=reason
                    )
                    for a in accounts
                ]
            )
