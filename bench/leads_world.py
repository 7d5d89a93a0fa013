"""The world of the lead benchmark (bench/leads.py): the demo manufacturer `acme` (its partners,
teams, taxonomies, catalog, territories, authorizations and published rulebook come from the
demo modules), with 200,000 contacts at their accounts, and 100,000 leads to import.

People and companies come from bench/dedupe_data.py's `generate_import`: contacts are clean
records of people at companies in eleven countries; leads are corrupted records in which a share
are people among the contacts and a share repeat an earlier lead, with the truth kept. Accounts
are the contacts' companies (one per company and country), given a tier, segment, size and
owner the way the accounts demo does, a web domain (from their people's email) and two product
lines. The rulebook is the demo's, except that its default sends leads nobody else takes to the
inside sales team (the demo's default keeps them with the account's owner, which a stranger
does not have). More reps join the demo teams, so round robin has people to share among.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Django is set up inside build(), so the import waits until then
    from tenancy.models import Membership, Tenant

__all__ = ["World", "build_world", "lead_payloads"]

TIERS = (["strategic", "key", "growth", "transactional"], [5, 15, 40, 40])
BANDS = {
    "strategic": ["1000-4999", "5000+"],
    "key": ["500-999", "1000-4999"],
    "growth": ["50-199", "200-499"],
    "transactional": ["1-49", "50-199"],
}
# Country → partner key of the demo that covers it, and the direct team (1: DACH, 2: Nordics)
COVER = {
    "DE": ("rhein", 1),
    "AT": ("alpine", 1),
    "CH": ("alpine", 1),
    "SE": ("nordic", 2),
    "NO": ("nordic", 2),
    "FI": ("nordic", 2),
    "DK": ("nordic", 2),
    "PL": ("baltic", 2),
}
EXTRA_REPS = {"T-1": 6, "T-2": 4}
LINES = ["excavators", "loaders", "hydraulics", "parts", "service", "rental"]


@dataclass
class World:
    tenant: Tenant
    admin: Membership
    contacts: int
    accounts: int
    leads: list[dict]  # generated lead records (dedupe_data format)
    true_pairs: int
    seconds: dict[str, float]


def _country(raw: str) -> str:
    from routing.normalize import normalize_country

    return normalize_country(raw)


def build_world(n_contacts: int, n_leads: int, *, seed: int = 11) -> World:
    import time

    from dedupe_data import generate_import
    from django.db import transaction

    from accounts import demo as accounts_demo
    from accounts.models import (
        Account,
        AccountDomain,
        AccountProductLine,
        Contact,
        ProductLine,
        Segment,
        TargetList,
        TargetListMember,
        Tier,
    )
    from core.acting import SystemActor
    from core.audit import audit_context
    from core.sync import change_sequence
    from core.tenancy import tenant_scope
    from guardrails import demo as guardrails_demo
    from routing import dedupe_weights
    from routing import demo as routing_demo
    from routing.models import Assignee
    from routing.normalize import company_domain
    from tenancy import demo as tenancy_demo
    from tenancy.choices import Role
    from tenancy.models import Membership, Partner, Team, Tenant, User

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    data = generate_import(n_contacts, n_leads, contact_share=0.2, repeat_share=0.1, seed=seed)
    seconds["generate"] = time.perf_counter() - began

    began = time.perf_counter()
    tenancy_demo.seed()
    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant), audit_context(source="command"):
        admin = Membership.objects.select_related("user").get(user__email="admin@acme.example")
        accounts_demo.seed_tenant(tenant, 0)  # taxonomies, catalog and (empty) target lists
        teams = {t.external_id: t for t in Team.objects.all()}
        partners = {p.external_id.removeprefix("P-"): p.pk for p in Partner.objects.all()}
        for key, count in EXTRA_REPS.items():
            for n in range(count):
                email = f"bench-rep-{key.lower()}-{n}@acme.example"
                user = User.objects.filter(email=email).first() or User.objects.create_user(
                    email=email, password=None, full_name=f"Bench Rep {key} {n}"
                )
                Membership.objects.get_or_create(
                    tenant=tenant,
                    user=user,
                    defaults={"role": Role.DIRECT_REP, "team": teams[key]},
                )
        reps: dict[int, list[int]] = defaultdict(list)
        for user_id, team_id in Membership.objects.filter(role=Role.DIRECT_REP).values_list(
            "user_id", "team_id"
        ):
            reps[team_id].append(user_id)
        tiers = {t.key: t.pk for t in Tier.objects.all()}
        segments = list(Segment.objects.values_list("pk", flat=True))
        lines = {line.code: line.pk for line in ProductLine.objects.all()}

        # Accounts: one per company and country of the contacts.
        rng = random.Random(seed)
        keyed: dict[tuple[str, str], int] = {}
        accounts: list[Account] = []
        domains: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for record in data.contacts:
            country = _country(record["country"])
            company = (record["company"] or f"{record['last_name']} household", country)
            domain = company_domain(record["email"])
            if domain:
                domains[company][domain] += 1
            if company in keyed:
                continue
            keyed[company] = len(accounts)
            tier = rng.choices(*TIERS)[0]
            partner, team_index = COVER.get(country, (None, 1))
            team = teams[f"T-{team_index}"]
            direct = tier in ("strategic", "key") or partner is None or rng.random() < 0.1
            owner = rng.choice(reps[team.pk]) if direct else None
            accounts.append(
                Account(
                    tenant=tenant,
                    external_id=f"BA-{len(accounts)}",
                    name=company[0][:200],
                    legal_name=company[0][:200],
                    country=country,
                    city=record["city"][:100],
                    postal_code=record["postal_code"][:20],
                    tier_id=tiers[tier],
                    segment_id=rng.choice(segments),
                    employee_band=rng.choice(BANDS[tier]),
                    owner_user_id=owner,
                    owner_team_id=team.pk if direct else None,
                    owner_partner_id=None if direct or partner is None else partners.get(partner),
                    named_account=tier == "strategic",
                )
            )
        with transaction.atomic():
            sequence = change_sequence()
            for account in accounts:
                account.sync_seq = sequence
            Account.objects.bulk_create(accounts, batch_size=5000)
        account_of = {key: accounts[index].pk for key, index in keyed.items()}
        used: set[str] = set()
        rows = []
        for company, counts in domains.items():
            domain = counts.most_common(1)[0][0]
            if domain not in used:
                used.add(domain)
                rows.append(
                    AccountDomain(tenant=tenant, account_id=account_of[company], domain=domain)
                )
        AccountDomain.objects.bulk_create(rows, batch_size=5000)
        AccountProductLine.objects.bulk_create(
            [
                AccountProductLine(
                    tenant=tenant, account_id=a.pk, product_line_id=lines[code], relation="interest"
                )
                for a in accounts
                for code in random.Random(a.external_id).sample(LINES, 2)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        for target_list in TargetList.objects.all():
            criteria = (
                {"tier__key": "strategic"}
                if "ABM" in target_list.name
                else {"segment__key": "mining"}
            )
            TargetListMember.objects.bulk_create(
                [
                    TargetListMember(
                        tenant=tenant, target_list=target_list, account=a, reason="Bench"
                    )
                    for a in Account.objects.filter(**criteria).order_by("id")[:150]
                ]
            )

        # Contacts: every generated contact, at its company's account.
        for start in range(0, len(data.contacts), 10_000):
            with transaction.atomic():
                sequence = change_sequence()
                Contact.objects.bulk_create(
                    [
                        Contact(
                            tenant=tenant,
                            external_id=f"BC-{r['key']}",
                            account_id=account_of[
                                (
                                    r["company"] or f"{r['last_name']} household",
                                    _country(r["country"]),
                                )
                            ],
                            first_name=r["first_name"][:100],
                            last_name=r["last_name"][:100],
                            email=r["email"][:254],
                            phone=r["phone"][:40],
                            sync_seq=sequence,
                        )
                        for r in data.contacts[start : start + 10_000]
                    ],
                    batch_size=5000,
                )
    seconds["customers"] = time.perf_counter() - began

    # The demo rulebook, with a default that gives strangers to the inside sales team.
    began = time.perf_counter()
    guardrails_demo.DEFAULT_RULE = {
        **guardrails_demo.DEFAULT_RULE,
        "name": "Everyone else: inside sales",
        "target_kind": "team",
        "target_team": teams["T-1"].pk,
        "rationale": "Leads no other rule covers go to the inside sales desk.",
    }
    with tenant_scope(tenant), audit_context(actor=admin.user, source="command"):
        guardrails_demo._Seeder(tenant, admin).run()
        routing_demo._configure(tenant)
        # No capacity caps: a backlog of 100,000 would fill every inbox at once.
        Assignee.objects.update(capacity=None, away_from=None, away_until=None)
    seconds["rulebook"] = time.perf_counter() - began
    # The nightly run has learned the tenant's duplicate weights from its contacts (a tenant
    # without any would have its first big import wait for them: routing.intake).
    began = time.perf_counter()
    with tenant_scope(tenant):
        dedupe_weights.learn_tenant_weights(tenant, acting=SystemActor("bench"))
    seconds["learning"] = time.perf_counter() - began
    return World(
        tenant=tenant,
        admin=admin,
        contacts=len(data.contacts),
        accounts=len(accounts),
        leads=data.leads,
        true_pairs=len(data.true_pairs),
        seconds=seconds,
    )


def lead_payloads(records: list[dict], prefix: str = "BL") -> list[dict]:
    """API bulk records for generated leads: what they say about themselves, plus the interest
    and budget a lead form asks for."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    out = []
    for record in records:
        rng = random.Random(record["key"])
        email = record["email"][:254]
        try:
            validate_email(email)
        except ValidationError:
            email = ""  # a form would not have let it through
        payload = {
            "external_id": f"{prefix}-{record['key']}",
            "first_name": record["first_name"][:100],
            "last_name": record["last_name"][:100],
            "email": email,
            "phone": record["phone"][:40],
            "company": record["company"][:200],
            "street": record["street"][:200],
            "city": record["city"][:100],
            "postal_code": record["postal_code"][:20],
            "country": record["country"][:100],
            "product_interest": rng.sample(LINES, rng.choice([1, 1, 2])),
            "source_detail": "Bench import",
        }
        if rng.random() < 0.5:
            payload["estimated_amount"] = str(Decimal(rng.randrange(500, 400_000, 100)))
        out.append(payload)
    return out
