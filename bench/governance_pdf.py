"""`make bench`, governance part: the review's PDF pack and a partner's one-page extract
(scorecards/review/pdf.py), drawn from a big review's stored data.

One tenant with 300 partners and 30 direct teams; a signed-off review whose data has the shape of
docs/governance.md with every list at its cap of 50 items (overlap, adjudications, the worst SLA
breaches, exceptions, MDF lines, 50 suggestions on each of two target lists) and the parties table
of all 330 parties, plus 50 frozen decisions; built by `scorecards.tests.review_data`, on a fresh
SQLite database in a temporary VAR_DIR. Measured: `review_pdf` (the pack), `extract_pdf` (one
partner's page), and the console's PDF URL through the whole Django stack.

Target (issue 17): the PDF of a big review in under 10 s. Takes a few seconds.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import (  # noqa: E402
    latency_row,
    percentile,
    setup_sqlite_django,
    timed_ms,
    write_section,
)

PARTNERS = 300
TEAMS = 30
ITEMS = 50
SAMPLES = 5
TARGET_MS = 10_000.0


def build() -> tuple:
    from core.tenancy import tenant_scope
    from scorecards.tests.review_data import review_data, signed_review
    from tenancy.choices import Role
    from tenancy.models import Membership, Partner, Team, Tenant, User

    tenant = Tenant.objects.create(name="Bench Governance & Co", slug="bench-governance")
    user = User.objects.create(email="admin@bench-governance.example")
    with tenant_scope(tenant):
        Membership.objects.create(tenant=tenant, user=user, role=Role.REVOPS_ADMIN)
        tiers = ("platinum", "gold", "silver", "registered")
        partners = [
            Partner.objects.create(
                tenant=tenant, name=f"Partner {i:03d} <Industrial & Supply> GmbH", tier=tiers[i % 4]
            )
            for i in range(PARTNERS)
        ]
        teams = [
            Team.objects.create(tenant=tenant, name=f"Direct team {i:02d}") for i in range(TEAMS)
        ]
        data = review_data(
            partners=[(p.pk, p.name, p.tier) for p in partners],
            teams=[(t.pk, t.name) for t in teams],
            items=ITEMS,
        )
        decisions = [
            {
                "id": n,
                "kind": "general",
                "kind_label": "General",
                "title": f"Decision {n}: revisit the rules for mining accounts in the north",
                "detail": "",
                "owner": "admin@bench-governance.example",
                "owner_id": None,
                "due_on": "2026-12-15",
                "partner_id": partners[n].pk,
                "partner": partners[n].name,
                "team_id": None,
                "team": "",
                "status": "open",
                "status_label": "Open",
                "outcome": "",
                "applied": False,
                "carried_from": "2026-Q2" if n % 5 == 0 else "",
            }
            for n in range(ITEMS)
        ]
        review = signed_review(tenant, data, decisions=decisions)
    return tenant, user, review, partners[0]


def measure(tenant, user, review, partner) -> dict[str, list[float]]:
    from django.test import Client
    from django.urls import reverse

    from core.tenancy import tenant_scope
    from scorecards.review import extract, pdf, present

    with tenant_scope(tenant):
        pack = partial(
            pdf.review_pdf, review, review.decisions_at_sign_off, tenant_name=tenant.name
        )
        pack()  # imports and font metrics: not what a reader waits for
        packs = [timed_ms(pack) for _ in range(SAMPLES)]
        body = pack()
        parts = present.extract_parts(extract.partner_extract(review, partner))
        one = partial(pdf.extract_pdf, review, parts, tenant_name=tenant.name)
        extracts = [timed_ms(one) for _ in range(SAMPLES * 4)]
        single = one()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = reverse("console:governance-review-pdf", args=[tenant.slug, review.pk])
    assert client.get(url).status_code == 200
    stack = [timed_ms(lambda: client.get(url)) for _ in range(SAMPLES)]
    pages = body.count(b"/Type /Page\n")
    return {
        "pack": packs,
        "extract": extracts,
        "stack": stack,
        "size": [len(body) / 1024],
        "pages": [float(pages)],
        "extract_pages": [float(single.count(b"/Type /Page\n"))],
    }


def render(results: dict[str, list[float]]) -> str:
    p95 = percentile(results["stack"], 95)
    verdict = "met" if p95 < TARGET_MS else "**missed**"
    return "\n".join(
        [
            "## Governance review: the PDF pack (bench/governance_pdf.py)",
            "",
            f"A signed-off review of {PARTNERS} partners and {TEAMS} direct teams with every list "
            f"at its cap of {ITEMS} items (overlap, adjudications, worst SLA breaches, exceptions, "
            f"MDF lines, {ITEMS} suggestions on each of two target lists) and {ITEMS} decisions; "
            f"SQLite, measured {datetime.now(UTC):%Y-%m-%d} on a shared machine. The pack has "
            f"{results['pages'][0]:.0f} pages ({results['size'][0]:.0f} KB); "
            f"a partner's extract {results['extract_pages'][0]:.0f} page.",
            "",
            "| Step | Samples | p50 | p95 | max |",
            "| --- | --- | --- | --- | --- |",
            latency_row("`review_pdf`: the pack", results["pack"]),
            latency_row("`extract_pdf`: one partner's page", results["extract"]),
            latency_row(
                "Console URL `governance-reviews/<id>/pdf/` (whole stack)", results["stack"]
            ),
            "",
            f"Target: the PDF of a big review in under 10 s: {verdict} ({p95:.0f} ms, p95).",
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
        setup_sqlite_django(var_dir)
        from django.db import connections

        markdown = render(measure(*build()))
        connections.close_all()
    write_section("governance-pdf", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
