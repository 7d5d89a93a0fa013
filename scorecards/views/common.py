"""What the scorecard pages share: the filter bar read from the query string, whose figures a
page shows (scopes, in the URL as `scope=partner-12`), figures in words (units, changes, why a
figure is missing), the links behind every number and the charts of a trend.

Who may read which scope is `scorecards.services.allowed_scopes`; a scope outside it is a 404,
as if it did not exist. A query string that is not valid is the page again with the problem
named and 400; never a 500, never a misleading zero: a figure without data is "—" with a title
saying why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode

from core.charts import Chart, Series
from core.metrics import Filters, Metric, Scope, metric
from scorecards import rollup, services
from scorecards.filtering import WHAT
from scorecards.forms import FilterForm, Selection
from scorecards.services import MIN_PEERS, Row, Scorecard
from scorecards.units import figure
from tenancy.choices import Role
from tenancy.models import Partner, Team, User
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = [
    "CardView",
    "RowView",
    "allowed",
    "card_view",
    "drill_url",
    "figure",
    "page_context",
    "parse_scope",
    "read_selection",
    "resolve_scope",
    "scope_labels",
    "scope_token",
    "trend_chart",
    "why_empty",
]

FILTER_NAMES = WHAT  # each filter in words


# --- the filter bar -------------------------------------------------------------------------


def read_selection(request: DoorRequest) -> tuple[FilterForm, Selection | None]:
    """The filter bar as asked, and the selection; None when the query string is not valid."""
    asked = QueryDict(mutable=True)
    for name, value in request.GET.items():
        if isinstance(value, str) and value.strip():
            asked[name] = value.strip()
    form = FilterForm(
        asked,
        membership=request.membership,
        tenant=request.tenant,
        default_model=rollup.settings_of(request.tenant).default_model,
    )
    if not form.is_valid():
        return form, None
    selection = form.selection()
    form.show(selection)
    return form, selection


# --- scopes ---------------------------------------------------------------------------------


def scope_token(scope: Scope) -> str:
    """A scope as the `scope` query parameter: "tenant", "route-direct", "partner-12"."""
    return scope.kind if scope.kind == "tenant" else f"{scope.kind}-{scope.key}"


def parse_scope(text: str) -> Scope | None:
    """The scope a `scope` parameter names; None for one that names none."""
    if text == "tenant":
        return Scope("tenant")
    kind, _, key = text.partition("-")
    if kind == "route" and key in ("direct", "partner"):
        return Scope("route", key)
    if kind in ("team", "user", "partner") and key.isdigit() and len(key) < 12:
        return Scope(kind, int(key))
    return None


def allowed(request: DoorRequest) -> list[Scope]:
    return services.allowed_scopes(request.membership)


def resolve_scope(request: DoorRequest, default: Scope | None = None) -> Scope:
    """The scope the query string asks for (else `default`, else the viewer's own): one the
    viewer may not read, or that does not exist, is a 404 like any row they may not see."""
    scopes = allowed(request)
    text = request.GET.get("scope", "").strip()
    if not text:
        return default or scopes[0]
    scope = parse_scope(text)
    if scope is None or scope not in scopes:
        raise Http404("No such scorecard.")
    return scope


def scope_labels(scopes: list[Scope]) -> dict[Scope, str]:
    """Each scope's name, in a query per kind."""
    ids: dict[str, list[Any]] = {"team": [], "user": [], "partner": []}
    for scope in scopes:
        if scope.kind in ids:
            ids[scope.kind].append(scope.key)
    teams = dict(Team.objects.filter(pk__in=ids["team"]).values_list("pk", "name"))
    partners = dict(Partner.objects.filter(pk__in=ids["partner"]).values_list("pk", "name"))
    users = {
        u.pk: (u.full_name or u.email) for u in User.objects.filter(pk__in=ids["user"]).order_by()
    }
    names: dict[str, dict[Any, str]] = {"team": teams, "partner": partners, "user": users}
    found = {}
    for scope in scopes:
        if scope.kind in names:
            found[scope] = names[scope.kind].get(scope.key, scope.kind.title())
        else:
            found[scope] = services.scope_label(scope)
    return found


def scope_kind_label(scope: Scope) -> str:
    return {
        "tenant": "Everyone",
        "route": "Route",
        "team": "Team",
        "user": "Rep",
        "partner": "Partner",
    }[scope.kind]


# --- figures in words -----------------------------------------------------------------------


def change_text(change: Decimal | None, unit: str, currency: str) -> str:
    """The change since the previous quarter, signed; a rate's change in percentage points."""
    if change is None:
        return ""
    if not change:
        return "no change"
    sign = "+" if change > 0 else "−"
    size = abs(change)
    if unit == "percent":
        return f"{sign}{size:,.1f} pts"
    return sign + figure(size, unit, currency)


def quarter_name(quarter: Quarter) -> str:
    """ "2026 Q4", "FY2027 Q1"."""
    return quarter.code.replace("-", " ")


# Why a figure is missing, by metric: {q} the quarter, {who} whose figures.
WHY = {
    "sourced_pipeline": "No opportunity opened in {q} with a known amount was sourced by {who}.",
    "influenced_pipeline": "No opportunity opened in {q} with a known amount was touched by {who}.",
    "attributed_pipeline": "No opportunity opened in {q} credits {who} under this model.",
    "partner_sourced_share": "No opportunity of {who} with a known amount was opened in {q}.",
    "co_sold_deals": "No opportunity of {who} was opened in {q}.",
    "won_revenue": "No opportunity of {who} was closed in {q}.",
    "win_rate_count": "No opportunity of {who} was closed in {q}.",
    "win_rate_value": "No opportunity of {who} with a known amount was closed in {q}.",
    "pipeline_velocity": "No opportunity of {who} was closed in {q}.",
    "speed_to_lead_median": "No lead assigned to {who} in {q} has been touched.",
    "speed_to_lead_p90": "No lead assigned to {who} in {q} has been touched.",
    "lead_sla_attainment": "No lead assigned to {who} in {q} has an SLA outcome yet.",
    "registration_sla_attainment": (
        "No manufacturer review of a registration by {who} finished in {q}."
    ),
    "conflict_rate": "No registration by {who} was submitted in {q}.",
    "discount_leakage": "No opportunity of {who} was opened in {q}.",
}


def why_empty(item: Metric, quarter: Quarter, who: str) -> str:
    text = WHY.get(item.key, "There are no figures for {who} in {q}.")
    return text.format(q=quarter_name(quarter), who=who)


def _who(scope: Scope, label: str) -> str:
    return "anyone" if scope.kind == "tenant" else label


# --- links ----------------------------------------------------------------------------------


def drill_url(
    request: DoorRequest,
    key: str,
    scope: Scope,
    selection: Selection,
    *,
    quarter: Quarter | None = None,
    **extra: Any,
) -> str:
    """The page of the rows behind a figure (scorecards.views.drilldown); "" for a figure with
    no such rows (`Metric.drills`)."""
    item = metric(key)
    if item is not None and not item.drills:
        return ""
    params = {
        **selection.params,
        "scope": scope_token(scope),
        **({"quarter": quarter.code} if quarter else {}),
        **{name: str(value) for name, value in extra.items()},
    }
    url = _drill_path(get_script_prefix(), request.door, request.tenant.slug, key)
    return f"{url}?{urlencode(params)}"


@functools.lru_cache(maxsize=4096)
def _drill_path(prefix: str, door: str, slug: str, key: str) -> str:
    """`reverse` once per door, tenant and figure: a dashboard links some 800 figures, and each
    reverse costs more than the rest of a link (the prefix is part of the key: it is what
    reverse reads besides its arguments)."""
    return reverse(f"{door}:scorecard-drilldown", args=[slug, key])


def export_url(request: DoorRequest, table: str, selection: Selection, **extra: Any) -> str:
    params = {**selection.params, **extra}
    url = reverse(f"{request.door}:scorecard-export", args=[request.tenant.slug, table])
    return f"{url}?{urlencode(params)}"


# --- one scorecard as a table ---------------------------------------------------------------


@dataclass(frozen=True)
class RowView:
    metric: Metric
    value: str
    value_title: str
    previous: str
    previous_title: str
    change: str
    direction: str  # "up", "down" or "" (no change, or nothing to compare)
    better: bool | None
    peers: str
    peers_title: str
    not_narrowed: str  # the filters that do not narrow this figure, in words; "" if all do
    url: str  # the rows behind the value; "" when there is nothing behind it
    previous_url: str
    has_value: bool


@dataclass(frozen=True)
class CardView:
    card: Scorecard
    rows: list[RowView]
    peers_label: str
    peers_hidden: bool  # no row has a peers' average: too few peers have figures
    sections: list[tuple[str, list[RowView]]]


SECTION_TITLES = {
    "pipeline": "Pipeline",
    "conversion": "Conversion",
    "service": "Service",
    "integrity": "Integrity",
}


def _not_narrowed(item: Metric, filters: Filters) -> str:
    used = [name for name in FILTER_NAMES if getattr(filters, name)]
    missing = [FILTER_NAMES[name] for name in used if name not in item.filtered_by]
    return ", ".join(missing)


def card_view(
    request: DoorRequest, card: Scorecard, selection: Selection, *, links: bool = True
) -> CardView:
    """The scorecard's rows in words, each with the link to the rows behind it."""
    currency = request.tenant.currency
    who = _who(card.scope, card.label)
    rows = []
    for row in card.rows:
        rows.append(_row_view(request, row, card, selection, currency, who, links))
    sections: dict[str, list[RowView]] = {}
    for view in rows:
        sections.setdefault(view.metric.section, []).append(view)
    peers_label = next((row.peers_label for row in card.rows if row.peers_label), "")
    return CardView(
        card=card,
        rows=rows,
        peers_label=peers_label,
        peers_hidden=bool(peers_label) and all(row.peers is None for row in card.rows),
        sections=[(SECTION_TITLES.get(k, k.title()), v) for k, v in sections.items()],
    )


def _row_view(
    request: DoorRequest,
    row: Row,
    card: Scorecard,
    selection: Selection,
    currency: str,
    who: str,
    links: bool,
) -> RowView:
    item = row.metric
    quarter = card.quarter
    peers_title = ""
    if row.peers is None and row.peers_label:
        peers_title = (
            f"Shown when at least {MIN_PEERS} of them have figures for {quarter_name(quarter)}."
        )
    return RowView(
        metric=item,
        value=figure(row.value, item.unit, currency),
        value_title="" if row.value is not None else why_empty(item, quarter, who),
        previous=figure(row.previous, item.unit, currency),
        previous_title=("" if row.previous is not None else why_empty(item, quarter.previous, who)),
        change=change_text(row.change, item.unit, currency),
        direction="up" if row.change and row.change > 0 else "down" if row.change else "",
        better=row.better,
        peers=figure(row.peers, item.unit, currency),
        peers_title=peers_title,
        not_narrowed=_not_narrowed(item, selection.filters),
        url=drill_url(request, item.key, card.scope, selection) if links else "",
        previous_url=(
            drill_url(request, item.key, card.scope, selection, quarter=quarter.previous)
            if links
            else ""
        ),
        has_value=row.value is not None,
    )


# --- charts ---------------------------------------------------------------------------------


def trend_chart(
    chart_id: str,
    title: str,
    quarters: list[Quarter],
    series: list[tuple[str, list[Decimal | None], str]],
    currency: str,
    *,
    kind: str = "line",
    value_title: str = "",
    link: Callable[[str, Quarter], str] | None = None,
) -> Chart | None:
    """A chart by quarter; None when no series has a single figure (the page says so). With
    `link`, each figure leads to `link(series key, quarter)`: the rows behind it."""
    if not any(v is not None for _, values, _ in series for v in values):
        return None

    def links(key: str, values: list[Decimal | None]) -> list[str]:
        if link is None:
            return []
        return [
            link(key, q) if v is not None else "" for q, v in zip(quarters, values, strict=True)
        ]

    return Chart(
        id=chart_id,
        type=kind,  # type: ignore[arg-type]
        title=title,
        labels=[quarter_name(q) for q in quarters],
        series=[
            Series(name, values, key=key, links=links(key, values)) for name, values, key in series
        ],
        currency=currency,
        label_title="Quarter",
        value_title=value_title,
    )


def page_context(request: DoorRequest, form: FilterForm, selection: Selection) -> dict[str, Any]:
    """What every scorecard page shows above its figures."""
    refreshed = rollup.last_refreshed(request.tenant)
    return {
        "form": form,
        "selection": selection,
        "quarter": selection.quarter,
        "quarter_name": quarter_name(selection.quarter),
        "model_label": services.MODELS.get(selection.model, selection.model),
        "refreshed_at": refreshed,
        "currency": request.tenant.currency,
        "min_peers": MIN_PEERS,
        "definitions_url": reverse(
            f"{request.door}:scorecard-definitions", args=[request.tenant.slug]
        ),
        "is_admin": request.membership.role == Role.REVOPS_ADMIN,
    }
