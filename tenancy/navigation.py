"""The pages and navigation of each front door.

Apps register their pages from AppConfig.ready() with `register_pages(door, Page(...), ...)`; this
lower layer never imports them, and tenancy/urls.py mounts every registered page under
`/<door>/<tenant>/` behind the door's guard. A page with a `nav` label also appears in the door's
navigation, under its `group` (one of `GROUPS`), ordered by `order` within the group.

The groups are the jobs people come to do, declared once here in the order the sidebar shows them,
so the three doors have the same shape: a door shows the groups it has pages in, in this order, and
leaves the others out. A new capability puts its pages into one of these groups, or adds its own
group here (deal registration, for example, next to the pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenancy.choices import Door

__all__ = [
    "GROUPS",
    "NavGroup",
    "NavItem",
    "Page",
    "nav_groups",
    "nav_items",
    "pages",
    "register_pages",
]


@dataclass(frozen=True)
class NavGroup:
    key: str  # what a Page names in `group=`
    label: str  # the heading in the navigation; empty: no heading (the start group)


GROUPS: tuple[NavGroup, ...] = (
    NavGroup("start", ""),  # Home and notifications: where every visit starts
    NavGroup("pipeline", "Pipeline"),  # accounts, contacts, opportunities
    NavGroup("leads", "Leads"),  # inboxes, submitted leads, SLA monitor, duplicates, lead ops
    NavGroup("marketing", "Campaigns and offers"),  # offers, campaigns, co-branding
    NavGroup("funds", "Market development funds"),  # MDF: balances, requests, claims, budgets
    NavGroup("engagement", "Rules of engagement"),  # rulebook, explain, territories, exceptions
    NavGroup("measure", "Measure"),  # scorecards: sourced and influenced pipeline, tiers
    NavGroup("governance", "Governance"),  # quarterly reviews, their decisions, maturity
    NavGroup("people", "Partners and people"),  # partners, teams, users
    NavGroup("settings", "Integrations and settings"),  # imports, API tokens, webhooks, audit
)
_GROUP_INDEX = {g.key: i for i, g in enumerate(GROUPS)}


@dataclass(frozen=True)
class Page:
    route: str  # below /<door>/<tenant>/, e.g. "accounts/<int:pk>/"
    view: Callable
    name: str  # URL name within the door's namespace
    nav: str = ""  # label in the navigation; empty: not in the navigation
    order: int = 100  # within its group
    group: str = ""  # key of its group in GROUPS; required with `nav`
    # The roles whose navigation shows it (tenancy.choices.Role values); empty: every role of the
    # door. The page itself stays behind the door's guard and its view's own rules either way.
    nav_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # reversed with the tenant slug as its only argument
    order: int = 100
    group: str = "start"
    roles: frozenset[str] = frozenset()  # empty: every role

    def shown_to(self, role: str | None) -> bool:
        return not self.roles or role is None or role in self.roles


_PAGES: dict[str, list[Page]] = {door: [] for door in Door}
_HOME = {door: NavItem("Home", f"{door}:home", 0, "start") for door in Door}


def register_pages(door: str, *new: Page) -> None:
    names = {p.name for p in _PAGES[door]}
    for page in new:
        if page.name in names:
            raise ValueError(f"{door}:{page.name} is registered twice")
        if page.nav and page.group not in _GROUP_INDEX:
            raise ValueError(
                f"{door}:{page.name} is in the navigation, so it needs a group, one of "
                f"{', '.join(_GROUP_INDEX)} (tenancy.navigation.GROUPS); got {page.group!r}"
            )
        _PAGES[door].append(page)
        names.add(page.name)


def pages(door: str) -> list[Page]:
    return list(_PAGES[door])


def nav_items(door: str, role: str | None = None) -> list[NavItem]:
    """The door's navigation in the order shown: group by group, then by `order`; with `role`,
    only the pages shown to it."""
    items = [
        NavItem(p.nav, f"{door}:{p.name}", p.order, p.group, p.nav_roles)
        for p in _PAGES[door]
        if p.nav
    ]
    items = [item for item in items if item.shown_to(role)]
    items.append(_HOME[Door(door)])
    return sorted(items, key=lambda i: (_GROUP_INDEX[i.group], i.order))


def nav_groups(door: str, role: str | None = None) -> list[tuple[NavGroup, list[NavItem]]]:
    """The door's navigation by group, in `GROUPS` order; a group with no page here (for `role`,
    when given) is left out."""
    items = nav_items(door, role)
    grouped = [(group, [i for i in items if i.group == group.key]) for group in GROUPS]
    return [(group, members) for group, members in grouped if members]
