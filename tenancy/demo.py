"""Demo who-is-who: two manufacturers, their distributors and direct teams, a user of every role,
and one distributor employee who sells for both manufacturers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from core.tenancy import tenant_scope
from tenancy.choices import PartnerTier, Role
from tenancy.models import Membership, Partner, Team, Tenant, User

DEMO_PASSWORD = "demo-channel-2026"

TENANTS: list[dict[str, Any]] = [
    {
        "slug": "acme",
        "name": "Acme Heavy Equipment",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "fiscal_year_start_month": 1,
        "partners": [
            ("Nordic Industrial Supply", PartnerTier.PLATINUM, "nordic"),
            ("Rhein Hydraulik GmbH", PartnerTier.GOLD, "rhein"),
            ("Alpine Parts & Service", PartnerTier.SILVER, "alpine"),
            ("Baltic Machinery Rental", PartnerTier.REGISTERED, "baltic"),
        ],
        "teams": [("Strategic Accounts DACH", "DACH"), ("Direct Nordics", "Nordics")],
    },
    {
        "slug": "globex",
        "name": "Globex Compressors",
        "timezone": "America/Chicago",
        "currency": "USD",
        "fiscal_year_start_month": 10,
        "partners": [
            ("Great Lakes Air Systems", PartnerTier.PLATINUM, "greatlakes"),
            ("Gulf Coast Industrial", PartnerTier.GOLD, "gulfcoast"),
            ("Prairie Pneumatics", PartnerTier.SILVER, "prairie"),
        ],
        "teams": [("Key Accounts East", "US East"), ("Key Accounts West", "US West")],
    },
]

# (tenant, role, email, full name, partner key or team index)
USERS: list[tuple[str, Role, str, str, Any]] = [
    ("acme", Role.REVOPS_ADMIN, "admin@acme.example", "Ann Adler", None),
    ("acme", Role.DIRECT_MANAGER, "manager@acme.example", "Max Meyer", 0),
    ("acme", Role.DIRECT_REP, "rep@acme.example", "Ravi Rao", 0),
    ("acme", Role.DIRECT_REP, "rep2@acme.example", "Nina Lund", 1),
    ("acme", Role.PARTNER_ADMIN, "admin@nordic.example", "Pat Nyberg", "nordic"),
    ("acme", Role.PARTNER_REP, "rep@nordic.example", "Quinn Holm", "nordic"),
    ("acme", Role.PARTNER_ADMIN, "admin@rhein.example", "Rita Becker", "rhein"),
    ("acme", Role.PARTNER_REP, "rep@alpine.example", "Sepp Huber", "alpine"),
    ("globex", Role.REVOPS_ADMIN, "admin@globex.example", "Bo Brandt", None),
    ("globex", Role.DIRECT_MANAGER, "manager@globex.example", "Gail Grant", 0),
    ("globex", Role.DIRECT_REP, "rep@globex.example", "Hank Hill", 1),
    ("globex", Role.PARTNER_ADMIN, "admin@greatlakes.example", "Lena Lake", "greatlakes"),
    ("globex", Role.PARTNER_REP, "rep@gulfcoast.example", "Carlos Ruiz", "gulfcoast"),
    # One distributor employee selling for both manufacturers.
    ("acme", Role.PARTNER_REP, "dual@multiline.example", "Dana Dual", "baltic"),
    ("globex", Role.PARTNER_REP, "dual@multiline.example", "Dana Dual", "prairie"),
]


@transaction.atomic
def seed(stdout: Any = None, scale: float = 1.0) -> None:
    tenants = {spec["slug"]: _tenant(spec) for spec in TENANTS}
    # Every demo login has the same password: hashed once (a hash takes a quarter of a second
    # on purpose), not once per user.
    hashed = ""
    for slug, role, email, full_name, org in USERS:
        tenant = tenants[slug]
        user = User.objects.filter(email=email).first()
        if user is None:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User.objects.create_user(email=email, full_name=full_name)
            user.password = hashed
            user.save(update_fields=["password"])
        with tenant_scope(tenant):
            partner = Partner.objects.get(external_id=f"P-{org}") if isinstance(org, str) else None
            team = None
            if role in Role.direct_roles():
                team = Team.objects.get(external_id=f"T-{org + 1}")
            Membership.objects.get_or_create(
                tenant=tenant, user=user, defaults={"role": role, "partner": partner, "team": team}
            )
    if stdout is not None:
        stdout.write(f"tenancy: {len(tenants)} tenants, {len({u[2] for u in USERS})} users")


def _tenant(spec: dict[str, Any]) -> Tenant:
    fields = {k: spec[k] for k in ("name", "timezone", "currency", "fiscal_year_start_month")}
    tenant, _ = Tenant.objects.get_or_create(slug=spec["slug"], defaults=fields)
    with tenant_scope(tenant):
        for name, tier, key in spec["partners"]:
            Partner.objects.get_or_create(
                tenant=tenant, external_id=f"P-{key}", defaults={"name": name, "tier": tier}
            )
        for index, (name, region) in enumerate(spec["teams"], start=1):
            Team.objects.get_or_create(
                tenant=tenant, external_id=f"T-{index}", defaults={"name": name, "region": region}
            )
    return tenant


def logins() -> list[tuple[str, str, str, str]]:
    return [(role.value, slug, email, DEMO_PASSWORD) for slug, role, email, _, _ in USERS]
