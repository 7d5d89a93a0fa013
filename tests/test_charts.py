"""Charts (core/charts.py, templates/charts/): the spec charts.js reads, its safe embedding, the
table of the numbers inside every chart, the heatmap table, and the assets only chart pages load.
The drawing itself is tested in Chromium: tests/browser/test_charts.py."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.template.loader import render_to_string

from core.charts import Chart, Heatmap, Series, chart_json, chart_spec, format_number

HOSTILE = "</script><script>alert(1)</script>"


def trend(**overrides: Any) -> Chart:
    values: dict[str, Any] = {
        "id": "pipeline-trend",
        "type": "line",
        "title": "Pipeline by quarter",
        "labels": ["2026 Q1", "2026 Q2", "2026 Q3"],
        "series": [
            Series("Direct", [Decimal("1200000.00"), None, Decimal("1234.5")], key="direct"),
            Series("Partner", [350000, 410000, float("nan")], key="partner"),
        ],
        "currency": "EUR",
        "label_title": "Quarter",
        "value_title": "Pipeline",
    }
    values.update(overrides)
    return Chart(**values)


def embedded_spec(html: str) -> dict:
    scripts = re.findall(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1, html
    return json.loads(scripts[0])


def test_the_spec_is_plain_json_with_floats_and_nulls():
    spec = chart_spec(trend())

    assert spec == {
        "id": "pipeline-trend",
        "type": "line",
        "title": "Pipeline by quarter",
        "labels": ["2026 Q1", "2026 Q2", "2026 Q3"],
        "series": [
            {"name": "Direct", "key": "direct", "values": [1200000.0, None, 1234.5], "links": []},
            {
                "name": "Partner",
                "key": "partner",
                "values": [350000.0, 410000.0, None],
                "links": [],
            },
        ],
        "unit": "",
        "currency": "EUR",
        "label_title": "Quarter",
        "value_title": "Pipeline (EUR)",
    }
    assert embedded_spec(chart_json(trend())) == spec  # NaN is null: JSON.parse would refuse NaN


def test_the_value_axis_title_names_the_currency_or_unit():
    assert trend(currency="", unit="%", value_title="Win rate").value_axis_title == "Win rate (%)"
    assert trend(value_title="").value_axis_title == "EUR"
    assert trend(currency="", value_title="Deals").value_axis_title == "Deals"


def test_a_chart_refuses_what_it_could_not_draw():
    with pytest.raises(ValueError, match="3 labels"):
        trend(series=[Series("Direct", [1, 2])])
    with pytest.raises(ValueError, match="2 links for 3 labels"):
        trend(series=[Series("Direct", [1, 2, 3], links=["/a", "/b"])])
    with pytest.raises(ValueError, match="not one of"):
        trend(type="pie")
    with pytest.raises(ValueError, match="HTML id"):
        trend(id='x" onmouseover="alert(1)')
    with pytest.raises(ValueError, match="2 rows of 2 cells"):
        Heatmap(
            "overlap", "Overlap", rows=["North", "South"], columns=["SMB", "ENT"], cells=[[1, 2]]
        )


def test_linked_figures_link_in_the_spec_and_the_table():
    chart = trend(series=[Series("Direct", [1, None, 3], key="direct", links=["/a", "", "/c"])])
    assert chart_spec(chart)["series"][0]["links"] == ["/a", "", "/c"]
    page = render_to_string("charts/chart.html", {"chart": chart})
    assert '<a href="/a">1</a>' in page and '<a href="/c">3</a>' in page
    assert '<td class="num">–</td>' in page  # no figure, no link


def test_numbers_are_written_in_full():
    assert format_number(Decimal("1234567")) == "1,234,567"
    assert format_number(Decimal("1234.5")) == "1,234.50"
    assert format_number(42, unit="%") == "42%"
    assert format_number(None) == format_number(float("inf")) == "–"


def test_a_hostile_label_cannot_leave_the_script_or_the_table():
    chart = trend(
        title=HOSTILE,
        labels=[HOSTILE, "b", "c"],
        series=[Series(HOSTILE, [1, 2, 3], key=HOSTILE)],
        label_title=HOSTILE,
    )
    html = render_to_string("charts/chart.html", {"chart": chart})

    assert "<script>" not in html and "alert(1)</script>" not in html
    assert html.count("</script>") == 1  # the spec's own end
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html
    spec = embedded_spec(html)
    assert spec["labels"][0] == spec["title"] == spec["series"][0]["name"] == HOSTILE
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the table's copy


def test_the_chart_partial_is_a_figure_with_a_table_of_the_same_numbers():
    html = render_to_string("charts/chart.html", {"chart": trend()})

    assert '<figure class="chart chart-line" id="pipeline-trend" data-chart="line"' in html
    assert '<canvas role="img" aria-label="Pipeline by quarter.' in html
    assert "<summary>Show the numbers</summary>" in html
    header = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert header is not None
    assert re.findall(r'<th scope="col"[^>]*>([^<]*)', header.group(1)) == [
        "Quarter",
        "Direct ",
        "Partner ",
    ]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', html)
    assert [(label, re.findall(r"<td[^>]*>([^<]*)</td>", cells)) for label, cells in rows] == [
        ("2026 Q1", ["1,200,000", "350,000"]),
        ("2026 Q2", ["–", "410,000"]),
        ("2026 Q3", ["1,234.50", "–"]),
    ]


def test_a_horizontal_bar_chart_grows_with_its_bars():
    funnel = Chart(
        id="funnel",
        type="bar",
        title="Funnel",
        labels=["Lead", "Qualified", "Proposal", "Won"],
        series=[Series("Deals", [120, 60, 30, 12])],
        unit="deals",
    )
    html = render_to_string("charts/chart.html", {"chart": funnel})
    assert 'data-chart="bar"' in html and 'style="--chart-rows: 4"' in html
    assert "(deals)" in html


def test_the_heatmap_is_a_table_with_headers_and_shaded_cells():
    heatmap = Heatmap(
        id="overlap",
        title="Overlap by territory and segment",
        rows=["North", "South"],
        columns=["SMB", "Mid-market", "Enterprise"],
        cells=[[0, Decimal("12.5"), 100], [None, 50, 25]],
        unit="%",
        row_title="Territory",
    )
    html = render_to_string("charts/heatmap.html", {"heatmap": heatmap})

    assert '<table class="heatmap-table">' in html and "<caption" in html
    header = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert header is not None
    assert re.findall(r'<th scope="col">([^<]*)</th>', header.group(1)) == [
        "Territory",
        "SMB",
        "Mid-market",
        "Enterprise",
    ]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', html)
    cells = [re.findall(r'<td class="num (heat-\d)">([^<]*)</td>', row) for _, row in rows]
    assert [label for label, _ in rows] == ["North", "South"]
    assert cells == [
        [("heat-0", "0%"), ("heat-1", "12.50%"), ("heat-6", "100%")],
        [("heat-0", "–"), ("heat-3", "50%"), ("heat-2", "25%")],
    ]
    # A given max shades several heatmaps on one scale: 100 of 200 is half-way.
    same_scale = Heatmap("o2", "Overlap", rows=["North"], columns=["SMB"], cells=[[100]], max=200)
    assert same_scale.grid[0].cells[0].level == 3


def test_only_pages_that_ask_load_the_chart_scripts(client):
    landing = client.get("/").content.decode()
    assert "chartjs" not in landing and "charts.js" not in landing

    page = Template(
        '{% extends "base.html" %}{% block head %}{% include "charts/assets.html" %}{% endblock %}'
    ).render(Context({}))
    head = page.split("</head>", 1)[0]
    assert '<link rel="stylesheet" href="/static/css/charts.css">' in head
    assert head.index("chart.umd.min.js") < head.index("js/charts.js")
    assert '<script defer src="/static/vendor/chartjs/chart.umd.min.js">' in head


def test_the_vendored_chart_js_is_served_and_collects_under_the_manifest():
    path = finders.find("vendor/chartjs/chart.umd.min.js")
    assert path is not None and finders.find("vendor/chartjs/LICENSE.md") is not None
    with open(path, encoding="utf-8") as f:
        source = f.read()
    assert source.startswith("/*!\n * Chart.js v4.")
    # The manifest storage (production's collectstatic) fails on a source map it cannot find.
    assert "sourceMappingURL" not in source
