"""Sign-in events go to the audit log of every tenant the user belongs to, so each tenant's
RevOps admin sees its own members' sign-ins and failures and nothing of other tenants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.audit import record
from core.http import client_ip
from core.models import AuditEvent
from tenancy.models import Membership, Tenant, User


def _record_for_tenants(action: str, user: User | None, label: str, detail: str = "") -> None:
    tenants = (
        [
            m.tenant
            for m in Membership.all_tenants.select_related("tenant").filter(
                user=user, is_active=True
            )
        ]
        if user is not None
        else []
    )
    targets: list[Tenant | None] = [*tenants] or [None]  # no tenant: a platform-wide event
    for tenant in targets:
        record(action, tenant=tenant, actor=user, actor_label=label, detail=detail)


@receiver(user_logged_in)
def _on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    _record_for_tenants(
        AuditEvent.Action.LOGIN, user, user.email, detail=f"from {client_ip(request)}"
    )


@receiver(user_logged_out)
def _on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        _record_for_tenants(AuditEvent.Action.LOGOUT, user, user.email)


def record_login_failure(email: str, request: Any, reason: str = "") -> None:
    """A failed sign-in, in the log of each tenant the email's user belongs to (or of none)."""
    email = email[:254].lower()
    user = User.objects.filter(email=email).first()
    detail = f"from {client_ip(request)}" + (f" ({reason})" if reason else "")
    _record_for_tenants(AuditEvent.Action.LOGIN_FAILED, user, email, detail=detail)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    record_login_failure(
        str(credentials.get("username") or credentials.get("email") or ""), request
    )
