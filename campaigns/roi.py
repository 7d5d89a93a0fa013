"""ROI calculator formulas: checked and computed without ever running the admin's text as code.

A formula is an arithmetic expression over the offer's declared input keys, for example
`hours_saved * cost_per_hour - price`. It is parsed with Python's `ast` and only numbers, the
declared names, `+ - * /`, parentheses and a sign are accepted; anything else (calls, attributes,
subscripts, `**`, comparisons, `__import__`...) is refused with a message naming it. Values are
computed in `Decimal`, so money does not pick up binary rounding."""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

__all__ = [
    "MAX_FORMULA_LENGTH",
    "MAX_INPUTS",
    "check_formula",
    "check_inputs",
    "describe_formula",
    "evaluate_roi",
    "input_keys",
]

MAX_FORMULA_LENGTH = 500
MAX_INPUTS = 20
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARY = (ast.USub, ast.UAdd)
# Enough digits for any sum of money, and a bounded exponent, so no formula runs away.
_CONTEXT = decimal.Context(
    prec=28, Emax=99, Emin=-99, traps=[decimal.Overflow, decimal.InvalidOperation]
)


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(f"{what} must be a number.")
    try:
        number = Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValidationError(f"{what} must be a number, not {value!r}.") from None
    if not number.is_finite():
        raise ValidationError(f"{what} must be a finite number.")
    return number


def check_inputs(inputs: Any) -> list[dict[str, Any]]:
    """The calculator's inputs as stored: a list of {key, label, unit, default}. Keys are lower
    case names (letters, digits, underscores), each once; the default is a number."""
    if not isinstance(inputs, list):
        raise ValidationError("Give the inputs as a list of {key, label, unit, default}.")
    if len(inputs) > MAX_INPUTS:
        raise ValidationError(f"At most {MAX_INPUTS} inputs.")
    seen: set[str] = set()
    cleaned = []
    for position, item in enumerate(inputs, start=1):
        if not isinstance(item, dict) or set(item) - {"key", "label", "unit", "default"}:
            raise ValidationError(
                f"Input {position}: give an object with key, label, unit and default only."
            )
        key = item.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise ValidationError(
                f"Input {position}: the key {key!r} must start with a letter and use only lower "
                "case letters, digits and underscores (at most 40)."
            )
        if key in seen:
            raise ValidationError(f"Input {position}: the key {key!r} is used twice.")
        seen.add(key)
        label, unit = item.get("label", ""), item.get("unit", "")
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            raise ValidationError(f"Input {key!r}: give a label of at most 100 characters.")
        if not isinstance(unit, str) or len(unit) > 20:
            raise ValidationError(f"Input {key!r}: the unit is text of at most 20 characters.")
        default = _number(item.get("default", 0), f"Input {key!r}: the default")
        cleaned.append({"key": key, "label": label.strip(), "unit": unit, "default": str(default)})
    return cleaned


def input_keys(inputs: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(item["key"]) for item in inputs if isinstance(item, Mapping) and "key" in item]


