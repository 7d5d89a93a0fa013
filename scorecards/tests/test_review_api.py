"""The governance review's API as its callers meet it: RevOps admins read every review whole and
record, edit, close and apply decisions; partner admins and direct managers read the signed-off
reviews as their own extract; reps read no review, only the decisions they own; a partner never
sees another partner's name or figures, nor the manufacturer's teams. Refusals are 400 naming
the field, 403 for a role that may not, 404 for what the caller cannot see."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import TargetListMember
from accounts.tests.factories import AccountFactory, TargetListFactory
from core.tenancy import tenant_scope
from scorecards.models import ReviewDecision
from scorecards.review import decisions, workspace
from scorecards.tests.factories import (
    GovernanceReviewFactory,
    partner_row,
    review_data,
    team_row,
)

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/governance-reviews/"
DECISIONS = "/api/v1/review-decisions/"
RIVAL = "zzrivalleak"


@pytest.fixture
def g(world):
    """A signed-off second quarter whose data names both partners and both teams, with
    decisions concerning each, and an open third quarter."""
    w = world
    with tenant_scope(w.tenant):
        w.admin = w.membership("admin")
        teams = [w.orgs["team"], w.orgs["other_team"]]
        data = review_data(
            dt.date(2026, 4, 1),
            partners=[
                partner_row(w.partner, "41000.00", "9000.00"),
                partner_row(w.other_partner, "97531.00", "13579.00"),
            ],
            teams=[
                {**team_row(teams[0], "55000.00"), "name": "Direct North zzteamnorth"},
                {**team_row(teams[1], "66000.00"), "name": "Direct South zzteamsouth"},
            ],
        )
        w.q2 = GovernanceReviewFactory(
            tenant=w.tenant, quarter_start=dt.date(2026, 4, 1), data=data
        )
        due = dt.date(2026, 9, 30)

        def record(title, owner=None, **fields):
            return decisions.create_decision(
                w.q2, acting=w.admin, title=title, owner=owner or w.admin, due_on=due, **fields
            )

        w.d_partner = record("Co-fund the partner's roadshow", partner=w.partner)
        w.d_rival = record(f"Review the rival {RIVAL}", partner=w.other_partner)
        w.d_team = record("North takes the key accounts", w.membership("manager"), team=teams[0])
        w.d_other_team = record("South zzteamsouth hires", team=teams[1])
        w.d_rep = record("Rep follows up", w.membership("rep"))
        workspace.sign_off(w.q2, acting=w.admin, note=f"Agreed; {RIVAL} to improve")
        w.q3 = GovernanceReviewFactory(
            tenant=w.tenant, quarter_start=dt.date(2026, 7, 1), data=data
        )
        w.d_open = decisions.create_decision(
            w.q3,
            acting=w.admin,
            title="Open-quarter item",
            owner=w.admin,
            due_on=due,
            partner=w.partner,
        )
    return w


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reviews -----------------------------------------------------------------------------------


def test_who_sees_which_reviews(g, api_as):
    assert ids(api_as("admin").get(REVIEWS)) == {g.q2.pk, g.q3.pk}
    for persona in ("partner_admin", "manager", "rival_partner_admin"):
        assert ids(api_as(persona).get(REVIEWS)) == {g.q2.pk}, persona
        assert api_as(persona).get(f"{REVIEWS}{g.q3.pk}/").status_code == 404, persona
    for persona in ("partner_rep", "rep"):
        assert ids(api_as(persona).get(REVIEWS)) == set(), persona
        assert api_as(persona).get(f"{REVIEWS}{g.q2.pk}/").status_code == 404, persona
    assert api_as("outsider_admin").get(f"{REVIEWS}{g.q2.pk}/").status_code == 404


def test_reviews_filter_by_quarter_and_status(g, api_as):
    admin = api_as("admin")
    assert ids(admin.get(f"{REVIEWS}?quarter=2026-Q2")) == {g.q2.pk}
    assert ids(admin.get(f"{REVIEWS}?status=open")) == {g.q3.pk}
    response = admin.get(f"{REVIEWS}?quarter=spring")
    assert response.status_code == 400 and "quarter" in response.json()["fields"]
    row = next(r for r in admin.get(REVIEWS).json()["results"] if r["id"] == g.q2.pk)
    assert (row["quarter"], row["status"], row["progress"]) == ("2026-Q2", "signed_off", 100)
    assert row["sign_off_note"].startswith("Agreed")
    assert "data" not in row  # lists stay small: retrieve one for its data


def test_an_admin_reads_the_whole_review(g, api_as):
    body = api_as("admin").get(f"{REVIEWS}{g.q2.pk}/").json()
    data = body["data"]
    assert data["kind"] == "full"
    names = {p["name"] for p in data["sections"]["parties"]["partners"]}
    assert names == {g.partner.name, g.other_partner.name}
    assert {d["title"] for d in data["decisions"]} >= {
        "Rep follows up",
        f"Review the rival {RIVAL}",
    }


def test_a_partner_admin_reads_only_its_own_extract(g, api_as):
    response = api_as("partner_admin").get(f"{REVIEWS}{g.q2.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    # Neither a rival's figures nor a total that adds them up (the whole company's, 1665333.00).
    leaks = (RIVAL, "97531.00", "13579.00", "zzteamnorth", "zzteamsouth", "777111.00", "1665333.00")
    for leak in leaks:
        assert leak not in text, leak
    body = response.json()
    assert body["sign_off_note"] == ""
    data = body["data"]
    assert data["kind"] == "partner"
    assert data["party"]["name"] == g.partner.name
    assert data["party"]["figures"]["sourced_pipeline"] == "41000.00"
    assert data["party"]["tier_standing"]["next_tier"] == "platinum"
    assert [d["title"] for d in data["decisions"]] == ["Co-fund the partner's roadshow"]
    assert "team" not in data["decisions"][0] and data["decisions"][0]["owner"] == "RevOps"


def test_the_rival_partner_admin_never_sees_the_first_partner(g, api_as):
    text = api_as("rival_partner_admin").get(f"{REVIEWS}{g.q2.pk}/").content.decode()
    assert "zzfirstpartner" not in text and "41000.00" not in text
    assert "97531.00" in text


def test_a_direct_manager_reads_the_teams_extract(g, api_as):
    response = api_as("manager").get(f"{REVIEWS}{g.q2.pk}/")
    text = response.content.decode()
    assert "zzteamsouth" not in text and "66000.00" not in text
    assert RIVAL not in text and "zzfirstpartner" not in text
    data = response.json()["data"]
    assert data["kind"] == "team" and data["party"]["figures"]["sourced_pipeline"] == "55000.00"
    assert data["direct"]["current"]["sourced_pipeline"] == "777111.00"
    assert [d["title"] for d in data["decisions"]] == ["North takes the key accounts"]


# --- decisions: reading ------------------------------------------------------------------------


def test_who_sees_which_decisions(g, api_as):
    every = {g.d_partner.pk, g.d_rival.pk, g.d_team.pk, g.d_other_team.pk, g.d_rep.pk}
    assert ids(api_as("admin").get(DECISIONS)) == every | {g.d_open.pk}
    # Concerning their partner, of signed-off reviews only (the open quarter's is not shown).
    assert ids(api_as("partner_admin").get(DECISIONS)) == {g.d_partner.pk}
    assert ids(api_as("partner_rep").get(DECISIONS)) == {g.d_partner.pk}
    assert ids(api_as("rival_partner_admin").get(DECISIONS)) == {g.d_rival.pk}
    assert ids(api_as("manager").get(DECISIONS)) == {g.d_team.pk}
    assert ids(api_as("rep").get(DECISIONS)) == {g.d_rep.pk}
    assert api_as("partner_admin").get(f"{DECISIONS}{g.d_rival.pk}/").status_code == 404


def test_a_partner_reads_its_decisions_without_the_manufacturers_people(g, api_as):
    response = api_as("partner_admin").get(DECISIONS)
    text = response.content.decode()
    assert RIVAL not in text and "zzteam" not in text and "@alpha.test" not in text
    (row,) = response.json()["results"]
    assert (row["team"], row["payload"], row["owner_email"]) == (None, {}, "")
    assert row["quarter"] == "2026-Q2" and row["status"] == "open"


def test_decisions_filter_by_status_owner_and_quarter(g, api_as):
    admin = api_as("admin")
    assert ids(admin.get(f"{DECISIONS}?owner={g.membership('rep').pk}")) == {g.d_rep.pk}
    assert ids(admin.get(f"{DECISIONS}?quarter=2026-Q3")) == {g.d_open.pk}
    assert ids(admin.get(f"{DECISIONS}?partner={g.other_partner.pk}")) == {g.d_rival.pk}
    assert ids(admin.get(f"{DECISIONS}?status=done")) == set()
    assert admin.get(f"{DECISIONS}?status=bogus").status_code == 400


# --- decisions: writing ------------------------------------------------------------------------


def body(g, **extra):
    return {
        "review": g.q3.pk,
        "title": "Add Huber to the press list",
        "owner": g.admin.pk,
        "due_on": "2026-12-31",
        **extra,
    }


def test_an_admin_records_a_decision_and_the_others_may_not(g, api_as):
    response = api_as("admin").post(DECISIONS, body(g, partner=g.partner.pk), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["kind"], created["status"], created["quarter"]) == (
        "general",
        "open",
        "2026-Q3",
    )
    assert created["owner_email"] == g.users["admin"].email and created["applicable"] is False
    for persona in ("manager", "partner_admin", "rep"):
        assert api_as(persona).post(DECISIONS, body(g), format="json").status_code == 403


def test_refusals_are_400_naming_the_field_and_save_nothing(g, api_as):
    admin = api_as("admin")
    before = ReviewDecision.all_tenants.count()
    response = admin.post(DECISIONS, body(g, owner=None, due_on=None), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "owner": ["Every decision needs an owner: choose who carries it out."],
        "due_on": ["Every decision needs a due date."],
    }
    response = admin.post(
        DECISIONS, body(g, kind="target_add", payload={"target_list": 999999}), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["payload"] == ["account: required for a target_add decision."]
    response = admin.post(
        DECISIONS,
        body(g, kind="target_add", payload={"target_list": 999999, "account": 1}),
        format="json",
    )
    assert response.json()["fields"]["payload"] == ["target_list: no such target list."]
    response = admin.post(DECISIONS, body(g, review=g.q2.pk), format="json")
    assert response.status_code == 400 and "frozen" in response.json()["fields"]["review"][0]
    response = admin.post(
        DECISIONS, body(g, owner=g.membership("outsider_admin").pk), format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()["fields"]
    assert ReviewDecision.all_tenants.count() == before


def test_a_frozen_reviews_closed_decisions_are_not_edited_or_deleted(g, api_as):
    admin = api_as("admin")
    with tenant_scope(g.tenant):
        decisions.close_decision(g.d_rival, acting=g.admin, status="done", outcome="Reviewed")
    response = admin.patch(f"{DECISIONS}{g.d_rival.pk}/", {"title": "Rewritten"}, format="json")
    assert response.status_code == 400 and "frozen" in response.json()["fields"]["review"][0]
    response = admin.delete(f"{DECISIONS}{g.d_partner.pk}/")
    assert response.status_code == 400 and "frozen" in response.json()["fields"]["review"][0]
    # An open, carried decision may still move; the open quarter's may go.
    response = admin.patch(f"{DECISIONS}{g.d_partner.pk}/", {"due_on": "2027-01-15"}, format="json")
    assert response.status_code == 200 and response.json()["due_on"] == "2027-01-15"
    response = admin.patch(f"{DECISIONS}{g.d_partner.pk}/", {"review": g.q3.pk}, format="json")
    assert response.status_code == 400 and "review" in response.json()["fields"]
    assert admin.delete(f"{DECISIONS}{g.d_open.pk}/").status_code == 204
    assert not ReviewDecision.all_tenants.filter(pk=g.d_open.pk).exists()


def test_owners_close_their_own_and_others_are_refused(g, api_as):
    url = f"{DECISIONS}{g.d_rep.pk}/close/"
    assert api_as("other_team_rep").post(url, {"status": "done"}, format="json").status_code == 404
    response = api_as("rep").post(url, {"status": "dropped"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"outcome": ["Say why the decision is dropped."]}
    response = api_as("rep").post(url, {"status": "done", "outcome": "Called"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["outcome"]) == ("done", "Called")
    response = api_as("rep").post(url, {"status": "done"}, format="json")
    assert (
        response.status_code == 400 and "closed already" in response.json()["fields"]["status"][0]
    )
    # A partner admin reads the decision concerning its partner, but does not own it.
    response = api_as("partner_admin").post(
        f"{DECISIONS}{g.d_partner.pk}/close/", {"status": "done"}, format="json"
    )
    assert response.status_code == 403


def test_an_admin_applies_a_target_list_decision_once(g, api_as):
    with tenant_scope(g.tenant):
        listed = TargetListFactory(tenant=g.tenant, name="Presses")
        account = AccountFactory(tenant=g.tenant, name="Huber Bergbau")
    admin = api_as("admin")
    created = admin.post(
        DECISIONS,
        body(g, kind="target_add", payload={"target_list": listed.pk, "account": account.pk}),
        format="json",
    ).json()
    url = f"{DECISIONS}{created['id']}/apply/"
    for persona in ("partner_admin", "manager"):  # writing is RevOps admins'
        assert api_as(persona).post(url, {}, format="json").status_code == 403
    response = admin.post(url, {}, format="json")
    assert response.status_code == 200, response.json()
    applied = response.json()
    assert applied["status"] == "done" and applied["applied_at"] is not None
    assert applied["outcome"] == "Added Huber Bergbau to the target list Presses."
    assert TargetListMember.all_tenants.filter(target_list=listed, account=account).exists()
    response = admin.post(url, {}, format="json")
    assert response.status_code == 400
    assert "applied already" in response.json()["fields"]["decision"][0]
    response = admin.post(f"{DECISIONS}{g.d_rep.pk}/apply/", {"amount": "5"}, format="json")
    assert response.status_code == 400 and "close it when it is done" in str(response.json())
