"""Charts and heatmaps: one way for every app to show numbers as a picture and as a table.

A view describes what to draw with the dataclasses below and hands them to the template, which
includes one partial per picture:

    chart = Chart(
        id="pipeline-trend", type="line", title="Pipeline by quarter",
        labels=["2026 Q1", "2026 Q2"], label_title="Quarter", value_title="Pipeline",
        currency="EUR",
        series=[Series("Direct", [Decimal("1200000"), None], key="direct"),
                Series("Partner", [350000, 410000], key="partner")],
    )

    {% block head %}{% include "charts/assets.html" %}{% endblock %}
    ...
    {% include "charts/chart.html" with chart=chart %}
    {% include "charts/heatmap.html" with heatmap=overlap %}

`templates/charts/chart.html` renders a `<figure class="chart" data-chart="<type>">` holding a
canvas, a "Show the numbers" table of the same data (for screen readers, for a reader who wants
the figures, and without JavaScript) and the chart's spec as `<script type="application/json">`;
`static/js/charts.js` finds the figures and draws them with the vendored Chart.js
(`static/vendor/chartjs/`). `templates/charts/heatmap.html` is a plain `<table>` whose cells are
shaded by their value: no script at all. `templates/charts/assets.html` loads the styles and the
two scripts; only pages that show a chart include it (base.html's `head` block).

The spec is built here, never in a template: numbers become JSON numbers (`Decimal` -> float), a
missing number stays `null` (a gap in a line, no bar), and it is embedded with Django's
`json_script`, which escapes `<`, `>` and `&`, so no label can close the script element.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.utils.html import json_script
from django.utils.safestring import SafeString

__all__ = [
    "CHART_TYPES",
    "ROUTE_KEYS",
    "Chart",
    "Heatmap",
    "Series",
    "chart_json",
    "chart_spec",
    "format_number",
]

ChartType = Literal["line", "bar", "stacked-bar", "grouped-bar"]
Number = Decimal | int | float | None

#: What charts.js draws: a trend by quarter (several series), stacked vertical bars (e.g. by
#: route), horizontal bars in the order given (e.g. the funnel by stage) and vertical bars side
#: by side (e.g. sourced vs influenced by route).
CHART_TYPES: tuple[str, ...] = ("line", "bar", "stacked-bar", "grouped-bar")
#: Series keys with a fixed colour (static/css/charts.css, `--chart-<key>`); any other series
#: takes the next colour of the neutral sequence.
ROUTE_KEYS: tuple[str, ...] = ("direct", "partner", "marketing")
#: How many shades a heatmap has (`heat-1` ... `heat-6` in charts.css; `heat-0` is zero or less).
HEAT_LEVELS = 6

_HTML_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _number(value: Number) -> float | None:
    """A JSON-safe number: None, NaN and infinities become None (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def format_number(value: Number, *, unit: str = "") -> str:
    """The full figure as a table shows it: 1,234,567 or 1,234.50; "%" is written after it."""
    number = _number(value)
    if number is None:
        return "–"
    text = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    return f"{text}%" if unit == "%" else text


def _check_id(kind: str, value: str) -> None:
    if not _HTML_ID.match(value):
        raise ValueError(f"{kind} id {value!r} must be an HTML id: a letter, then [A-Za-z0-9_-]")


def _value_title(title: str, unit: str, currency: str) -> str:
    """The value axis' title: "Pipeline (EUR)", "Win rate (%)", "EUR", or just the title."""
    suffix = currency or unit
    if title and suffix:
        return f"{title} ({suffix})"
    return title or suffix


@dataclass(frozen=True)
class Series:
    """One line, or one colour of bars.

    `key` picks the colour: a route ("direct", "partner", "marketing") always has its own; any
    other key (or none) takes the next colour of the neutral sequence.
    """

    name: str
    values: Sequence[Number]
    key: str = ""
    # Where each value leads (the rows behind it): one URL per value, "" for none; or none.
    links: Sequence[str] = ()


@dataclass(frozen=True)
class Chart:
    """A chart: `labels` along one axis, one value per label in each series.

    `unit` is what the numbers count ("%" for rates, "deals", "days"); `currency` an ISO code
    (EUR) for amounts, which the value axis' title names and the tooltips format with. Ticks are
    abbreviated (1.2M, 350k); tooltips and the table give the full number.
    """

    id: str
    type: ChartType
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    unit: str = ""
    currency: str = ""
    label_title: str = ""
    value_title: str = ""

    def __post_init__(self) -> None:
        _check_id("Chart", self.id)
        if self.type not in CHART_TYPES:
            raise ValueError(f"Chart type {self.type!r} is not one of {', '.join(CHART_TYPES)}")
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(
                    f"Series {series.name!r} has {len(series.values)} values for "
                    f"{len(self.labels)} labels"
                )
            if series.links and len(series.links) != len(self.labels):
                raise ValueError(
                    f"Series {series.name!r} has {len(series.links)} links for "
                    f"{len(self.labels)} labels"
                )

    @property
    def value_axis_title(self) -> str:
        return _value_title(self.value_title, self.unit, self.currency)

    @property
    def bar_rows(self) -> int:
        """How many bars a horizontal bar chart stacks down the page (its height follows)."""
        return len(self.labels) * max(1, len(self.series))

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table of the numbers: one row per label, one full figure per series."""
        return [
            (label, [format_number(s.values[i], unit=self.unit) for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    @property
    def linked_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The table's rows with each figure's link ("" for none): (label, [(figure, url)])."""
        return [
            (
                label,
                [
                    (format_number(s.values[i], unit=self.unit), s.links[i] if s.links else "")
                    for s in self.series
                ],
            )
            for i, label in enumerate(self.labels)
        ]

    @property
    def json(self) -> SafeString:
        """The spec as a `<script type="application/json">` element (see `chart_json`)."""
        return chart_json(self)


def chart_spec(chart: Chart) -> dict[str, Any]:
    """What static/js/charts.js reads: plain JSON data, numbers as floats or None."""
    return {
        "id": chart.id,
        "type": chart.type,
        "title": chart.title,
        "labels": [str(label) for label in chart.labels],
        "series": [
            {
                "name": s.name,
                "key": s.key,
                "values": [_number(v) for v in s.values],
                "links": list(s.links),
            }
            for s in chart.series
        ],
        "unit": chart.unit,
        "currency": chart.currency,
        "label_title": chart.label_title,
        "value_title": chart.value_axis_title,
    }


def chart_json(chart: Chart) -> SafeString:
    """The spec embedded safely: `json_script` escapes <, > and & inside the JSON."""
    return json_script(chart_spec(chart))


@dataclass(frozen=True)
class HeatCell:
    value: float | None
    text: str
    level: int  # 0 (zero or less, or no value) to HEAT_LEVELS


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: list[HeatCell]


@dataclass(frozen=True)
class Heatmap:
    """A table of numbers shaded by size: `cells[r][c]` is the value for rows[r] x columns[c].

    `max` is the value shaded darkest (default: the largest cell); give it to shade several
    heatmaps on one scale. A cell's shade is one of HEAT_LEVELS steps of its share of `max`, and
    its number is always written in it, so the shading is never the only way to read it.
    """

    id: str
    title: str
    rows: Sequence[str]
    columns: Sequence[str]
    cells: Sequence[Sequence[Number]]
    max: Number = None
    unit: str = ""
    currency: str = ""
    row_title: str = ""
    value_title: str = ""
    _grid: list[HeatRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_id("Heatmap", self.id)
        if len(self.cells) != len(self.rows) or any(
            len(row) != len(self.columns) for row in self.cells
        ):
            raise ValueError(
                f"Heatmap {self.id!r} needs {len(self.rows)} rows of {len(self.columns)} cells"
            )
        object.__setattr__(self, "_grid", self._build_grid())

    @property
    def value_axis_title(self) -> str:
        return _value_title(self.value_title, self.unit, self.currency)

    @property
    def top(self) -> float:
        """The value shaded darkest."""
        given = _number(self.max)
        if given is not None:
            return given
        values = [v for row in self.cells for v in map(_number, row) if v is not None]
        return max(values, default=0.0)

    @property
    def grid(self) -> list[HeatRow]:
        return self._grid

    def _build_grid(self) -> list[HeatRow]:
        top = self.top
        return [
            HeatRow(label, [self._cell(value, top) for value in row])
            for label, row in zip(self.rows, self.cells, strict=True)
        ]

    def _cell(self, value: Number, top: float) -> HeatCell:
        number = _number(value)
        level = 0
        if number is not None and number > 0 and top > 0:
            level = max(1, min(HEAT_LEVELS, math.ceil(number / top * HEAT_LEVELS)))
        return HeatCell(number, format_number(number, unit=self.unit), level)
