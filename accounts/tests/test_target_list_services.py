"""Target-list membership through the services: one account added or dropped at a time (as an
applied governance decision does), each refused when there is nothing to do and noting the
refresh on the list; the whole list replaced at once (the API's members) writes members the
same way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import TargetListMember
from accounts.services import (
    add_target_list_member,
    remove_target_list_member,
    set_target_list_members,
)
from accounts.tests.factories import AccountFactory, TargetListFactory
from core.acting import SystemActor
from core.tenancy import tenant_scope

pytestmark = pytest.mark.django_db

ACTING = SystemActor("test")
WHEN = dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC)


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        world.listed = TargetListFactory(tenant=world.tenant, name="Presses")
        world.huber = AccountFactory(tenant=world.tenant, name="Huber Bergbau")
        yield world


def members(target_list) -> dict[int, str]:
    return dict(
        TargetListMember.objects.filter(target_list=target_list).values_list("account_id", "reason")
    )


def test_adding_one_account_notes_the_refresh_and_is_refused_twice(a):
    add_target_list_member(a.listed, a.huber, reason=" fit 0.9 ", acting=ACTING, now=WHEN)
    assert members(a.listed) == {a.huber.pk: "fit 0.9"}
    a.listed.refresh_from_db()
    assert (a.listed.refreshed_at, a.listed.refresh_note) == (WHEN, "Added Huber Bergbau: fit 0.9")
    with pytest.raises(ValidationError) as refused:
        add_target_list_member(a.listed, a.huber, acting=ACTING)
    assert refused.value.message_dict == {
        "account": ["Huber Bergbau is on the target list Presses already."]
    }
    with pytest.raises(ValidationError) as refused:
        add_target_list_member(a.listed, a.huber, reason="x" * 301, acting=ACTING)
    assert "reason" in refused.value.message_dict


def test_dropping_one_account_and_an_absent_one_is_refused(a):
    add_target_list_member(a.listed, a.huber, acting=ACTING)
    remove_target_list_member(a.listed, a.huber, acting=ACTING, note="Lost to a rival")
    assert members(a.listed) == {}
    a.listed.refresh_from_db()
    assert a.listed.refresh_note == "Lost to a rival"
    with pytest.raises(ValidationError) as refused:
        remove_target_list_member(a.listed, a.huber, acting=ACTING)
    assert refused.value.message_dict == {
        "account": ["Huber Bergbau is not on the target list Presses."]
    }


def test_replacing_the_whole_list_keeps_reasons_current(a):
    other = AccountFactory(tenant=a.tenant)
    add_target_list_member(a.listed, a.huber, reason="old", acting=ACTING)
    set_target_list_members(a.listed, [(a.huber, "new"), (other, "")], acting=ACTING)
    assert members(a.listed) == {a.huber.pk: "new", other.pk: ""}
    set_target_list_members(a.listed, [(other, "kept")], acting=ACTING)
    assert members(a.listed) == {other.pk: "kept"}
