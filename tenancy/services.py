"""State changes and lookups of who-is-who: API tokens, memberships, sign-in throttling."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import action
from core.tenancy import tenant_scope
from core.throttle import FailureCounter
from tenancy.acting import Acting
from tenancy.models import ApiToken, HomeVisit, Membership, Tenant, User

__all__ = [
    "authenticate_api_key",
    "issue_api_token",
    "login_throttle",
    "membership_for",
    "memberships_of",
    "record_home_visit",
    "revoke_api_token",
]

# Opening the home page again within this long is the same visit: a reload keeps "since your
# last visit" as it was instead of emptying it.
VISIT_WINDOW = timedelta(minutes=30)

# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def membership_for(user: User, tenant: Tenant) -> Membership | None:
    """The user's active membership in `tenant`, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    with tenant_scope(tenant):
        return (
            Membership.objects.select_related("partner", "team", "tenant")
            .filter(user=user, is_active=True)
            .first()
        )


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """Every active membership of a user, across tenants: the tenant picker's list."""
    if not isinstance(user, User):  # an anonymous visitor belongs nowhere
        return []
    return list(
        Membership.all_tenants.select_related("tenant", "partner", "team")
        .filter(user=user, is_active=True)
        .order_by("tenant__name")
    )


@action
@transaction.atomic
def issue_api_token(
    *, tenant: Tenant, user: User, name: str, acting: Acting
) -> tuple[ApiToken, str]:
    """Create a token for `user` in `tenant`. The clear key is returned once and never stored.
    `acting` issues it: the admin in the console, the system for `manage.py issue_api_token`."""
    if membership_for(user, tenant) is None:
        raise ValidationError({"user": f"{user.email} is not an active member of {tenant.slug}."})
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise ValidationError({"name": "Use at most 100 characters."})
    key = ApiToken.PREFIX + secrets.token_urlsafe(32)
    with tenant_scope(tenant):
        token = ApiToken.objects.create(
            tenant=tenant,
            user=user,
            name=name,
            key_prefix=key[:10],
            key_hash=ApiToken.hash_key(key),
        )
    return token, key


@action
def revoke_api_token(token: ApiToken, *, acting: Acting) -> ApiToken:
    """Stop a token from authenticating; revoking twice keeps the first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def authenticate_api_key(key: str) -> ApiToken | None:
    """The live token for `key` (tenant and user loaded), or None. Records when it was last used."""
    if not key.startswith(ApiToken.PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.all_tenants.select_related("tenant", "user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Kept on the token so the tenant resolver does not look it up again.
    token.membership = membership_for(token.user, token.tenant)
    if token.membership is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A plain UPDATE: bookkeeping, not a change worth an audit entry.
        ApiToken.all_tenants.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def login_throttle() -> tuple[FailureCounter, FailureCounter]:
    """(per email, per client address) failure counters for sign-in."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return (
        FailureCounter("login-email", limit=settings.LOGIN_FAILURE_LIMIT, window_seconds=window),
        FailureCounter("login-ip", limit=settings.LOGIN_FAILURE_IP_LIMIT, window_seconds=window),
    )


@action
@transaction.atomic
def record_home_visit(*, acting: Membership, now: datetime | None = None) -> datetime | None:
    """Note that `acting` opened their home page; return when their previous visit began (None on
    the first one). A visit is the first opening and every reload within VISIT_WINDOW of it; a
    later opening begins the next visit, and the one before becomes "your last visit"."""
    now = now or timezone.now()
    visit, created = HomeVisit.objects.select_for_update().get_or_create(
        tenant_id=acting.tenant_id, membership=acting, defaults={"current_at": now}
    )
    if created:
        return None
    if now - visit.current_at >= VISIT_WINDOW:
        visit.previous_at, visit.current_at = visit.current_at, now
        visit.save(update_fields=["previous_at", "current_at", "updated_at"])
    return visit.previous_at
