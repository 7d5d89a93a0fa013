"""Split a deal's amount over the touches that led to it: the attribution engine of the scorecards.

Pure Python: no model, no query. The rollup hands in a `Deal` and the touches it already chose
(the lookback window is its job) and gets back credits in cents that always add up to the deal's
amount exactly. The path is first put in a canonical order (time, then the party's `repr`, then
the route), so the same touches give the same credits whatever order they come in.

The models (`MODELS`), each shown on a path of four touches A, B, C, D of a 1,000.00 deal:

- ``first_touch``: everything to the earliest touch. A 1,000.
- ``last_touch``: everything to the latest touch. D 1,000.
- ``linear``: equal shares per touch. A, B, C, D 250 each.
- ``u_shaped``: 40 % first, 40 % last, 20 % spread over the touches between. A 400, B 100,
  C 100, D 400. One touch takes 100 %; two take 50/50 (the 20 % is split between them).
- ``w_shaped``: 30 % first, 30 % to the opportunity-creation touch (the last touch at or before
  the deal's ``created_at``), 30 % last, 10 % over the rest. With C the creation touch: A 300,
  B 100, C 300, D 300. Degenerate paths, where fewer than three distinct key touches exist, merge
  the shares of key touches that coincide onto that touch; nothing is lost:
    * no touch at or before ``created_at`` (the opportunity predates every touch): the creation
      share goes to the first touch, the nearest one to the creation;
    * the 10 % of the rest, when no touch is left besides the key touches, is split equally
      between the distinct key touches (as U-shaped does with two touches);
    * hence one touch 100 %; two touches 65/35 towards the one holding two key shares; three
      touches that are all key touches a third each.
- ``time_decay``: weight ``2 ** (-age / half_life)`` per touch, normalized, where ``age`` is the
  days between the touch and the deal's reference moment (``closed_at`` when closed, else
  ``created_at``); ``half_life_days`` defaults to 7. Touches at ages 0, 7 and 14 days of a
  1,000.00 deal weigh 1, 1/2 and 1/4: 571.43, 285.71, 142.86. A touch after the reference moment
  counts as age 0 (it cannot outweigh one made at the moment itself).
- ``collaboration``: every distinct party that touched gets an equal share, however many times it
  touched: the "credit every route that touched a won deal" view. It is per party, not per touch:
  A, A, A, B gives A 500 and B 500.

Every party on the path is in the result, with 0.00 when the model gives it nothing (first touch's
later parties, or every party of a 0.00 deal), so a page can show who touched but earned nothing.
No touches gives an empty dict: the caller then credits the party that sourced the deal.

Rounding: the exact shares (fractions, no float error except the time-decay powers themselves)
are turned into cents by largest remainder; the leftover cents go to the largest remainders,
ties to the party that touched first. `credit_by_route` sums the same party credits per route,
so a page's party and route tables reconcile to the cent; a party that touched through several
routes has its credit split by the weight its touches carried on each.

Parties are any hashable keys, e.g. ``("partner", 7)``, ``("team", 3)``, ``("user", 12)``,
``("marketing", None)``; their ``repr`` must be deterministic (tuples of str, int and None are).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "MODELS",
    "ROUTES",
    "AttributionModel",
    "Deal",
    "TouchPoint",
    "credit",
    "credit_by_route",
]

# The values of pipeline.choices.TouchRoute, repeated here to keep this module free of Django.
ROUTES = ("direct", "partner", "marketing")

_SECONDS_PER_DAY = 86_400
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class TouchPoint:
    """One touch on the path to a deal: when, who (any hashable key) and through which route."""

    at: datetime
    party: Hashable
    route: str

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"Unknown route {self.route!r}; expected one of {', '.join(ROUTES)}.")


@dataclass(frozen=True)
class Deal:
    """The deal being credited: a non-negative amount in whole cents and its two moments."""

    amount: Decimal
    created_at: datetime
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        # Checked here so that "credits sum exactly to the amount" is always achievable.
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"A deal's amount must be finite and not negative, not {self.amount}.")
        if (Fraction(self.amount) * 100).denominator != 1:
            raise ValueError(f"A deal's amount must be whole cents, not {self.amount}.")

    @property
    def reference_at(self) -> datetime:
        """The moment time decay measures ages from: the close, or the creation while open."""
        return self.closed_at if self.closed_at is not None else self.created_at


Weigher = Callable[[Deal, Sequence[TouchPoint], float], list[Fraction]]


@dataclass(frozen=True)
class AttributionModel:
    """A model as pages show it, and the function giving each touch of a sorted path its share."""

    key: str
    label: str
    description: str
    weigh: Weigher = field(repr=False, compare=False)


# --- The models: each returns one weight per touch of the sorted path, summing to 1 (time decay:
# to any positive total, normalized later).


def _first_touch(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    return _key_touch_weights(len(path), [(0, Fraction(1))], rest=Fraction(0))


def _last_touch(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    return _key_touch_weights(len(path), [(len(path) - 1, Fraction(1))], rest=Fraction(0))


def _linear(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    return [Fraction(1, len(path))] * len(path)


def _u_shaped(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    last = len(path) - 1
    return _key_touch_weights(
        len(path), [(0, Fraction(2, 5)), (last, Fraction(2, 5))], rest=Fraction(1, 5)
    )


def _w_shaped(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    third = Fraction(3, 10)
    keys = [(0, third), (_creation_index(deal, path), third), (len(path) - 1, third)]
    return _key_touch_weights(len(path), keys, rest=Fraction(1, 10))


def _time_decay(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    ages = [_age_days(touch.at, deal.reference_at) for touch in path]
    youngest = min(ages)
    # Measured from the youngest touch, not the reference moment: normalizing makes it the same
    # split, and the youngest weighs exactly 1, so an old path cannot underflow to all zeros.
    return [Fraction(2.0 ** (-(age - youngest) / half_life_days)) for age in ages]


def _collaboration(deal: Deal, path: Sequence[TouchPoint], half_life_days: float) -> list[Fraction]:
    touches_per_party: dict[Hashable, int] = {}
    for touch in path:
        touches_per_party[touch.party] = touches_per_party.get(touch.party, 0) + 1
    parties = len(touches_per_party)
    # Each party's equal share spread over its own touches, so credit_by_route can still tell
    # which route carried it.
    return [Fraction(1, parties * touches_per_party[touch.party]) for touch in path]


def _key_touch_weights(
    count: int, keys: Sequence[tuple[int, Fraction]], *, rest: Fraction
) -> list[Fraction]:
    """Shares at key positions (summed where they coincide), `rest` spread over the others.

    With no other touch left, `rest` is spread over the distinct key touches instead, so no share
    is ever lost.
    """
    weights = [Fraction(0)] * count
    for index, share in keys:
        weights[index] += share
    key_indexes = {index for index, _ in keys}
    others = [i for i in range(count) if i not in key_indexes] or sorted(key_indexes)
    for index in others:
        weights[index] += rest / len(others)
    return weights


def _creation_index(deal: Deal, path: Sequence[TouchPoint]) -> int:
    """The last touch at or before the opportunity's creation; the first touch if none was."""
    before = [i for i, touch in enumerate(path) if touch.at <= deal.created_at]
    return before[-1] if before else 0


