"""The work queues and figures of the home pages, and the waiting counts in the navigation.

Every app says what is waiting for whom from its own `home.py` (autodiscovered like `pages.py`):

    register_queue("console", leads_to_accept)      # fn(request) -> Iterable[QueueItem]
    register_figures("sales", leads_this_week)      # fn(request) -> Iterable[Figure]
    register_changes("portal", decided_since)       # fn(request, since) -> Iterable[Change]

A provider starts from `Model.objects.visible_to(request.membership)` and costs a few COUNT or
aggregate queries: the navigation asks for the queue on every page. `this_week(request)` gives
the week's bounds in the tenant's time zone for figures that compare with last week.

The home page of each door lists the queue items, figures and changes of every provider
registered for that door (tenancy.views.home; "since" is the viewer's previous visit, kept by
tenancy.services.record_home_visit); the navigation shows a queue item's count beside the page it links to
(`QueueItem.page`). This layer never imports the apps that fill it, so deal registration, MDF and
the scorecards add their queues and figures without editing the home pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from tenancy.choices import Door

if TYPE_CHECKING:
    from tenancy.requests import DoorRequest

__all__ = [
    "Change",
    "Figure",
    "QueueItem",
    "changes_for",
    "figures_for",
    "queue_for",
    "register_changes",
    "register_figures",
    "register_queue",
    "this_week",
    "waiting_by_page",
]


@dataclass(frozen=True)
class QueueItem:
    """A kind of work waiting for the viewer: "7 leads to accept", linked to where it is done."""

    label: str  # "Leads to accept"
    count: int
    url: str  # where the work is done, usually a filtered list
    page: str = ""  # the door's URL name whose navigation entry carries the count ("console:leads")
    urgent: bool = False  # shown first and highlighted: clocks about to run out, breaches
    hint: str = ""  # one line under the label: "3 due within 2 hours"
    order: int = 100


@dataclass(frozen=True)
class Figure:
    """One of the few numbers that matter to a role today: "Leads received this week: 42"."""

    label: str
    value: str  # already formatted for display
    hint: str = ""  # what it counts, or the comparison ("12 last week")
    url: str = ""
    order: int = 100


@dataclass(frozen=True)
class Change:
    """Something that changed since the viewer's last visit."""

    when: dt.datetime
    text: str
    url: str = ""


QueueProvider = Callable[["DoorRequest"], Iterable[QueueItem]]
FigureProvider = Callable[["DoorRequest"], Iterable[Figure]]
ChangeProvider = Callable[["DoorRequest", dt.datetime], Iterable[Change]]

_QUEUES: dict[str, list[QueueProvider]] = {door: [] for door in Door}
_FIGURES: dict[str, list[FigureProvider]] = {door: [] for door in Door}
_CHANGES: dict[str, list[ChangeProvider]] = {door: [] for door in Door}


def _register(registry: dict[str, list], doors: str | Iterable[str], fn: Callable) -> None:
    for door in [doors] if isinstance(doors, str) else doors:
        if fn not in registry[door]:
            registry[door].append(fn)


def register_queue(doors: str | Iterable[str], fn: QueueProvider) -> QueueProvider:
    _register(_QUEUES, doors, fn)
    return fn


def register_figures(doors: str | Iterable[str], fn: FigureProvider) -> FigureProvider:
    _register(_FIGURES, doors, fn)
    return fn


def register_changes(doors: str | Iterable[str], fn: ChangeProvider) -> ChangeProvider:
    _register(_CHANGES, doors, fn)
    return fn


def queue_for(request: DoorRequest) -> list[QueueItem]:
    """Every provider's waiting work for the viewer, urgent first, empty kinds left out.

    Computed once per request: the home page and the navigation's counts share it.
    """
    cached = getattr(request, "_worklist_queue", None)
    if cached is None:
        items = [item for fn in _QUEUES[request.door] for item in fn(request) if item.count]
        cached = sorted(items, key=lambda i: (not i.urgent, i.order, i.label))
        request._worklist_queue = cached  # type: ignore[attr-defined]
    return cached


def figures_for(request: DoorRequest) -> list[Figure]:
    figures = [f for fn in _FIGURES[request.door] for f in fn(request)]
    return sorted(figures, key=lambda f: f.order)


def changes_for(request: DoorRequest, since: dt.datetime, limit: int = 20) -> list[Change]:
    changes = [c for fn in _CHANGES[request.door] for c in fn(request, since)]
    return sorted(changes, key=lambda c: c.when, reverse=True)[:limit]


def waiting_by_page(request: DoorRequest) -> dict[str, int]:
    """The navigation's counts: work waiting, summed per page it links to."""
    counts: dict[str, int] = {}
    for item in queue_for(request):
        if item.page:
            counts[item.page] = counts.get(item.page, 0) + item.count
    return counts


def this_week(
    request: DoorRequest, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """When this week and the week before began (Monday 00:00 where the tenant works), for the
    figures that compare this week with last week."""
    local = (now or timezone.now()).astimezone(request.tenant.zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=local.tzinfo)
    before = dt.datetime.combine(monday - dt.timedelta(days=7), dt.time.min, tzinfo=local.tzinfo)
    return start, before
