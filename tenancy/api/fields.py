"""A reference to a person of the tenant: `"owner_user": 7` or `{"email": "rep@acme.example"}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db import models

from core.api.fields import InTenant, context_membership
from tenancy.choices import Role
from tenancy.models import Membership, Team, User

__all__ = ["TenantMember", "team_of"]


class TenantMember(InTenant):
    """A user with an active membership in the caller's tenant (optionally of certain roles)."""

    def __init__(self, *, roles: frozenset[str] | None = None, **kwargs: Any) -> None:
        self.roles = roles
        # Users are not tenant-owned: get_queryset() below scopes them through their memberships.
        super().__init__(User, natural_keys=("email",), **kwargs)  # type: ignore[arg-type]

    def get_queryset(self) -> models.QuerySet:
        membership = context_membership(self.context)
        if membership is None:
            return User.objects.none()
        members = Membership.objects.filter(is_active=True)
        if self.roles:
            members = members.filter(role__in=self.roles)
        return User.objects.filter(pk__in=members.values("user_id"))

    def parse(self, data: Any) -> tuple[str, Any]:
        field, value = super().parse(data)
        return (field, value.lower()) if field == "email" else (field, value)


DIRECT_PEOPLE = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER, Role.DIRECT_REP})


def team_of(context: Mapping[str, Any], user: User | None) -> Team | None:
    """The direct team of `user` in the context's tenant, or None. Cached in the serializer
    context, so a bulk batch looks each owner up once."""
    if user is None:
        return None
    # A serializer's context is a dict (DRF types it read-only); the cache lives in it.
    cache: dict[int, Team | None] = cast(dict, context).setdefault("teams", {})
    if user.pk not in cache:
        membership = (
            Membership.objects.filter(user=user, is_active=True).select_related("team").first()
        )
        cache[user.pk] = membership.team if membership is not None else None
    return cache[user.pk]
