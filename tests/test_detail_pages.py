"""The opportunity and contact pages, as their users notice them: the facts, the stage history with
the time spent in each stage, the touches, where the deal came from and the person's leads, each
only for those who may see the row (another partner's or team's row is a 404, as if it did not
exist), and every opportunity and contact name in the lists leading to its page.

The `world` fixture (tests/world.py) gives one account, contact, opportunity and touch per owner.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Contact
from accounts.tests.factories import ProductFactory
from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange
from pipeline.tests.factories import TouchFactory
from routing.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

DOOR = {
    "admin": "console",
    "manager": "sales",
    "rep": "sales",
    "other_team_rep": "sales",
    "partner_admin": "portal",
    "partner_rep": "portal",
    "rival_partner_admin": "portal",
    "outsider_admin": "console",
}


def opportunity_of(world, owner: str) -> Opportunity:
    return Opportunity.all_tenants.get(tenant=world.tenant, external_id=f"OPP-{owner}")


def contact_of(world, owner: str) -> Contact:
    return Contact.all_tenants.get(tenant=world.tenant, external_id=f"CON-{owner}")


def page(login_as, persona: str, path: str):
    return login_as(persona).get(f"/{DOOR[persona]}/alpha/{path}")


def text(response) -> str:
    """The page's words, tags and runs of spaces dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def stages(world) -> dict[str, Stage]:
    return {s.key: s for s in Stage.all_tenants.filter(tenant=world.tenant)}


@pytest.mark.parametrize(
    ("owner", "admitted", "refused"),
    [
        ("rep", ["admin", "manager", "rep"], ["other_team_rep", "partner_admin"]),
        ("partner", ["admin", "manager", "partner_admin", "partner_rep"], ["rival_partner_admin"]),
    ],
)
def test_an_opportunity_page_opens_for_those_who_may_see_it(
    world, login_as, owner, admitted, refused
):
    opportunity = opportunity_of(world, owner)
    for persona in admitted:
        response = page(login_as, persona, f"opportunities/{opportunity.pk}/")
        assert response.status_code == 200, persona
        assert opportunity.name in text(response)
    for persona in [*refused, "outsider_admin"]:
        response = page(login_as, persona, f"opportunities/{opportunity.pk}/")
        assert response.status_code == 404, persona
        assert opportunity.name not in response.content.decode()


def test_the_opportunity_page_shows_its_facts_lines_stage_history_and_touches(world, login_as):
    opportunity = opportunity_of(world, "rep")
    by_key = stages(world)
    start = dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC)
    StageChange.objects.create(
        tenant=world.tenant,
        opportunity=opportunity,
        from_stage=None,
        to_stage=by_key["qualify"],
        changed_at=start,
        changed_by=world.users["rep"],
    )
    StageChange.objects.create(
        tenant=world.tenant,
        opportunity=opportunity,
        from_stage=by_key["qualify"],
        to_stage=by_key["propose"],
        changed_at=start + dt.timedelta(days=3, hours=4),
    )
    product = ProductFactory.create(tenant=world.tenant, sku="PUMP-7", name="Slurry pump")
    OpportunityLine.objects.create(
        tenant=world.tenant, opportunity=opportunity, product=product, quantity=2, list_price=1000
    )

    response = page(login_as, "rep", f"opportunities/{opportunity.pk}/")

    words = text(response)
    assert "Stage history" in words
    assert "Qualify" in words and "from Qualify" in words
    assert "3 d 4 h" in words  # the time spent in Qualify
    assert "so far" in words  # still in Propose
    assert "Slurry pump" in words and "2,000.00" in words
    assert "OPP-rep" in words and "EUR" in words
    assert "Visit" in words  # the world's touch on it
    account_url = f"/sales/alpha/accounts/{opportunity.account_id}/"
    assert f'href="{account_url}"' in response.content.decode()


