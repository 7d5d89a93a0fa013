"""The review's rules and MDF sections (docs/governance.md, "Rules" and "MDF"): the rulebook
versions published in the quarter with what their simulation said they would move, the exceptions
requested, the quarter's funds and the reallocation recommendation. `fund_rows` is shared with
the parties' section (each partner's own funds)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from guardrails.choices import ExceptionStatus, SimulationStatus
from guardrails.models import RulebookVersion, RuleException, Simulation
from mdf.choices import LineState
from mdf.models import FundBalance, Reallocation, ReallocationLine
from mdf.services.reallocation import recommend
from scorecards.review.period import Period, Progress
from scorecards.review.sections_common import CAP, between, counted, iso, money, partner_names

__all__ = ["build_mdf", "build_rules", "fund_rows"]


# --- rules -------------------------------------------------------------------------------------


def _moved(summary: dict[str, Any]) -> dict[str, Any]:
    flows = summary.get("flows") or []
    moved = sum((Decimal(str(f.get("open_pipeline") or 0)) for f in flows), Decimal(0))
    return {
        "accounts": int(summary.get("moved_accounts") or 0),
        "open_pipeline": money(moved),
        "flows": flows,
    }


def build_rules(period: Period, progress: Progress) -> dict[str, Any]:
    versions = list(
        RulebookVersion.objects.filter(between("published_at", period))
        .select_related("published_by")
        .order_by("published_at", "number")
    )
    latest: dict[int, dict[str, Any]] = {}
    for version_id, summary in (
        Simulation.objects.filter(
            version__in=[v.pk for v in versions], status=SimulationStatus.DONE
        )
        .order_by("finished_at", "id")
        .values_list("version_id", "summary")
    ):
        latest[version_id] = summary or {}  # the last finished one wins
    progress.part(1, 2)
    exceptions = RuleException.objects.filter(between("created_at", period))
    by_kind = counted(exceptions.values("kind").annotate(n=Count("id")).order_by(), "kind")
    by_status = counted(exceptions.values("status").annotate(n=Count("id")).order_by(), "status")
    shown = list(
        exceptions.select_related("account", "partner", "team").order_by("-created_at", "-id")[:CAP]
    )
    return {
        "versions": [
            {
                "id": v.pk,
                "number": v.number,
                "summary": v.summary,
                "status": v.status,
                "status_label": v.get_status_display(),
                "published_at": iso(v.published_at),
                "effective_at": iso(v.effective_at),
                "published_by": v.published_by.email if v.published_by else "",
                "moved": _moved(latest[v.pk]) if v.pk in latest else None,
            }
            for v in versions
        ],
        "exceptions": {
            "totals": {
                "requested": sum(by_kind.values()),
                "by_kind": by_kind,
                "by_status": by_status,
                "approved": by_status.get(ExceptionStatus.APPROVED, 0),
                "denied": by_status.get(ExceptionStatus.DENIED, 0),
            },
            "count": sum(by_kind.values()),
            "items": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "kind_label": e.get_kind_display(),
                    "status": e.status,
                    "status_label": e.get_status_display(),
                    "account_id": e.account_id,
                    "account": e.account.name,
                    "partner_id": e.partner_id,
                    "partner": e.partner.name if e.partner else "",
                    "team_id": e.team_id,
                    "team": e.team.name if e.team else "",
                    "requested_discount": None
                    if e.requested_discount is None
                    else str(e.requested_discount),
                    "created_at": iso(e.created_at),
                    "reviewed_at": iso(e.reviewed_at),
                }
                for e in shown
            ],
        },
    }


# --- MDF ---------------------------------------------------------------------------------------


def fund_rows(period: Period) -> dict[int, dict[str, Decimal]]:
    """Each partner's funds for the quarter: funded (allocated, accrued, carried over and moved
    in), committed (approved requests and approved claims not yet paid), paid, available and
    expired."""
    rows = FundBalance.objects.filter(quarter_start=period.quarter.start).values(
        "partner_id",
        funded_sum=F("allocated") + F("accrued") + F("carried") + F("moved"),
        committed_sum=F("committed") + F("claimed"),
        paid_sum=F("paid"),
        available_sum=F("available"),
        expired_sum=F("expired"),
    )
    return {
        row["partner_id"]: {
            "funded": row["funded_sum"],
            "committed": row["committed_sum"],
            "paid": row["paid_sum"],
            "available": row["available_sum"],
            "expired": row["expired_sum"],
        }
        for row in rows
    }


def _reallocation(period: Period) -> Reallocation:
    """The quarter's latest recommendation while it still has lines to decide; else a new one."""
    latest = Reallocation.objects.filter(quarter_start=period.quarter.start).order_by(
        "-created_at", "-id"
    )[:1]
    found = latest.annotate(
        proposed=Count("lines", filter=Q(lines__state=LineState.PROPOSED))
    ).first()
    if found is not None and found.proposed:
        return found
    return recommend(period.tenant, period.quarter, acting=period.acting)


def build_mdf(period: Period, progress: Progress) -> dict[str, Any]:
    totals = FundBalance.objects.filter(quarter_start=period.quarter.start).aggregate(
        funded=Sum(F("allocated") + F("accrued") + F("carried") + F("moved")),
        committed=Sum(F("committed") + F("claimed")),
        paid=Sum("paid"),
        available=Sum("available"),
        expired=Sum("expired"),
    )
    progress.part(1, 3)
    reallocation = _reallocation(period)
    progress.part(2, 3)
    lines = list(
        ReallocationLine.objects.filter(reallocation=reallocation).order_by(
            "-proposed_amount", "id"
        )
    )
    names = partner_names(
        {line.from_partner_id for line in lines} | {line.to_partner_id for line in lines}
    )
    return {
        "totals": {key: money(value) for key, value in totals.items()},
        "reallocation_id": reallocation.pk,
        "created_at": iso(reallocation.created_at),
        "summary": reallocation.summary,
        "count": len(lines),
        "lines": [
            {
                "line_id": line.pk,
                "from_partner_id": line.from_partner_id,
                "from_partner": names.get(line.from_partner_id, ""),
                "to_partner_id": line.to_partner_id,
                "to_partner": names.get(line.to_partner_id, ""),
                "amount": money(line.amount if line.amount is not None else line.proposed_amount),
                "proposed_amount": money(line.proposed_amount),
                "reason": line.reason,
                "state": line.state,
            }
            for line in lines[:CAP]
        ],
    }