def _age_days(at: datetime, reference: datetime) -> float:
    return max(0.0, (reference - at).total_seconds() / _SECONDS_PER_DAY)


MODELS: Mapping[str, AttributionModel] = MappingProxyType(
    {
        model.key: model
        for model in (
            AttributionModel(
                "first_touch",
                "First touch",
                "All the credit goes to the touch that started the journey.",
                _first_touch,
            ),
            AttributionModel(
                "last_touch",
                "Last touch",
                "All the credit goes to the latest touch before the deal.",
                _last_touch,
            ),
            AttributionModel(
                "linear",
                "Linear",
                "Every touch gets an equal share of the credit.",
                _linear,
            ),
            AttributionModel(
                "u_shaped",
                "U-shaped",
                "The first and the last touch get 40 % each; the touches between share 20 %.",
                _u_shaped,
            ),
            AttributionModel(
                "w_shaped",
                "W-shaped",
                "The first touch, the touch that created the opportunity and the last touch get"
                " 30 % each; the other touches share 10 %.",
                _w_shaped,
            ),
            AttributionModel(
                "time_decay",
                "Time decay",
                "Recent touches count more: a touch's weight halves with every half-life"
                " (7 days by default) before the deal's close.",
                _time_decay,
            ),
            AttributionModel(
                "collaboration",
                "Collaboration",
                "Every party that touched the deal gets an equal share, however often it touched.",
                _collaboration,
            ),
        )
    }
)


