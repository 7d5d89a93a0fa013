"""The governance review as PDFs (reportlab's platypus, charts with reportlab.graphics): the pack
RevOps takes to the quarterly meeting (cover, headline bars, service levels and the worst
breaches, overlap, conflicts, rules, target lists, MDF lines, decisions) and a partner's or a
team's one-page extract.

Both are drawn from the review's stored `data` and decisions only (never live data), so a
signed-off review prints the same for good. Everything typed by someone (names, reasons, titles)
goes through `_text()` before it reaches a Paragraph, whose markup is a small XML: a partner
called "A&B <Tools>" is printed as named, never read as markup. Lists are the capped ones the data
holds (50 largest, with the full count beside them), so the pack stays a few pages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from scorecards.models import GovernanceReview
from scorecards.review import present
from tenancy.clock import TEXT_FORMAT
from tenancy.models import Tenant

__all__ = ["extract_pdf", "pdf_response", "review_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = "#33475B"
# Okabe-Ito, as the pages' charts (static/css/charts.css): direct, partner, then neutral.
DIRECT, PARTNER, BREACHED, MET = "#0072B2", "#E69F00", "#D55E00", "#009E73"


def _text(value: Any) -> str:
    """Typed text made safe for Paragraph markup; line breaks kept."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    base = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9, leading=12)
    return {
        "title": ParagraphStyle(
            "title", parent=sheet["Title"], alignment=TA_LEFT, fontSize=22, leading=27
        ),
        "h1": ParagraphStyle(
            "h1", parent=sheet["Heading1"], fontSize=15, textColor=colors.HexColor(INK)
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=sheet["Heading2"],
            fontSize=11,
            textColor=colors.HexColor(INK),
            spaceBefore=6,
        ),
        "body": base,
        "meta": ParagraphStyle("meta", parent=base, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle(
            "head", parent=base, fontSize=7.5, leading=9.5, fontName="Helvetica-Bold"
        ),
    }


STYLES = _styles()


def _p(value: Any, style: str = "cell") -> Paragraph:
    return Paragraph(_text(value), STYLES[style])


def _table(header: Sequence[str], rows: list[list[Any]], widths: Sequence[float]) -> Table:
    """A table with a bold header repeated on each page; text cells wrap, numbers right."""
    body = [[_p(h, "head") for h in header], *rows]
    table = Table(body, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(INK)),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _fraction(*parts: float) -> list[float]:
    total = sum(parts)
    return [WIDTH * p / total for p in parts]


def _more(count: Any, shown: int, what: str) -> list[Any]:
    try:
        total = int(count)
    except (TypeError, ValueError):
        return []
    if total > shown:
        return [_p(f"The {shown} largest of {total:,} {what} are listed.", "meta")]
    return []


def _empty(what: str) -> Paragraph:
    return _p(what, "meta")


# --- charts -----------------------------------------------------------------------------------


def _grouped_bars(
    labels: list[str], series: list[tuple[str, list[float], str]], title: str
) -> Drawing:
    height = 62 * mm
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 16 * mm
    chart.width, chart.height = WIDTH - 20 * mm, height - 30 * mm
    chart.data = [values for _, values, _ in series]
    chart.categoryAxis.categoryNames = [label[:28] for label in labels]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = _short
    chart.barSpacing = 1
    chart.groupSpacing = 8
    for index, (_, _, colour) in enumerate(series):
        chart.bars[index].fillColor = colors.HexColor(colour)
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 14 * mm, height - 6 * mm
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 40 * mm
    legend.colorNamePairs = [(colors.HexColor(c), name) for name, _, c in series]
    drawing.add(legend)
    drawing.add(String(WIDTH - 2 * mm, height - 4 * mm, title, fontSize=8, textAnchor="end"))
    return drawing


def _breach_bars(labels: list[str], met: list[float], breached: list[float]) -> Drawing:
    row = 7 * mm
    height = max(30 * mm, row * len(labels) + 22 * mm)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 48 * mm, 12 * mm
    chart.width, chart.height = WIDTH - 54 * mm, height - 22 * mm
    chart.data = [met, breached]
    chart.categoryAxis.categoryNames = [label[:36] for label in labels]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.categoryAxis.style = "stacked"
    chart.bars[0].fillColor = colors.HexColor(MET)
    chart.bars[1].fillColor = colors.HexColor(BREACHED)
    chart.bars.strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 48 * mm, height - 4 * mm
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 30 * mm
    legend.colorNamePairs = [(colors.HexColor(MET), "Met"), (colors.HexColor(BREACHED), "Breached")]
    drawing.add(legend)
    return drawing


def _short(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}".replace(".0", "")
    return f"{value:.0f}"


def _local(moment: dt.datetime | str | None, tenant: Tenant, fmt: str = "%d %B %Y") -> str:
    """A moment (or its stored ISO text) in the tenant's zone, as its pages write it; a PDF has no
    page footer naming the zone, so the pack's cover names it."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return ""
    if moment is None:
        return ""
    return f"{timezone.localtime(moment, tenant.zone):{fmt}}"


def _number(value: Any) -> float:
    found = present.amount(value)
    return float(found) if found is not None else 0.0


# --- the pack's sections ----------------------------------------------------------------------


def _cover(review: GovernanceReview, data: dict[str, Any], tenant_name: str) -> list[Any]:
    quarter = data.get("quarter") or {}
    status = (
        f"Signed off on {_local(review.signed_off_at, review.tenant)}"
        + (f" by {review.signed_off_by.email}" if review.signed_off_by else "")
        if review.is_frozen and review.signed_off_at
        else "In preparation (not signed off)"
    )
    story: list[Any] = [
        Spacer(1, 30 * mm),
        Paragraph(_text(tenant_name), STYLES["meta"]),
        Paragraph(f"Governance review {_text(quarter.get('code', ''))}", STYLES["title"]),
        Paragraph(_text(quarter.get("label", "")), STYLES["body"]),
        Spacer(1, 6 * mm),
        Paragraph(
            f"Figures of {_text(quarter.get('start', ''))} to {_text(quarter.get('last_day', ''))}"
            f", prepared {_text(_local(data.get('prepared_at'), review.tenant, TEXT_FORMAT))} "
            f"({_text(review.tenant.timezone)} time).",
            STYLES["meta"],
        ),
        Paragraph(_text(status), STYLES["body"]),
    ]
    if review.sign_off_note:
        story += [
            Spacer(1, 3 * mm),
            Paragraph(f"<b>Note:</b> {_text(review.sign_off_note)}", STYLES["body"]),
        ]
    story.append(PageBreak())
    return story


def _headline(data: dict[str, Any]) -> list[Any]:
    rows = present.headline_rows(data)
    story: list[Any] = [Paragraph("Headline figures", STYLES["h1"])]
    if not rows:
        return [*story, _empty("No headline figures were prepared.")]
    money = [r for r in rows if r["unit"] == "money"]
    if money:
        story.append(
            _grouped_bars(
                [r["label"] for r in money],
                [
                    ("Direct", [float(r["numbers"]["direct"] or 0) for r in money], DIRECT),
                    ("Partner", [float(r["numbers"]["partner"] or 0) for r in money], PARTNER),
                ],
                f"In {data.get('currency', '')}",
            )
        )
    table = [
        [
            _p(r["label"]),
            r["text"]["direct"],
            r["text"]["partner"],
            r["text"]["tenant"],
            r["previous"],
        ]
        for r in rows
    ]
    story.append(
        _table(
            ["Figure", "Direct", "Partner", "All routes", "Previous quarter"],
            table,
            _fraction(3, 2, 2, 2, 2),
        )
    )
    return story


def _parties(data: dict[str, Any]) -> list[Any]:
    parties = present.section(data, "parties")
    currency = data.get("currency", "")
    story: list[Any] = [Paragraph("Partners and teams", STYLES["h1"])]
    rows = []
    for kind, entries in (
        ("Partner", parties.get("partners") or []),
        ("Team", parties.get("teams") or []),
    ):
        for p in entries:
            figures = p.get("figures") or {}
            sla = p.get("sla") or {}
            breached = sum(
                int((v or {}).get("breached") or 0) for v in sla.values() if isinstance(v, dict)
            )
            rows.append(
                [
                    _p(p.get("name", "")),
                    kind if kind == "Team" else p.get("tier_label") or kind,
                    present.figure(figures.get("sourced_pipeline"), "money", currency),
                    present.figure(figures.get("won_revenue"), "money", currency),
                    present.figure(figures.get("win_rate_count"), "percent"),
                    present.figure(p.get("overlap_accounts")),
                    present.figure(p.get("conflicts")),
                    present.figure(breached),
                ]
            )
    if not rows:
        return [*story, _empty("No partner or team was active in the quarter.")]
    story.append(
        _table(
            [
                "Partner or team",
                "Tier",
                "Sourced",
                "Won",
                "Win rate",
                "Overlap",
                "Conflicts",
                "SLA breaches",
            ],
            rows,
            _fraction(4, 1.6, 2.2, 2.2, 1.3, 1.2, 1.3, 1.3),
        )
    )
    return story


def _sla(data: dict[str, Any]) -> list[Any]:
    sla = present.section(data, "sla")
    story: list[Any] = [Paragraph("Service levels", STYLES["h1"])]
    rows = sla.get("rows") or []
    if not rows:
        return [*story, _empty("No service-level clock ended in the quarter.")]
    labels = [
        f"{present.AREA_LABELS.get(r.get('area', ''), r.get('area', ''))}: "
        f"{present.SIDE_LABELS.get(r.get('side', ''), r.get('side', ''))}"
        for r in rows
    ]
    breached = [_number(r.get("breached")) for r in rows]
    met = [max(0.0, _number(r.get("clocks")) - b) for r, b in zip(rows, breached, strict=True)]
    story.append(_breach_bars(labels, met, breached))
    story.append(
        _table(
            ["Area and side", "Clocks", "Breached", "Met"],
            [
                [
                    _p(label),
                    present.figure(r.get("clocks")),
                    present.figure(r.get("breached")),
                    present.figure(r.get("met_pct"), "percent"),
                ]
                for label, r in zip(labels, rows, strict=True)
            ],
            _fraction(5, 1.5, 1.5, 1.5),
        )
    )
    worst = sla.get("worst") or []
    if worst:
        story.append(Paragraph("The worst breaches", STYLES["h2"]))
        story.append(
            _table(
                ["What", "Area", "Who", "Hours late"],
                [
                    [
                        _p(w.get("what", "")),
                        present.AREA_LABELS.get(w.get("area", ""), w.get("area", "")),
                        _p(present.party_label(w)),
                        present.figure(w.get("hours_late")),
                    ]
                    for w in worst
                ],
                _fraction(3, 2, 4, 1.5),
            )
        )
    return story


def _overlap(data: dict[str, Any]) -> list[Any]:
    overlap = present.section(data, "overlap")
    totals = overlap.get("totals") or {}
    touch = overlap.get("touch_overlap") or {}
    story: list[Any] = [
        Paragraph("Overlap", STYLES["h1"]),
        _p(
            f"{present.figure(totals.get('flags'))} overlap flags "
            f"({present.figure(totals.get('open'))} open, "
            f"{present.figure(totals.get('settled'))} settled); accounts touched by both routes: "
            f"{present.figure(touch.get('accounts_both_routes'))}, by several partners: "
            f"{present.figure(touch.get('accounts_several_partners'))}.",
            "body",
        ),
    ]
    items = overlap.get("items") or []
    if items:
        story.append(
            _table(
                ["Account", "Campaign", "Who (touches)", "Status"],
                [
                    [
                        _p(i.get("account", "")),
                        _p(i.get("campaign", "")),
                        _p(
                            "; ".join(
                                f"{present.party_label(p)} ({p.get('touches', 0)})"
                                for p in i.get("parties") or []
                            )
                        ),
                        i.get("status", ""),
                    ]
                    for i in items
                ],
                _fraction(3, 3, 5, 1.4),
            )
        )
        story += _more(overlap.get("count"), len(items), "overlaps")
    return story


def _conflicts(data: dict[str, Any]) -> list[Any]:
    conflicts = present.section(data, "conflicts")
    totals = conflicts.get("totals") or {}
    story: list[Any] = [
        Paragraph("Deal-registration conflicts", STYLES["h1"]),
        _p(
            f"{present.figure(totals.get('raised'))} raised, "
            f"{present.figure(totals.get('adjudicated'))} adjudicated, "
            f"{present.figure(totals.get('decided_within_sla'))} decided within the SLA; "
            f"median {present.figure(totals.get('median_hours_to_decide'), 'hours')} to decide.",
            "body",
        ),
    ]
    rows = conflicts.get("adjudications") or []
    if rows:
        story.append(
            _table(
                ["Account", "Line", "Decision", "Parties", "Reason"],
                [
                    [
                        _p(a.get("account", "")),
                        _p(a.get("product_line", "")),
                        _p(a.get("decision_label", "")),
                        _p(
                            "; ".join(
                                present.party_label(p)
                                + (" (prevails)" if p.get("prevails") else "")
                                for p in a.get("parties") or []
                            )
                        ),
                        _p(a.get("reason", "")),
                    ]
                    for a in rows
                ],
                _fraction(3, 2, 2, 4, 3),
            )
        )
        story += _more(conflicts.get("count"), len(rows), "adjudications")
    return story


def _rules(data: dict[str, Any]) -> list[Any]:
    rules = present.section(data, "rules")
    currency = data.get("currency", "")
    story: list[Any] = [Paragraph("Rules of engagement", STYLES["h1"])]
    versions = rules.get("versions") or []
    if versions:
        story.append(
            _table(
                ["Version", "Summary", "Status", "Effective", "Moved"],
                [
                    [
                        str(v.get("number", "")),
                        _p(v.get("summary", "")),
                        _p(v.get("status", "")),
                        str(v.get("effective_at") or "")[:10],
                        _p(
                            f"{present.figure((v.get('moved') or {}).get('accounts'))} accounts, "
                            f"{present.figure((v.get('moved') or {}).get('open_pipeline'), 'money', currency)}"
                            if v.get("moved")
                            else "Not simulated"
                        ),
                    ]
                    for v in versions
                ],
                _fraction(1.2, 5, 1.6, 1.8, 3.5),
            )
        )
    else:
        story.append(_empty("No rulebook version was published in the quarter."))
    exceptions = rules.get("exceptions") or {}
    items = exceptions.get("items") or []
    totals = exceptions.get("totals") or {}
    story.append(Paragraph("Exceptions", STYLES["h2"]))
    story.append(
        _p(
            f"{present.figure(totals.get('requested'))} requested, "
            f"{present.figure(totals.get('approved'))} approved, "
            f"{present.figure(totals.get('denied'))} denied.",
            "body",
        )
    )
    if items:
        story.append(
            _table(
                ["Account", "Kind", "Who", "Status", "Discount"],
                [
                    [
                        _p(e.get("account", "")),
                        _p(e.get("kind_label", "")),
                        _p(e.get("partner") or e.get("team") or ""),
                        _p(e.get("status_label", "")),
                        present.figure(e.get("requested_discount"), "percent"),
                    ]
                    for e in items
                ],
                _fraction(3, 2, 3, 1.6, 1.4),
            )
        )
        story += _more(exceptions.get("count"), len(items), "exceptions")
    return story


def _target_lists(data: dict[str, Any]) -> list[Any]:
    targets = present.section(data, "target_lists")
    totals = targets.get("totals") or {}
    story: list[Any] = [
        Paragraph("Target lists", STYLES["h1"]),
        _p(
            f"{present.figure(totals.get('add'))} accounts suggested to add, "
            f"{present.figure(totals.get('drop'))} to drop.",
            "body",
        ),
    ]
    for entry in targets.get("lists") or []:
        suggestions = entry.get("suggestions") or []
        story.append(
            Paragraph(
                f"{_text(entry.get('name', ''))} ({present.figure(entry.get('members'))} members)",
                STYLES["h2"],
            )
        )
        if not suggestions:
            story.append(_empty("No change suggested."))
            continue
        story.append(
            _table(
                ["Suggestion", "Account", "Why"],
                [
                    [
                        "Add" if s.get("action") == "add" else "Drop",
                        _p(s.get("account", "")),
                        _p(s.get("why", "")),
                    ]
                    for s in suggestions
                ],
                _fraction(1.2, 4, 7),
            )
        )
    return story


def _mdf(data: dict[str, Any]) -> list[Any]:
    mdf = present.section(data, "mdf")
    currency = data.get("currency", "")
    totals = mdf.get("totals") or {}
    story: list[Any] = [
        Paragraph("Market development funds", STYLES["h1"]),
        _p(
            ", ".join(
                f"{label} {present.figure(totals.get(key), 'money', currency)}"
                for key, label in (
                    ("funded", "funded"),
                    ("committed", "committed"),
                    ("paid", "paid"),
                    ("available", "available"),
                    ("expired", "expired"),
                )
            )
            + ".",
            "body",
        ),
    ]
    lines = mdf.get("lines") or []
    if lines:
        story.append(Paragraph("Recommended reallocation", STYLES["h2"]))
        story.append(
            _table(
                ["From", "To", "Amount", "Reason", "State"],
                [
                    [
                        _p(line.get("from_partner", "")),
                        _p(line.get("to_partner", "")),
                        present.figure(line.get("amount"), "money", currency),
                        _p(line.get("reason", "")),
                        _p(line.get("state", "")),
                    ]
                    for line in lines
                ],
                _fraction(3, 3, 2.2, 4, 1.5),
            )
        )
    else:
        story.append(_empty("No reallocation is recommended."))
    return story


def _decisions(decisions: list[dict[str, Any]], *, title: str = "Decisions") -> list[Any]:
    story: list[Any] = [Paragraph(title, STYLES["h1"])]
    if not decisions:
        return [*story, _empty("No decision was recorded.")]
    story.append(
        _table(
            ["Decision", "Owner", "Due", "Status", "Concerns"],
            [
                [
                    _p(
                        d.get("title", "")
                        + (f" (carried from {d['carried_from']})" if d.get("carried_from") else "")
                    ),
                    _p(d.get("owner", "")),
                    str(d.get("due_on", "")),
                    _p(
                        d.get("status_label", d.get("status", ""))
                        + (f": {d['outcome']}" if d.get("outcome") else "")
                    ),
                    _p(d.get("partner") or d.get("team") or ""),
                ]
                for d in decisions
            ],
            _fraction(5, 3, 1.6, 3, 2.5),
        )
    )
    return story


def _footer(label: str) -> Any:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor(INK))
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, 12 * mm, PAGE_WIDTH - MARGIN, 12 * mm)
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(MARGIN, 8 * mm, label[:120])
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def _build(story: list[Any], *, title: str, author: str, footer: str) -> bytes:
    """The PDF of `story` on A4 pages, each with the footer."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pageCompression=1,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator=author,
    )
    page = _footer(footer)
    document.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def review_pdf(
    review: GovernanceReview, decisions: list[dict[str, Any]], *, tenant_name: str
) -> bytes:
    """The whole review (RevOps' pack) from its data and the decisions rows it shows."""
    data = review.data or {}
    code = (data.get("quarter") or {}).get("code", "")
    story = _cover(review, data, tenant_name)
    for part in (_headline, _parties, _sla, _overlap, _conflicts, _rules, _target_lists, _mdf):
        story += part(data)
        story.append(Spacer(1, 4 * mm))
    story += _decisions(decisions)
    footer = f"{tenant_name}, governance review {code}"
    return _build(story, title=f"Governance review {code}", author=tenant_name, footer=footer)


