"""The home-page queues: what waits for whom, and nothing before the pages exist to link to."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.http import HttpRequest
from django.urls import NoReverseMatch

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg import home
from dealreg.services import registrations as regs
from dealreg.tests.helpers import draft, rulebook
from tenancy.choices import Door
from tenancy.requests import DoorRequest

pytestmark = pytest.mark.django_db


def _Request(world: Any, persona: str, door: str) -> DoorRequest:
    """What the providers read of a page request that passed a door's guard."""
    request = cast(DoorRequest, HttpRequest())
    request.tenant, request.membership, request.door = (
        world.tenant,
        world.membership(persona),
        Door(door),
    )
    return request


def test_queues_name_the_work_and_link_to_the_pages_once_they_exist(world, monkeypatch):
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Queue Works")
    registration = draft(world, "partner_rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("partner_rep"))
        regs.return_for_info(
            registration, fields=["notes"], note="More please", acting=world.membership("admin")
        )
        other = draft(world, "rep", AccountFactory(tenant=world.tenant, name="Other Works"))
        regs.submit(other, acting=world.membership("rep"))

        # Without the pages to link to: nothing shown, no error.
        def missing(name, args):
            raise NoReverseMatch(name)

        monkeypatch.setattr(home, "reverse", missing)
        assert list(home.console_queue(_Request(world, "admin", Door.CONSOLE))) == []

        monkeypatch.setattr(home, "reverse", lambda name, args: f"/{name}/{args[0]}/")
        console = {
            i.label: i.count for i in home.console_queue(_Request(world, "admin", Door.CONSOLE))
        }
        assert console == {"Deal registrations to review": 1}
        portal = list(home.registrant_queue(_Request(world, "partner_rep", Door.PORTAL)))
        assert [(i.label, i.count, i.page) for i in portal] == [
            ("Registrations returned for information", 1, "portal:dealregs")
        ]
        assert (
            list(home.registrant_queue(_Request(world, "rival_partner_admin", Door.PORTAL))) == []
        )
