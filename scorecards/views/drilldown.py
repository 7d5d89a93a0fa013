"""The rows behind a number: the opportunities (or leads, registrations or campaign responses) a
figure counts, 50 to
a page and as CSV. `key` is a metric's key, or "funnel" (a bar of the funnel: `stage=`) or
"stage-time" (the opportunities that left a stage in the quarter: `stage=`); the scope, quarter,
filters and model come from the query string, as on the page the number was on.

A viewer sees the figure's rows whatever they are, but not what the rows' own pages would hide
from them: an opportunity (or lead, or registration) they may not open is listed without its
name or customer ("owned by someone else"), so its amount still adds up to the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.csvexport import csv_response
from core.metrics import Scope, metric
from dealreg.models import DealRegistration
from pipeline.models import CampaignResponse, Lead, Opportunity, Stage
from scorecards import figures, services
from scorecards.forms import Selection
from scorecards.models import LeadFact
from scorecards.views.common import (
    page_context,
    quarter_name,
    read_selection,
    resolve_scope,
    scope_labels,
    scope_token,
)
from tenancy.requests import DoorRequest

__all__ = ["drilldown", "drilldown_export"]

PER_PAGE = 50
TEMPLATE = "scorecards/drilldown.html"
HIDDEN = "Owned by someone else"
OUTCOMES = {"open": "Open", "won": "Won", "lost": "Lost"}


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[Any], Any]  # the cell's text (and the CSV's value)
    link: Callable[[Any], str] | None = None
    num: bool = False


@dataclass(frozen=True)
class Behind:
    """What a figure counts: its title and explanation, its rows and how to show them."""

    title: str
    explanation: str
    rows: QuerySet
    kind: str  # opportunities | leads | registrations | responses
    filename: str


def _stage(request: DoorRequest) -> Stage:
    text = request.GET.get("stage", "")
    stage = (
        Stage.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None
    )
    if stage is None:
        raise Http404("No such stage.")
    return stage


def _behind(request: DoorRequest, key: str, scope: Scope, selection: Selection) -> Behind:
    tenant, quarter = request.tenant, selection.quarter
    q = quarter_name(quarter)
    if key == "funnel":
        stage = _stage(request)
        rows = figures.funnel_rows(tenant, quarter, scope, selection.filters, stage.pk)
        return Behind(
            f"Opened in {q}, now in {stage.name}",
            f"The opportunities opened in {q} that are in the stage {stage.name} now.",
            rows,
            "opportunities",
            f"funnel-{stage.key}",
        )
    if key == "stage-time":
        stage = _stage(request)
        rows = figures.stage_rows(tenant, quarter, scope, selection.filters, stage.pk)
        return Behind(
            f"Left {stage.name} in {q}",
            f"The opportunities that left the stage {stage.name} in {q}: the median of their "
            "days in it is the figure.",
            rows,
            "opportunities",
            f"stage-{stage.key}",
        )
    item = metric(key)
    if item is None or not item.drills:
        raise Http404("No such figure, or no rows behind it.")
    if key in figures.REGISTRATION_KEYS:
        rows = figures.registration_rows(tenant, key, quarter, scope, selection.filters)
        kind = "registrations"
    elif key in figures.RESPONSE_KEYS:
        rows = figures.response_rows(tenant, quarter, scope, selection.filters)
        kind = "responses"
    else:
        rows = services.drilldown(
            tenant, key, scope, quarter, model=selection.model, filters=selection.filters
        )
        kind = "leads" if rows.model is LeadFact else "opportunities"
    return Behind(item.label, item.help, rows, kind, key.replace("_", "-"))


def _visible(request: DoorRequest, behind: Behind, ids: list[int]) -> set[int] | None:
    """Which of these rows' own pages the viewer may open; None: all of them."""
    membership = request.membership
    if membership.role == "revops_admin":
        return None
    if behind.kind == "leads":
        return set(
            Lead.objects.visible_to(membership).filter(pk__in=ids).values_list("pk", flat=True)
        )
    if behind.kind == "registrations":
        return set(
            DealRegistration.objects.visible_to(membership)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
    if behind.kind == "responses":
        return set(
            CampaignResponse.objects.visible_to(membership)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
    return set(
        Opportunity.objects.visible_to(membership).filter(pk__in=ids).values_list("pk", flat=True)
    )


def _target(behind: Behind, row: Any) -> int:
    if behind.kind == "leads":
        return row.lead_id
    if behind.kind in ("registrations", "responses"):
        return row.pk
    return row.opportunity_id


def _columns(request: DoorRequest, behind: Behind, visible: set[int] | None) -> list[Column]:
    door, slug, currency = request.door, request.tenant.slug, request.tenant.currency

    def shown(row: Any) -> bool:
        return visible is None or _target(behind, row) in visible

    if behind.kind == "leads":
        return [
            Column(
                "Lead",
                lambda r: str(r.lead) if shown(r) else HIDDEN,
                lambda r: reverse(f"{door}:lead", args=[slug, r.lead_id]) if shown(r) else "",
            ),
            Column("Arrived", lambda r: r.lead.created_at),
            Column("Route", lambda r: r.route),
            Column("Business hours to first touch", lambda r: r.speed_hours, num=True),
            Column(
                "SLA met",
                lambda r: {True: "Yes", False: "No", None: "Not yet"}[r.sla_met],
            ),
        ]
    if behind.kind == "responses":
        # A response has no page of its own: one the viewer may not see is listed without
        # what it answered and whose it was.
        return [
            Column("Response", lambda r: r.get_kind_display() if shown(r) else HIDDEN),
            Column("Received", lambda r: r.occurred_at),
            Column("Campaign", lambda r: str(r.campaign or "") if shown(r) else ""),
            Column("Offer", lambda r: str(r.offer or "") if shown(r) else ""),
            Column(
                "Whose",
                lambda r: (
                    (str(r.partner) if r.partner else "The manufacturer’s") if shown(r) else ""
                ),
            ),
        ]
    if behind.kind == "registrations":
        return [
            Column(
                "Registration",
                lambda r: r.title if shown(r) else HIDDEN,
                lambda r: reverse(f"{door}:dealreg", args=[slug, r.pk]) if shown(r) else "",
            ),
            Column(
                "End customer",
                lambda r: (
                    (r.end_customer.name if r.end_customer else r.end_customer_name)
                    if shown(r)
                    else ""
                ),
            ),
            Column("Submitted", lambda r: r.submitted_at),
            Column("Route", lambda r: r.get_route_display()),
            Column("State", lambda r: r.get_state_display()),
        ]
    return [
        Column(
            "Opportunity",
            lambda r: r.opportunity.name if shown(r) else HIDDEN,
            lambda r: (
                reverse(f"{door}:opportunity", args=[slug, r.opportunity_id]) if shown(r) else ""
            ),
        ),
        Column("Account", lambda r: r.account.name if shown(r) else ""),
        Column("Opened", lambda r: r.opened_on),
        Column("Closed", lambda r: r.closed_on),
        Column("Stage", lambda r: r.stage.name),
        Column("Outcome", lambda r: OUTCOMES.get(r.outcome, r.outcome)),
        Column(
            f"Amount ({currency})",
            lambda r: r.amount if r.amount is not None else f"no rate for {r.currency}",
            num=True,
        ),
        Column("Owner's route", lambda r: r.route),
        Column(
            "Sourced by",
            lambda r: f"{r.get_sourced_route_display()} ({r.get_sourced_by_display().lower()})",
        ),
        Column(
            "Touched by",
            lambda r: ", ".join(
                name
                for name, touched in (
                    ("direct", r.touched_direct),
                    ("partner", r.touched_partner),
                    ("marketing", r.touched_marketing),
                )
                if touched
            ),
        ),
    ]


def _selected(
    request: DoorRequest, key: str
) -> tuple[Any, Selection | None, Scope | None, Behind | None]:
    form, selection = read_selection(request)
    if selection is None:
        return form, None, None, None
    scope = resolve_scope(request)
    return form, selection, scope, _behind(request, key, scope, selection)


def _display(value: Any) -> str:
    """A cell as the page writes it (the CSV keeps the value: dates ISO, times UTC)."""
    if value is None or value == "":
        return "—" if value is None else ""
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, dt.date):
        return date_format(value, "j M Y")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def drilldown(request: DoorRequest, key: str) -> HttpResponse:
    form, selection, scope, behind = _selected(request, key)
    if selection is None or scope is None or behind is None:
        return render(request, TEMPLATE, {"form": form, "invalid": True}, status=400)
    page = Paginator(behind.rows, PER_PAGE).get_page(request.GET.get("page"))
    objects = list(page.object_list)
    visible = _visible(request, behind, [_target(behind, row) for row in objects])
    columns = _columns(request, behind, visible)
    lines = [
        [
            (
                _display(column.text(row)),
                column.link(row) if column.link else "",
                column.num,
                column.header,
            )
            for column in columns
        ]
        for row in objects
    ]
    params = request.GET.copy()
    params.pop("page", None)
    export = reverse(f"{request.door}:scorecard-drilldown-export", args=[request.tenant.slug, key])
    context: dict[str, Any] = {
        **page_context(request, form, selection),
        "behind": behind,
        "scope": scope,
        "scope_token": scope_token(scope),
        "scope_label": scope_labels([scope])[scope],
        "headers": [(c.header, c.num) for c in columns],
        "lines": lines,
        "page": page,
        "query": params.urlencode(),
        "export_url": f"{export}?{params.urlencode()}",
        "key": key,
    }
    return render(request, TEMPLATE, context)


def drilldown_export(request: DoorRequest, key: str) -> HttpResponseBase:
    form, selection, scope, behind = _selected(request, key)
    if selection is None or scope is None or behind is None:
        return render(request, TEMPLATE, {"form": form, "invalid": True}, status=400)
    visible = _visible(request, behind, _target_ids(behind))
    columns = _columns(request, behind, visible)
    filename = f"{behind.filename}-{scope_token(scope)}-{selection.quarter.code}.csv"
    return csv_response(behind.rows, [(c.header, c.text) for c in columns], filename)


def _target_ids(behind: Behind) -> list[int]:
    field = {"leads": "lead_id", "registrations": "pk", "responses": "pk"}.get(
        behind.kind, "opportunity_id"
    )
    return list(behind.rows.values_list(field, flat=True))
