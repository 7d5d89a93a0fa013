"""`make bench`, governance part (PostgreSQL): how long preparing a quarter's governance review
takes (`scorecards.review.workspace.run_preparation`, every section of
`scorecards.review.sections.SECTIONS`) in a tenant with 100,000 accounts and 1,000,000 touches.

The world is the scorecard benchmark's (bench/scorecards_world.py: the demo manufacturer grown to
50 partners, 10 teams and 100 reps, opportunities and touches over eight fiscal quarters, built
as a base of 1/BENCH_GOV_COPIES and copied in SQL with its rollups), plus what the review reads
beyond it, written in bulk for the quarter just ended: campaigns targeting target lists (a fifth
of the touches naming one), target-list members, campaign responses, overlap flags with their
parties, leads with their SLA timers, registration conflicts, adjudications and registration
clocks, MDF balances, requests and clocks, rulebook versions with simulations, and exceptions.

Measured: the preparation of the quarter just ended, twice (the first recommends the MDF
reallocation, the second reuses it), each section timed; target < 60 s.

Runs on the PostgreSQL database GOV_BENCH_DATABASE_URL names (created afresh, dropped at the end;
BENCH_GOV_KEEP_DB=1 keeps it), else on a scratch database `channel_bench_governance` next to
BENCH_DATABASE_URL / DATABASE_URL (default: the local PostgreSQL), never on DATABASE_URL's own. Sizes for a quick try:
BENCH_GOV_ACCOUNTS, BENCH_GOV_TOUCHES, BENCH_GOV_OPPORTUNITIES, BENCH_GOV_COPIES.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import write_section  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_GOV_ACCOUNTS", 100_000))
TOUCHES = int(os.environ.get("BENCH_GOV_TOUCHES", 1_000_000))
OPPORTUNITIES = int(os.environ.get("BENCH_GOV_OPPORTUNITIES", 200_000))
COPIES = int(os.environ.get("BENCH_GOV_COPIES", 20))
KEEP = bool(os.environ.get("BENCH_GOV_KEEP_DB"))
DATABASE = "channel_bench_governance"
TARGET_S = 60.0
# What the review reads beyond the scorecard world, for the quarter just ended.
LISTS, CAMPAIGNS, MEMBERS = 10, 20, 2_000  # members per list
RESPONSES, FLAGS, LEADS = 20_000, 5_000, 50_000
CONFLICTS, ADJUDICATIONS, REG_CLOCKS = 3_000, 600, 20_000
REQUESTS, MDF_CLOCKS, EXCEPTIONS, VERSIONS = 500, 2_000, 2_000, 3
BATCH = 5_000


def log(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {text}", flush=True)


def database() -> tuple[str | None, str]:
    """The database URL to fill (created afresh) and its name."""
    url = os.environ.get("GOV_BENCH_DATABASE_URL") or ""
    if url.startswith("postgres"):
        import psycopg2

        base, name = url.rsplit("/", 1)
        admin = psycopg2.connect(f"{base}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
        admin.close()
        return url, name
    from bench.scratch import scratch_database

    return scratch_database(DATABASE), DATABASE


def drop(url: str, name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    os.environ.pop("REDIS_URL", None)  # no broker: nothing queued leaves this process
    os.environ.pop("REDIS_URL_FILE", None)
    Path(var_dir, "static").mkdir(exist_ok=True)
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - began


def scorecard_world() -> dict[str, float]:
    """The scorecard benchmark's world at this benchmark's sizes, with its rollups."""
    from bench.scorecards_world import Sizes, build_world, replicate
    from core.audit import audit_context
    from core.tenancy import tenant_scope
    from scorecards import rollup

    seconds: dict[str, float] = {}
    base = Sizes(OPPORTUNITIES // COPIES, TOUCHES // COPIES, ACCOUNTS // COPIES)
    log(f"base world: {base.opportunities:,} opportunities, {base.touches:,} touches")
    world, seconds["world"] = timed(lambda: build_world(base, log=log))
    with tenant_scope(world.tenant), audit_context(source="command"):
        _, seconds["rollups"] = timed(lambda: rollup.rebuild(world.tenant))
    log(f"copying the base {COPIES - 1} times")
    _, seconds["copies"] = timed(lambda: replicate(COPIES, log=log))
    return seconds


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def _spread(table: str, column: str, start: dt.datetime, days: int, where: str = "") -> None:
    """Set `column` of every row of `table` to a random moment of the quarter (auto_now_add
    stamped them now)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s::timestamptz + random() * %s::interval {where}",
            [start, f"{days} days"],
        )


