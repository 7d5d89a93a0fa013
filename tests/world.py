"""A small fixed world for tests: two tenants, two competing partners and two teams in the first,
a user of every role, and names that mark what must never leak to whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenancy.choices import PartnerTier, Role
from tenancy.models import User
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
    tenant: Any
    other_tenant: Any
    orgs: dict[str, Any]
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def partner(self) -> Any:
        return self.orgs["partner"]

    @property
    def other_partner(self) -> Any:
        return self.orgs["other_partner"]

    def token(self, persona: str) -> str:
        if persona not in self.tokens:
            tenant = self.tenant if PERSONAS[persona][0] == "a" else self.other_tenant
            _, self.tokens[persona] = issue_api_token(
                tenant=tenant, user=self.users[persona], name=persona
            )
        return self.tokens[persona]

    def forbidden_marks(self, persona: str) -> list[str]:
        """Strings that must never appear in anything shown to `persona` in tenant A."""
        marks = [OTHER_TENANT_MARK]
        if persona in PARTNER_PERSONAS and PERSONAS[persona][2] == "partner":
            marks.append(OTHER_PARTNER_MARK)
        if persona == "rival_partner_admin":
            marks.append("zzfirstpartner")
        return marks


def build_world() -> World:
    a = TenantFactory(name="Alpha Machines", slug="alpha")
    b = TenantFactory(name="Beta Pumps", slug="beta")
    orgs = {
        "partner": PartnerFactory(
            tenant=a, name="Alpha Distribution zzfirstpartner", tier=PartnerTier.GOLD
        ),
        "other_partner": PartnerFactory(tenant=a, name=f"Rival Supply {OTHER_PARTNER_MARK}"),
        "team": TeamFactory(tenant=a, name="Direct North"),
        "other_team": TeamFactory(tenant=a, name="Direct South"),
        "b_partner": PartnerFactory(tenant=b, name=f"Beta Partner {OTHER_TENANT_MARK}"),
        "b_team": TeamFactory(tenant=b, name=f"Beta Team {OTHER_TENANT_MARK}"),
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
        user = UserFactory(email=email)
        org = orgs.get(org_key) if org_key else None
        MembershipFactory(
            tenant=tenant,
            user=user,
            role=role,
            partner=org if role in Role.partner_roles() else None,
            team=org if role in Role.direct_roles() else None,
        )
        world.users[persona] = user
    # A direct team member of tenant B, so B has users of every kind.
    MembershipFactory(
        tenant=b,
        user=UserFactory(email=f"rep@{OTHER_TENANT_MARK}.test"),
        role=Role.DIRECT_REP,
        team=orgs["b_team"],
    )
    return world