# --- Public entry points.


def credit(
    model: str, deal: Deal, touches: Sequence[TouchPoint], *, half_life_days: float = 7.0
) -> dict[Hashable, Decimal]:
    """Credit per party, in cents summing exactly to the deal's amount (empty without touches)."""
    path, weights = _weigh(model, deal, touches, half_life_days)
    cents = _party_cents(deal, path, weights)
    return {party: _from_cents(amount) for party, amount in cents.items()}


def credit_by_route(
    model: str, deal: Deal, touches: Sequence[TouchPoint], *, half_life_days: float = 7.0
) -> dict[str, Decimal]:
    """Credit per route: the party credits of `credit`, summed by the route of their touches."""
    path, weights = _weigh(model, deal, touches, half_life_days)
    pairs = zip(path, weights, strict=True)
    by_party_route = _sum_by(((touch.party, touch.route), weight) for touch, weight in pairs)
    totals: dict[str, int] = {touch.route: 0 for touch in path}
    for party, party_cents in _party_cents(deal, path, weights).items():
        # Split each party's own cents rather than rounding the route sums afresh, so the route
        # totals are exactly the sums of the party credits.
        routes = {route: w for (who, route), w in by_party_route.items() if who == party}
        for route, cents in _apportion(party_cents, routes).items():
            totals[route] += cents
    return {route: _from_cents(cents) for route, cents in totals.items()}


# --- Plumbing.


def _weigh(
    model: str, deal: Deal, touches: Sequence[TouchPoint], half_life_days: float
) -> tuple[list[TouchPoint], list[Fraction]]:
    """Check the arguments, sort the path and weigh its touches with the model."""
    if model not in MODELS:
        raise ValueError(f"Unknown attribution model {model!r}; known: {', '.join(MODELS)}.")
    if not (math.isfinite(half_life_days) and half_life_days > 0):
        raise ValueError(f"The half-life must be a positive number of days, not {half_life_days}.")
    path = sorted(touches, key=_path_order)
    if not path:
        return [], []
    return path, MODELS[model].weigh(deal, path, half_life_days)


def _path_order(touch: TouchPoint) -> tuple[datetime, str, str]:
    # Time first; the repr and route only break ties between simultaneous touches, so that the
    # order (hence first, last and the rounding) never depends on the order the caller passed.
    return (touch.at, repr(touch.party), touch.route)


def _party_cents(
    deal: Deal, path: Sequence[TouchPoint], weights: Sequence[Fraction]
) -> dict[Hashable, int]:
    party_weights = _sum_by((touch.party, w) for touch, w in zip(path, weights, strict=True))
    return _apportion(_to_cents(deal.amount), party_weights)


def _sum_by(pairs: Iterable[tuple[K, Fraction]]) -> dict[K, Fraction]:
    """Sum weights per key, keys in order of first appearance (the rounding tie-break)."""
    sums: dict[K, Fraction] = {}
    for key, weight in pairs:
        sums[key] = sums.get(key, Fraction(0)) + weight
    return sums


def _apportion(total: int, weights: Mapping[K, Fraction]) -> dict[K, int]:
    """Split `total` cents in proportion to `weights` by largest remainder.

    Each key first gets the floor of its exact share; the cents left (fewer than the keys) go one
    each to the largest remainders, ties to the earlier key, so the result is deterministic and
    sums to `total`. A key with no weight has no remainder and so never receives a cent.
    """
    if total == 0:
        return dict.fromkeys(weights, 0)
    # Positive whenever there are cents to hand out: every model weighs a path to a positive
    # total, and a party with cents has touches of positive weight on some route.
    weight_sum = sum(weights.values(), Fraction(0))
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    cents = {key: math.floor(share) for key, share in exact.items()}
    left = total - sum(cents.values())
    position = {key: i for i, key in enumerate(weights)}
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - cents[key]), position[key]))
    for key in by_remainder[:left]:
        cents[key] += 1
    return cents


def _to_cents(amount: Decimal) -> int:
    # Through Fraction, which is exact, rather than Decimal arithmetic, which rounds to the
    # current context's precision. Deal.__post_init__ has checked that it is whole cents.
    return int(Fraction(amount) * 100)


def _from_cents(cents: int) -> Decimal:
    # Parsed from a string, which Decimal never rounds, and always with two decimals (0.00).
    return Decimal(f"{cents}e-2")
