"""The console's governance review pages (docs/governance.md, "Pages and exports"): the reviews
list (open a quarter's review), the workspace (the preparation's progress bar polling
`review_progress`, the eight sections as tables and charts, the decisions, sign-off), the
printable HTML export, the PDF pack and a partner's or team's extract as they receive it.

Thin callers: the services are `scorecards.review.workspace` (and `decisions` for the decision
forms, in `review_decisions`); every page shows the review's stored `data`, never live figures,
so a signed-off review reads the same for good."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.charts import Chart, Series
from core.views import row_or_404
from scorecards.choices import DecisionKind, JobStatus
from scorecards.models import GovernanceReview
from scorecards.review import extract, pdf, present, workspace
from scorecards.review.period import quarter_of
from tenancy.clock import zone_name
from tenancy.models import Partner, Team
from tenancy.quarters import Quarter, parse_quarter
from tenancy.requests import DoorRequest

__all__ = [
    "review_export",
    "review_extract",
    "review_list",
    "review_open",
    "review_pdf",
    "review_prepare",
    "review_progress",
    "review_sign_off",
    "review_workspace",
    "reviews_of",
]

RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)


def reviews_of(request: DoorRequest) -> Any:
    return GovernanceReview.objects.visible_to(request.membership)


def _review(request: DoorRequest, pk: int) -> GovernanceReview:
    return row_or_404(
        reviews_of(request).select_related("signed_off_by", "prepared_by"),
        pk,
        "No such governance review.",
    )


def _refused(request: DoorRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def review_list(request: DoorRequest) -> HttpResponse:
    """Every review, newest quarter first, and the form to open one (default: the quarter that
    ended last)."""
    just_ended = Quarter.of(request.tenant, timezone.localdate()).previous
    rows = reviews_of(request).select_related("signed_off_by")
    reviews = [{"review": r, "quarter": Quarter.of(request.tenant, r.quarter_start)} for r in rows]
    context = {"reviews": reviews, "default_quarter": just_ended.code}
    return render(request, "scorecards/review/list.html", context)


@require_POST
def review_open(request: DoorRequest) -> HttpResponse:
    text = request.POST.get("quarter", "").strip()
    try:
        quarter = parse_quarter(request.tenant, text)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("console:governance-reviews", request.tenant.slug)
    try:
        review = workspace.open_review(request.tenant, quarter, acting=request.membership)
    except ValidationError as error:
        _refused(request, error)
        return redirect("console:governance-reviews", request.tenant.slug)
    return redirect("console:governance-review", request.tenant.slug, review.pk)


@require_POST
def review_prepare(request: DoorRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        workspace.start_preparation(review, acting=request.membership)
    except ValidationError as error:
        _refused(request, error)
    return redirect("console:governance-review", request.tenant.slug, review.pk)


@require_POST
def review_sign_off(request: DoorRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        workspace.sign_off(review, acting=request.membership, note=request.POST.get("note", ""))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "The review is signed off: its figures and decisions are frozen.")
    return redirect("console:governance-review", request.tenant.slug, review.pk)


def review_progress(request: DoorRequest, pk: int) -> JsonResponse:
    review = _review(request, pk)
    return JsonResponse(
        {
            "status": review.job_status,
            "step": review.job_step,
            "done": review.job_done,
            "total": review.job_total,
            "percent": review.progress_percent,
            "error": review.job_error if review.job_status == JobStatus.FAILED else "",
        }
    )


# --- what the pages show, from `data` ----------------------------------------------------------


def _record(kind: str, title: str, source: str, **payload: Any) -> str:
    """The query string of "Record a decision" for a review item: kind, title, where it came from,
    the party it concerns and what applying it acts on."""
    params: dict[str, Any] = {"kind": kind, "title": title[:200], "source": source[:100]}
    params.update({k: v for k, v in payload.items() if v not in (None, "")})
    return urlencode(params)


def _money_chart(rows: list[dict[str, Any]], currency: str) -> Chart | None:
    money = [r for r in rows if r["unit"] == "money"]
    if not money:
        return None
    return Chart(
        id="review-headline",
        type="grouped-bar",
        title="Pipeline and revenue by route",
        labels=[r["label"] for r in money],
        series=[
            Series("Direct", [r["numbers"]["direct"] for r in money], key="direct"),
            Series("Partner", [r["numbers"]["partner"] for r in money], key="partner"),
        ],
        currency=currency,
        label_title="Figure",
    )


def _sla_chart(sla: dict[str, Any]) -> Chart | None:
    rows = [r for r in sla.get("rows") or [] if r.get("clocks")]
    if not rows:
        return None
    labels = [
        f"{present.AREA_LABELS.get(r.get('area', ''), r.get('area', ''))}: "
        f"{present.SIDE_LABELS.get(r.get('side', ''), r.get('side', ''))}"
        for r in rows
    ]
    return Chart(
        id="review-sla",
        type="stacked-bar",
        title="Service-level clocks: met and breached",
        labels=labels,
        series=[
            Series("Met", [int(r.get("clocks") or 0) - int(r.get("breached") or 0) for r in rows]),
            Series("Breached", [int(r.get("breached") or 0) for r in rows]),
        ],
        unit="clocks",
        label_title="Clocks",
    )


def _parties(data: dict[str, Any]) -> dict[str, Any]:
    parties = present.section(data, "parties")
    currency = data.get("currency", "")
    units = {r["key"]: r["unit"] for r in present.headline_rows(data)}
    metrics = [(m["key"], m["label"]) for m in present.headline_rows(data)]

    def row(p: dict[str, Any]) -> dict[str, Any]:
        figures = p.get("figures") or {}
        return {
            **p,
            "cells": [
                figure_of(figures.get(k), units.get(k, "count"), currency) for k, _ in metrics
            ],
        }

    return {
        "metrics": metrics,
        "partners": [row(p) for p in parties.get("partners") or []],
        "teams": [row(t) for t in parties.get("teams") or []],
    }


def figure_of(value: Any, unit: str, currency: str) -> str:
    return present.figure(value, unit, currency)


def sections_view(data: dict[str, Any], *, actions: bool) -> dict[str, Any]:
    """The sections as the workspace and the export show them; `actions` adds each item's
    "Record a decision" query string."""
    currency = data.get("currency", "")
    headline = present.headline_rows(data)
    overlap = dict(present.section(data, "overlap"))
    items = []
    for item in overlap.get("items") or []:
        item = dict(item)
        parties: list[dict[str, Any]] = item.get("parties") or []
        partner: dict[str, Any] = next((p for p in parties if p.get("partner_id")), {})
        team: dict[str, Any] = next((p for p in parties if p.get("team_id")), {})
        item["who"] = [
            f"{present.party_label(p)} ({p.get('touches', 0)})" for p in item.get("parties") or []
        ]
        if actions and item.get("status") == "open":
            item["record"] = _record(
                "overlap",
                f"Settle the overlap on {item.get('account', '')}",
                f"overlap:{item.get('flag_id')}",
                flag=item.get("flag_id"),
                partner=partner.get("partner_id"),
                team=team.get("team_id"),
            )
        items.append(item)
    overlap["items"] = items
    targets = dict(present.section(data, "target_lists"))
    lists = []
    for entry in targets.get("lists") or []:
        entry = dict(entry)
        suggestions = []
        for s in entry.get("suggestions") or []:
            s = dict(s)
            add = s.get("action") == "add"
            if actions:
                s["record"] = _record(
                    "target_add" if add else "target_drop",
                    f"{'Add' if add else 'Drop'} {s.get('account', '')} "
                    f"{'to' if add else 'from'} {entry.get('name', '')}",
                    f"target_lists:{entry.get('id')}:{s.get('account_id')}",
                    target_list=entry.get("id"),
                    account=s.get("account_id"),
                    reason=s.get("reason") if add else "",
                    detail=s.get("why", ""),
                )
            suggestions.append(s)
        entry["suggestions"] = suggestions
        lists.append(entry)
    targets["lists"] = lists
    mdf = dict(present.section(data, "mdf"))
    lines = []
    for line in mdf.get("lines") or []:
        line = dict(line)
        line["amount_text"] = present.figure(line.get("amount"), "money", currency)
        if actions and line.get("state", "proposed") == "proposed":
            line["record"] = _record(
                "mdf_move",
                f"Move {line['amount_text']} from {line.get('from_partner', '')} "
                f"to {line.get('to_partner', '')}",
                f"mdf:{line.get('line_id')}",
                line=line.get("line_id"),
                partner=line.get("from_partner_id"),
                detail=line.get("reason", ""),
            )
        lines.append(line)
    mdf["lines"] = lines
    mdf["totals_text"] = [
        (label, present.figure((mdf.get("totals") or {}).get(key), "money", currency))
        for key, label in (
            ("funded", "Funded"),
            ("committed", "Committed"),
            ("paid", "Paid"),
            ("available", "Available"),
            ("expired", "Expired"),
        )
    ]
    sla = present.section(data, "sla")
    sla_rows = [
        {
            **r,
            "area_label": present.AREA_LABELS.get(r.get("area", ""), r.get("area", "")),
            "side_label": present.SIDE_LABELS.get(r.get("side", ""), r.get("side", "")),
            "met_text": present.figure(r.get("met_pct"), "percent"),
        }
        for r in sla.get("rows") or []
    ]
    by_party = [{**r, "who": present.party_label(r)} for r in sla.get("by_party") or []]
    worst = [
        {
            "subject": r.get("subject") or r.get("what") or "",
            **r,
            "who": present.party_label(r),
            "area_label": present.AREA_LABELS.get(r.get("area", ""), r.get("area", "")),
        }
        for r in sla.get("worst") or []
    ]
    conflicts = dict(present.section(data, "conflicts"))
    conflicts["adjudications"] = [
        {
            **a,
            "who": [
                f"{present.party_label(p)}{' (prevails)' if p.get('prevails') else ''}"
                for p in a.get("parties") or []
            ],
        }
        for a in conflicts.get("adjudications") or []
    ]
    return {
        "currency": currency,
        "headline": headline,
        "headline_chart": _money_chart(headline, currency),
        "parties": _parties(data),
        "overlap": overlap,
        "conflicts": conflicts,
        "sla": {"rows": sla_rows, "by_party": by_party, "worst": worst},
        "sla_chart": _sla_chart(sla),
        "rules": present.section(data, "rules"),
        "target_lists": targets,
        "mdf": mdf,
    }


def decisions_of(review: GovernanceReview) -> list[dict[str, Any]]:
    """The decisions as the review shows them: frozen at sign-off, else as they stand now."""
    if review.is_frozen:
        return list(review.decisions_at_sign_off or [])
    return [workspace.decision_row(d, review) for d in workspace.shown_decisions(review)]


def review_workspace(request: DoorRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    running = review.job_status in RUNNING
    data = review.data or {}
    context = {
        "review": review,
        "quarter": quarter_of(review),
        "running": running,
        "percent": review.progress_percent,
        "data": data,
        "view": sections_view(data, actions=not review.is_frozen) if data else None,
        "decisions": decisions_of(review),
        "actions_on": not review.is_frozen,
        "applicable": DecisionKind.applicable(),
        "today": "" if review.is_frozen else timezone.localdate().isoformat(),
    }
    return render(request, "scorecards/review/workspace.html", context)


def review_export(request: DoorRequest, pk: int) -> HttpResponse:
    """The review as one printable standalone page, from its data only."""
    review = _review(request, pk)
    data = review.data or {}
    context = {
        "review": review,
        "quarter": quarter_of(review),
        "data": data,
        "view": sections_view(data, actions=False) if data else None,
        "decisions": decisions_of(review),
        "tenant": request.tenant,
        "zone_name": zone_name(),
    }
    return render(request, "scorecards/review/export.html", context)


def review_pdf(request: DoorRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not review.data:
        messages.error(request, "Prepare the review first: it has no figures to print yet.")
        return redirect("console:governance-review", request.tenant.slug, review.pk)
    body = pdf.review_pdf(review, decisions_of(review), tenant_name=request.tenant.name)
    return pdf.pdf_response(body, f"governance-review-{quarter_of(review).code}.pdf")


def review_extract(request: DoorRequest, pk: int, kind: str, party: int) -> HttpResponse:
    """A partner's or a team's extract as they will receive it once the review is signed off."""
    review = _review(request, pk)
    if kind == "partner":
        row: Any = row_or_404(
            Partner.objects.visible_to(request.membership), party, "No such partner."
        )
        content = extract.partner_extract(review, row)
    elif kind == "team":
        row = row_or_404(Team.objects.visible_to(request.membership), party, "No such team.")
        content = extract.team_extract(review, row)
    else:
        return HttpResponse("No such extract.", status=404)
    context = {"review": review, "quarter": quarter_of(review), "party": row, "kind": kind}
    context.update(extract_view(content))
    return render(request, "scorecards/review/extract_preview.html", context)


def extract_view(content: dict[str, Any]) -> dict[str, Any]:
    """An extract as the pages show it (see `scorecards/review/extract.py` for its keys)."""
    return {"extract": present.extract_parts(content)}
