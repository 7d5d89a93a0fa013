"""A realistic `GovernanceReview.data` (the shape docs/governance.md and the design give), built
without the sections' engine, so the review's pages, exports and PDF are tested on their own.

    data = review_data(partners=[(p.pk, p.name, p.tier)], teams=[(t.pk, t.name)], items=5)
    review = signed_review(tenant, data)  # or opened_review(...)

Every partner's and team's name appears in the sections it would appear in (parties, overlap,
conflicts, SLA, exceptions, MDF lines), so a test can search a page for another party's name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scorecards.choices import JobStatus, ReviewStatus
from scorecards.models import GovernanceReview
from tenancy.models import Tenant

__all__ = ["METRIC_KEYS", "opened_review", "review_data", "signed_review"]

METRICS = [
    ("sourced_pipeline", "Sourced pipeline", "money"),
    ("influenced_pipeline", "Influenced pipeline", "money"),
    ("won_revenue", "Won revenue", "money"),
    ("win_rate_count", "Win rate (count)", "percent"),
    ("partner_sourced_share", "Partner-sourced share", "percent"),
    ("speed_to_lead_median", "Speed to lead (median)", "hours"),
    ("offer_conversion", "Offer conversion", "percent"),
]
METRIC_KEYS = [key for key, _, _ in METRICS]


def _money(value: float) -> str:
    return f"{Decimal(str(value)):.2f}"


def _figures(seed: int) -> dict[str, str | None]:
    return {
        "sourced_pipeline": _money(10000 * seed + 2500),
        "influenced_pipeline": _money(4000 * seed),
        "won_revenue": _money(3000 * seed + 500),
        "win_rate_count": f"{20 + seed % 50:.1f}",
        "partner_sourced_share": f"{10 + seed % 40:.1f}",
        "speed_to_lead_median": f"{1 + seed % 9:.1f}",
        "offer_conversion": None if seed % 3 == 0 else f"{seed % 20:.1f}",
    }


def review_data(
    *,
    partners: list[tuple[int, str, str]],
    teams: list[tuple[int, str]],
    items: int = 5,
    code: str = "2026-Q3",
    label: str = "2026 Q3 (July to September)",
    start: str = "2026-07-01",
    last_day: str = "2026-09-30",
    currency: str = "EUR",
) -> dict[str, Any]:
    """The eight sections, with `items` rows in each list (overlap items, adjudications,
    exceptions, target-list suggestions per list, MDF lines, worst SLA breaches)."""
    now = timezone.now().replace(microsecond=0)
    iso = now.isoformat()
    partner_rows = [
        {
            "id": pid,
            "name": name,
            "tier": tier,
            "tier_label": str(tier).capitalize(),
            "figures": _figures(i + 3),
            "previous": _figures(i + 1),
            "tier_standing": {
                "next_tier": "platinum" if i % 2 == 0 else None,
                "missing": ["Sourced pipeline 50,000.00 EUR short"] if i % 2 == 0 else [],
            },
            "overlap_accounts": i + 1,
            "conflicts": i % 3,
            "conflicts_prevailed": i % 2,
            "sla": {
                "lead_ops": {"clocks": 10 + i, "breached": i % 4},
                "dealreg": {"clocks": 5 + i, "breached": i % 2},
                "mdf": {"clocks": 2, "breached": 0},
            },
            "mdf": {
                "funded": _money(20000 + i * 1000),
                "paid": _money(8000 + i * 500),
                "available": _money(12000 + i * 500),
                "roi": None if i % 2 else f"{3.5 + i:.1f}",
            },
        }
        for i, (pid, name, tier) in enumerate(partners)
    ]
    team_rows = [
        {
            "id": tid,
            "name": name,
            "figures": _figures(i + 7),
            "previous": _figures(i + 5),
            "overlap_accounts": i + 2,
            "conflicts": i % 2,
            "sla": {
                "lead_ops": {"clocks": 30 + i, "breached": 2 + i},
                "dealreg": {"clocks": 8, "breached": 1},
            },
        }
        for i, (tid, name) in enumerate(teams)
    ]

    def party(n: int) -> dict[str, Any]:
        if partners and (not teams or n % 2 == 0):
            pid, name, _ = partners[n % len(partners)]
            return {
                "route": "partner",
                "partner_id": pid,
                "partner": name,
                "team_id": None,
                "team": "",
            }
        tid, name = teams[n % len(teams)] if teams else (None, "")
        return {"route": "direct", "partner_id": None, "partner": "", "team_id": tid, "team": name}

    overlap_items = [
        {
            "flag_id": 1000 + n,
            "account_id": 5000 + n,
            "account": f"Account {n:03d} GmbH",
            "campaign_id": 70 + n % 3,
            "campaign": f"Campaign {n % 3}",
            "kind": "routes" if n % 2 == 0 else "partners",
            "kind_label": "Direct and partner" if n % 2 == 0 else "Several partners",
            "status": "open" if n % 3 else "settled",
            "on_target_list": n % 4 == 0,
            "first_seen_at": iso,
            "last_touch_at": iso,
            "parties": [{**party(n), "touches": 3}, {**party(n + 1), "touches": 1}],
        }
        for n in range(items)
    ]
    adjudications = [
        {
            "id": 300 + n,
            "account_id": 5000 + n,
            "account": f"Account {n:03d} GmbH",
            "product_line": "Pumps",
            "decision": "registrant" if n % 2 == 0 else "split",
            "decision_label": "Registrant prevails" if n % 2 == 0 else "Split",
            "reason": "First to register with evidence",
            "decided_at": iso,
            "decided_by": "admin@example.test",
            "parties": [
                {
                    "registration_id": 900 + n,
                    **_party_ids(party(n)),
                    "share": "100.0",
                    "prevails": True,
                },
                {
                    "registration_id": 950 + n,
                    **_party_ids(party(n + 1)),
                    "share": "0.0",
                    "prevails": False,
                },
            ],
        }
        for n in range(items)
    ]
    by_party = [
        {**_party_ids(party(n)), "clocks": 20 - n, "breached": items - n}
        for n in range(min(items, len(partners) + len(teams)))
    ]
    worst = [
        {
            "area": "lead_ops",
            "side": p["route"],
            **_party_ids(p),
            "subject": f"Lead #{400 + n}",
            "due_at": iso,
            "ended_at": iso,
            "hours_late": f"{n + 1.5:.1f}",
        }
        for n, p in enumerate(party(n) for n in range(items))
    ]
    exceptions = [
        {
            "id": 600 + n,
            "kind": "discount",
            "kind_label": "Discount",
            "status": "approved" if n % 2 else "denied",
            "status_label": "Approved" if n % 2 else "Denied",
            "account_id": 5000 + n,
            "account": f"Account {n:03d} GmbH",
            "partner_id": partners[n % len(partners)][0] if partners else None,
            "partner": partners[n % len(partners)][1] if partners else "",
            "team": "",
            "requested_discount": "22.5",
            "created_at": iso,
            "reviewed_at": iso,
        }
        for n in range(items)
    ]
    lists = [
        {
            "id": 40 + li,
            "name": f"Strategic list {li + 1}",
            "members": 120 + li,
            "suggestions": [
                {
                    "action": "add" if n % 2 == 0 else "drop",
                    "account_id": 8000 + li * 100 + n,
                    "account": f"Prospect {li}-{n:03d} AG",
                    "reason": "fit" if n % 2 == 0 else "inactive",
                    "why": "Fits the list's segment and territory; 4 touches this quarter."
                    if n % 2 == 0
                    else "No touch in 180 days and no open opportunity.",
                }
                for n in range(items)
            ],
        }
        for li in range(2)
    ]
    lines: list[dict[str, Any]] = []
    for n in range(items if len(partners) > 1 else 0):
        src = partners[n % len(partners)]
        dst = partners[(n + 1) % len(partners)]
        lines.append(
            {
                "line_id": 700 + n,
                "from_partner_id": src[0],
                "from_partner": src[1],
                "to_partner_id": dst[0],
                "to_partner": dst[1],
                "amount": _money(1000 + 250 * n),
                "reason": "Unspent funds with low return",
                "state": "proposed",
            }
        )
    headline_routes = {
        route: _figures(seed) for route, seed in (("direct", 11), ("partner", 9), ("tenant", 20))
    }
    previous_routes = {
        route: _figures(seed) for route, seed in (("direct", 10), ("partner", 8), ("tenant", 18))
    }
    return {
        "quarter": {"code": code, "label": label, "start": start, "last_day": last_day},
        "currency": currency,
        "prepared_at": iso,
        "seconds": 1.23,
        "sections": {
            "headline": {
                "metrics": [{"key": k, "label": lab, "unit": u} for k, lab, u in METRICS],
                "routes": headline_routes,
                "previous": previous_routes,
            },
            "parties": {"partners": partner_rows, "teams": team_rows},
            "overlap": {
                "totals": {
                    "flags": items,
                    "open": items - items // 3,
                    "settled": items // 3,
                    "routes": (items + 1) // 2,
                    "partners": items // 2,
                    "on_target_list": (items + 3) // 4,
                },
                "touch_overlap": {"accounts_both_routes": 12, "accounts_several_partners": 4},
                "count": items + 3,
                "items": overlap_items,
            },
            "conflicts": {
                "totals": {
                    "raised": items,
                    "by_kind": {"same_account": items},
                    "by_status": {"decided": items},
                    "registrant_prevailed": items // 2,
                    "adjudicated": items,
                    "by_decision": {"registrant": (items + 1) // 2, "split": items // 2},
                    "decided_within_sla": items - 1 if items else None,
                    "median_hours_to_decide": "18.5",
                },
                "count": items,
                "adjudications": adjudications,
            },
            "sla": {
                "rows": [
                    {
                        "area": "lead_ops",
                        "side": "partner",
                        "clocks": 40,
                        "breached": 6,
                        "met_pct": "85.0",
                    },
                    {
                        "area": "lead_ops",
                        "side": "direct",
                        "clocks": 60,
                        "breached": 3,
                        "met_pct": "95.0",
                    },
                    {
                        "area": "dealreg",
                        "side": "manufacturer",
                        "clocks": 20,
                        "breached": 2,
                        "met_pct": "90.0",
                    },
                    {"area": "mdf", "side": "partner", "clocks": 0, "breached": 0, "met_pct": None},
                ],
                "by_party": by_party,
                "worst": worst,
            },
            "rules": {
                "versions": [
                    {
                        "id": 11,
                        "number": 4,
                        "summary": "Mining accounts go direct",
                        "status": "active",
                        "published_at": iso,
                        "effective_at": iso,
                        "published_by": "admin@example.test",
                        "moved": {
                            "accounts": 14,
                            "open_pipeline": "250000.00",
                            "flows": [{"from": "partner", "to": "direct", "accounts": 14}],
                        },
                    },
                    {
                        "id": 12,
                        "number": 5,
                        "summary": "Tier thresholds",
                        "status": "scheduled",
                        "published_at": iso,
                        "effective_at": iso,
                        "published_by": "",
                        "moved": None,
                    },
                ],
                "exceptions": {
                    "totals": {
                        "requested": items,
                        "by_kind": {"discount": items},
                        "by_status": {"approved": items // 2, "denied": items - items // 2},
                        "approved": items // 2,
                        "denied": items - items // 2,
                    },
                    "count": items,
                    "items": exceptions,
                },
            },
            "target_lists": {
                "totals": {
                    "add": sum(1 for n in range(items) if n % 2 == 0) * 2,
                    "drop": sum(1 for n in range(items) if n % 2) * 2,
                },
                "lists": lists,
            },
            "mdf": {
                "totals": {
                    "funded": "120000.00",
                    "committed": "40000.00",
                    "paid": "30000.00",
                    "available": "50000.00",
                    "expired": "0.00",
                },
                "reallocation_id": 55 if lines else None,
                "summary": {
                    "lines": len(lines),
                    "amount": _money(sum(float(str(line["amount"])) for line in lines)),
                },
                "lines": lines,
            },
        },
    }


def _party_ids(p: dict[str, Any]) -> dict[str, Any]:
    return {key: p[key] for key in ("route", "partner_id", "partner", "team_id", "team")}


def opened_review(
    tenant: Tenant, data: dict[str, Any], quarter_start: dt.date | None = None
) -> GovernanceReview:
    """An open review of `tenant` holding `data`, as if prepared just now."""
    now = timezone.now()
    return GovernanceReview.objects.create(
        tenant=tenant,
        quarter_start=quarter_start or dt.date.fromisoformat(data["quarter"]["start"]),
        data=data,
        prepared_at=now,
        job_status=JobStatus.DONE,
        job_done=800,
        job_total=800,
        job_step="Prepared",
        job_finished_at=now,
    )


def signed_review(
    tenant: Tenant,
    data: dict[str, Any],
    quarter_start: dt.date | None = None,
    decisions: list[dict[str, Any]] | None = None,
) -> GovernanceReview:
    """A signed-off review of `tenant` holding `data` and the frozen `decisions` rows."""
    review = opened_review(tenant, data, quarter_start)
    review.status = ReviewStatus.SIGNED_OFF
    review.signed_off_at = timezone.now()
    review.sign_off_note = "Agreed in the quarterly meeting."
    review.decisions_at_sign_off = decisions or []
    review.save()
    return review
