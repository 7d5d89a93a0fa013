"""Each party's extract of a review, from the review's `data` only (built by hand here, in the
shape the sections produce): a partner gets its own row, its tier and what it misses, and the
decisions concerning it; never another partner's name or figures, a total that adds them up (the
whole company's, the direct route's headline) or the manufacturer's teams. A signed-off extract
never changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.tenancy import tenant_scope
from scorecards.review import decisions, workspace
from scorecards.review.extract import extract_for, partner_extract, team_extract
from scorecards.tests.factories import GovernanceReviewFactory, partner_row, review_data, team_row

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 9, 30)


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        world.admin = world.membership("admin")
        world.team, world.other_team = world.orgs["team"], world.orgs["other_team"]
        data = review_data(
            dt.date(2026, 7, 1),
            partners=[
                {**partner_row(world.partner, "41000.00"), "extra_key": "not handed out"},
                partner_row(world.other_partner, "97531.00"),
            ],
            teams=[team_row(world.team, "55000.00"), team_row(world.other_team, "66000.00")],
        )
        world.review = GovernanceReviewFactory(
            tenant=world.tenant, quarter_start=dt.date(2026, 7, 1), data=data
        )
        yield world


def decide(a, title, **fields):
    values = {"owner": a.admin, "due_on": DUE, **fields}
    return decisions.create_decision(a.review, acting=a.admin, title=title, **values)


def test_a_partners_extract_holds_its_own_row_and_nothing_of_the_rival(a):
    decide(a, "Ours", partner=a.partner, team=a.team)
    decide(a, "Theirs", partner=a.other_partner)
    decide(a, "Nobody's")
    extract = partner_extract(a.review, a.partner)
    text = json.dumps(extract)
    assert a.other_partner.name not in text and "97531.00" not in text
    assert "777111.00" not in text and "888222.00" not in text  # no route headline
    assert a.team.name not in text and "55000.00" not in text
    assert extract["party"]["name"] == a.partner.name
    assert extract["party"]["figures"]["sourced_pipeline"] == "41000.00"
    assert extract["party"]["mdf"]["available"] == "9000.00"
    assert "extra_key" not in extract["party"]
    assert "1665333.00" not in text and "tenant" not in extract  # no total of every partner
    assert extract["quarter"]["code"] == "2026-Q3" and extract["prepared"] is True
    (row,) = extract["decisions"]
    assert row["title"] == "Ours" and "team" not in row and row["owner"] == "RevOps"


def test_a_decision_the_partners_own_person_owns_names_them(a):
    decide(a, "Ours", partner=a.partner, owner=a.membership("partner_admin"))
    (row,) = partner_extract(a.review, a.partner)["decisions"]
    assert row["owner"] == a.users["partner_admin"].email


def test_a_teams_extract_has_the_direct_headline_and_its_own_decisions(a):
    decide(a, "North", team=a.team)
    decide(a, "South", team=a.other_team)
    extract = team_extract(a.review, a.team)
    text = json.dumps(extract)
    assert a.other_team.name not in text and "66000.00" not in text
    assert a.partner.name not in text and a.other_partner.name not in text
    assert extract["party"]["figures"]["sourced_pipeline"] == "55000.00"
    assert extract["direct"]["current"]["sourced_pipeline"] == "777111.00"
    assert [d["title"] for d in extract["decisions"]] == ["North"]


def test_a_party_missing_from_the_data_gets_an_empty_extract_not_an_error(a):
    late = type(a.partner).objects.create(tenant=a.tenant, name="Joined later", tier="silver")
    extract = partner_extract(a.review, late)
    assert extract["prepared"] is False and extract["party"] == {"id": late.pk, "name": late.name}
    a.review.data = {}
    assert partner_extract(a.review, a.partner)["party"]["name"] == a.partner.name


def test_a_signed_off_extract_keeps_what_was_decided_then(a):
    decision = decide(a, "Ours", partner=a.partner)
    workspace.sign_off(a.review, acting=a.admin)
    decisions.update_decision(decision, acting=a.admin, title="Renamed afterwards")
    decisions.close_decision(decision, acting=a.admin, status="done", outcome="Done")
    a.review.refresh_from_db()
    (row,) = partner_extract(a.review, a.partner)["decisions"]
    assert (row["title"], row["status"]) == ("Ours", "open")
    assert partner_extract(a.review, a.partner)["signed_off_at"] is not None


def test_extract_for_gives_each_role_its_own(a):
    decide(a, "Ours", partner=a.partner)
    full = extract_for(a.review, a.admin)
    assert full["kind"] == "full" and "sections" in full and len(full["decisions"]) == 1
    assert extract_for(a.review, a.membership("partner_admin"))["party"]["id"] == a.partner.pk
    rival = extract_for(a.review, a.membership("rival_partner_admin"))
    assert rival["party"]["id"] == a.other_partner.pk and rival["decisions"] == []
    assert extract_for(a.review, a.membership("manager"))["party"]["id"] == a.team.pk
    assert extract_for(a.review, a.membership("partner_rep")) == {}
    assert extract_for(a.review, a.membership("rep")) == {}
