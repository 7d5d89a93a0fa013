"""Figures in words, one way for every page and export of the scorecards: 1,234,567 EUR; 12.5 %;
4.2 h; 31 (a dash when there is no figure)."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["DASH", "figure"]

DASH = "—"


def figure(value: Decimal | None, unit: str, currency: str) -> str:
    """A figure as the pages write it: 1,234,567 EUR; 12.5 %; 4.2 h; 31 deals."""
    if value is None:
        return DASH
    if unit == "money":
        return f"{value:,.0f} {currency}"
    if unit == "money_per_day":
        return f"{value:,.0f} {currency}/day"
    if unit == "percent":
        return f"{value:,.1f} %"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} days"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
