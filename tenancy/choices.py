"""Who-is-who enumerations, and which role may use which front door."""

from django.db import models

__all__ = ["Door", "PartnerStatus", "PartnerTier", "Role"]


class Role(models.TextChoices):
    REVOPS_ADMIN = "revops_admin", "RevOps admin"
    DIRECT_MANAGER = "direct_manager", "Direct sales manager"
    DIRECT_REP = "direct_rep", "Direct sales rep"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    PARTNER_REP = "partner_rep", "Partner rep"

    @classmethod
    def partner_roles(cls) -> frozenset[str]:
        return frozenset({cls.PARTNER_ADMIN, cls.PARTNER_REP})

    @classmethod
    def direct_roles(cls) -> frozenset[str]:
        return frozenset({cls.DIRECT_MANAGER, cls.DIRECT_REP})


class Door(models.TextChoices):
    """The three signed-in front doors, each with the roles it admits."""

    PORTAL = "portal", "Partner portal"
    SALES = "sales", "Direct sales"
    CONSOLE = "console", "RevOps console"

    @property
    def roles(self) -> frozenset[str]:
        return DOOR_ROLES[self]


DOOR_ROLES: dict[str, frozenset[str]] = {
    Door.PORTAL: Role.partner_roles(),
    Door.SALES: Role.direct_roles() | {Role.REVOPS_ADMIN},
    Door.CONSOLE: frozenset({Role.REVOPS_ADMIN}),
}


class PartnerTier(models.TextChoices):
    PLATINUM = "platinum", "Platinum"
    GOLD = "gold", "Gold"
    SILVER = "silver", "Silver"
    REGISTERED = "registered", "Registered"


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    INACTIVE = "inactive", "Inactive"
