"""How the figures are counted, for everyone who reads a scorecard: every registered metric
(its definition's version, unit, which filters narrow it) and the attribution models, from the
registry and the models themselves, so the page never disagrees with the figures.
docs/metrics.md has the full definitions, with the same keys and versions."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from core.metrics import metrics
from scorecards import rollup
from scorecards.attribution import MODELS
from scorecards.views.common import FILTER_NAMES
from tenancy.requests import DoorRequest

__all__ = ["definitions"]

UNITS = {
    "money": "an amount in {currency}",
    "money_per_day": "{currency} a day",
    "percent": "a percentage",
    "count": "a count",
    "hours": "business hours",
    "days": "days",
}


def definitions(request: DoorRequest) -> HttpResponse:
    currency = request.tenant.currency
    settings = rollup.settings_of(request.tenant)
    rows = [
        {
            "metric": item,
            "unit": UNITS.get(item.unit, item.unit).format(currency=currency),
            "narrowed_by": ", ".join(
                label for name, label in FILTER_NAMES.items() if name in item.filtered_by
            )
            or "none",
            "better": "higher" if item.higher_is_better else "lower",
        }
        for item in metrics()
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "models": list(MODELS.values()),
        "settings_row": settings,
        "currency": currency,
    }
    return render(request, "scorecards/definitions.html", context)
