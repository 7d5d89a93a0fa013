"""The scorecards' filters, one rule for the pages and the API: what each filter offers a person
(only what they may see; a partner user gets no route, partner or team filter, since such a
filter could narrow the tier average to another party's slice), and a request's filter values
checked and turned into core.metrics.Filters.

Values are what people and integrators type: a territory's code, a segment's key, a product
line's code, a route, a partner's or a team's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import ProductLine, Segment
from core.metrics import Filters
from guardrails.models import Territory
from tenancy.models import Membership, Partner, Team

__all__ = [
    "DIRECT_SIDE_FILTERS",
    "FILTER_FIELDS",
    "PARTNER_FILTER_REFUSAL",
    "ROUTES",
    "WHAT",
    "Option",
    "filter_options",
    "resolve_filters",
    "unknown",
]

# The filters, in the filter bar's order (the fields of core.metrics.Filters).
FILTER_FIELDS = ("territory", "segment", "product_line", "route", "partner", "team")
# Filters that would narrow the figures to another party's slice: the direct side's only.
DIRECT_SIDE_FILTERS = ("route", "partner", "team")
PARTNER_FILTER_REFUSAL = (
    "Partner users' figures are their own partner's: filter them by territory, segment or "
    "product line."
)
ROUTES = [("direct", "Direct"), ("partner", "Partner")]
WHAT = {
    "territory": "territory",
    "segment": "segment",
    "product_line": "product line",
    "route": "route",
    "partner": "partner",
    "team": "team",
}


@dataclass(frozen=True)
class Option:
    value: str  # what is typed or sent
    label: str  # what is shown
    narrows: int | str  # what core.metrics.Filters holds


def unknown(name: str, value: Any) -> str:
    return f"There is no {WHAT[name]} “{value}” here: pick one from the list."


def filter_options(membership: Membership) -> dict[str, list[Option]]:
    """What each filter offers `membership`, in order; a filter it may not use is absent."""
    options = {
        "territory": [
            Option(t.code, t.name, t.code)
            for t in Territory.objects.visible_to(membership).order_by("name")
        ],
        "segment": [Option(s.key, s.name, s.pk) for s in Segment.objects.visible_to(membership)],
        "product_line": [
            Option(p.code, p.name, p.pk) for p in ProductLine.objects.visible_to(membership)
        ],
    }
    if membership.is_partner_user:
        return options
    return options | {
        "route": [Option(value, label, value) for value, label in ROUTES],
        "partner": [
            Option(str(p.pk), p.name, p.pk)
            for p in Partner.objects.visible_to(membership).order_by("name")
        ],
        "team": [Option(str(t.pk), t.name, t.pk) for t in Team.objects.visible_to(membership)],
    }


def resolve_filters(
    membership: Membership,
    given: Mapping[str, Any],
    options: dict[str, list[Option]] | None = None,
) -> Filters:
    """The filters `given` asks for (empty values are no filter): ValidationError naming each
    value that is not one `membership` may use."""
    options = options if options is not None else filter_options(membership)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in FILTER_FIELDS:
        value = given.get(name)
        if value in (None, ""):
            continue
        if name not in options:
            errors[name] = PARTNER_FILTER_REFUSAL
            continue
        found = next((o for o in options[name] if o.value == str(value)), None)
        if found is None:
            errors[name] = unknown(name, value)
        else:
            values[name] = found.narrows
    if errors:
        raise ValidationError(errors)
    return Filters(**values)
