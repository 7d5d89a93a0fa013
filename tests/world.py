"""A small fixed world for tests: two tenants, two competing partners and two teams in the first,
a user of every role, and names that mark what must never leak to whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import TargetListMember
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
    TargetListFactory,
    TierFactory,
)
from core.acting import SystemActor
from core.tenancy import tenant_scope
from pipeline.models import Stage
from pipeline.services import ensure_default_stages
from pipeline.tests.factories import OpportunityFactory, TouchFactory
from tenancy.choices import PartnerTier, Role
from tenancy.models import Membership, Tenant, User
from tenancy.services import issue_api_token
from tenancy.tests.factories import (
    MembershipFactory,
    PartnerFactory,
    TeamFactory,
    TenantFactory,
    UserFactory,
)

# Every name and email of the other tenant carries this, so a leak is a substring search.
OTHER_TENANT_MARK = "zzbetaleak"
# Every name and email of the competing partner (P2) carries this.
OTHER_PARTNER_MARK = "zzrivalleak"
FIRST_PARTNER_MARK = "zzfirstpartner"
# Rows only the direct side may see, and rows of each direct team.
DIRECT_ONLY_MARK = "zzdirectonly"
TEAM_MARKS = {"team": "zzteamnorth", "other_team": "zzteamsouth"}

# persona -> (tenant key, role, organisation key)
PERSONAS: dict[str, tuple[str, str, str | None]] = {
    "admin": ("a", Role.REVOPS_ADMIN, None),
    "manager": ("a", Role.DIRECT_MANAGER, "team"),
    "rep": ("a", Role.DIRECT_REP, "team"),
    "other_team_rep": ("a", Role.DIRECT_REP, "other_team"),
    "partner_admin": ("a", Role.PARTNER_ADMIN, "partner"),
    "partner_rep": ("a", Role.PARTNER_REP, "partner"),
    "rival_partner_admin": ("a", Role.PARTNER_ADMIN, "other_partner"),
    "outsider_admin": ("b", Role.REVOPS_ADMIN, None),
    "outsider_partner": ("b", Role.PARTNER_ADMIN, "b_partner"),
}
PARTNER_PERSONAS = {name for name, (_, role, _) in PERSONAS.items() if role in Role.partner_roles()}


@dataclass
class World:
    tenant: Tenant
    other_tenant: Any
    orgs: dict[str, Any]
    users: dict[str, User] = field(default_factory=dict)
    customers: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def partner(self) -> Any:
        return self.orgs["partner"]

    @property
    def other_partner(self) -> Any:
        return self.orgs["other_partner"]

    def membership(self, persona: str) -> Membership:
        """The persona's membership: who acts (`acting=`) when a test calls a service."""
        tenant = self.tenant if PERSONAS[persona][0] == "a" else self.other_tenant
        return Membership.all_tenants.select_related("user").get(
            tenant=tenant, user=self.users[persona]
        )

    def token(self, persona: str) -> str:
        if persona not in self.tokens:
            tenant = self.tenant if PERSONAS[persona][0] == "a" else self.other_tenant
            _, self.tokens[persona] = issue_api_token(
                tenant=tenant,
                user=self.users[persona],
                name=persona,
                acting=SystemActor("test world"),
            )
        return self.tokens[persona]

    def forbidden_marks(self, persona: str) -> list[str]:
        """Strings that must never appear in anything shown to `persona` in tenant A."""
        marks = [OTHER_TENANT_MARK]
        _, role, org = PERSONAS[persona]
        if persona in PARTNER_PERSONAS:
            marks += [DIRECT_ONLY_MARK, *TEAM_MARKS.values()]
            marks.append(OTHER_PARTNER_MARK if org == "partner" else FIRST_PARTNER_MARK)
        elif role == Role.DIRECT_REP:
            marks += [mark for team, mark in TEAM_MARKS.items() if team != org]
        return marks


def build_world() -> World:
    a = TenantFactory.create(name="Alpha Machines", slug="alpha")
    b = TenantFactory.create(name="Beta Pumps", slug="beta")
    orgs = {
        "partner": PartnerFactory.create(
            tenant=a, name="Alpha Distribution zzfirstpartner", tier=PartnerTier.GOLD
        ),
        "other_partner": PartnerFactory.create(tenant=a, name=f"Rival Supply {OTHER_PARTNER_MARK}"),
        "team": TeamFactory.create(tenant=a, name="Direct North"),
        "other_team": TeamFactory.create(tenant=a, name="Direct South"),
        "b_partner": PartnerFactory.create(tenant=b, name=f"Beta Partner {OTHER_TENANT_MARK}"),
        "b_team": TeamFactory.create(tenant=b, name=f"Beta Team {OTHER_TENANT_MARK}"),
    }
    world = World(tenant=a, other_tenant=b, orgs=orgs)
    for persona, (tenant_key, role, org_key) in PERSONAS.items():
        tenant = a if tenant_key == "a" else b
        if tenant_key == "b":
            email = f"{persona}@{OTHER_TENANT_MARK}.test"
        elif org_key == "other_partner":
            email = f"{persona}@{OTHER_PARTNER_MARK}.test"
        elif org_key == "partner":
            email = f"{persona}@zzfirstpartner.test"
        else:
            email = f"{persona}@alpha.test"
        user = UserFactory.create(email=email)
        org = orgs.get(org_key) if org_key else None
        MembershipFactory.create(
            tenant=tenant,
            user=user,
            role=role,
            partner=org if role in Role.partner_roles() else None,
            team=org if role in Role.direct_roles() else None,
        )
        world.users[persona] = user
    # A direct team member of tenant B, so B has users of every kind.
    MembershipFactory.create(
        tenant=b,
        user=UserFactory.create(email=f"rep@{OTHER_TENANT_MARK}.test"),
        role=Role.DIRECT_REP,
        team=orgs["b_team"],
    )
    build_customers(world)
    return world