def review_world(tenant, quarter) -> dict[str, int]:
    """Everything the review reads beyond the scorecard world, in bulk, in the quarter."""
    from django.db import connection

    from accounts.models import Account, TargetList, TargetListMember
    from campaigns.models import Campaign
    from dealreg.models import (
        Adjudication,
        AdjudicationParty,
        DealRegistration,
        RegistrationClock,
        RegistrationConflict,
    )
    from guardrails.models import Rulebook, RulebookVersion, RuleException, Simulation
    from mdf.models import FundBalance, FundRequest, MdfClock
    from pipeline.models import CampaignResponse, Lead
    from routing.models import SlaTimer
    from scorecards.models import LeadFact, OverlapFlag, OverlapParty
    from tenancy.models import Membership, Partner, Team

    rng = random.Random(17)
    start, end = quarter.moments(tenant.zone)
    days = (end - start).days
    counts: dict[str, int] = {}
    partners = list(Partner.objects.values_list("pk", flat=True))
    teams = list(Team.objects.values_list("pk", flat=True))
    reps = list(Membership.objects.filter(team__isnull=False).values_list("user_id", "team_id"))
    accounts = list(Account.objects.values_list("pk", flat=True))

    lists = TargetList.objects.bulk_create(
        [TargetList(tenant=tenant, name=f"Bench list {n}") for n in range(LISTS)]
    )
    campaigns = Campaign.objects.bulk_create(
        [
            Campaign(
                tenant=tenant,
                name=f"Bench campaign {n}",
                kind="abm",
                status="active",
                starts_on=quarter.start,
                ends_on=quarter.last_day,
                target_list=lists[n % LISTS],
            )
            for n in range(CAMPAIGNS)
        ]
    )
    members = [
        TargetListMember(tenant=tenant, target_list=target, account_id=account)
        for target in lists
        for account in rng.sample(accounts, MEMBERS)
    ]
    TargetListMember.objects.bulk_create(members, batch_size=BATCH)
    counts["target list members"] = len(members)
    with connection.cursor() as cursor:
        # A third listed long ago (candidates for "inactive"); a fifth of the touches name a
        # campaign.
        cursor.execute(
            "UPDATE accounts_targetlistmember SET created_at = %s WHERE id %% 3 = 0",
            [start - dt.timedelta(days=400)],
        )
        cursor.execute(
            "UPDATE pipeline_touch SET campaign_id = (%s::bigint[])[id %% %s + 1] WHERE id %% 5 = 0",
            [[c.pk for c in campaigns], CAMPAIGNS],
        )
        counts["touches naming a campaign"] = cursor.rowcount
    CampaignResponse.objects.bulk_create(
        [
            CampaignResponse(
                tenant=tenant,
                campaign=rng.choice(campaigns),
                kind="landing_page",
                occurred_at=_moment(rng, start, end),
                account_id=rng.choice(accounts),
            )
            for _ in range(RESPONSES)
        ],
        batch_size=BATCH,
    )
    counts["campaign responses"] = RESPONSES

    pairs = {(rng.choice(campaigns).pk, rng.choice(accounts)) for _ in range(FLAGS)}
    flags = OverlapFlag.objects.bulk_create(
        [
            OverlapFlag(
                tenant=tenant,
                campaign_id=campaign,
                account_id=account,
                kind="routes" if n % 3 else "partners",
                on_target_list=n % 4 == 0,
                first_seen_at=_moment(rng, start, end),
                last_touch_at=end - dt.timedelta(hours=1),
                status="open" if n % 5 < 3 else "settled",
            )
            for n, (campaign, account) in enumerate(sorted(pairs))
        ],
        batch_size=BATCH,
    )
    parties = []
    for n, flag in enumerate(flags):
        first = flag.first_seen_at - dt.timedelta(days=3)
        user, team = rng.choice(reps)
        a, b = rng.sample(partners, 2)
        sides = (
            [("direct", None, team, user), ("partner", a, None, None)]
            if n % 3
            else [("partner", a, None, None), ("partner", b, None, None)]
        )
        for route, partner, team_id, user_id in sides:
            parties.append(
                OverlapParty(
                    tenant=tenant,
                    flag=flag,
                    route=route,
                    partner_id=partner,
                    team_id=team_id,
                    user_id=user_id,
                    touches=rng.randint(1, 9),
                    first_touch_at=first,
                    last_touch_at=flag.last_touch_at,
                )
            )
    OverlapParty.objects.bulk_create(parties, batch_size=BATCH)
    counts["overlap flags"] = len(flags)

    leads = Lead.objects.bulk_create(
        [
            Lead(
                tenant=tenant,
                source="api",
                last_name=f"Lead {n}",
                company=f"Bench lead {n}",
                status="accepted",
                route="partner" if n % 2 else "direct",
                assigned_partner_id=rng.choice(partners) if n % 2 else None,
                assigned_team_id=None if n % 2 else rng.choice(teams),
                routing_attempts=1,
            )
            for n in range(LEADS)
        ],
        batch_size=BATCH,
    )
    timers = []
    for lead in leads:
        began = _moment(rng, start, end - dt.timedelta(days=1))
        for kind in ("accept", "first_touch"):
            draw = rng.random()
            due = began + dt.timedelta(hours=2)
            state = "met"
            breached: dt.datetime | None = None
            stopped: dt.datetime | None = began + dt.timedelta(hours=1)
            if draw < 0.15:
                state, breached, stopped = "breached", due, due + dt.timedelta(hours=3)
            elif draw < 0.2:
                state, breached, stopped = "running", due, None
            timers.append(
                SlaTimer(
                    tenant=tenant,
                    lead=lead,
                    kind=kind,
                    assignment=1,
                    state=state,
                    started_at=began,
                    due_at=due,
                    next_action_at=due,
                    breached_at=breached,
                    stopped_at=stopped,
                )
            )
    SlaTimer.objects.bulk_create(timers, batch_size=BATCH)
    # The leads' rollup rows, as the scorecards' refresh keeps them: the review counts lead
    # follow-up from them (its first-touch timer's outcome; a running one has none yet).
    first_touch = {t.lead_id: t.state for t in timers if t.kind == "first_touch"}
    LeadFact.objects.bulk_create(
        [
            LeadFact(
                tenant=tenant,
                lead=lead,
                assigned_quarter=quarter.start,
                route=lead.route,
                partner_id=lead.assigned_partner_id,
                team_id=lead.assigned_team_id,
                sla_met=None
                if first_touch[lead.pk] == "running"
                else first_touch[lead.pk] == "met",
            )
            for lead in leads
        ],
        batch_size=BATCH,
    )
    counts["leads"], counts["lead SLA timers"] = LEADS, len(timers)

    registrations = list(
        DealRegistration.objects.values_list("pk", "end_customer_id", "route")[:50_000]
    )
    RegistrationConflict.objects.bulk_create(
        [
            RegistrationConflict(
                tenant=tenant,
                registration_id=rng.choice(registrations)[0],
                kind=rng.choice(["registration", "opportunity", "touches", "named_account"]),
                status="open" if n % 2 else "resolved",
                reason="Another route works this customer.",
                internal_reason="Bench",
                registrant_prevails=[True, False, None][n % 3],
            )
            for n in range(CONFLICTS)
        ],
        batch_size=BATCH,
    )
    _spread("dealreg_registrationconflict", "created_at", start, days)
    adjudications = Adjudication.objects.bulk_create(
        [
            Adjudication(
                tenant=tenant,
                account_id=rng.choice(registrations)[1],
                decision=rng.choice(["award", "split", "reject_both"]),
                reason="Bench precedent",
                decided_at=_moment(rng, start, end),
            )
            for _ in range(ADJUDICATIONS)
        ],
        batch_size=BATCH,
    )
    AdjudicationParty.objects.bulk_create(
        [
            AdjudicationParty(
                tenant=tenant,
                adjudication=adjudication,
                registration_id=registration,
                share=share,
                prevails=share > 0,
            )
            for adjudication in adjudications
            for registration, share in zip(
                {r[0] for r in rng.sample(registrations, 2)}, (100, 0), strict=False
            )
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dealreg_registrationconflict c SET adjudication_id = p.adjudication_id"
            " FROM dealreg_adjudicationparty p WHERE p.registration_id = c.registration_id"
        )
    clocks = []
    for n in range(REG_CLOCKS):
        began = _moment(rng, start, end - dt.timedelta(days=2))
        late = rng.random() < 0.2
        clocks.append(
            RegistrationClock(
                tenant=tenant,
                registration_id=rng.choice(registrations)[0],
                side="vendor" if n % 2 else "registrant",
                kind="review" if n % 2 else "answer",
                state="breached" if late else "met",
                started_at=began,
                due_at=began + dt.timedelta(hours=16),
                next_action_at=began + dt.timedelta(hours=16),
                breached_at=began + dt.timedelta(hours=16) if late else None,
                stopped_at=began + dt.timedelta(hours=20 if late else 8),
            )
        )
    RegistrationClock.objects.bulk_create(clocks, batch_size=BATCH)
    counts["registration conflicts"], counts["registration clocks"] = CONFLICTS, REG_CLOCKS

    balances = []
    for partner in partners:
        committed = Decimal(rng.choice([0, 5_000, 12_000]))
        paid = Decimal(rng.choice([0, 2_000, 4_000]))
        balances.append(
            FundBalance(
                tenant=tenant,
                partner_id=partner,
                quarter_start=quarter.start,
                allocated=Decimal(20_000),
                committed=committed,
                paid=paid,
                available=Decimal(20_000) - committed - paid,
            )
        )
    FundBalance.objects.bulk_create(balances)
    requests = FundRequest.objects.bulk_create(
        [
            FundRequest(
                tenant=tenant,
                partner_id=rng.choice(partners),
                quarter_start=quarter.start,
                activity_type="event",
                title=f"Bench activity {n}",
                starts_on=quarter.start,
                ends_on=quarter.last_day,
                total_cost=Decimal(4_000),
                amount_requested=Decimal(2_000),
                state="submitted" if n % 3 == 0 else "approved",
            )
            for n in range(REQUESTS)
        ],
        batch_size=BATCH,
    )
    mdf_clocks = []
    for n in range(MDF_CLOCKS):
        request = rng.choice(requests)
        began = _moment(rng, start, end - dt.timedelta(days=2))
        late = rng.random() < 0.2
        mdf_clocks.append(
            MdfClock(
                tenant=tenant,
                partner_id=request.partner_id,
                request=request,
                side="vendor" if n % 2 else "partner",
                kind="decide_request" if n % 2 else "claim_window",
                state="breached" if late else "met",
                started_at=began,
                due_at=began + dt.timedelta(hours=24),
                breached_at=began + dt.timedelta(hours=24) if late else None,
                stopped_at=began + dt.timedelta(hours=30 if late else 6),
            )
        )
    MdfClock.objects.bulk_create(mdf_clocks, batch_size=BATCH)
    counts["MDF clocks"] = MDF_CLOCKS

    rulebook, _ = Rulebook.objects.get_or_create(tenant=tenant)
    top = RulebookVersion.objects.order_by("-number").values_list("number", flat=True).first()
    for n in range(VERSIONS):
        version = RulebookVersion.objects.create(
            tenant=tenant,
            rulebook=rulebook,
            number=(top or 0) + n + 1,
            status="retired",
            summary=f"Bench version {n}",
            published_at=_moment(rng, start, end),
            effective_at=_moment(rng, start, end),
        )
        Simulation.objects.create(
            tenant=tenant,
            version=version,
            status="done",
            finished_at=version.published_at,
            summary={
                "moved_accounts": 1_200,
                "flows": [
                    {"from": "direct", "to": "partner", "accounts": 900, "open_pipeline": "1.00"}
                ],
            },
        )
    RuleException.objects.bulk_create(
        [
            RuleException(
                tenant=tenant,
                kind="work_account",
                status=rng.choice(["pending", "approved", "denied", "withdrawn"]),
                account_id=rng.choice(accounts),
                partner_id=rng.choice(partners),
                justification="Bench",
                ends_on=quarter.last_day,
            )
            for _ in range(EXCEPTIONS)
        ],
        batch_size=BATCH,
    )
    _spread("guardrails_ruleexception", "created_at", start, days)
    counts["rule exceptions"] = EXCEPTIONS
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def prepare(tenant, quarter) -> dict[str, Any]:
    """One preparation of the quarter's review, each section timed."""
    from core.acting import SystemActor
    from scorecards.models import GovernanceReview
    from scorecards.review import workspace
    from scorecards.review.sections import Section

    times: dict[str, float] = {}

    def timing(section: Section) -> Section:
        def build(period, progress):
            result, times[section.key] = timed(lambda: section.build(period, progress))
            return result

        return Section(section.key, section.title, build)

    review, _ = GovernanceReview.objects.get_or_create(tenant=tenant, quarter_start=quarter.start)
    original = list(workspace.SECTIONS)
    workspace.SECTIONS[:] = [timing(s) for s in original]
    try:
        done, seconds = timed(
            lambda: workspace.run_preparation(review.pk, acting=SystemActor("bench"))
        )
    finally:
        workspace.SECTIONS[:] = original
    assert done is not None and done.job_status == "done", done
    sections = done.data["sections"]
    return {
        "seconds": seconds,
        "sections": times,
        "titles": {s.key: s.title for s in original},
        "overlap": sections["overlap"]["totals"],
        "touch_overlap": sections["overlap"]["touch_overlap"],
        "conflicts": sections["conflicts"]["totals"]["raised"],
        "suggestions": sections["target_lists"]["totals"],
        "sla": sum(r["clocks"] for r in sections["sla"]["rows"]),
        "lines": len(sections["mdf"]["lines"]),
        "partners": len(sections["parties"]["partners"]),
        "teams": len(sections["parties"]["teams"]),
    }


def counts_in(tenant, quarter) -> dict[str, int]:
    from accounts.models import Account
    from pipeline.models import Opportunity, Touch

    start, end = quarter.moments(tenant.zone)
    return {
        "accounts": Account.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "touches": Touch.objects.count(),
        "touches in the quarter": Touch.objects.filter(
            occurred_at__gte=start, occurred_at__lt=end
        ).count(),
    }


def render(r: dict[str, Any]) -> str:
    first, second = r["runs"]
    verdict = "met" if max(first["seconds"], second["seconds"]) < TARGET_S else "**missed**"
    rows = "\n".join(
        f"| {first['titles'][key]} (`{key}`) | {first['sections'][key]:.2f} s | "
        f"{second['sections'][key]:.2f} s |"
        for key in first["sections"]
    )
    sizes = ", ".join(f"{v:,} {k}" for k, v in r["counts"].items())
    extra = ", ".join(f"{v:,} {k}" for k, v in r["extra"].items())
    return f"""## Governance review preparation (bench/governance.py)

The scorecard benchmark's world (bench/scorecards_world.py, {COPIES} copies of a base): {sizes}.
For the quarter reviewed ({r["quarter"]}, the one just ended) also: {extra}. 50 partners and 10
direct teams. World built in {r["built"]:.0f} s. {r["database"]}, {r["machine"]}, measured
{r["date"]} on a shared machine.

`run_preparation` of the quarter's review (every section, the job's progress writes and the
final save), as the preparation job runs it, twice: the first recommends the MDF reallocation
(`mdf.services.reallocation.recommend`), the second reuses it (its lines are still proposed).

| Section | First preparation | Second preparation |
| --- | ---: | ---: |
{rows}
| **Whole preparation** | **{first["seconds"]:.2f} s** | **{second["seconds"]:.2f} s** |

Target: under {TARGET_S:.0f} s: **{verdict}**. What the first preparation found:

- overlap: {first["overlap"]["flags"]:,} flags reviewed ({first["overlap"]["open"]:,} open);
  {first["touch_overlap"]["accounts_both_routes"]:,} accounts touched by both routes and
  {first["touch_overlap"]["accounts_several_partners"]:,} by several partners in the quarter;
- {first["conflicts"]:,} registration conflicts raised; {first["sla"]:,} SLA clocks ended or breached;
- target lists: {first["suggestions"]["add"]:,} additions and {first["suggestions"]["drop"]:,} drops
  suggested; MDF: {first["lines"]} reallocation lines;
- {first["partners"]} partners and {first["teams"]} teams in the parties' section.
"""


def main() -> None:
    url, name = database()
    if url is None:
        write_section(
            "governance",
            "## Governance review preparation (bench/governance.py)\n\nSkipped: needs PostgreSQL.",
        )
        return
    r: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
            setup(url, var_dir)
            from django.db import connection, connections

            from core.audit import audit_context
            from core.tenancy import tenant_scope
            from tenancy.models import Tenant
            from tenancy.quarters import Quarter

            began = time.perf_counter()
            r["world"] = scorecard_world()
            tenant = Tenant.objects.get(slug="acme")
            quarter = Quarter.of(tenant, datetime.now(tenant.zone).date()).previous
            with tenant_scope(tenant), audit_context(source="command"):
                log("the review's own rows")
                r["extra"], r["world"]["review rows"] = timed(lambda: review_world(tenant, quarter))
                r["built"] = time.perf_counter() - began
                r["counts"] = counts_in(tenant, quarter)
                log(f"world: {r['counts']}")
                r["runs"] = []
                for n in (1, 2):
                    log(f"preparation {n}")
                    r["runs"].append(prepare(tenant, quarter))
                    log(f"  {r['runs'][-1]['seconds']:.1f} s: {r['runs'][-1]['sections']}")
            r["quarter"] = quarter.code
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                r["database"] = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            r["machine"] = (
                f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, "
                f"Python {platform.python_version()}"
            )
            r["date"] = f"{datetime.now(UTC):%Y-%m-%d}"
            connections.close_all()
    finally:
        if not KEEP:
            drop(url, name)
    markdown = render(r)
    write_section("governance", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
