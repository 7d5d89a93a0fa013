"""The campaign members API (/api/v1/campaign-members/, scorecards/members.py): who is a member
and what each role is told about it."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import AccountFactory
from campaigns.tests.factories import CampaignFactory
from core.tenancy import tenant_scope
from pipeline.tests.factories import CampaignResponseFactory, TouchFactory
from scorecards import home, overlap
from tenancy.choices import Door
from tenancy.requests import DoorRequest
from tests.isolation_catalog import _members_campaign

pytestmark = pytest.mark.django_db


def api(world, persona):
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(persona)}")
    return client


def members_of(world, persona, campaign_id):
    response = api(world, persona).get(reverse("campaign-members"), {"campaign": campaign_id})
    assert response.status_code == 200, response.content
    return {row["account"]: row for row in response.json()["results"]}


@pytest.fixture
def campaign(world):
    with tenant_scope(world.tenant):
        found = _members_campaign(world, world.tenant)
        # The first partner also got a response from the rep's account, and worked it: an overlap.
        CampaignResponseFactory(
            tenant=world.tenant,
            campaign=found,
            partner=world.partner,
            account=world.customers["rep"],
        )
        TouchFactory(
            tenant=world.tenant,
            account=world.customers["rep"],
            campaign=found,
            route="partner",
            actor_partner=world.partner,
        )
        overlap.rebuild(world.tenant)  # from every touch: uncommitted ones too
    return found


def test_admins_see_every_member_and_who_works_it(world, campaign):
    rows = members_of(world, "admin", campaign.pk)
    rep = rows[world.customers["rep"].pk]
    assert rep["on_target_list"] is True
    assert (rep["worked_by_direct"], rep["worked_by_partner"]) == (True, True)
    assert (rep["responded"], rep["responses"]) == (True, 1)
    assert rep["someone_else_working"] is None
    assert rows[world.customers["other_partner"].pk]["worked_by_direct"] is False


def test_a_partner_sees_its_own_activity_and_only_that_someone_else_works_it(world, campaign):
    rows = members_of(world, "partner_admin", campaign.pk)
    assert set(rows) == {world.customers["partner"].pk, world.customers["rep"].pk}
    rep = rows[world.customers["rep"].pk]
    assert rep["on_target_list"] is None  # the target list is the manufacturer's
    assert rep["worked_by_direct"] is None
    assert (rep["worked_by_partner"], rep["someone_else_working"]) == (True, True)
    assert rows[world.customers["partner"].pk]["someone_else_working"] is False
    rival = members_of(world, "rival_partner_admin", campaign.pk)
    assert set(rival) == {world.customers["other_partner"].pk}
    assert rival[world.customers["other_partner"].pk]["responses"] == 0


def test_direct_users_see_direct_activity_and_the_target_list(world, campaign):
    rows = members_of(world, "rep", campaign.pk)
    rep = rows[world.customers["rep"].pk]
    assert set(rows) == {world.customers["rep"].pk}  # a rep: its own team's accounts
    assert rep["on_target_list"] is True and rep["worked_by_partner"] is None
    assert rep["responses"] == 0  # the partner's response is not direct sales'
    assert rep["someone_else_working"] is True


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Give the campaign"),
        ({"campaign": "abc"}, "is not a campaign id"),
        ({"campaign": "999999"}, "There is no campaign 999999"),
    ],
)
def test_a_missing_or_unknown_campaign_is_400_with_the_problem_named(world, query, message):
    response = api(world, "admin").get(reverse("campaign-members"), query)
    assert response.status_code == 400 and message in response.content.decode()


def test_another_tenants_or_a_draft_campaign_is_as_unknown(world, campaign):
    with tenant_scope(world.other_tenant):
        theirs = _members_campaign(world, world.other_tenant)
    with tenant_scope(world.tenant):
        draft = CampaignFactory(tenant=world.tenant, status="draft", partner_mode="all")
    for persona, campaign_id in (("admin", theirs.pk), ("partner_admin", draft.pk)):
        response = api(world, persona).get(reverse("campaign-members"), {"campaign": campaign_id})
        assert response.status_code == 400
        assert f"There is no campaign {campaign_id} that you can see" in response.content.decode()


def test_a_page_costs_the_same_queries_whatever_its_size(world, campaign):
    with tenant_scope(world.tenant):
        for _ in range(5):
            account = AccountFactory(tenant=world.tenant)
            TouchFactory(tenant=world.tenant, account=account, campaign=campaign, route="direct")
    client, url = api(world, "admin"), reverse("campaign-members")
    client.get(url, {"campaign": campaign.pk})

    def count(size):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"campaign": campaign.pk, "page_size": size}).status_code == 200
        return len(queries)

    assert count(1) == count(100)


# --- the home-page queues ------------------------------------------------------------------------


def door_request(world, persona, door):
    request = cast(DoorRequest, HttpRequest())
    request.tenant, request.membership, request.door = (
        world.tenant,
        world.membership(persona),
        Door(door),
    )
    return request


def queue(world, persona, door):
    fn = home.console_queue if door == Door.CONSOLE else home.party_queue
    with tenant_scope(world.tenant):
        return {i.label: (i.count, i.url) for i in fn(door_request(world, persona, door))}


def test_the_queues_show_new_responses_and_overlaps_to_each_party(world, campaign):
    with tenant_scope(world.tenant):
        CampaignResponseFactory(tenant=world.tenant, campaign=campaign, occurred_at=timezone.now())
        CampaignResponseFactory(
            tenant=world.tenant,
            campaign=campaign,
            partner=world.partner,
            occurred_at=timezone.now() - dt.timedelta(days=1),
        )
    slug = world.tenant.slug
    assert queue(world, "admin", Door.CONSOLE) == {
        "Overlaps to settle": (1, f"/console/{slug}/campaign-overlap/?status=open"),
        "New campaign responses": (2, f"/console/{slug}/offer-conversion/"),
    }
    assert queue(world, "partner_rep", Door.PORTAL) == {
        "New responses to your offer pages": (1, f"/portal/{slug}/offer-conversion/"),
        "Accounts someone else also works": (1, f"/portal/{slug}/accounts/"),
    }
    assert queue(world, "rep", Door.SALES) == {
        "New responses to direct sales' offer pages": (1, f"/sales/{slug}/offer-conversion/"),
        "Accounts someone else also works": (1, f"/sales/{slug}/accounts/"),
    }
    # The rival neither got a new response nor shares an account.
    assert queue(world, "rival_partner_admin", Door.PORTAL) == {}
