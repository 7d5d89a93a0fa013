"""Overlap flags: an account worked in one campaign by direct sales and a partner, or by two
partners, is flagged with who, when and what; a party learns only that someone else works it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import TargetList, TargetListMember
from accounts.tests.factories import AccountFactory
from campaigns.tests.factories import CampaignFactory
from core.tenancy import tenant_scope
from pipeline.tests.factories import TouchFactory
from scorecards import overlap
from scorecards.models import OverlapFlag

# The flags are kept from the change feed, which hands out committed touches only.
pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


def touch(a, campaign, account, who, *, days=0, subject="Site visit"):
    fields = {"route": "direct", "actor_user": a.users["rep"]} if who == "direct" else {}
    if who in ("partner", "other_partner"):
        fields = {"route": "partner", "actor_partner": getattr(a, who)}
    return TouchFactory(
        tenant=a.tenant,
        account=account,
        campaign=campaign,
        occurred_at=DAY + dt.timedelta(days=days),
        subject=subject,
        **fields,
    )


def test_direct_and_a_partner_in_one_campaign_are_flagged_with_who_when_and_what(a):
    campaign = CampaignFactory(tenant=a.tenant, name="Press line ABM")
    account = AccountFactory(tenant=a.tenant)
    listed = TargetList.objects.create(tenant=a.tenant, name="Presses")
    TargetListMember.objects.create(tenant=a.tenant, target_list=listed, account=account)
    campaign.target_list = listed
    campaign.save()
    touch(a, campaign, account, "direct", subject="Demo booked")
    assert overlap.refresh(a.tenant) == 0  # one party: nothing overlaps
    touch(a, campaign, account, "partner", days=3, subject="Quote for pump")
    assert overlap.refresh(a.tenant) == 1
    flag = OverlapFlag.objects.get()
    assert flag.kind == "routes" and flag.on_target_list
    assert flag.first_seen_at == DAY + dt.timedelta(days=3)
    parties = {(p.route, p.partner_id): p for p in flag.parties.all()}
    assert parties[("partner", a.partner.pk)].last_subject == "Quote for pump"
    assert parties[("direct", None)].user_id == a.users["rep"].pk


def test_two_partners_overlap_but_the_same_route_in_two_campaigns_does_not(a):
    first, second = CampaignFactory(tenant=a.tenant), CampaignFactory(tenant=a.tenant)
    account = AccountFactory(tenant=a.tenant)
    touch(a, first, account, "partner")
    touch(a, second, account, "other_partner")
    touch(a, first, account, "direct")
    touch(a, first, AccountFactory(tenant=a.tenant), "direct")
    overlap.refresh(a.tenant)
    assert list(OverlapFlag.objects.values_list("campaign_id", "kind")) == [(first.pk, "routes")]
    touch(a, second, account, "partner", days=1)
    overlap.refresh(a.tenant)
    assert OverlapFlag.objects.get(campaign=second).kind == "partners"


def test_a_settled_flag_opens_again_only_when_a_new_party_arrives(a):
    campaign = CampaignFactory(tenant=a.tenant)
    account = AccountFactory(tenant=a.tenant)
    touch(a, campaign, account, "direct")
    touch(a, campaign, account, "partner")
    overlap.refresh(a.tenant)
    flag = OverlapFlag.objects.get()
    with pytest.raises(PermissionDenied):
        overlap.settle(flag, acting=a.membership("manager"), decision="Mine")
    with pytest.raises(ValidationError):
        overlap.settle(flag, acting=a.membership("admin"), decision="  ")
    overlap.settle(flag, acting=a.membership("admin"), decision="Partner keeps it; rep assists.")
    touch(a, campaign, account, "partner", days=2)
    overlap.refresh(a.tenant)
    assert OverlapFlag.objects.get().status == "settled"
    touch(a, campaign, account, "other_partner", days=4)
    overlap.refresh(a.tenant)
    reopened = OverlapFlag.objects.get()
    assert reopened.status == "open" and reopened.decision == "" and reopened.kind == "routes"


def test_a_party_learns_that_someone_else_works_the_account_never_who(a):
    campaign = CampaignFactory(tenant=a.tenant, name="Hydraulics webinar")
    account = AccountFactory(tenant=a.tenant)
    touch(a, campaign, account, "direct")
    touch(a, campaign, account, "partner")
    overlap.refresh(a.tenant)
    assert overlap.others_working(a.membership("partner_admin"), [account.pk]) == {
        account.pk: ["Hydraulics webinar"]
    }
    assert overlap.others_working(a.membership("rep"), [account.pk]) == {
        account.pk: ["Hydraulics webinar"]
    }
    assert overlap.others_working(a.membership("rival_partner_admin"), [account.pk]) == {}
    assert not OverlapFlag.objects.visible_to(a.membership("partner_admin")).exists()


def test_rebuild_removes_a_flag_no_touch_supports_any_more(a):
    campaign = CampaignFactory(tenant=a.tenant)
    account = AccountFactory(tenant=a.tenant)
    touch(a, campaign, account, "direct")
    moved = touch(a, campaign, account, "partner")
    overlap.refresh(a.tenant)
    moved.delete()
    overlap.rebuild(a.tenant)
    assert not OverlapFlag.objects.exists()
