"""scorecards.attribution: every model on hand-computed paths, and properties over random paths.
Pure Python, no database."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorecards.attribution import (
    MODELS,
    ROUTES,
    Deal,
    TouchPoint,
    credit,
    credit_by_route,
)

DAY0 = datetime(2025, 1, 1, tzinfo=UTC)
A, B, C, D, E = ("partner", 1), ("team", 3), ("user", 12), ("marketing", None), ("partner", 2)


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def path(*parties: Hashable, route: str = "partner") -> list[TouchPoint]:
    """One touch per party, a day apart, starting on DAY0."""
    return [TouchPoint(day(i), party, route) for i, party in enumerate(parties)]


def won(amount: str = "1000.00", *, created: float = 100, closed: float | None = 100) -> Deal:
    return Deal(Decimal(amount), day(created), None if closed is None else day(closed))


def money(credits: dict[Hashable, Decimal] | dict[str, Decimal]) -> dict[object, str]:
    """Credits as strings, so a wrong number of decimals fails the comparison too."""
    return {key: str(value) for key, value in credits.items()}


# --- The catalog.


def test_models_are_listed_in_order_with_a_label_and_a_sentence() -> None:
    assert list(MODELS) == [
        "first_touch",
        "last_touch",
        "linear",
        "u_shaped",
        "w_shaped",
        "time_decay",
        "collaboration",
    ]
    for key, model in MODELS.items():
        assert model.key == key
        assert model.label and model.description.endswith(".")


def test_an_unknown_model_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="first_touch, last_touch, linear") as raised:
        credit("position_based", won(), path(A))
    assert "collaboration" in str(raised.value)


# --- Each model on hand-computed paths (a 1,000.00 deal unless said otherwise).


def test_first_and_last_touch_give_everything_to_one_touch() -> None:
    touches = path(A, B, C, D)
    assert money(credit("first_touch", won(), touches)) == {
        A: "1000.00",
        B: "0.00",
        C: "0.00",
        D: "0.00",
    }
    assert money(credit("last_touch", won(), touches)) == {
        A: "0.00",
        B: "0.00",
        C: "0.00",
        D: "1000.00",
    }


def test_linear_gives_each_touch_an_equal_share_summed_by_party() -> None:
    assert money(credit("linear", won(), path(A, B, C, D))) == {
        A: "250.00",
        B: "250.00",
        C: "250.00",
        D: "250.00",
    }
    assert money(credit("linear", won(), path(A, B, A, C))) == {
        A: "500.00",
        B: "250.00",
        C: "250.00",
    }


def test_u_shaped_gives_40_40_and_spreads_20_over_the_middle() -> None:
    assert money(credit("u_shaped", won(), path(A, B, C, D))) == {
        A: "400.00",
        B: "100.00",
        C: "100.00",
        D: "400.00",
    }
    # Summed by party: A is first (400) and third (100).
    assert money(credit("u_shaped", won(), path(A, B, A, C))) == {
        A: "500.00",
        B: "100.00",
        C: "400.00",
    }


def test_u_shaped_with_one_or_two_touches() -> None:
    assert money(credit("u_shaped", won(), path(A))) == {A: "1000.00"}
    assert money(credit("u_shaped", won(), path(A, B))) == {A: "500.00", B: "500.00"}
    assert money(credit("u_shaped", won(), path(A, A))) == {A: "1000.00"}


def test_w_shaped_with_the_creation_touch_in_the_middle() -> None:
    # Created on day 2, the day of C's touch: A first 300, C creation 300, E last 300, B and D
    # share the 10 %.
    deal = won(created=2, closed=30)
    assert money(credit("w_shaped", deal, path(A, B, C, D, E))) == {
        A: "300.00",
        B: "50.00",
        C: "300.00",
        D: "50.00",
        E: "300.00",
    }
    # Created between C's touch (day 2) and D's (day 3): still C.
    deal = won(created=2.5, closed=30)
    assert money(credit("w_shaped", deal, path(A, B, C, D))) == {
        A: "300.00",
        B: "100.00",
        C: "300.00",
        D: "300.00",
    }


def test_w_shaped_creation_on_the_first_or_last_touch_merges_the_shares() -> None:
    touches = path(A, B, C, D)
    assert money(credit("w_shaped", won(created=0), touches)) == {
        A: "600.00",
        B: "50.00",
        C: "50.00",
        D: "300.00",
    }
    assert money(credit("w_shaped", won(created=50), touches)) == {
        A: "300.00",
        B: "50.00",
        C: "50.00",
        D: "600.00",
    }


def test_w_shaped_with_no_touch_before_the_opportunity_credits_creation_to_the_first() -> None:
    # The opportunity was created before anyone touched it: its 30 % goes to the first touch.
    deal = won(created=-10, closed=30)
    assert money(credit("w_shaped", deal, path(A, B, C, D))) == {
        A: "600.00",
        B: "50.00",
        C: "50.00",
        D: "300.00",
    }


def test_w_shaped_short_paths_lose_nothing() -> None:
    assert money(credit("w_shaped", won(), path(A))) == {A: "1000.00"}
    # Two touches, creation on the last: 30 + 5 and 60 + 5.
    assert money(credit("w_shaped", won(), path(A, B))) == {A: "350.00", B: "650.00"}
    assert money(credit("w_shaped", won(created=0.5), path(A, B))) == {
        A: "650.00",
        B: "350.00",
    }
    # Three touches, all key touches: a third each, the odd cent to the first.
    assert money(credit("w_shaped", won(created=1), path(A, B, C))) == {
        A: "333.34",
        B: "333.33",
        C: "333.33",
    }


def test_time_decay_halves_the_weight_every_half_life() -> None:
    # Closed on day 14: ages 14, 7 and 0 days weigh 1/4, 1/2 and 1 (sevenths 1, 2, 4).
    touches = [TouchPoint(day(0), A, "partner"), TouchPoint(day(7), B, "direct")]
    touches.append(TouchPoint(day(14), C, "marketing"))
    assert money(credit("time_decay", won(created=3, closed=14), touches)) == {
        A: "142.86",
        B: "285.71",
        C: "571.43",
    }
    # With a half-life of 14 days the weights are 1/2, 1/sqrt(2) and 1 (sum 2.2071...).
    wide = credit("time_decay", won(created=3, closed=14), touches, half_life_days=14)
    assert money(wide) == {A: "226.54", B: "320.38", C: "453.08"}


def test_time_decay_matches_the_published_check() -> None:
    # docs: touches 38, 33, 26, 8 and 0 days before a 12,000 deal give about
    # 175 / 287 / 575 / 3,417 / 7,545.
    parties = [("partner", n) for n in range(5)]
    touches = [
        TouchPoint(day(40 - age), p, "partner")
        for age, p in zip([38, 33, 26, 8, 0], parties, strict=True)
    ]
    credits = credit("time_decay", won("12000.00", created=0, closed=40), touches)
    expected = [175, 287, 575, 3417, 7545]
    assert [credits[p] for p in parties] == [pytest.approx(x, abs=1) for x in expected]
    assert sum(credits.values()) == Decimal("12000.00")


def test_time_decay_measures_an_open_deal_from_its_creation() -> None:
    # Open, created on day 14: the same ages as a deal closed on day 14.
    touches = path(A, B, C)
    touches = [TouchPoint(day(7 * i), t.party, t.route) for i, t in enumerate(touches)]
    assert money(credit("time_decay", won(created=14, closed=None), touches)) == {
        A: "142.86",
        B: "285.71",
        C: "571.43",
    }


def test_time_decay_counts_a_touch_after_the_close_as_age_zero() -> None:
    touches = [TouchPoint(day(10), A, "partner"), TouchPoint(day(30), B, "direct")]
    assert money(credit("time_decay", won(closed=10), touches)) == {A: "500.00", B: "500.00"}


def test_time_decay_of_a_very_old_path_does_not_vanish() -> None:
    # 2 ** -(36500 / 0.01) underflows to 0.0: the weights are taken from the youngest touch.
    touches = [TouchPoint(day(-36_500), A, "partner"), TouchPoint(day(-36_499), B, "direct")]
    credits = credit("time_decay", won(closed=0), touches, half_life_days=0.01)
    assert money(credits) == {A: "0.00", B: "1000.00"}


def test_collaboration_is_per_party_not_per_touch() -> None:
    assert money(credit("collaboration", won(), path(A, A, A, B))) == {A: "500.00", B: "500.00"}
    assert money(credit("collaboration", won("100.00"), path(C, A, B, A))) == {
        C: "33.34",
        A: "33.33",
        B: "33.33",
    }


# --- Rounding, edge cases and validation.


def test_the_odd_cents_go_to_the_largest_remainders_then_the_earliest_party() -> None:
    # 100.00 / 3: the odd cent to C, who touched first, whatever order the touches come in.
    touches = path(C, A, B)
    for order in (touches, touches[::-1], [touches[1], touches[2], touches[0]]):
        assert money(credit("linear", won("100.00"), order)) == {
            C: "33.34",
            A: "33.33",
            B: "33.33",
        }
    # 0.05 over U-shaped 40/20/40: exact 2, 1, 2 cents.
    assert money(credit("u_shaped", won("0.05"), path(A, B, C))) == {
        A: "0.02",
        B: "0.01",
        C: "0.02",
    }
    # 0.01 linear over three: the cent to the first.
    assert money(credit("linear", won("0.01"), path(A, B, C))) == {
        A: "0.01",
        B: "0.00",
        C: "0.00",
    }


def test_simultaneous_touches_are_ordered_by_party_then_route() -> None:
    same_time = [TouchPoint(DAY0, B, "direct"), TouchPoint(DAY0, A, "partner")]
    # repr(("partner", 1)) sorts before repr(("team", 3)).
    assert credit("first_touch", won(), same_time)[A] == Decimal("1000.00")
    assert credit("first_touch", won(), same_time[::-1])[A] == Decimal("1000.00")


def test_no_touches_credits_no_one() -> None:
    for model in MODELS:
        assert credit(model, won(), []) == {}
        assert credit_by_route(model, won(), []) == {}


def test_a_zero_amount_lists_every_party_at_zero() -> None:
    for model in MODELS:
        assert money(credit(model, won("0"), path(A, B, A))) == {A: "0.00", B: "0.00"}
        assert money(credit_by_route(model, won("0"), path(A, B))) == {"partner": "0.00"}


def test_a_whole_amount_comes_back_in_cents() -> None:
    assert money(credit("linear", won("1000"), path(A, B))) == {A: "500.00", B: "500.00"}


@pytest.mark.parametrize("amount", ["-1.00", "10.005", "NaN", "Infinity"])
def test_a_deal_refuses_an_amount_that_cannot_be_split_in_cents(amount: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        Deal(Decimal(amount), DAY0, None)


def test_a_touch_refuses_an_unknown_route() -> None:
    with pytest.raises(ValueError, match="direct, partner, marketing"):
        TouchPoint(DAY0, A, "referral")


@pytest.mark.parametrize("half_life", [0.0, -7.0, float("nan"), float("inf")])
def test_the_half_life_must_be_a_positive_number_of_days(half_life: float) -> None:
    with pytest.raises(ValueError, match="half-life"):
        credit("time_decay", won(), path(A), half_life_days=half_life)


# --- By route.


def test_credit_by_route_sums_the_party_credits() -> None:
    touches = [
        TouchPoint(day(0), A, "partner"),
        TouchPoint(day(1), D, "marketing"),
        TouchPoint(day(2), B, "direct"),
        TouchPoint(day(3), E, "partner"),
    ]
    assert money(credit_by_route("u_shaped", won(), touches)) == {
        "partner": "800.00",
        "marketing": "100.00",
        "direct": "100.00",
    }
    assert money(credit_by_route("collaboration", won("100.00"), touches)) == {
        "partner": "50.00",
        "marketing": "25.00",
        "direct": "25.00",
    }


def test_a_party_on_two_routes_is_split_by_its_touches_weights() -> None:
    # Linear over 4 touches: A's 500 comes from a partner touch and a marketing touch.
    touches = [
        TouchPoint(day(0), A, "partner"),
        TouchPoint(day(1), B, "direct"),
        TouchPoint(day(2), A, "marketing"),
        TouchPoint(day(3), B, "direct"),
    ]
    assert money(credit_by_route("linear", won(), touches)) == {
        "partner": "250.00",
        "direct": "500.00",
        "marketing": "250.00",
    }
    # Collaboration: A's half spread over its two touches, one per route.
    assert money(credit_by_route("collaboration", won(), touches)) == {
        "partner": "250.00",
        "direct": "500.00",
        "marketing": "250.00",
    }
    # First touch: A's credit comes entirely through its first, partner touch.
    assert money(credit_by_route("first_touch", won(), touches)) == {
        "partner": "1000.00",
        "direct": "0.00",
        "marketing": "0.00",
    }


# --- Properties over random paths.

PARTIES: list[Hashable] = [
    *(("partner", n) for n in range(1, 5)),
    *(("team", n) for n in range(1, 3)),
    *(("user", n) for n in range(1, 4)),
    ("marketing", None),
]
# A few days on a coarse grid make simultaneous touches likely; the fine times, any instant.
moments = st.one_of(
    st.integers(-5, 5).map(day),
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
    ),
)
touch_points = st.builds(
    TouchPoint, at=moments, party=st.sampled_from(PARTIES), route=st.sampled_from(ROUTES)
)
deals = st.builds(
    Deal,
    amount=st.integers(0, 10**11).map(lambda cents: Decimal(cents).scaleb(-2)),
    created_at=moments,
    closed_at=st.none() | moments,
)
half_lives = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
model_keys = st.sampled_from(list(MODELS))


def assert_exact_split(credits: dict[str, Decimal] | dict[Hashable, Decimal], deal: Deal) -> None:
    assert sum(credits.values(), Decimal(0)) == deal.amount
    for value in credits.values():
        assert value >= 0
        assert value.as_tuple().exponent == -2


@settings(max_examples=300, deadline=None)
@given(model_keys, deals, st.lists(touch_points, max_size=30), half_lives, st.data())
def test_credits_split_the_amount_exactly_whatever_the_order(
    model: str,
    deal: Deal,
    touches: Sequence[TouchPoint],
    half_life: float,
    data: st.DataObject,
) -> None:
    credits = credit(model, deal, touches, half_life_days=half_life)
    if not touches:
        assert credits == {}
        return
    assert_exact_split(credits, deal)
    assert set(credits) == {touch.party for touch in touches}
    shuffled = data.draw(st.permutations(touches))
    again = credit(model, deal, shuffled, half_life_days=half_life)
    assert again == credits
    assert list(again) == list(credits)


@settings(max_examples=300, deadline=None)
@given(model_keys, deals, st.lists(touch_points, min_size=1, max_size=30), half_lives, st.data())
def test_route_credits_split_the_amount_exactly_whatever_the_order(
    model: str,
    deal: Deal,
    touches: Sequence[TouchPoint],
    half_life: float,
    data: st.DataObject,
) -> None:
    by_route = credit_by_route(model, deal, touches, half_life_days=half_life)
    assert_exact_split(by_route, deal)
    assert set(by_route) == {touch.route for touch in touches}
    shuffled = data.draw(st.permutations(touches))
    assert credit_by_route(model, deal, shuffled, half_life_days=half_life) == by_route


@settings(max_examples=200, deadline=None)
@given(model_keys, deals, st.lists(touch_points, min_size=1, max_size=30), half_lives)
def test_route_credits_reconcile_with_party_credits_when_each_party_has_one_route(
    model: str, deal: Deal, touches: Sequence[TouchPoint], half_life: float
) -> None:
    # Give each party a single route, as the rollup's parties do (a partner touches as partner).
    route_of = {party: ROUTES[i % len(ROUTES)] for i, party in enumerate(PARTIES)}
    touches = [TouchPoint(t.at, t.party, route_of[t.party]) for t in touches]
    by_party = credit(model, deal, touches, half_life_days=half_life)
    expected: dict[str, Decimal] = {}
    for party, amount in by_party.items():
        expected[route_of[party]] = expected.get(route_of[party], Decimal(0)) + amount
    assert credit_by_route(model, deal, touches, half_life_days=half_life) == expected