def _parse(formula: str) -> ast.expr:
    if not isinstance(formula, str) or not formula.strip():
        raise ValidationError("The formula is empty.")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise ValidationError(f"The formula is longer than {MAX_FORMULA_LENGTH} characters.")
    try:
        return ast.parse(formula.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValidationError(
            "The formula is not a calculation we can read: use numbers, input keys, "
            "+ - * / and parentheses."
        ) from None


def _refuse(node: ast.AST) -> ValidationError:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return ValidationError("The formula may not use ** (powers); multiply instead.")
    if isinstance(node, ast.Call):
        return ValidationError("The formula may not call functions.")
    if isinstance(node, ast.Attribute | ast.Subscript):
        return ValidationError("The formula may not use attributes or indexes.")
    if isinstance(node, ast.Constant):
        return ValidationError(f"The formula may use numbers only, not {node.value!r}.")
    return ValidationError(
        f"The formula may not use {type(node).__name__}: only numbers, input keys, "
        "+ - * / and parentheses."
    )


def _walk(node: ast.expr, keys: set[str]) -> None:
    """Refuse anything but the accepted arithmetic, naming the first thing that is not."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _walk(node.left, keys)
        _walk(node.right, keys)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, _UNARY):
        _walk(node.operand, keys)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        _number(node.value, "A number in the formula")
    elif isinstance(node, ast.Name):
        if node.id not in keys:
            known = ", ".join(sorted(keys)) or "none declared"
            raise ValidationError(
                f"The formula names {node.id!r}, which is not an input (inputs: {known})."
            )
    else:
        raise _refuse(node)


def check_formula(formula: str, inputs: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a formula that is not plain arithmetic over the declared inputs, and one that
    cannot be computed with the inputs' defaults (division by zero, overflow)."""
    _walk(_parse(formula), set(input_keys(inputs)))
    evaluate_roi(formula, inputs, {})


def _compute(node: ast.expr, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.BinOp):
        left, right = _compute(node.left, values), _compute(node.right, values)
        if isinstance(node.op, ast.Add):
            return _CONTEXT.add(left, right)
        if isinstance(node.op, ast.Sub):
            return _CONTEXT.subtract(left, right)
        if isinstance(node.op, ast.Mult):
            return _CONTEXT.multiply(left, right)
        if right.is_zero():
            raise ValidationError("The formula divides by zero with these values.")
        return _CONTEXT.divide(left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _compute(node.operand, values)
        return _CONTEXT.minus(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    assert isinstance(node, ast.Name)  # _walk accepted nothing else
    return values[node.id]


def evaluate_roi(
    formula: str, inputs: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
) -> Decimal:
    """The formula's result for `values` (by input key; a missing one takes its default),
    rounded to cents. Raises ValidationError naming what is wrong: an unknown input, a value that
    is not a number, a division by zero, a result too large."""
    keys = input_keys(inputs)
    unknown = sorted(set(values) - set(keys))
    if unknown:
        raise ValidationError(f"Unknown input: {', '.join(unknown)}.")
    tree = _parse(formula)
    _walk(tree, set(keys))
    numbers = {
        str(item["key"]): _number(
            values.get(str(item["key"]), item.get("default", 0)), f"The value of {item['key']!r}"
        )
        for item in inputs
    }
    try:
        result = _compute(tree, numbers)
    except (decimal.Overflow, decimal.InvalidOperation):
        raise ValidationError("The formula's result is too large to compute.") from None
    except RecursionError:
        raise ValidationError("The formula is nested too deeply.") from None
    return result.quantize(Decimal("0.01"), context=_CONTEXT)


_WORDS = {ast.Add: "plus", ast.Sub: "minus", ast.Mult: "times", ast.Div: "divided by"}
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}


def _say(node: ast.expr, labels: Mapping[str, str]) -> tuple[str, int]:
    """(words, precedence) of a checked formula's node; 3 binds tightest (a name, a number)."""
    if isinstance(node, ast.BinOp):
        rank = _PRECEDENCE[type(node.op)]
        left, left_rank = _say(node.left, labels)
        right, right_rank = _say(node.right, labels)
        if left_rank < rank:
            left = f"({left})"
        # a - (b - c) and a / (b * c) need their brackets; a + (b + c) does not, but says so.
        if right_rank < rank or (right_rank == rank and not isinstance(node.op, ast.Add)):
            right = f"({right})"
        return f"{left} {_WORDS[type(node.op)]} {right}", rank
    if isinstance(node, ast.UnaryOp):
        operand, rank = _say(node.operand, labels)
        if rank < 3:
            operand = f"({operand})"
        return (f"minus {operand}" if isinstance(node.op, ast.USub) else operand), 3
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return f"{node.value:,}", 3
    assert isinstance(node, ast.Name)  # _walk accepted nothing else
    return labels.get(node.id, node.id), 3


def describe_formula(formula: str, inputs: Sequence[Mapping[str, Any]]) -> str:
    """The formula in words, inputs by their labels ("Downtime hours avoided times Cost per
    hour minus Price"), for a PDF or a page that explains how the result is reached."""
    keys = input_keys(inputs)
    tree = _parse(formula)
    _walk(tree, set(keys))
    labels = {
        str(item["key"]): str(item.get("label") or item["key"])
        for item in inputs
        if isinstance(item, Mapping) and "key" in item
    }
    return _say(tree, labels)[0]
