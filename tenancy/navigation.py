"""The navigation of each front door. Apps add their pages from AppConfig.ready() with
`add_nav_item`, so this lower layer never imports them."""

from __future__ import annotations

from dataclasses import dataclass

from tenancy.choices import Door

__all__ = ["NavItem", "add_nav_item", "nav_items"]


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # reversed with the tenant slug as its only argument
    order: int = 100


_NAV: dict[str, list[NavItem]] = {
    Door.PORTAL: [NavItem("Home", "portal:home", 0)],
    Door.SALES: [NavItem("Home", "sales:home", 0)],
    Door.CONSOLE: [
        NavItem("Home", "console:home", 0),
        NavItem("Partners", "console:partners", 80),
        NavItem("Teams", "console:teams", 81),
        NavItem("Users", "console:users", 82),
        NavItem("API tokens", "console:api-tokens", 90),
        NavItem("Audit log", "console:audit-log", 95),
    ],
}


def add_nav_item(door: str, item: NavItem) -> None:
    if item not in _NAV[door]:
        _NAV[door].append(item)
        _NAV[door].sort(key=lambda i: i.order)


def nav_items(door: str) -> list[NavItem]:
    return list(_NAV[door])
