"""The scorecard pages in every door, on the test world measured by the rollups
(scorecards.rollup.rebuild): the console's dashboard with its charts and tables, a scorecard
per scope with the partner's tier standing, the portal's and the sales door's own scorecards
(never another partner's figures or names), the rows behind a number and the CSV of every
table, bad input answered with the problem and 400, an empty quarter said in words ("—", never
a misleading zero), and the settings saved whole or not at all."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Account, Segment
from core import metrics as core_metrics
from core.metrics import Obligation
from core.tenancy import tenant_scope
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.models import Opportunity, Stage, StageChange
from pipeline.tests.factories import OpportunityFactory, TouchFactory
from scorecards import rollup
from scorecards.models import ExchangeRate, OpportunityFact, ScorecardSettings, TierRequirement
from tenancy.choices import PartnerTier
from tenancy.tests.factories import PartnerFactory
from tests.world import DIRECT_ONLY_MARK, OTHER_PARTNER_MARK, TEAM_MARKS

pytestmark = pytest.mark.django_db

Q4 = "2026-Q4"
UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def measure(world: Any, *, third_gold: bool = False) -> dict[str, Any]:
    """Add to the world what the scorecards count, then build the rollups:

    - in 2026 Q4, a deal the partner sourced (80,000 EUR, in Germany, mining), touched by the
      partner and by the direct rep (co-sold), with a stage history (10 days in Qualify); the
      partner also touched the rep's own deal (influence on a deal it may not open); a direct
      deal in USD, which has no rate;
    - in 2026 Q3, a deal the partner sourced and won (40,000 EUR);
    - tier requirements: Gold 50,000 EUR of sourced pipeline, Platinum 500,000 EUR;
    - with `third_gold`, a third Gold partner with a 20,000 EUR deal it sourced and touched.
    """
    a, users, customers = world.tenant, world.users, world.customers
    with tenant_scope(a):
        germany = TerritoryFactory.create(tenant=a, code="germany", name="Germany")
        TerritoryAreaFactory.create(territory=germany, country="DE")
        PartnerAuthorizationFactory.create(partner=world.partner, territory=germany)
        mining = Segment.objects.get(key="mining")
        Account.objects.filter(pk=customers["partner"].pk).update(segment=mining)
        stages = {s.key: s for s in Stage.objects.all()}
        sourced = OpportunityFactory.create(
            tenant=a,
            account=customers["partner"],
            stage=stages["negotiate"],
            name="Sourced deal zzfirstpartner",
            route="partner",
            partner=world.partner,
            source="partner",
            amount=80000,
            opened_on=dt.date(2026, 10, 5),
        )
        TouchFactory.create(
            tenant=a,
            account=customers["partner"],
            opportunity=sourced,
            route="partner",
            actor_partner=world.partner,
            occurred_at=at("2026-10-03"),
        )
        TouchFactory.create(
            tenant=a,
            account=customers["partner"],
            opportunity=sourced,
            route="direct",
            actor_user=users["rep"],
            occurred_at=at("2026-10-10"),
        )
        StageChange.objects.create(
            tenant=a, opportunity=sourced, to_stage=stages["qualify"], changed_at=at("2026-10-05")
        )
        StageChange.objects.create(
            tenant=a,
            opportunity=sourced,
            from_stage=stages["qualify"],
            to_stage=stages["negotiate"],
            changed_at=at("2026-10-15"),
        )
        rep_deal = Opportunity.objects.get(external_id="OPP-rep")
        TouchFactory.create(
            tenant=a,
            account=customers["rep"],
            opportunity=rep_deal,
            route="partner",
            actor_partner=world.partner,
            occurred_at=at("2026-11-02"),
        )
        OpportunityFactory.create(
            tenant=a,
            account=customers["rep"],
            stage=stages["propose"],
            name=f"Dollar deal {DIRECT_ONLY_MARK}",
            route="direct",
            owner_user=users["rep"],
            owner_team=world.orgs["team"],
            source="direct",
            amount=10000,
            currency="USD",
            opened_on=dt.date(2026, 10, 20),
        )
        OpportunityFactory.create(
            tenant=a,
            account=customers["partner"],
            stage=stages["closed-won"],
            name="Won last quarter zzfirstpartner",
            route="partner",
            partner=world.partner,
            source="partner",
            amount=40000,
            opened_on=dt.date(2026, 7, 10),
            closed_on=dt.date(2026, 9, 1),
        )
        TierRequirement.objects.create(
            tenant=a, tier=PartnerTier.GOLD, metric="sourced_pipeline", minimum=50000
        )
        TierRequirement.objects.create(
            tenant=a, tier=PartnerTier.PLATINUM, metric="sourced_pipeline", minimum=500000
        )
        third = None
        if third_gold:
            third = PartnerFactory.create(
                tenant=a, name=f"Third Gold {OTHER_PARTNER_MARK}", tier=PartnerTier.GOLD
            )
            deal = OpportunityFactory.create(
                tenant=a,
                account=customers["other_partner"],
                stage=stages["propose"],
                name=f"Third deal {OTHER_PARTNER_MARK}",
                route="partner",
                partner=third,
                source="partner",
                amount=20000,
                opened_on=dt.date(2026, 10, 7),
            )
            TouchFactory.create(
                tenant=a,
                account=customers["other_partner"],
                opportunity=deal,
                route="partner",
                actor_partner=third,
                occurred_at=at("2026-10-08"),
            )
        rollup.rebuild(a)
    return {"sourced": sourced, "rep_deal": rep_deal, "stages": stages, "third": third}


def url(world: Any, name: str, *args: Any, **query: Any) -> str:
    path = reverse(name, args=[world.tenant.slug, *args])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def text_of(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_of(response).lstrip("\ufeff"))))


def metric_row(page: str, key: str) -> str:
    found = re.search(rf'<tr data-testid="metric-{key}">(.*?)</tr>', page, re.S)
    assert found, f"no row {key}"
    return found.group(1)


# --- the console -----------------------------------------------------------------------------


def test_the_console_dashboard_draws_every_chart_and_table_with_links(world, login_as):
    measure(world)
    admin = login_as("admin")

    response = admin.get(url(world, "console:scorecards", quarter=Q4))

    assert response.status_code == 200
    page = response.content.decode()
    for kind in ("line", "stacked-bar", "bar", "grouped-bar"):
        assert f'data-chart="{kind}"' in page, kind
    assert 'data-testid="heatmap-overlap"' in page
    assert "charts.js" in page  # the assets in the head
    assert 'data-testid="refreshed-at"' in page and "Figures as of" in page
    assert "How these are counted" in page
    # The tenant's scorecard: 80,000 sourced by the partner + 4 x 50,000 of the world.
    sourced = metric_row(page, "sourced_pipeline")
    assert "280,000 EUR" in sourced
    assert "scorecards/figures/sourced_pipeline/?" in sourced
    assert 'data-testid="unconverted"' in page  # the USD deal has no rate
    # The league table names both partners, best sourced pipeline first, each linked.
    league = page.split('data-testid="league"', 1)[1].split("</table>", 1)[0]
    assert league.index("Alpha Distribution") < league.index("Rival Supply")
    assert reverse("console:scorecard-partner", args=["alpha", world.partner.pk]) in league
    assert "80,000 EUR" in league
    teams = page.split('data-testid="teams"', 1)[1].split("</table>", 1)[0]
    assert "Direct North" in teams and "Direct South" in teams
    stage_days = page.split('data-testid="stage-days"', 1)[1].split("</table>", 1)[0]
    assert "Qualify" in stage_days and "10.0" in stage_days
    assert "figures/stage-time/" in stage_days
    # The heatmap's co-sold cells open their opportunities, filtered to the cell.
    overlap = page.split('data-testid="heatmap-overlap"', 1)[1].split("</figure>", 1)[0]
    assert "Germany" in overlap and "Mining" in overlap
    assert "figures/co_sold_deals/?" in html.unescape(overlap)
    assert "territory=germany" in html.unescape(overlap)
    # Every chart's figures open the rows behind them: the trend's partner figure of Q4 its
    # sourced pipeline that quarter, the funnel's bars their stage, in the picture and the table.
    trend = html.unescape(page.split('id="sourced-trend"', 1)[1].split("</figure>", 1)[0])
    assert "figures/sourced_pipeline/?" in trend and "scope=route-partner" in trend
    assert f"quarter={Q4}" in trend and "quarter=2026-Q3" in trend
    spec = json.loads(trend.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    partner = next(s for s in spec["series"] if s["key"] == "partner")
    assert [bool(link) for link in partner["links"]] == [v is not None for v in partner["values"]]
    funnel = html.unescape(page.split('id="funnel"', 1)[1].split("</figure>", 1)[0])
    assert "figures/funnel/?" in funnel and "stage=" in funnel
    for table in ("funnel", "routes", "overlap"):
        assert f'data-testid="export-{table}"' in page


def test_figures_not_yet_built_are_said_so_with_how(world, login_as):
    page = login_as("admin").get(url(world, "console:scorecards")).content.decode()

    assert 'data-testid="never-refreshed"' in page
    assert "rebuild_scorecards --tenant alpha" in page
    assert reverse("console:scorecard-settings", args=["alpha"]) in page


def test_an_empty_quarter_is_said_in_words_never_as_zero(world, login_as):
    measure(world)
    page = login_as("admin").get(url(world, "console:scorecards", quarter="2025-Q1"))

    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="empty-quarter"' in body
    assert "No opportunities were opened" in body and "2025 Q1" in body
    row = metric_row(body, "sourced_pipeline")
    assert "—" in row and "0 EUR" not in row
    assert (
        'title="No opportunity opened in 2025 Q1 with a known amount was sourced by anyone."' in row
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"territory": "atlantis"}, "There is no territory “atlantis” here"),
        ({"segment": "whaling"}, "There is no segment “whaling” here"),
        ({"product_line": "nope"}, "There is no product line “nope” here"),
        ({"partner": "999999"}, "There is no partner “999999” here"),
        ({"route": "sideways"}, "There is no route “sideways” here"),
        ({"model": "astrology"}, "There is no attribution model “astrology”"),
        ({"quarter": "2099-Q1"}, "2099-Q1 has not begun yet"),
        ({"quarter": "someday"}, "“someday” is not a quarter"),
        ({"other_quarter": "Q9"}, "“Q9” is not a quarter"),
    ],
)
def test_bad_input_is_400_with_the_problem_named(world, login_as, query, message):
    admin = login_as("admin")
    for name in ("console:scorecards", "console:scorecard-export"):
        args = ("league",) if name.endswith("export") else ()
        response = admin.get(reverse(name, args=["alpha", *args]), query)
        assert response.status_code == 400, (name, query)
        assert message in html.unescape(response.content.decode()), (name, query)


def test_bad_input_in_the_portal_and_sales_is_400_too(world, login_as):
    portal = login_as("partner_admin").get(url(world, "portal:scorecard", model="magic"))
    sales = login_as("rep").get(url(world, "sales:scorecard", quarter="2099-Q4"))
    drill = login_as("rep").get(
        url(world, "sales:scorecard-drilldown", "sourced_pipeline", segment="none")
    )

    assert portal.status_code == sales.status_code == drill.status_code == 400
    assert "There is no attribution model" in html.unescape(portal.content.decode())
    assert "has not begun yet" in sales.content.decode()


def test_a_partners_scorecard_shows_tier_standing_obligations_and_trend(world, login_as):
    measure(world)
    admin = login_as("admin")

    response = admin.get(url(world, "console:scorecard-partner", world.partner.pk, quarter=Q4))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    standing = page.split('data-testid="tier-standing"', 1)[1].split("</div>", 1)[0]
    assert "Gold" in standing
    assert "Gold, from this quarter's figures" in page  # 80,000 ≥ 50,000
    needs = page.split('data-testid="tier-needs"', 1)[1].split("</table>", 1)[0]
    assert "Sourced pipeline" in needs
    assert "500,000 EUR" in needs and "80,000 EUR" in needs and "420,000 EUR" in needs
    assert "Manufacturer's review SLA" in page and "Leads sent to you" in page
    assert 'data-testid="chart-scope-trend"' in page
    # Previous quarter and the change: won revenue 40,000 in Q3, none in Q4.
    sourced = metric_row(page, "sourced_pipeline")
    assert "80,000 EUR" in sourced and "40,000 EUR" in sourced
    assert "▲" in sourced and "better" in sourced
    # Only two Gold partners: the tier average is hidden, with the reason.
    assert 'data-testid="peers-hidden"' in page


def test_a_later_apps_obligation_joins_the_partners_page(world, login_as, monkeypatch):
    """An app adds its line of the manufacturer's side through the registry (as MDF will its
    decisions), without an edit of the scorecards; a line with nothing to say is left out."""
    measure(world)
    lines = {
        "funds": Obligation("funds", "Fund requests decided in time", lambda t, p, q: "3 of 4"),
        "silent": Obligation("silent", "Nothing to say", lambda t, p, q: None),
    }
    for key, line in lines.items():
        monkeypatch.setitem(core_metrics._OBLIGATIONS, key, line)
    page = html.unescape(
        login_as("partner_admin").get(url(world, "portal:scorecard", quarter=Q4)).content.decode()
    )
    obligations = page.split('data-testid="obligations"', 1)[1].split("</dl>", 1)[0]
    assert "Fund requests decided in time" in obligations and "3 of 4" in obligations
    assert "Leads sent to you" in obligations and "Nothing to say" not in obligations


def test_console_scope_pages_for_team_rep_and_route_and_unknown_ones(world, login_as):
    measure(world)
    admin = login_as("admin")
    team = world.orgs["team"]

    for name, arg in (
        ("console:scorecard-team", team.pk),
        ("console:scorecard-user", world.users["rep"].pk),
        ("console:scorecard-route", "partner"),
    ):
        response = admin.get(url(world, name, arg, quarter=Q4))
        assert response.status_code == 200, name
        assert 'data-testid="scorecard"' in response.content.decode()
    assert admin.get(url(world, "console:scorecard-route", "sideways")).status_code == 404
    assert (
        admin.get(url(world, "console:scorecard-user", world.users["admin"].pk)).status_code == 404
    )
    assert admin.get(url(world, "console:scorecard-team", 999999)).status_code == 404


def test_a_partner_with_no_data_is_an_honest_empty_scorecard(world, login_as):
    measure(world)
    with tenant_scope(world.tenant):
        quiet = PartnerFactory.create(tenant=world.tenant, name="Quiet Partner", tier="silver")

    response = login_as("admin").get(url(world, "console:scorecard-partner", quiet.pk, quarter=Q4))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert (
        'data-testid="empty-quarter"' in page and "Quiet Partner has no figures for 2026 Q4" in page
    )
    row = metric_row(page, "won_revenue")
    assert "No opportunity of Quiet Partner was closed in 2026 Q4." in row
    assert "0 EUR" not in page.split('data-testid="scorecard"', 1)[1]
    assert 'data-testid="trend-empty"' in page


# --- the portal and the sales door ---------------------------------------------------------


def test_the_portal_shows_its_own_partner_only(world, login_as):
    measure(world, third_gold=True)
    partner = login_as("partner_admin")

    response = partner.get(url(world, "portal:scorecard", quarter=Q4))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Alpha Distribution" in page
    for mark in (OTHER_PARTNER_MARK, DIRECT_ONLY_MARK, *TEAM_MARKS.values()):
        assert mark not in page, mark
    assert 'data-testid="tier-standing"' in page and "Platinum" in page
    assert 'data-testid="obligations"' in page
    assert 'data-testid="chart-scope-trend"' in page
    # Influence: the partner (180,000), the rival (50,000) and the third (20,000) have figures:
    # their average is shown; sourced: only two of them, so it is not.
    influenced = metric_row(page, "influenced_pipeline")
    assert "180,000 EUR" in influenced and "83,333 EUR" in influenced
    assert "Gold tier average" in page
    sourced = metric_row(page, "sourced_pipeline")
    assert "Shown when at least 3 of them have figures" in sourced
    # No filter of partners or teams in the portal.
    assert 'name="partner"' not in page and 'name="team"' not in page

    other = f"partner-{world.other_partner.pk}"
    for name, args in (
        ("portal:scorecard", ()),
        ("portal:scorecard-drilldown", ("sourced_pipeline",)),
        ("portal:scorecard-drilldown-export", ("sourced_pipeline",)),
        ("portal:scorecard-export", ("scorecard",)),
    ):
        assert partner.get(url(world, name, *args, scope=other)).status_code == 404, name
        assert partner.get(url(world, name, *args, scope="tenant")).status_code == 404, name
    assert partner.get(url(world, "portal:scorecard", scope="nonsense")).status_code == 404
    for table in ("league", "teams"):
        assert partner.get(url(world, "portal:scorecard-export", table)).status_code == 404


def test_the_portal_drilldown_hides_what_the_partner_may_not_open(world, login_as):
    measure(world)
    partner = login_as("partner_admin")

    response = partner.get(
        url(world, "portal:scorecard-drilldown", "influenced_pipeline", quarter=Q4)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="row"') == 3  # its own two deals, and the rep's it touched
    assert "Owned by someone else" in page
    assert DIRECT_ONLY_MARK not in page and TEAM_MARKS["team"] not in page
    assert "Sourced deal zzfirstpartner" in page
    export = partner.get(
        url(world, "portal:scorecard-drilldown-export", "influenced_pipeline", quarter=Q4)
    )
    rows = csv_rows(export)
    assert rows[0][:3] == ["Opportunity", "Account", "Opened"]
    assert len(rows) == 4
    assert DIRECT_ONLY_MARK not in text_of(export)


def test_a_rep_sees_their_own_and_a_manager_their_team_and_reps(world, login_as):
    measure(world)
    rep, manager = login_as("rep"), login_as("manager")

    mine = rep.get(url(world, "sales:scorecard", quarter=Q4))
    assert mine.status_code == 200
    page = mine.content.decode()
    assert "My scorecard" in page and 'data-testid="scope-switch"' not in page
    assert TEAM_MARKS["other_team"] not in page
    team = world.orgs["team"]
    other_rep = world.users["other_team_rep"]
    assert rep.get(url(world, "sales:scorecard", scope=f"team-{team.pk}")).status_code == 404
    assert rep.get(url(world, "sales:scorecard", scope=f"user-{other_rep.pk}")).status_code == 404
    assert rep.get(url(world, "sales:scorecard", scope="tenant")).status_code == 404

    teams = manager.get(url(world, "sales:scorecard", quarter=Q4))
    assert teams.status_code == 200
    body = teams.content.decode()
    assert "Direct North" in body and 'data-testid="scope-switch"' in body
    assert f'value="user-{world.users["rep"].pk}"' in body
    switched = manager.get(url(world, "sales:scorecard", scope=f"user-{world.users['rep'].pk}"))
    assert switched.status_code == 200
    assert (
        manager.get(url(world, "sales:scorecard", scope=f"user-{other_rep.pk}")).status_code == 404
    )


# --- behind the numbers, and CSV ------------------------------------------------------------


def test_the_rows_behind_a_number_page_and_download(world, login_as):
    made = measure(world)
    admin = login_as("admin")
    partner_scope = f"partner-{world.partner.pk}"

    sourced = admin.get(
        url(
            world,
            "console:scorecard-drilldown",
            "sourced_pipeline",
            scope=partner_scope,
            quarter=Q4,
        )
    )
    page = sourced.content.decode()
    assert sourced.status_code == 200
    assert page.count('data-testid="row"') == 1 and "Sourced deal zzfirstpartner" in page
    assert reverse("console:opportunity", args=["alpha", made["sourced"].pk]) in page

    co_sold = admin.get(
        url(world, "console:scorecard-drilldown", "co_sold_deals", scope="tenant", quarter=Q4)
    ).content.decode()
    assert co_sold.count('data-testid="row"') == 2  # the sourced deal and the rep's deal

    funnel = admin.get(
        url(
            world,
            "console:scorecard-drilldown",
            "funnel",
            scope="tenant",
            quarter=Q4,
            stage=made["stages"]["negotiate"].pk,
        )
    ).content.decode()
    assert funnel.count('data-testid="row"') == 1
    stage_time = admin.get(
        url(
            world,
            "console:scorecard-drilldown",
            "stage-time",
            quarter=Q4,
            stage=made["stages"]["qualify"].pk,
        )
    ).content.decode()
    assert "Sourced deal zzfirstpartner" in stage_time
    leads = admin.get(
        url(world, "console:scorecard-drilldown", "speed_to_lead_median", quarter=Q4)
    ).content.decode()
    assert 'data-testid="no-rows"' in leads
    registrations = admin.get(
        url(world, "console:scorecard-drilldown", "conflict_rate", quarter=Q4)
    )
    assert registrations.status_code == 200
    assert admin.get(url(world, "console:scorecard-drilldown", "nothing")).status_code == 404
    missing_stage = url(world, "console:scorecard-drilldown", "funnel", stage="x")
    assert admin.get(missing_stage).status_code == 404

    export = admin.get(
        url(
            world,
            "console:scorecard-drilldown-export",
            "sourced_pipeline",
            scope=partner_scope,
            quarter=Q4,
        )
    )
    assert export["Content-Type"].startswith("text/csv")
    rows = csv_rows(export)
    assert rows[1][0] == "Sourced deal zzfirstpartner" and rows[1][6] == "80000.00"


def test_every_table_downloads_as_csv(world, login_as):
    measure(world)
    admin = login_as("admin")

    def table(name: str, **query: Any) -> list[list[str]]:
        response = admin.get(url(world, "console:scorecard-export", name, quarter=Q4, **query))
        assert response.status_code == 200, name
        assert "attachment" in response["Content-Disposition"]
        return csv_rows(response)

    card = table("scorecard", scope="tenant")
    assert card[0][:5] == ["Metric", "Key", "Unit", "Definition version", Q4]
    assert card[1][:5] == ["Sourced pipeline", "sourced_pipeline", "money", "1", "280000.00"]
    league = table("league")
    assert league[0][:3] == ["Partner", "Tier", "Sourced pipeline"]
    assert league[1][:3] == ["Alpha Distribution zzfirstpartner", "Gold", "80000.00"]
    assert [row[0] for row in table("teams")[1:]] == ["Direct North", "Direct South"]
    assert table("stages", scope="tenant")[1] == ["Qualify", "10.0", "1"]
    trend = table("trend", scope="tenant")
    assert trend[-1] == [Q4, "", "80000.00"] and trend[-2] == ["2026-Q3", "", "40000.00"]
    partner_trend = table("trend", scope=f"partner-{world.partner.pk}")
    assert partner_trend[0] == ["Quarter", "sourced_pipeline", "influenced_pipeline", "won_revenue"]
    funnel = table("funnel", scope="tenant")
    assert funnel[0] == ["Stage now", "Opportunities opened in the quarter", "Their amount"]
    assert funnel[1:] == [["Propose", "5", "200000.00"], ["Negotiate", "1", "80000.00"]]
    assert table("routes", scope="tenant")[1:] == [
        ["direct", "", "180000.00"],
        ["partner", "80000.00", "230000.00"],
    ]
    assert table("overlap", scope="tenant") == [
        ["Territory", "Segment", "Co-sold opportunities"],
        ["Germany", "Mining", "1"],
        ["Germany", "No segment", "1"],
    ]
    assert admin.get(url(world, "console:scorecard-export", "nothing")).status_code == 404


def test_a_filter_that_does_not_narrow_a_figure_says_so(world, login_as):
    measure(world)
    page = html.unescape(
        login_as("admin")
        .get(url(world, "console:scorecards", quarter=Q4, territory="germany", segment="mining"))
        .content.decode()
    )

    sourced = metric_row(page, "sourced_pipeline")
    assert "130,000 EUR" in sourced  # only the partner's account is a mining one
    assert 'data-testid="not-narrowed"' not in sourced
    assert "Not narrowed by the segment filter" in metric_row(page, "lead_sla_attainment")
    assert "Not narrowed by the territory, segment filter" in metric_row(page, "conflict_rate")


def test_the_definitions_page_in_every_door(world, login_as):
    for persona, door in (("admin", "console"), ("rep", "sales"), ("partner_rep", "portal")):
        page = login_as(persona).get(url(world, f"{door}:scorecard-definitions")).content.decode()
        assert 'id="sourced_pipeline"' in page and "W-shaped" in page, door


# --- settings -------------------------------------------------------------------------------


def test_settings_refuse_bad_values_and_save_good_ones(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    page = url(world, "console:scorecard-settings")

    refused = admin.post(
        page, {"lookback_days": "0", "half_life_days": "7", "default_model": "linear"}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'data-testid="not-saved"' in body and "greater than or equal to 1" in body
    with tenant_scope(world.tenant):
        assert not ScorecardSettings.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        saved = admin.post(
            page, {"lookback_days": "30", "half_life_days": "3.5", "default_model": "linear"}
        )
    rebuilds = [c for c in queued if "rebuild" in c.__qualname__]
    assert saved.status_code == 302 and len(rebuilds) == 1  # the facts are rebuilt
    with tenant_scope(world.tenant):
        row = ScorecardSettings.objects.get()
        assert (row.lookback_days, row.half_life_days, row.default_model) == (
            30,
            Decimal("3.5"),
            "linear",
        )
        assert rollup.last_refreshed(world.tenant) is not None
    # The default model is what the pages show now.
    assert "Attribution: Linear" in admin.get(url(world, "console:scorecards")).content.decode()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        admin.post(
            page, {"lookback_days": "30", "half_life_days": "3.5", "default_model": "first_touch"}
        )
    assert queued == []  # the facts do not depend on the default model


def test_exchange_rates_are_checked_added_removed_and_rebuild_the_facts(
    world, login_as, django_capture_on_commit_callbacks
):
    measure(world)
    admin = login_as("admin")
    add = url(world, "console:scorecard-rate-add")

    for data, message in (
        ({"currency": "US", "valid_from": "2026-01-01", "rate": "0.9"}, "three-letter ISO code"),
        ({"currency": "EUR", "valid_from": "2026-01-01", "rate": "1"}, "own currency"),
        ({"currency": "USD", "valid_from": "", "rate": "0.9"}, "This field is required"),
        ({"currency": "USD", "valid_from": "2026-01-01", "rate": "0"}, "greater than or equal"),
    ):
        response = admin.post(add, data)
        assert response.status_code == 400, data
        assert message in html.unescape(response.content.decode()), data
    with tenant_scope(world.tenant):
        assert not ExchangeRate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        added = admin.post(add, {"currency": "usd", "valid_from": "2026-01-01", "rate": "0.9"})
    assert added.status_code == 302
    with tenant_scope(world.tenant):
        rate = ExchangeRate.objects.get()
        assert rate.currency == "USD"
        # Rebuilt: the dollar deal is converted now (10,000 x 0.9).
        dollars = OpportunityFact.objects.get(currency="USD")
        assert dollars.amount == Decimal("9000.00")
    again = admin.post(add, {"currency": "USD", "valid_from": "2026-01-01", "rate": "0.8"})
    assert again.status_code == 400
    assert "has a rate from 01 Jan 2026 already" in html.unescape(again.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        removed = admin.post(url(world, "console:scorecard-rate-remove", rate.pk))
    assert removed.status_code == 302
    with tenant_scope(world.tenant):
        assert not ExchangeRate.objects.exists()
        assert OpportunityFact.objects.get(currency="USD").amount is None


def test_tier_requirements_are_checked_saved_and_removed(world, login_as):
    admin = login_as("admin")
    add = url(world, "console:scorecard-tier-add")

    refused = admin.post(add, {"tier": "gold", "metric": "charisma", "minimum": "1"})
    assert refused.status_code == 400
    assert "There is no metric “charisma”" in html.unescape(refused.content.decode())
    assert (
        admin.post(add, {"tier": "gold", "metric": "won_revenue", "minimum": "x"}).status_code
        == 400
    )

    assert (
        admin.post(add, {"tier": "gold", "metric": "won_revenue", "minimum": "1000"}).status_code
        == 302
    )
    assert (
        admin.post(add, {"tier": "gold", "metric": "won_revenue", "minimum": "2000"}).status_code
        == 302
    )
    with tenant_scope(world.tenant):
        row = TierRequirement.objects.get()  # the second replaced the first's minimum
        assert row.minimum == Decimal(2000)
    page = admin.get(url(world, "console:scorecard-settings")).content.decode()
    assert "Won revenue" in page and "2,000 EUR" in page
    assert admin.post(url(world, "console:scorecard-tier-remove", row.pk)).status_code == 302
    with tenant_scope(world.tenant):
        assert not TierRequirement.objects.exists()
