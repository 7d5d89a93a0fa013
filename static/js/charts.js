/* Draws every <figure class="chart" data-chart="..."> of the page with Chart.js
   (static/vendor/chartjs/chart.umd.min.js, loaded just before this file).

   Each figure carries its spec as <script type="application/json"> (core.charts.chart_spec):
     {type, title, labels, series: [{name, key, values, links}], unit, currency, label_title,
      value_title}
   A series' `links` (one URL per value, "" for none) make its bars and points open the rows
   behind them when clicked; the table's figures link to the same pages.
   Types: "line" (a trend, several series), "stacked-bar" (vertical, stacked), "bar" (horizontal,
   bars in the order given: a funnel by stage) and "grouped-bar" (vertical, side by side).

   The figure's table already holds the numbers: this only adds the picture. The canvas box is
   shown (class is-drawn) once the chart is made; if Chart.js is missing or a spec is broken,
   the table is opened instead. Colours come from static/css/charts.css (--chart-*): a route
   ("direct", "partner", "marketing") always has its own, other series take the neutral
   sequence. Ticks are abbreviated (1.2M, 350k), tooltips give the full number, the legend sits
   below the chart, and nothing moves for people who ask for reduced motion. */
(function () {
  "use strict";

  var ROUTES = ["direct", "partner", "marketing"];
  var NEUTRALS = 4;
  // Lines are told apart by their points' shapes too, not by colour alone.
  var POINT_STYLES = ["circle", "triangle", "rect", "rectRot", "star", "crossRot"];

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function colours(series) {
    var next = 0;
    return series.map(function (s) {
      if (ROUTES.indexOf(s.key) >= 0) return cssVar("--chart-" + s.key, "#5f6b7a");
      next += 1;
      return cssVar("--chart-neutral-" + (((next - 1) % NEUTRALS) + 1), "#5f6b7a");
    });
  }

  // 1234567 -> "1.2M", 350000 -> "350k", 950 -> "950": for ticks, where room is short.
  function abbreviate(value) {
    var size = Math.abs(value);
    var steps = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < steps.length; i++) {
      if (size >= steps[i][0]) {
        var scaled = value / steps[i][0];
        var rounded = Math.abs(scaled) >= 100 ? Math.round(scaled) : Math.round(scaled * 10) / 10;
        if (Math.abs(rounded) >= 1000 && i > 0) { // 999,950 -> 1M, not 1000k
          return Math.round(value / steps[i - 1][0] * 10) / 10 + steps[i - 1][1];
        }
        return rounded + steps[i][1];
      }
    }
    return String(Math.round(value * 100) / 100);
  }

  // The full number as the table writes it (whole, or two decimals; core.charts.format_number),
  // with the currency or unit: "€1,234,567", "€1,234.50", "42%", "12 deals".
  function fullNumber(value, spec) {
    if (value === null || value === undefined) return "–";
    var digits = Number.isInteger(value) ? 0 : 2;
    var format = { minimumFractionDigits: digits, maximumFractionDigits: digits };
    if (spec.currency) {
      try {
        return new Intl.NumberFormat("en", Object.assign({ style: "currency", currency: spec.currency }, format)).format(value);
      } catch (error) { /* an unknown code: written after the number */ }
    }
    var text = new Intl.NumberFormat("en", format).format(value);
    if (spec.currency) return text + " " + spec.currency;
    if (spec.unit === "%") return text + "%";
    return spec.unit ? text + " " + spec.unit : text;
  }

  function tickText(value, spec) {
    return abbreviate(value) + (spec.unit === "%" ? "%" : "");
  }

  function axisTitle(text, colour) {
    return { display: !!text, text: text, color: colour };
  }

  function config(spec) {
    var horizontal = spec.type === "bar";
    var stacked = spec.type === "stacked-bar";
    var line = spec.type === "line";
    var ink = cssVar("--chart-ink", "#1d2733");
    var muted = cssVar("--chart-muted", "#6b7785");
    var grid = cssVar("--chart-grid", "#e6eaef");
    var palette = colours(spec.series);
    var many = spec.series.length > 1;

    var datasets = spec.series.map(function (s, i) {
      var set = { label: s.name, data: s.values, backgroundColor: palette[i], borderColor: palette[i] };
      if (line) {
        set.borderWidth = 2;
        set.pointStyle = POINT_STYLES[i % POINT_STYLES.length];
        set.pointRadius = 4;
        set.pointHoverRadius = 6;
        set.tension = 0;
        set.spanGaps = false; // a missing quarter is a gap, not a guess
      } else {
        set.borderWidth = 0;
        set.maxBarThickness = 48;
      }
      return set;
    });

    var valueAxis = {
      beginAtZero: true,
      stacked: stacked,
      grid: { color: grid },
      ticks: { color: muted, callback: function (value) { return tickText(value, spec); } },
      title: axisTitle(spec.value_title, ink)
    };
    var labelAxis = {
      stacked: stacked,
      grid: { display: false },
      ticks: { color: ink, autoSkip: !horizontal, maxRotation: 0 },
      title: axisTitle(spec.label_title, ink)
    };

    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false, // the height comes from the CSS (.chart-canvas)
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        onClick: function (event, elements, chart) { follow(chart, event, spec); },
        onHover: function (event, elements, chart) {
          chart.canvas.style.cursor = linkAt(chart, event, spec) ? "pointer" : "";
        },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: {
            display: many,
            position: "bottom",
            labels: { color: ink, usePointStyle: line, boxWidth: 14, padding: 14 }
          },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = horizontal ? item.parsed.x : item.parsed.y;
                return (many ? item.dataset.label + ": " : "") + fullNumber(value, spec);
              },
              footer: stacked ? function (items) {
                var total = items.reduce(function (sum, item) { return sum + (item.parsed.y || 0); }, 0);
                return "Total: " + fullNumber(total, spec);
              } : undefined
            }
          }
        }
      }
    };
  }

  // The link of the bar or point under the pointer (that one exactly, not its whole column).
  function linkAt(chart, event, spec) {
    var hit = chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, false)[0];
    if (!hit) return "";
    var links = spec.series[hit.datasetIndex].links || [];
    return links[hit.index] || "";
  }

  function follow(chart, event, spec) {
    var link = linkAt(chart, event, spec);
    if (link) window.location.assign(link);
  }

  function draw(figure) {
    if (figure.hasAttribute("data-chart-ready")) return;
    figure.setAttribute("data-chart-ready", "");
    var data = figure.querySelector('script[type="application/json"]');
    var canvas = figure.querySelector("canvas");
    try {
      if (typeof window.Chart !== "function" || !data || !canvas) throw new Error("Chart.js or the spec is missing");
      var spec = JSON.parse(data.textContent);
      figure.classList.add("is-drawn"); // show the box first: Chart.js sizes the canvas to it
      new window.Chart(canvas, config(spec));
    } catch (error) {
      figure.classList.remove("is-drawn");
      var table = figure.querySelector("details.chart-data");
      if (table) table.open = true; // the numbers, then, instead of an empty box
      if (window.console) window.console.error("Chart " + figure.id + " not drawn:", error);
    }
  }

  function setUp() {
    if (window.Chart) {
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = cssVar("--chart-ink", "#1d2733");
    }
    var figures = document.querySelectorAll("figure.chart[data-chart]");
    for (var i = 0; i < figures.length; i++) draw(figures[i]);
  }

  window.ChannelBalanceCharts = { abbreviate: abbreviate, fullNumber: fullNumber, draw: draw };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
