from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tenancy.choices import DOOR_ROLES
from tenancy.navigation import nav_groups
from tenancy.services import memberships_of
from tenancy.worklist import waiting_by_page

if TYPE_CHECKING:
    from tenancy.requests import DoorRequest


def front_door(request: HttpRequest) -> dict[str, Any]:
    """Header and navigation of the signed-in pages: the door, the active tenant, where else to go.

    `nav_groups` is the navigation by job (tenancy.navigation.GROUPS), each item with its `url`,
    whether it is the current page (`active`) and the `count` of work waiting there
    (tenancy.worklist.waiting_by_page).
    """
    door = getattr(request, "door", None)
    tenant = getattr(request, "tenant", None)
    if door is None or tenant is None:
        return {}
    signed_in = getattr(request, "membership", None) is not None  # passed the door's guard
    waiting = waiting_by_page(cast("DoorRequest", request)) if signed_in else {}
    home = f"{door}:home"
    groups = []
    membership = getattr(request, "membership", None)
    for group, items in nav_groups(door, membership.role if membership is not None else None):
        entries = []
        for item in items:
            try:
                url = reverse(item.url_name, args=[tenant.slug])
            except NoReverseMatch:
                continue
            entries.append(
                {
                    "label": item.label,
                    "url": url,
                    "url_name": item.url_name,
                    "active": request.path == url
                    or (item.url_name != home and request.path.startswith(url)),
                    "count": waiting.get(item.url_name, 0),
                }
            )
        if entries:
            groups.append({"key": group.key, "label": group.label, "items": entries})
    switch = [
        {"tenant": m.tenant, "url": reverse(f"{door}:home", args=[m.tenant.slug])}
        for m in memberships_of(request.user)
        if m.role in DOOR_ROLES[door] and m.tenant_id != tenant.pk
    ]
    return {
        "door": door,
        "active_tenant": tenant,
        "nav_groups": groups,
        "tenant_switch": switch,
    }
