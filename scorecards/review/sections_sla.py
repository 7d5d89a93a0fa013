"""The review's SLA section: the clocks of lead operations, deal registration and MDF that ended
(met or breached) or breached in the quarter, on both sides (docs/governance.md, "SLA"). Lead
follow-up is counted from the scorecards' lead facts, as the scorecard's lead SLA attainment.

Counted in one grouped query per area; `clock_rows` is shared with the parties' section, which
shows each party its own clocks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from dealreg.choices import ClockKind as RegClockKind
from dealreg.choices import ClockSide as RegClockSide
from dealreg.choices import ClockState as RegClockState
from dealreg.models import RegistrationClock
from mdf.choices import ClockKind as MdfClockKind
from mdf.choices import ClockSide as MdfClockSide
from mdf.choices import ClockState as MdfClockState
from mdf.models import MdfClock
from routing.choices import TimerKind, TimerState
from routing.models import SlaTimer
from scorecards.models import LeadFact
from scorecards.review.period import Period, Progress
from scorecards.review.sections_common import between, iso, partner_names, pct, team_names

__all__ = ["AREAS", "WORST", "build_sla", "clock_rows"]

AREAS = ("lead_ops", "dealreg", "mdf")
SIDES = {
    "lead_ops": ("partner", "direct"),
    "dealreg": ("manufacturer", "partner", "direct"),
    "mdf": ("manufacturer", "partner"),
}
WORST = 20  # the latest breaches listed, across areas


def _counted(rows: QuerySet, breached: Q, *group: str) -> list[dict[str, Any]]:
    return list(
        rows.values(*group)
        .annotate(clocks=Count("id"), breached=Count("id", filter=breached))
        .order_by()
    )


def _timers(period: Period) -> QuerySet:
    ended = Q(state__in=(TimerState.MET, TimerState.BREACHED, TimerState.RECALLED)) & between(
        "stopped_at", period
    )
    return SlaTimer.objects.filter(ended | between("breached_at", period))


TIMER_BREACHED = Q(breached_at__isnull=False) | Q(state__in=(TimerState.BREACHED,))


def _registration_clocks(period: Period) -> QuerySet:
    ended = Q(state__in=(RegClockState.MET, RegClockState.BREACHED)) & between("stopped_at", period)
    return RegistrationClock.objects.filter(ended | between("breached_at", period))


REG_BREACHED = Q(breached_at__isnull=False) | Q(state=RegClockState.BREACHED)


def _mdf_clocks(period: Period) -> QuerySet:
    ended = Q(state__in=(MdfClockState.MET, MdfClockState.BREACHED)) & between("stopped_at", period)
    return MdfClock.objects.filter(ended | between("breached_at", period))


MDF_BREACHED = Q(breached_at__isnull=False) | Q(state=MdfClockState.BREACHED)


def clock_rows(period: Period) -> list[dict[str, Any]]:
    """The quarter's clocks, grouped: one dict per area, side and party with `clocks` and
    `breached` (`route`, `partner_id`, `team_id` of the party; None for the manufacturer)."""
    found: list[dict[str, Any]] = []
    # Lead follow-up is counted as the scorecard's "Lead SLA attainment" counts it (the lead
    # facts: leads assigned in the quarter with an SLA outcome, the party's side), so the review
    # and the scorecard never disagree; the individual timers feed the worst breaches below.
    leads = LeadFact.objects.filter(assigned_quarter=period.quarter.start, sla_met__isnull=False)
    for row in _counted(leads, Q(sla_met=False), "route", "partner_id", "team_id"):
        partner = row["route"] == "partner"
        found.append(
            {
                "area": "lead_ops",
                "side": "partner" if partner else "direct",
                "route": "partner" if partner else "direct",
                "partner_id": row["partner_id"] if partner else None,
                "team_id": None if partner else row["team_id"],
                "clocks": row["clocks"],
                "breached": row["breached"],
            }
        )
    clocks = _counted(
        _registration_clocks(period),
        REG_BREACHED,
        "side",
        "registration__route",
        "registration__registrant_partner_id",
        "registration__registrant_team_id",
    )
    for row in clocks:
        vendor = row["side"] == RegClockSide.VENDOR
        partner = row["registration__route"] == "partner"
        route = None if vendor else ("partner" if partner else "direct")
        found.append(
            {
                "area": "dealreg",
                "side": "manufacturer" if vendor else route,
                "route": route,
                "partner_id": None
                if vendor or not partner
                else row["registration__registrant_partner_id"],
                "team_id": None if vendor or partner else row["registration__registrant_team_id"],
                "clocks": row["clocks"],
                "breached": row["breached"],
            }
        )
    for row in _counted(_mdf_clocks(period), MDF_BREACHED, "side", "partner_id"):
        vendor = row["side"] == MdfClockSide.VENDOR
        found.append(
            {
                "area": "mdf",
                "side": "manufacturer" if vendor else "partner",
                "route": None if vendor else "partner",
                "partner_id": None if vendor else row["partner_id"],
                "team_id": None,
                "clocks": row["clocks"],
                "breached": row["breached"],
            }
        )
    return found


def _late(period: Period) -> Any:
    """How late a breached clock was: from its due time to when it stopped (or the quarter's
    end, while it runs on)."""
    return Coalesce("stopped_at", Value(period.end, output_field=DateTimeField())) - F("due_at")


def _worst(period: Period) -> list[dict[str, Any]]:
    late = _late(period)
    found: list[dict[str, Any]] = []
    timers = (
        _timers(period)
        .filter(TIMER_BREACHED)
        .annotate(late=late)
        .order_by("-late", "id")
        .values(
            "id",
            "kind",
            "late",
            "due_at",
            "breached_at",
            "stopped_at",
            "lead_id",
            "lead__company",
            "lead__last_name",
            "lead__route",
            "lead__assigned_partner_id",
            "lead__assigned_team_id",
        )[:WORST]
    )
    for row in timers:
        partner = row["lead__route"] == "partner"
        found.append(
            {
                "area": "lead_ops",
                "side": "partner" if partner else "direct",
                "kind": row["kind"],
                "kind_label": TimerKind(row["kind"]).label,
                "clock_id": row["id"],
                "subject": f"Lead #{row['lead_id']} "
                f"{row['lead__company'] or row['lead__last_name']}".strip(),
                "partner_id": row["lead__assigned_partner_id"] if partner else None,
                "team_id": None if partner else row["lead__assigned_team_id"],
                **_times(row),
            }
        )
    clocks = (
        _registration_clocks(period)
        .filter(REG_BREACHED)
        .annotate(late=late)
        .order_by("-late", "id")
        .values(
            "id",
            "side",
            "kind",
            "late",
            "due_at",
            "breached_at",
            "stopped_at",
            "registration_id",
            "registration__title",
            "registration__route",
            "registration__registrant_partner_id",
            "registration__registrant_team_id",
        )[:WORST]
    )
    for row in clocks:
        vendor = row["side"] == RegClockSide.VENDOR
        partner = row["registration__route"] == "partner"
        found.append(
            {
                "area": "dealreg",
                "side": "manufacturer" if vendor else ("partner" if partner else "direct"),
                "kind": row["kind"],
                "kind_label": RegClockKind(row["kind"]).label,
                "clock_id": row["id"],
                "subject": f"Registration #{row['registration_id']} {row['registration__title']}",
                "partner_id": row["registration__registrant_partner_id"] if partner else None,
                "team_id": None if partner else row["registration__registrant_team_id"],
                **_times(row),
            }
        )
    funds = (
        _mdf_clocks(period)
        .filter(MDF_BREACHED)
        .annotate(late=late)
        .order_by("-late", "id")
        .values(
            "id",
            "side",
            "kind",
            "late",
            "due_at",
            "breached_at",
            "stopped_at",
            "request_id",
            "request__title",
            "partner_id",
        )[:WORST]
    )
    for row in funds:
        found.append(
            {
                "area": "mdf",
                "side": "manufacturer" if row["side"] == MdfClockSide.VENDOR else "partner",
                "kind": row["kind"],
                "kind_label": MdfClockKind(row["kind"]).label,
                "clock_id": row["id"],
                "subject": f"Fund request #{row['request_id']} {row['request__title']}",
                "partner_id": row["partner_id"],
                "team_id": None,
                **_times(row),
            }
        )
    found.sort(key=lambda r: (-r.pop("_late"), r["area"], r["clock_id"]))
    return found[:WORST]


def _times(row: dict[str, Any]) -> dict[str, Any]:
    late = row["late"]
    seconds = late.total_seconds() if late is not None else 0.0
    return {
        "due_at": iso(row["due_at"]),
        "breached_at": iso(row["breached_at"]),
        "stopped_at": iso(row["stopped_at"]),
        "hours_late": f"{max(seconds, 0) / 3600:.1f}",
        "_late": seconds,
    }


def build_sla(period: Period, progress: Progress) -> dict[str, Any]:
    rows = clock_rows(period)
    progress.part(1, 3)
    by_area: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_party: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for row in rows:
        total = by_area[(row["area"], row["side"])]
        total[0] += row["clocks"]
        total[1] += row["breached"]
        if row["side"] == "manufacturer":
            continue
        key = (row["route"], row["partner_id"], row["team_id"])
        party = by_party.setdefault(
            key,
            {
                "route": row["route"],
                "partner_id": row["partner_id"],
                "team_id": row["team_id"],
                "clocks": 0,
                "breached": 0,
                "areas": {},
            },
        )
        party["clocks"] += row["clocks"]
        party["breached"] += row["breached"]
        area = party["areas"].setdefault(row["area"], {"clocks": 0, "breached": 0})
        area["clocks"] += row["clocks"]
        area["breached"] += row["breached"]
    worst = _worst(period)
    progress.part(2, 3)
    partners = partner_names(
        [p["partner_id"] for p in by_party.values()] + [w["partner_id"] for w in worst]
    )
    teams = team_names([p["team_id"] for p in by_party.values()] + [w["team_id"] for w in worst])
    parties = sorted(
        by_party.values(), key=lambda p: (-p["breached"], -p["clocks"], p["route"] or "")
    )
    for party in [*parties, *worst]:
        party["partner"] = partners.get(party["partner_id"] or 0, "")
        party["team"] = teams.get(party["team_id"] or 0, "")
    for party in parties:
        party["met_pct"] = pct(party["clocks"] - party["breached"], party["clocks"])
    return {
        "rows": [
            {
                "area": area,
                "side": side,
                "clocks": by_area[(area, side)][0],
                "breached": by_area[(area, side)][1],
                "met_pct": pct(
                    by_area[(area, side)][0] - by_area[(area, side)][1], by_area[(area, side)][0]
                ),
            }
            for area in AREAS
            for side in SIDES[area]
        ],
        "by_party": parties,
        "worst": worst,
    }
