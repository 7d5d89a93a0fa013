"""The pages and navigation of each front door.

Apps register their pages from AppConfig.ready() with `register_pages(door, Page(...), ...)`; this
lower layer never imports them, and tenancy/urls.py mounts every registered page under
`/<door>/<tenant>/` behind the door's guard. A page with a `nav` label also appears in the door's
navigation, ordered by `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenancy.choices import Door

__all__ = ["NavItem", "Page", "nav_items", "pages", "register_pages"]


@dataclass(frozen=True)
class Page:
    route: str  # below /<door>/<tenant>/, e.g. "accounts/<int:pk>/"
    view: Callable
    name: str  # URL name within the door's namespace
    nav: str = ""  # label in the navigation; empty: not in the navigation
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # reversed with the tenant slug as its only argument
    order: int = 100


_PAGES: dict[str, list[Page]] = {door: [] for door in Door}
_HOME = {door: NavItem("Home", f"{door}:home", 0) for door in Door}


def register_pages(door: str, *new: Page) -> None:
    names = {p.name for p in _PAGES[door]}
    for page in new:
        if page.name in names:
            raise ValueError(f"{door}:{page.name} is registered twice")
        _PAGES[door].append(page)


def pages(door: str) -> list[Page]:
    return list(_PAGES[door])


def nav_items(door: str) -> list[NavItem]:
    items = [NavItem(p.nav, f"{door}:{p.name}", p.order) for p in _PAGES[door] if p.nav]
    return [_HOME[Door(door)], *sorted(items, key=lambda i: i.order)]
