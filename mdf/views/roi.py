"""The console's MDF ROI table (mdf.services.roi) by partner, activity type, campaign or
quarter, over a range of fiscal quarters, on a page and as a CSV of the same table. A bad query
string is the page again with the field named and 400 (the download too), never a 500."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.csvexport import table_response
from mdf.services.roi import BY_CHOICES, TAIL_DAYS, RoiReport, RoiRow, roi_report
from tenancy.quarters import Quarter, parse_quarter
from tenancy.requests import DoorRequest

__all__ = ["roi", "roi_export"]

HEADER = (
    "Activities",
    "Paid",
    "Leads",
    "Leads per 1,000 paid",
    "Sourced opportunities",
    "Sourced pipeline",
    "Influenced opportunities",
    "Influenced pipeline",
    "Won revenue",
    "Pipeline per unit paid",
    "ROI (won per unit paid)",
    "In another currency (not summed)",
)
COUNTED = {"paid": "Paid claims", "approved": "Approved and paid claims"}


def _asked(request: DoorRequest) -> tuple[dict[str, str], dict[str, str], RoiReport | None]:
    """The query as asked (with defaults), the problems by field, and the report or None."""
    today = Quarter.of(request.tenant, timezone.localdate())
    asked = {
        "by": request.GET.get("by") or "partner",
        "from": request.GET.get("from") or today.shifted(-3).code,
        "to": request.GET.get("to") or today.code,
        "counted": request.GET.get("counted") or "paid",
    }
    errors: dict[str, str] = {}
    if asked["by"] not in BY_CHOICES:
        errors["by"] = f"“{asked['by']}” is not a breakdown; use {', '.join(BY_CHOICES)}."
    if asked["counted"] not in COUNTED:
        errors["counted"] = f"“{asked['counted']}” is not one of {', '.join(COUNTED)}."
    quarters: dict[str, Quarter] = {}
    for name in ("from", "to"):
        try:
            quarters[name] = parse_quarter(request.tenant, asked[name])
        except ValueError as error:
            errors[name] = str(error)
    if not errors and quarters["to"].start < quarters["from"].start:
        errors["to"] = "The last quarter is before the first."
    if not errors and quarters["from"].start < quarters["to"].shifted(-11).start:
        errors["from"] = "Show at most 12 quarters at once."
    if errors:
        return asked, errors, None
    report = roi_report(
        request.tenant,
        by=asked["by"],
        first=quarters["from"],
        last=quarters["to"],
        include_approved=asked["counted"] == "approved",
    )
    return asked, errors, report


def _context(request: DoorRequest, asked: dict, errors: dict, report: RoiReport | None) -> dict:
    export = reverse(f"{request.door}:mdf-roi-export", args=[request.tenant.slug])
    return {
        "asked": asked,
        "errors": errors,
        "report": report,
        "by_choices": BY_CHOICES,
        "counted_choices": COUNTED,
        "tail_days": TAIL_DAYS,
        "currency": request.tenant.currency,
        "export_url": f"{export}?{urlencode(asked)}",
        "labels": {
            "by": "Breakdown",
            "from": "From quarter",
            "to": "To quarter",
            "counted": "Counted",
        },
    }


def roi(request: DoorRequest) -> HttpResponse:
    asked, errors, report = _asked(request)
    status = 400 if errors else 200
    return render(request, "mdf/roi.html", _context(request, asked, errors, report), status=status)


def _cells(row: RoiRow) -> tuple[Any, ...]:
    return (
        row.label,
        row.activities,
        row.paid,
        row.leads,
        row.leads_per_1000,
        row.sourced_n,
        row.sourced_pipeline,
        row.influenced_n,
        row.influenced_pipeline,
        row.won,
        row.pipeline_per_paid,
        row.roi,
        row.other_currency,
    )


def roi_export(request: DoorRequest) -> HttpResponse:
    asked, errors, report = _asked(request)
    if report is None:
        return render(request, "mdf/roi.html", _context(request, asked, errors, report), status=400)
    rows = [_cells(row) for row in [*report.rows, report.total]]
    filename = (
        f"mdf-roi-by-{report.by}-{request.tenant.slug}-{report.first.code}-{report.last.code}.csv"
    )
    return table_response((report.dimension_label, *HEADER), rows, filename)
