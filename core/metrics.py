"""The registry of scorecard metrics: every row of the one scorecard, whichever app measures it.

An app registers its metrics from its own module (`register_metric(Metric(...))`, imported by
its `apps.ready`), and the scorecards read the registry: a new app's figures become rows of
every scorecard, its API and its CSV without an edit of theirs. docs/metrics.md defines each
metric; `version` goes up when a definition changes, and pages show it beside the figure.

A metric computes for many scopes at once (one query for a league table): `compute(query)`
returns a value per scope; a scope with no data is left out (the page says "no data", never 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "Filters",
    "Metric",
    "MetricQuery",
    "Obligation",
    "Scope",
    "metric",
    "metrics",
    "obligations",
    "register_metric",
    "register_obligation",
]


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole tenant, a route ("direct", "partner"), a direct team, a user
    (a rep), or a partner."""

    kind: str  # tenant | route | team | user | partner
    key: int | str | None = None


@dataclass(frozen=True)
class Filters:
    """What the figures are narrowed to; None is everything."""

    territory: str | None = None
    segment: int | None = None
    product_line: int | None = None
    route: str | None = None
    partner: int | None = None
    team: int | None = None


@dataclass(frozen=True)
class MetricQuery:
    tenant: Any
    start: dt.date  # the quarter's first day
    following: dt.date  # the next quarter's first day
    scopes: Sequence[Scope]
    model: str = "w_shaped"
    filters: Filters = field(default_factory=Filters)
    # Work the metrics computed for the same query share (one read of the rollups for them all).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per query: the metrics that call it with the same key share it."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


Compute = Callable[[MetricQuery], Mapping[Scope, Decimal]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # money | percent | count | days | hours
    compute: Compute
    version: int = 1
    higher_is_better: bool = True
    section: str = "pipeline"  # pipeline | conversion | service | integrity
    # Which filters narrow it (the others do not apply, and the page says so).
    filtered_by: frozenset[str] = frozenset()
    # The attribution model changes it.
    by_model: bool = False
    help: str = ""
    order: int = 100
    # Its figure is counted from opportunity or lead facts, so the scorecard links it to the rows
    # behind it (scorecards' drill-down); False for figures counted from other rows (MDF).
    drills: bool = True


_REGISTRY: dict[str, Metric] = {}


def register_metric(item: Metric) -> Metric:
    """Add a metric (again on a reload: the key is the identity)."""
    _REGISTRY[item.key] = item
    return item


def metrics() -> list[Metric]:
    """Every registered metric, in the scorecard's order."""
    return sorted(_REGISTRY.values(), key=lambda m: (m.order, m.key))


def metric(key: str) -> Metric | None:
    return _REGISTRY.get(key)


# --- the manufacturer's obligations towards a partner ------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """A line of the manufacturer's side on a partner's scorecard (its review SLA, the leads it
    sent, its MDF decisions): `describe(tenant, partner, quarter)` says it in words, or None
    when the app has nothing to say for that partner and quarter."""

    key: str
    label: str
    describe: Callable[[Any, Any, Any], str | None]
    order: int = 100


_OBLIGATIONS: dict[str, Obligation] = {}


def register_obligation(item: Obligation) -> Obligation:
    """Add a line (again on a reload: the key is the identity), from the app that measures it."""
    _OBLIGATIONS[item.key] = item
    return item


def obligations() -> list[Obligation]:
    return sorted(_OBLIGATIONS.values(), key=lambda o: (o.order, o.key))
