"""Who may call an endpoint. Authentication and the tenant are settled before these run
(core.api.views.TenantAPIMixin), so `request.membership` is the caller's place in the tenant."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

__all__ = ["IsTenantMember", "RolePermission"]


class IsTenantMember(BasePermission):
    """Signed in (session or token) and an active member of the request's tenant."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(
            request.user and request.user.is_authenticated and getattr(request, "membership", None)
        )


class RolePermission(IsTenantMember):
    """Reads need one of `view.read_roles` (None: any member); writes one of `view.write_roles`.
    An action named in `view.action_roles` (e.g. {"approve": ADMINS}) needs one of those roles
    as well, and the others are told `view.action_refusals[action]`."""

    message = "Your role may not do this here."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        role = request.membership.role
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", None)
        else:
            allowed = getattr(view, "write_roles", frozenset())
        if allowed is not None and role not in allowed:
            return False
        return self._action_allowed(role, view)

    def _action_allowed(self, role: str, view: Any) -> bool:
        action = getattr(view, "action", None) or ""
        allowed = getattr(view, "action_roles", {}).get(action)
        if allowed is None or role in allowed:
            return True
        self.message = getattr(view, "action_refusals", {}).get(action, self.message)
        return False
