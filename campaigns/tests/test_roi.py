"""ROI formulas: arithmetic over the declared inputs only, computed in Decimal, and every refusal
names what is wrong. Nothing the admin types is ever run as code."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from campaigns.roi import check_formula, check_inputs, describe_formula, evaluate_roi

INPUTS: list[dict[str, Any]] = [
    {"key": "hours", "label": "Downtime hours avoided", "unit": "h", "default": 40},
    {"key": "rate", "label": "Cost per hour", "unit": "EUR", "default": "1500.50"},
    {"key": "price", "label": "Price", "unit": "EUR", "default": 12000},
]


def message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def test_a_formula_computes_with_defaults_and_given_values():
    assert evaluate_roi("hours * rate - price", INPUTS, {}) == Decimal("48020.00")
    assert evaluate_roi("hours * rate - price", INPUTS, {"hours": "10"}) == Decimal("3005.00")
    assert evaluate_roi("-(price / 3) + (hours)", INPUTS, {}) == Decimal("-3960.00")


def test_decimal_arithmetic_keeps_cents_exact():
    inputs: list[dict[str, Any]] = [{"key": "a", "label": "A", "unit": "", "default": "0.1"}]
    assert evaluate_roi("a + a + a", inputs, {}) == Decimal("0.30")


def test_an_unknown_name_is_named():
    with pytest.raises(ValidationError) as exc:
        check_formula("hours * wage", INPUTS)
    assert "'wage'" in message(exc) and "hours, price, rate" in message(exc)


def test_division_by_zero_is_a_clear_refusal():
    with pytest.raises(ValidationError) as exc:
        evaluate_roi("price / hours", INPUTS, {"hours": 0})
    assert "divides by zero" in message(exc)
    with pytest.raises(ValidationError, match="divides by zero"):
        check_formula("price / (hours - 40)", INPUTS)  # zero with the defaults


@pytest.mark.parametrize(
    "formula, words",
    [
        ("__import__('os').system('true')", "call functions"),
        ("hours.__class__", "attributes"),
        ("price ** 2", "**"),
        ("hours if rate else price", "IfExp"),
        ("hours < rate", "Compare"),
        ("'text'", "numbers only"),
        ("[hours]", "List"),
        ("lambda: 1", "Lambda"),
        ("hours; price", "not a calculation"),
        ("price // hours", "BinOp"),
        ("True + hours", "numbers only"),
    ],
)
def test_anything_but_arithmetic_is_refused_and_named(formula, words):
    with pytest.raises(ValidationError) as exc:
        check_formula(formula, INPUTS)
    assert words in message(exc)


def test_empty_overlong_and_deeply_nested_formulas_are_refused():
    with pytest.raises(ValidationError, match="empty"):
        check_formula("  ", INPUTS)
    with pytest.raises(ValidationError, match="longer than 500"):
        check_formula("hours + " * 100 + "1", INPUTS)
    with pytest.raises(ValidationError):
        check_formula("(" * 240 + "1" + ")" * 240, INPUTS)


def test_values_must_be_numbers_and_known_inputs():
    with pytest.raises(ValidationError, match="'hours' must be a number"):
        evaluate_roi("hours", INPUTS, {"hours": "lots"})
    with pytest.raises(ValidationError, match="Unknown input: wage"):
        evaluate_roi("hours", INPUTS, {"wage": 3})
    with pytest.raises(ValidationError, match="finite"):
        evaluate_roi("hours", INPUTS, {"hours": "NaN"})


def test_a_runaway_result_is_refused():
    inputs: list[dict[str, Any]] = [{"key": "x", "label": "X", "unit": "", "default": "1e40"}]
    with pytest.raises(ValidationError, match="too large"):
        evaluate_roi("x * x * x", inputs, {})


def test_inputs_are_checked_and_named():
    assert check_inputs(INPUTS)[1] == {
        "key": "rate",
        "label": "Cost per hour",
        "unit": "EUR",
        "default": "1500.50",
    }
    with pytest.raises(ValidationError, match="used twice"):
        check_inputs([INPUTS[0], INPUTS[0]])
    with pytest.raises(ValidationError, match="must start with a letter"):
        check_inputs([{**INPUTS[0], "key": "Hours Saved"}])
    with pytest.raises(ValidationError, match="'hours': the default must be a number"):
        check_inputs([{**INPUTS[0], "default": "forty"}])
    with pytest.raises(ValidationError, match="as a list"):
        check_inputs({"hours": 1})


@pytest.mark.parametrize(
    "formula, words",
    [
        ("hours * rate - price", "Hours saved times Rate minus Price"),
        ("hours * (rate - price)", "Hours saved times (Rate minus Price)"),
        ("price - (hours - rate)", "Price minus (Hours saved minus Rate)"),
        ("hours / 2 + 1500", "Hours saved divided by 2 plus 1,500"),
    ],
)
def test_a_formula_is_said_in_words_with_the_inputs_labels(formula, words):
    inputs = [
        {"key": "hours", "label": "Hours saved"},
        {"key": "rate", "label": "Rate"},
        {"key": "price", "label": "Price"},
    ]
    assert describe_formula(formula, inputs) == words
