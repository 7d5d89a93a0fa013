"""The chart partials drawn by static/js/charts.js in Chromium, at a phone's width and a desk's.

No test page is mounted in the URL tree: the test renders base.html with the partials into one
HTML document and serves it, and the static files it names (found by Django's staticfiles
finders, as whitenoise does), from a made-up origin through Playwright's request routing. So no
server or database is needed; the real dashboards are tested on their own pages.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from core.charts import Chart, Heatmap, Series
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

ORIGIN = "http://charts.test"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}
HOSTILE = "</script><script>alert(1)</script>"
QUARTERS = ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2"]
ROUTES = ["Direct", "Partner", "Marketing"]

CHARTS = [
    Chart(
        id="trend",
        type="line",
        title="Pipeline by quarter",
        labels=QUARTERS,
        series=[
            Series("Direct", [Decimal("1200000"), Decimal("1234567"), None, 900000], key="direct"),
            Series("Partner", [350000, 410000, 520000, 610000], key="partner"),
            Series("Marketing", [120000, 95000, 130000, 150000], key="marketing"),
        ],
        currency="EUR",
        label_title="Quarter",
        value_title="Pipeline",
    ),
    Chart(
        id="by-route",
        type="stacked-bar",
        title="Won by route",
        labels=QUARTERS,
        series=[
            Series(route, [100000 * (i + 1), 200000, 300000, 250000], key=route.lower())
            for i, route in enumerate(ROUTES)
        ],
        currency="EUR",
        value_title="Won",
    ),
    Chart(
        id="funnel",
        type="bar",
        title="Funnel by stage",
        labels=["Lead", "Qualified", "Proposal", "Negotiation", "Won"],
        series=[
            Series(
                "Deals",
                [1200, 640, 310, 150, 72],
                links=["/rows/lead", "/rows/qualified", "", "/rows/negotiation", "/rows/won"],
            )
        ],
        unit="deals",
        value_title="Deals",
    ),
    Chart(
        id="sourced",
        type="grouped-bar",
        title="Sourced and influenced by route",
        labels=ROUTES,
        series=[Series("Sourced", [40, 35, 25]), Series("Influenced", [55, 30, 15])],
        unit="%",
        value_title="Share",
    ),
    Chart(
        id="hostile",
        type="bar",
        title=HOSTILE,
        labels=[HOSTILE],
        series=[Series(HOSTILE, [1], key=HOSTILE)],
    ),
]
HEATMAP = Heatmap(
    id="overlap",
    title="Overlap by territory and segment",
    rows=["Nordics", "DACH", "Benelux"],
    columns=[f"Segment {n}" for n in range(1, 9)],
    cells=[[n * r for n in range(8)] for r in range(1, 4)],
    unit="%",
    row_title="Territory",
)
PAGE = Template(
    '{% extends "base.html" %}{% block head %}{% include "charts/assets.html" %}{% endblock %}'
    "{% block content %}<h1>Charts</h1>"
    '{% for chart in charts %}{% include "charts/chart.html" %}{% endfor %}'
    '{% include "charts/heatmap.html" %}{% endblock %}'
)

# What each figure became: Chart.js's chart type, its index axis and what the user sees.
STATE_JS = """() => [...document.querySelectorAll("figure.chart")].map(figure => {
  const canvas = figure.querySelector("canvas");
  const chart = Chart.getChart(canvas);
  const box = canvas.getBoundingClientRect();
  const valueScale = chart && chart.scales[chart.options.indexAxis === "y" ? "x" : "y"];
  return {
    id: figure.id,
    drawn: figure.classList.contains("is-drawn"),
    tableOpen: figure.querySelector("details").open,
    type: chart && chart.config.type,
    indexAxis: chart && chart.options.indexAxis,
    stacked: chart && !!chart.options.scales.y.stacked,
    animation: chart && chart.options.animation,
    legend: chart && chart.options.plugins.legend.position,
    colours: chart && chart.data.datasets.map(d => d.backgroundColor),
    ticks: valueScale ? valueScale.ticks.map(t => t.label) : [],
    valueTitle: valueScale && valueScale.options.title.text,
    width: box.width, height: box.height, figureWidth: figure.getBoundingClientRect().width,
  };
})"""
TOOLTIP_JS = """([id, index]) => {
  const chart = Chart.getChart(document.querySelector(`#${id} canvas`));
  const active = chart.data.datasets.map((_, datasetIndex) => ({datasetIndex, index}));
  chart.tooltip.setActiveElements(active, {x: 0, y: 0});
  chart.update();
  return {body: chart.tooltip.body.map(b => b.lines.join(" ")), footer: chart.tooltip.footer};
}"""


def serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(
            body=PAGE.render(Context({"charts": CHARTS, "heatmap": HEATMAP})),
            content_type="text/html",
        )
        return
    if path.startswith("/rows/"):
        route.fulfill(body=f"<h1>Rows behind {path}</h1>", content_type="text/html")
        return
    found = path.startswith("/static/") and finders.find(path.removeprefix("/static/"))
    if not found:
        route.fulfill(status=404)
        return
    with open(str(found), "rb") as f:
        route.fulfill(body=f.read(), content_type=mimetypes.guess_type(str(found))[0])


@contextmanager
def open_page(
    browser: Browser, viewport: ViewportSize, **options: Any
) -> Iterator[tuple[Page, list[str]]]:
    context: BrowserContext = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    context.route(f"{ORIGIN}/**", serve)
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"error: {error}"))
        page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        page.goto(f"{ORIGIN}/")
        yield page, problems
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    with open_page(browser, PHONE, has_touch=True) as opened:
        yield opened


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_every_chart_is_drawn_and_fits(browser: Browser, viewport: ViewportSize):
    with open_page(browser, viewport) as (page, problems):
        expect(page.locator("figure.chart.is-drawn")).to_have_count(len(CHARTS))
        state = {chart["id"]: chart for chart in page.evaluate(STATE_JS)}

        assert [(c["type"], c["indexAxis"], c["stacked"]) for c in state.values()] == [
            ("line", "x", False),
            ("bar", "x", True),
            ("bar", "y", False),
            ("bar", "x", False),
            ("bar", "y", False),
        ]
        for chart in state.values():
            assert not chart["tableOpen"] and chart["legend"] == "bottom"
            assert 0 < chart["width"] <= chart["figureWidth"] <= viewport["width"]
            assert chart["height"] >= 150, chart
            assert chart["animation"] is not False  # motion only where nobody asked for less
        assert state["trend"]["colours"] == ["#009e73", "#0072b2", "#e69f00"]
        assert state["sourced"]["colours"] == ["#5f6b7a", "#56b4e9"]  # not routes: neutral
        assert state["trend"]["valueTitle"] == "Pipeline (EUR)"
        assert "1.2M" in state["trend"]["ticks"] and "0" in state["trend"]["ticks"]
        assert all(t.endswith("%") for t in state["sourced"]["ticks"])
        assert any(t.endswith("k") for t in state["funnel"]["ticks"])
        # A horizontal bar chart is as tall as its bars need: five stages, more than one.
        assert state["funnel"]["height"] > state["hostile"]["height"]

        tip = page.evaluate(TOOLTIP_JS, ["trend", 1])
        assert tip["body"] == ["Direct: €1,234,567", "Partner: €410,000", "Marketing: €95,000"]
        tip = page.evaluate(TOOLTIP_JS, ["by-route", 0])
        assert tip["footer"] == ["Total: €600,000"]
        assert page.evaluate(TOOLTIP_JS, ["funnel", 0])["body"] == ["1,200 deals"]

        # The page never scrolls sideways; the heatmap scrolls inside its own box on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        heat_box = page.locator("#overlap .table-scroll")
        wide = heat_box.evaluate("box => box.scrollWidth > box.clientWidth")
        assert wide is (viewport["width"] < 600)
        assert problems == []


def test_reduced_motion_draws_without_animation(browser: Browser):
    with open_page(browser, PHONE, reduced_motion="reduce") as (page, problems):
        expect(page.locator("figure.chart.is-drawn")).to_have_count(len(CHARTS))
        assert {chart["animation"] for chart in page.evaluate(STATE_JS)} == {False}
        assert problems == []


def test_the_numbers_are_one_tap_away(phone):
    page, problems = phone
    trend = page.get_by_test_id("chart-trend")
    expect(trend.get_by_role("img", name="Pipeline by quarter.")).to_be_visible()
    table = trend.get_by_role("table")
    expect(table).to_be_hidden()
    trend.get_by_text("Show the numbers").tap()
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="2025 Q4")).to_contain_text("1,234,567")

    heatmap = page.get_by_test_id("heatmap-overlap").get_by_role("table")
    expect(heatmap.get_by_role("columnheader", name="Segment 8")).to_be_attached()
    expect(heatmap.get_by_role("rowheader", name="Benelux")).to_be_visible()
    assert problems == []


def test_without_javascript_or_chart_js_the_table_stands_in(browser: Browser):
    with open_page(browser, PHONE, java_script_enabled=False) as (page, _):
        expect(page.locator(".chart-canvas").first).to_be_hidden()
        page.get_by_test_id("chart-trend").get_by_text("Show the numbers").click()
        expect(page.get_by_test_id("chart-trend").get_by_role("table")).to_be_visible()

    context = browser.new_context(viewport=PHONE)
    try:
        context.route(f"{ORIGIN}/**", serve)
        context.route("**/chart.umd.min.js", lambda route: route.abort())
        page = context.new_page()
        page.goto(f"{ORIGIN}/")
        figure = page.get_by_test_id("chart-trend")
        expect(figure.get_by_role("table")).to_be_visible()  # opened for the reader
        expect(figure.locator(".chart-canvas")).to_be_hidden()
    finally:
        context.close()


# The middle of bar `index` of the chart's first series, in the page's coordinates.
BAR_JS = """([id, index]) => {
  const canvas = document.querySelector(`#${id} canvas`);
  const bar = Chart.getChart(canvas).getDatasetMeta(0).data[index];
  const box = canvas.getBoundingClientRect();
  return {x: box.left + (bar.x + bar.base) / 2, y: box.top + bar.y};
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_linked_bar_opens_the_rows_behind_it(browser: Browser, viewport: ViewportSize):
    with open_page(browser, viewport) as (page, problems):
        funnel = page.get_by_test_id("chart-funnel")
        expect(funnel).to_have_class(re.compile("is-drawn"))
        funnel.scroll_into_view_if_needed()
        unlinked = page.evaluate(BAR_JS, ["funnel", 2])
        page.mouse.click(unlinked["x"], unlinked["y"])  # no link: nothing happens
        assert page.url == f"{ORIGIN}/"
        bar = page.evaluate(BAR_JS, ["funnel", 1])
        page.mouse.click(bar["x"], bar["y"])
        expect(page).to_have_url(f"{ORIGIN}/rows/qualified")
        page.go_back()
        # The table's figures link to the same rows.
        funnel = page.get_by_test_id("chart-funnel")
        funnel.get_by_text("Show the numbers").click()
        expect(funnel.get_by_role("link", name="1,200")).to_have_attribute("href", "/rows/lead")
        assert problems == []
