"""Deal registration's console report: the conflict rate by partner, team, territory or quarter
(dealreg.services.reports), on a page and as a CSV of the same table. A bad query string is the
page again with the problem named and 400, for the download too; never a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.csvexport import table_response
from dealreg.forms_console import ConflictRateForm
from dealreg.services.reports import (
    Breakdown,
    ConflictRateReport,
    Period,
    conflict_rates,
    default_period,
)
from tenancy.requests import DoorRequest

__all__ = ["conflict_rate", "conflict_rate_export"]

HEADER = (
    "Submitted",
    "With conflict",
    "Conflict rate %",
    "Adjudicated",
    "Decided for the registrant",
    "Median days to decision",
)


def _report(request: DoorRequest) -> tuple[ConflictRateForm, ConflictRateReport | None]:
    """The form as asked, and the report, or None when the query string is not valid."""
    default = default_period(request.tenant, timezone.localdate())
    initial = {"by": Breakdown.PARTNER, "start": default.start, "end": default.end}
    asked = {
        name: value
        for name, value in request.GET.items()
        if isinstance(value, str) and value.strip()
    }
    form = ConflictRateForm({**{k: str(v) for k, v in initial.items()}, **asked})
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        report = conflict_rates(
            request.membership,
            by=data["by"] or Breakdown.PARTNER,
            period=Period(data["start"] or default.start, data["end"] or default.end),
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
        return form, None
    return form, report


def _refused(request: DoorRequest, form: ConflictRateForm) -> HttpResponse:
    context = {"form": form, "report": None, "export_url": ""}
    return render(request, "dealreg/conflict_rate.html", context, status=400)


def conflict_rate(request: DoorRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return _refused(request, form)
    query = urlencode(
        {
            "by": report.by,
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
        }
    )
    export = reverse(f"{request.door}:dealreg-conflict-rate-export", args=[request.tenant.slug])
    context: dict[str, Any] = {"form": form, "report": report, "export_url": f"{export}?{query}"}
    return render(request, "dealreg/conflict_rate.html", context)


def conflict_rate_export(request: DoorRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return _refused(request, form)
    rows = [
        (
            row.label,
            row.submitted,
            row.conflicted,
            row.rate,
            row.adjudicated,
            row.for_registrant,
            row.median_days,
        )
        for row in [*report.rows, report.total]
    ]
    period = report.period
    filename = (
        f"conflict-rate-by-{report.by}-{request.tenant.slug}-{period.start:%Y-%m-%d}"
        f"-{period.end:%Y-%m-%d}.csv"
    )
    return table_response((report.dimension_label, *HEADER), rows, filename)