def build_customers(world: World) -> None:
    """Accounts, contacts, opportunities, touches and target lists, one of each kind of owner."""
    a, b, orgs, users = world.tenant, world.other_tenant, world.orgs, world.users
    for tenant in (a, b):
        with tenant_scope(tenant):
            ensure_default_stages(tenant, acting=SystemActor("test world"))
    stage = Stage.all_tenants.get(tenant=a, key="propose")
    line = ProductLineFactory.create(tenant=a, code="hydraulics", name="Hydraulics")
    ProductFactory.create(tenant=a, product_line=line, sku="HYD-100", list_price=1200)
    TierFactory.create(tenant=a, key="strategic", name="Strategic")
    SegmentFactory.create(tenant=a, key="mining", name="Mining")
    owners = {
        "rep": {
            "owner_user": users["rep"],
            "owner_team": orgs["team"],
            "mark": f"{TEAM_MARKS['team']} {DIRECT_ONLY_MARK}",
        },
        "other_team": {
            "owner_user": users["other_team_rep"],
            "owner_team": orgs["other_team"],
            "mark": f"{TEAM_MARKS['other_team']} {DIRECT_ONLY_MARK}",
        },
        "partner": {"owner_partner": orgs["partner"], "mark": FIRST_PARTNER_MARK},
        "other_partner": {"owner_partner": orgs["other_partner"], "mark": OTHER_PARTNER_MARK},
    }
    world.customers = {}
    for key, spec in owners.items():
        spec = dict(spec)
        mark = spec.pop("mark")
        account = AccountFactory.create(
            tenant=a, name=f"Account {key} {mark}", external_id=f"ACC-{key}", **spec
        )
        ContactFactory.create(
            tenant=a, account=account, last_name=f"Contact {mark}", external_id=f"CON-{key}"
        )
        partner = spec.get("owner_partner")
        opportunity = OpportunityFactory.create(
            tenant=a,
            account=account,
            stage=stage,
            name=f"Deal {key} {mark}",
            external_id=f"OPP-{key}",
            route="partner" if partner else "direct",
            partner=partner,
            owner_user=spec.get("owner_user"),
            owner_team=spec.get("owner_team"),
        )
        TouchFactory.create(
            tenant=a,
            account=account,
            opportunity=opportunity,
            subject=f"Visit {mark}",
            route="partner" if partner else "direct",
            actor_partner=partner,
            actor_user=spec.get("owner_user"),
            external_id=f"TOU-{key}",
        )
        world.customers[key] = account
    north = TargetListFactory.create(tenant=a, name=f"ABM North {DIRECT_ONLY_MARK}")
    TargetListMember.all_tenants.create(
        tenant=a, target_list=north, account=world.customers["rep"], reason="Fleet renewal"
    )
    # Tenant B: one of everything, all marked.
    b_line = ProductLineFactory.create(
        tenant=b, code="hydraulics", name=f"Beta Line {OTHER_TENANT_MARK}"
    )
    ProductFactory.create(
        tenant=b, product_line=b_line, sku="HYD-100", name=f"Beta Pump {OTHER_TENANT_MARK}"
    )
    TierFactory.create(tenant=b, key="strategic", name=f"Beta Tier {OTHER_TENANT_MARK}")
    SegmentFactory.create(tenant=b, key="mining", name=f"Beta Segment {OTHER_TENANT_MARK}")
    b_account = AccountFactory.create(
        tenant=b, name=f"Beta Customer {OTHER_TENANT_MARK}", external_id="ACC-rep"
    )
    ContactFactory.create(
        tenant=b, account=b_account, last_name=f"Beta {OTHER_TENANT_MARK}", external_id="CON-rep"
    )
    b_opportunity = OpportunityFactory.create(
        tenant=b,
        account=b_account,
        stage=Stage.all_tenants.get(tenant=b, key="propose"),
        name=f"Beta Deal {OTHER_TENANT_MARK}",
    )
    TouchFactory.create(
        tenant=b, account=b_account, opportunity=b_opportunity, subject=f"Beta {OTHER_TENANT_MARK}"
    )
    TargetListFactory.create(tenant=b, name=f"Beta List {OTHER_TENANT_MARK}")
