"""Who is who: tenants (manufacturers), their partners (distributors) and direct teams, the
users, their memberships and roles, and the API tokens CRMs use."""

from __future__ import annotations

import hashlib
import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TenantOwned, TimeStamped
from core.tenancy import TenantManager, TenantQuerySet
from tenancy.choices import PartnerStatus, PartnerTier, Role

__all__ = ["ApiToken", "HomeVisit", "Membership", "Partner", "Team", "Tenant", "User"]

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1-50 lowercase letters, digits and inner hyphens.",
)


def _validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone (for example Europe/Berlin).")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Users are global; what they may see comes from their memberships in tenants."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Platform staff: may use /admin/.")
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Tenant(TimeStamped):
    """A manufacturer using the portal. Not tenant-owned itself: looked up by slug or token."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True, validators=[SLUG_VALIDATOR])
    timezone = models.CharField(max_length=64, default="UTC", validators=[_validate_timezone])
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")],
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    # Changes to the tenant itself go to its own audit log.
    audit_as_tenant = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone every time on this tenant's pages is shown and read in (tenancy/clock.py)."""
        return zoneinfo.ZoneInfo(self.timezone or "UTC")


class PartnerQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> PartnerQuerySet:
        # Competing distributors never see each other.
        if membership.is_partner_user:
            return self.filter(pk=membership.partner_id)
        return self


class Partner(TenantOwned):
    """A distributor organisation selling for the tenant."""

    name = models.CharField(max_length=200)
    tier = models.CharField(
        max_length=20, choices=PartnerTier.choices, default=PartnerTier.REGISTERED
    )
    status = models.CharField(
        max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    external_id = models.CharField(max_length=64, blank=True)

    objects: ClassVar = TenantManager.from_queryset(PartnerQuerySet)()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="partner_tenant_name_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="partner_tenant_external_id_uniq",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="partner_tenant_updated")]

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> TeamQuerySet:
        # Direct teams are the manufacturer's internal organisation; distributors don't see them.
        if membership.is_partner_user:
            return self.none()
        return self


class Team(TenantOwned):
    """A direct sales team of the tenant."""

    name = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    objects: ClassVar = TenantManager.from_queryset(TeamQuerySet)()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="team_tenant_name_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="team_tenant_external_id_uniq",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="team_tenant_updated")]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> MembershipQuerySet:
        if membership.role == Role.REVOPS_ADMIN:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.filter(team_id=membership.team_id)


class Membership(TenantOwned):
    """A user's place in one tenant: one role, and the partner or team that role belongs to."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(default=True)

    objects: ClassVar = TenantManager.from_queryset(MembershipQuerySet)()

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_tenant_user_uniq"),
            models.CheckConstraint(
                name="membership_role_matches_org",
                condition=(
                    Q(
                        role__in=sorted(Role.partner_roles()),
                        partner__isnull=False,
                        team__isnull=True,
                    )
                    | Q(
                        role__in=sorted(Role.direct_roles()),
                        team__isnull=False,
                        partner__isnull=True,
                    )
                    | Q(role=Role.REVOPS_ADMIN, partner__isnull=True)
                ),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="membership_tenant_updated")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    # A membership is an actor (core.acting.Actor): services take it as `acting=`.
    @property
    def audit_user(self) -> User:
        return self.user

    @property
    def audit_label(self) -> str:
        return self.user.email

    @property
    def organisation(self) -> Partner | Team | None:
        """The partner or team this membership belongs to (none for RevOps admins)."""
        return self.partner or self.team

    @property
    def is_partner_user(self) -> bool:
        return self.role in Role.partner_roles()

    @property
    def is_direct_user(self) -> bool:
        return self.role in Role.direct_roles()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.REVOPS_ADMIN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.role in Role.partner_roles():
            if not self.partner_id:
                errors["partner"] = "A partner role needs a partner."
            if self.team_id:
                errors["team"] = "A partner role cannot belong to a direct team."
        elif self.role in Role.direct_roles():
            if not self.team_id:
                errors["team"] = "A direct role needs a team."
            if self.partner_id:
                errors["partner"] = "A direct role cannot belong to a partner."
        elif self.role == Role.REVOPS_ADMIN and self.partner_id:
            errors["partner"] = "A RevOps admin does not belong to a partner."
        for field in ("partner", "team"):
            related = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if related is not None and self.tenant_id and related.tenant_id != self.tenant_id:
                errors[field] = f"That {field} belongs to another tenant."
        if errors:
            raise ValidationError(errors)


class ApiToken(TenantOwned):
    """A CRM integration's credential: one tenant, one user, stored as a SHA-256 hash.

    The key is random (256 bits), so a fast hash is enough; only its first characters are kept in
    clear to tell tokens apart in lists.
    """

    PREFIX = "cb_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Not stored: the user's membership in the token's tenant, attached when the key is
    # authenticated (tenancy.services.authenticate_api_key) so it is not looked up again.
    membership: Membership | None = None

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "user"], name="apitoken_tenant_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class HomeVisitQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> HomeVisitQuerySet:
        return self.filter(membership_id=membership.pk)


class HomeVisit(TenantOwned):
    """When a member opened their home page: the visit before this one, and this one.

    "Since your last visit" compares with `previous_at`. Opening the home page again within a short
    while is the same visit (tenancy.services.record_home_visit), so a reload keeps the list.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    previous_at = models.DateTimeField(null=True, blank=True)
    current_at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(HomeVisitQuerySet)()
    audit_skip = True  # bookkeeping of page views, not a change of anyone's data

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"], name="homevisit_membership")
        ]

    def __str__(self) -> str:
        return f"Home of {self.membership_id} at {self.current_at:%Y-%m-%d %H:%M}"