def test_the_opportunity_page_says_which_lead_it_came_from(world, login_as):
    opportunity = opportunity_of(world, "rep")
    lead = LeadFactory.create(
        tenant=world.tenant, assigned_user=world.users["rep"], status="converted"
    )
    TouchFactory.create(
        tenant=world.tenant,
        account=opportunity.account,
        opportunity=opportunity,
        lead=lead,
        actor_user=world.users["rep"],
        subject="Discovery call",
    )
    response = page(login_as, "rep", f"opportunities/{opportunity.pk}/")
    assert "Lead origin" in text(response)
    assert f'href="/sales/alpha/leads/{lead.pk}/"' in response.content.decode()
    assert "Discovery call" in text(response)
    # The rival partner sees neither the deal nor its lead.
    assert page(login_as, "partner_admin", f"opportunities/{opportunity.pk}/").status_code == 404


def test_the_opportunity_page_reads_with_a_bounded_number_of_queries(world, login_as):
    opportunity = opportunity_of(world, "rep")
    client = login_as("rep")
    url = f"/sales/alpha/opportunities/{opportunity.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(15):
        TouchFactory.create(
            tenant=world.tenant,
            account=opportunity.account,
            opportunity=opportunity,
            actor_user=world.users["rep"],
            contact=contact_of(world, "rep"),
            subject=f"Call {n}",
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert text(response).count("Call ") >= 15
    assert len(many) <= len(few) + 1


def test_lists_link_every_opportunity_and_contact_to_its_page(world, login_as):
    opportunity = opportunity_of(world, "partner")
    contact = contact_of(world, "partner")
    client = login_as("partner_admin")
    listed = client.get("/portal/alpha/opportunities/").content.decode()
    assert f'href="/portal/alpha/opportunities/{opportunity.pk}/"' in listed
    account = client.get(f"/portal/alpha/accounts/{opportunity.account_id}/").content.decode()
    assert f'href="/portal/alpha/opportunities/{opportunity.pk}/"' in account
    assert f'href="/portal/alpha/contacts/{contact.pk}/"' in account
    contacts = client.get("/portal/alpha/contacts/").content.decode()
    assert f'href="/portal/alpha/contacts/{contact.pk}/"' in contacts


def test_the_contact_page_shows_the_person_their_touches_and_their_leads(world, login_as):
    contact = contact_of(world, "partner")
    contact.email = "Greta.Gruber@Bergbau.example"
    contact.title = "Head of maintenance"
    contact.save()
    TouchFactory.create(
        tenant=world.tenant,
        account=contact.account,
        contact=contact,
        route="partner",
        actor_partner=world.partner,
        subject="Site visit with Greta",
    )
    by_email = LeadFactory.create(
        tenant=world.tenant,
        email="greta.gruber@bergbau.example",
        email_key="greta.gruber@bergbau.example",
        assigned_partner=world.partner,
        route="partner",
        status="routed",
    )
    elsewhere = LeadFactory.create(
        tenant=world.tenant,
        email_key="greta.gruber@bergbau.example",
        assigned_partner=world.other_partner,
        route="partner",
        status="routed",
    )

    response = page(login_as, "partner_admin", f"contacts/{contact.pk}/")

    assert response.status_code == 200
    words = text(response)
    assert contact.account is not None
    assert "Head of maintenance" in words and contact.account.name in words
    assert "Site visit with Greta" in words
    body = response.content.decode()
    assert f'href="/portal/alpha/leads/{by_email.pk}/"' in body
    assert f"/leads/{elsewhere.pk}/" not in body  # the rival partner's lead of the same person
    # Another partner's contact, and another tenant's, are 404.
    assert page(login_as, "rival_partner_admin", f"contacts/{contact.pk}/").status_code == 404
    assert page(login_as, "outsider_admin", f"contacts/{contact.pk}/").status_code == 404


def test_an_unknown_or_huge_id_is_a_404_not_an_error(world, login_as):
    for path in ("opportunities/999999/", "contacts/999999/", "opportunities/99999999999999999/"):
        assert page(login_as, "admin", path).status_code == 404