def extract_pdf(review: GovernanceReview, parts: dict[str, Any], *, tenant_name: str) -> bytes:
    """One party's extract (`present.extract_parts`) on one page: its figures beside the previous
    quarter, its counts, SLA and MDF, the decisions that concern it."""
    quarter = parts.get("quarter") or {}
    code = quarter.get("code", "")
    name = parts.get("name") or "Your extract"
    story: list[Any] = [
        Paragraph(_text(tenant_name), STYLES["meta"]),
        Paragraph(f"Governance review {_text(code)}: {_text(name)}", STYLES["h1"]),
    ]
    if review.signed_off_at:
        story.append(_p(f"Signed off on {_local(review.signed_off_at, review.tenant)}.", "meta"))
    if parts.get("tier_label"):
        tier = f"Tier: {parts['tier_label']}."
        if parts.get("next_tier"):
            tier += (
                f" For {parts['next_tier']}: "
                + ("; ".join(parts.get("missing") or []) or "nothing is missing")
                + "."
            )
        story.append(_p(tier, "body"))
    if parts.get("rows") and parts.get("show_whole"):
        story.append(
            _table(
                ["Figure", "This quarter", "Previous quarter", "Whole company"],
                [[_p(label), now, before, whole] for label, now, before, whole in parts["rows"]],
                _fraction(4, 2, 2, 2),
            )
        )
    elif parts.get("rows"):
        story.append(
            _table(
                ["Figure", "This quarter", "Previous quarter"],
                [[_p(label), now, before] for label, now, before, _ in parts["rows"]],
                _fraction(4, 3, 3),
            )
        )
    side: list[list[Any]] = [[_p(label), value] for label, value in parts.get("counts") or []]
    side += [
        [_p(f"{area}: clocks / breached"), f"{clocks} / {breached}"]
        for area, clocks, breached in parts.get("sla") or []
    ]
    side += [[_p(f"MDF {label.lower()}"), value] for label, value in parts.get("mdf") or []]
    if side:
        story.append(Spacer(1, 3 * mm))
        story.append(_table(["In the quarter", ""], side, _fraction(5, 2)))
    story.append(Spacer(1, 3 * mm))
    story += _decisions(parts.get("decisions") or [], title="Decisions that concern you")
    footer = f"{tenant_name}, governance review {code}"
    return _build(
        [KeepTogether(story)] if len(story) < 40 else story,
        title=f"Governance review {code}: {name}",
        author=tenant_name,
        footer=footer,
    )


def pdf_response(body: bytes, filename: str) -> HttpResponse:
    """The PDF shown in the browser (inline) under its download name; its type never sniffed."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
