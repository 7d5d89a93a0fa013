from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tenancy.choices import DOOR_ROLES
from tenancy.navigation import nav_items
from tenancy.services import memberships_of


def front_door(request: HttpRequest) -> dict[str, Any]:
    """Header and navigation of the signed-in pages: the door, the active tenant, where else to go."""
    door = getattr(request, "door", None)
    tenant = getattr(request, "tenant", None)
    if door is None or tenant is None:
        return {}
    nav = []
    for item in nav_items(door):
        try:
            url = reverse(item.url_name, args=[tenant.slug])
        except NoReverseMatch:
            continue
        nav.append(
            {
                "label": item.label,
                "url": url,
                "active": request.path == url or (item.order > 0 and request.path.startswith(url)),
            }
        )
    switch = [
        {"tenant": m.tenant, "url": reverse(f"{door}:home", args=[m.tenant.slug])}
        for m in memberships_of(request.user)
        if m.role in DOOR_ROLES[door] and m.tenant_id != tenant.pk
    ]
    return {"door": door, "active_tenant": tenant, "nav": nav, "tenant_switch": switch}
