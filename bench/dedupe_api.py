"""Deduplication quality end to end, as an integrator would measure it: the FEBRL person sets
(bench/dedupe_quality.py, the "bench" extra) posted through `POST /api/v1/leads/bulk/`, each
into a tenant of its own that starts empty, and the result read back from the database.

The embedded setup `make run` uses (SQLite in a scratch directory, tasks in process), so the
import is processed before each request returns. Every record is a lead with given name,
surname, street, suburb, postal code, country Australia and the same generic company
("Private": a lead needs an email, a phone, or a name and a company); no email, no phone. The
external id is the FEBRL record id, which gives the truth.

Merged leads are one lead afterwards: the merges make clusters (a lead with those merged into
it), and a predicted pair is any two records of one cluster. "Merges + review": the clusters
a reviewer would get by accepting every pair in the review queue. Precision, recall and F1
over pairs, against every pair of records made from one original.

`python bench/dedupe_api.py` prints the table; `--write` puts it in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dedupe_quality import OUTSIDE_SETS, Pair, _febrl, _pair, _prf, _text  # noqa: E402

SECTION = "dedupe-api"
COMPANY = "Private"
REQUEST = 1000  # records per bulk request (the API's limit)


def setup(var_dir: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": var_dir,
            "DEBUG": "0",
            "SECURE_HTTPS": "0",
            "SECRET_KEY": "bench-dedupe-api-not-secret",
        }
    )
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # the embedded default
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)


def payloads(frame: Any) -> list[dict]:
    return [
        {
            "external_id": str(key),
            "first_name": _text(given),
            "last_name": _text(surname),
            "street": f"{_text(number)} {_text(street)}".strip(),
            "city": _text(suburb),
            "postal_code": _text(postcode),
            "country": "Australia",
            "company": COMPANY,
        }
        for key, given, surname, number, street, suburb, postcode in zip(
            frame.index,
            frame["given_name"],
            frame["surname"],
            frame["street_number"],
            frame["address_1"],
            frame["suburb"],
            frame["postcode"],
            strict=True,
        )
    ]


def new_tenant(slug: str) -> tuple[Any, str]:
    """An empty tenant with one RevOps admin, and an API token of theirs."""
    from core.acting import SystemActor
    from tenancy.choices import Role
    from tenancy.models import Membership, Tenant, User
    from tenancy.services import issue_api_token

    tenant = Tenant.objects.create(
        slug=slug, name=slug, timezone="Australia/Sydney", currency="AUD"
    )
    user = User.objects.create_user(email=f"admin@{slug}.example", password=None, full_name=slug)
    Membership.objects.create(tenant=tenant, user=user, role=Role.REVOPS_ADMIN)
    _, key = issue_api_token(tenant=tenant, user=user, name="bench", acting=SystemActor("bench"))
    return tenant, key


def post_all(key: str, records: list[dict]) -> tuple[int, int]:
    """Created and refused records."""
    import json

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    created = refused = 0
    for start in range(0, len(records), REQUEST):
        response = client.post(
            "/api/v1/leads/bulk/",
            json.dumps({"records": records[start : start + REQUEST]}),
            content_type="application/json",
            headers={"Authorization": f"Token {key}"},
        )
        assert response.status_code == 200, response.content[:500]
        summary = response.json()["summary"]
        created, refused = created + summary["created"], refused + summary["error"]
    return created, refused


def cluster_pairs(records: Iterable[str], edges: Iterable[tuple[str, str]]) -> set[Pair]:
    """Every pair of records joined by `edges`, directly or through others."""
    parent = {r: r for r in records}

    def root(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for a, b in edges:
        parent[root(a)] = root(b)
    clusters: dict[str, list[str]] = {}
    for r in parent:
        clusters.setdefault(root(r), []).append(r)
    return {_pair(a, b) for c in clusters.values() for a, b in itertools.combinations(c, 2)}


def measure(name: str) -> dict:
    from core.tenancy import tenant_scope
    from pipeline.choices import LeadStatus
    from pipeline.models import Lead
    from routing.models import DedupeWeights, DuplicateCandidate

    frame, truth = _febrl(name)
    tenant, key = new_tenant(name)
    records = payloads(frame)
    started = time.perf_counter()
    created, refused = post_all(key, records)
    seconds = time.perf_counter() - started
    with tenant_scope(tenant):
        external = dict(Lead.objects.values_list("pk", "external_id"))
        merges = [
            (external[a], external[b])
            for a, b in Lead.objects.filter(status=LeadStatus.MERGED).values_list(
                "pk", "duplicate_of"
            )
            if b is not None
        ]
        reviews = [
            (external[a], external[b])
            for a, b in DuplicateCandidate.objects.filter(
                other_lead__isnull=False, status="pending"
            ).values_list("lead", "other_lead")
        ]
        unprocessed = Lead.objects.filter(processed_at__isnull=True).count()
        learned = list(
            DedupeWeights.objects.order_by("learned_at").values_list("records", flat=True)
        )
    merged = cluster_pairs(external.values(), merges)
    found = cluster_pairs(external.values(), merges + reviews)
    return {
        "records": len(records),
        "true_pairs": len(truth),
        "created": created,
        "refused": refused,
        "unprocessed": unprocessed,
        "learned_from": learned,
        "merges": len(merges),
        "reviews": len(reviews),
        "auto_merge": _prf(merged, truth),
        "overall": _prf(found, truth),
        "seconds": seconds,
    }


def render(results: dict[str, dict]) -> str:
    lines = [
        "### Outside data through the API: FEBRL posted to `POST /api/v1/leads/bulk/`",
        "",
        "Each FEBRL set (above) posted in requests of 1,000 into a new, empty tenant, as an "
        "integrator would: given name, surname, street, suburb, postal code, country, the "
        f'company "{COMPANY}" on every record, no email, no phone. Embedded setup (SQLite, tasks '
        "in process), so each request is processed before it returns. Merges make clusters (one "
        "lead afterwards); merges + review: the clusters a reviewer gets by accepting every "
        "pair in the review queue; a predicted pair is two records of one cluster. "
        "`python bench/dedupe_api.py`.",
        "",
        "| Set | Records (true pairs) | Weights learned from | Merges / pairs for review | "
        "Merges: P / R / F1 | Merges + review: P / R / F1 | Seconds |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        am, ov = r["auto_merge"], r["overall"]
        learned = ", ".join(f"{n:,}" for n in r["learned_from"]) or "defaults only"
        lines.append(
            f"| {name} | {r['records']:,} ({r['true_pairs']:,}) | {learned} records | "
            f"{r['merges']:,} / {r['reviews']:,} | "
            f"{am['precision']:.4f} / {am['recall']:.4f} / **{am['f1']:.4f}** | "
            f"{ov['precision']:.4f} / {ov['recall']:.4f} / **{ov['f1']:.4f}** | "
            f"{r['seconds']:.0f} |"
        )
    problems = [
        f"{name}: {r['refused']} refused, {r['unprocessed']} unprocessed"
        for name, r in results.items()
        if r["refused"] or r["unprocessed"]
    ]
    lines += ["", "; ".join(problems) or "Every record was accepted and processed."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("sets", nargs="*", default=list(OUTSIDE_SETS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-dedupe-api-") as var_dir:
        setup(var_dir)
        results = {name: measure(name) for name in args.sets}
    markdown = render(results)
    print(markdown)
    if args.write:
        from bench.report import OUTPUT, write_section

        write_section(SECTION, markdown)
        print(f"Written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
