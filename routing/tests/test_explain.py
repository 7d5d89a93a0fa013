"""Say why, everywhere: a lead's status in words its viewer may read (routing.explain), on the
portal's submissions list, the lead pages of the portal and the sales door, and the inbox."""

from __future__ import annotations

import html
from typing import Any

import pytest

from core.tenancy import tenant_scope
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing import services
from routing.choices import CandidateStatus
from routing.explain import AUDIENCES, NO_DEADLINE, explain
from routing.models import Assignee, DuplicateCandidate
from routing.tests.test_pages_helpers import (
    BAVARIA,
    HAMBURG,
    TYROL,
    membership,
    prepare_routing,
    send,
)
from tenancy.clock import local_text
from tests.world import OTHER_PARTNER_MARK

pytestmark = pytest.mark.django_db

REVOPS = "The RevOps team at Alpha Machines reviews leads no one could be given"
# What a partner may never read about a lead: other partners, people, teams and the rules.
RULE_WORDS = (
    "Bavaria to partners",
    "Tyrol to the rival",
    "Authorized distributors serve Bavaria",
    "Our Tyrolean partner knows the valleys",
    "Direct North",
    "Default",
    "rulebook",
)


def rival_takes_no_leads(world: Any) -> None:
    """The Tyrolean partner takes no leads, and Tyrolean leads have no direct fallback."""
    with tenant_scope(world.tenant):
        Assignee.objects.create(
            tenant=world.tenant, partner=world.other_partner, accepts_leads=False
        )


def why(world: Any, lead: Lead, persona: str, **kwargs: Any):
    with tenant_scope(world.tenant):
        return explain(lead, membership(world, persona), **kwargs)


def leaks(world: Any, text: str, persona: str) -> list[str]:
    marks = [*world.forbidden_marks(persona), *RULE_WORDS, "@"]
    return [mark for mark in marks if mark in text]


def words(explanation: Any) -> str:
    return " ".join(
        [explanation.text, explanation.reviewer, explanation.deadline_text, *explanation.history]
    )


# --- a partner's lead that no one can take -----------------------------------------------------


def test_a_partners_unroutable_lead_says_why_who_and_by_when(world, login_as):
    prepare_routing(world)
    rival_takes_no_leads(world)
    lead = send(world, TYROL, submitted_by_partner=world.partner, last_name="Fallthrough")
    assert lead.status == LeadStatus.UNROUTABLE

    partner = why(world, lead, "partner_admin")
    assert "none that may take it could take it now" in partner.summary
    assert REVOPS in partner.next_step and partner.reviewer.startswith("The RevOps team at")
    assert partner.deadline is None and partner.deadline_text == NO_DEADLINE
    assert not leaks(world, words(partner), "partner_admin")

    direct = why(world, lead, "rep")
    assert "no direct owner to fall back to" in direct.summary
    revops = why(world, lead, "admin")
    assert "none eligible could take it" in revops.summary
    assert revops.reviewer == "You (RevOps)"

    # The portal's list and lead page say it too, the console keeps its full story.
    listed = login_as("partner_admin").get("/portal/alpha/submitted-leads/").content.decode()
    row = listed.split("Fallthrough", 1)[1].split("</tr>")[0]
    assert html.escape(REVOPS) in row and "could take it now" in row
    page = login_as("partner_admin").get(f"/portal/alpha/leads/{lead.pk}/").content.decode()
    assert html.escape(REVOPS) in page and NO_DEADLINE in page
    for mark in leaks(world, html.unescape(page), "partner_admin"):
        assert mark == "@", mark  # the signed-in user's own email in the frame only
    console = login_as("admin").get(f"/console/alpha/leads/{lead.pk}/").content.decode()
    assert "Tyrol to the rival" in console


def test_without_a_rulebook_the_partner_is_told_the_rules_are_not_set_up(world):
    lead = send(world, submitted_by_partner=world.partner)
    assert lead.status == LeadStatus.UNROUTABLE
    partner = why(world, lead, "partner_rep")
    assert "routing rules are not set up yet" in partner.summary
    assert "no rulebook is active yet" in why(world, lead, "rep").summary


# --- routed, to the viewer or to someone else ---------------------------------------------------


def test_a_lead_routed_to_the_partner_names_its_acceptance_deadline(world, login_as):
    prepare_routing(world)
    lead = send(world, where=BAVARIA, last_name="Bavarian")
    assert lead.assigned_partner_id == world.partner.pk
    mine = why(world, lead, "partner_admin")
    assert mine.summary == "Routed to your company; waiting to be accepted."
    assert mine.deadline is not None
    # In the tenant's zone, as the page's clock footer says; the zone is not repeated.
    assert mine.deadline_text == f"By {local_text(mine.deadline, world.tenant)}."
    assert "it is taken back and offered to the next in line" in mine.next_step
    inbox = login_as("partner_admin").get("/portal/alpha/leads/").content.decode()
    row = inbox.split("Bavarian", 1)[1].split("</tr>")[0]
    assert "Routed to your company; waiting to be accepted." in row


def test_a_lead_the_rival_holds_is_told_without_its_name(world):
    prepare_routing(world)
    lead = send(world, where=TYROL, submitted_by_partner=world.partner)
    assert lead.assigned_partner_id == world.other_partner.pk
    seen = why(world, lead, "partner_admin")
    assert seen.summary == "Given to another partner; waiting for them to accept it."
    assert seen.deadline is None  # not theirs to watch
    assert not leaks(world, words(seen), "partner_admin")
    rival = why(world, lead, "rival_partner_admin")
    assert rival.summary == "Routed to your company; waiting to be accepted."


def test_declined_by_someone_else_is_said_without_saying_who(world):
    prepare_routing(world)
    lead = send(world, where=TYROL, submitted_by_partner=world.partner, last_name="Declined")
    with tenant_scope(world.tenant):
        services.reject_lead(
            lead, acting=membership(world, "rival_partner_admin"), reason="Too far away"
        )
        lead.refresh_from_db()
    seen = why(world, lead, "partner_admin")
    assert "It was declined once before and offered to the next in line." in seen.history
    text = words(seen)
    assert "Too far away" not in text and not leaks(world, text, "partner_admin")
    assert OTHER_PARTNER_MARK not in text


def test_a_direct_lead_seen_by_its_rep_and_by_the_submitting_partner(world):
    prepare_routing(world)
    lead = send(world, submitted_by_partner=world.partner)
    assert lead.route == "direct"
    assert why(world, lead, "rep").summary == "Routed to you; waiting to be accepted."
    partner = why(world, lead, "partner_rep")
    assert (
        partner.summary == "Given to the manufacturer's sales team; waiting for them to accept it."
    )
    assert not leaks(world, words(partner), "partner_rep")


# --- every status, every audience ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["bavaria", "tyrol", "hamburg"])
def test_every_status_is_explained_to_every_audience(world, where):
    prepare_routing(world)
    place = {"bavaria": BAVARIA, "tyrol": TYROL, "hamburg": HAMBURG}[where]
    lead = send(world, where=place, submitted_by_partner=world.partner)
    lead.recalls = 1
    for status in LeadStatus.values:
        lead.status = status
        for persona in ("partner_admin", "partner_rep", "rival_partner_admin", "rep", "admin"):
            seen = why(world, lead, persona)
            assert seen.summary and seen.reviewer and seen.deadline_text, (status, persona)
            assert "taken back once after a deadline was missed" in " ".join(seen.history)
            if persona != "admin":
                assert not leaks(world, words(seen), persona), (status, persona, seen)
            if status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED, LeadStatus.MERGED):
                assert seen.deadline is None and seen.reviewer == "No one: it is closed"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_lead_in_duplicate_review_says_who_checks_it(world, audience):
    prepare_routing(world)
    lead = send(world, submitted_by_partner=world.partner)
    other = send(world)
    with tenant_scope(world.tenant):
        DuplicateCandidate.objects.create(
            tenant=world.tenant,
            lead=lead,
            other_lead=other,
            score=18.0,
            status=CandidateStatus.PENDING,
        )
    seen = why(world, lead, "partner_admin", audience=audience)
    check = " ".join(seen.history)
    assert "the RevOps team at Alpha Machines checks" in check
    assert "no deadline is set for this check" in check


def test_the_inbox_and_the_sales_lead_page_say_what_happens_next(world, login_as):
    prepare_routing(world)
    lead = send(world, last_name="Nordlicht")
    with tenant_scope(world.tenant):
        services.accept_lead(lead, acting=membership(world, "rep"))
    rep = login_as("rep")
    inbox = rep.get("/sales/alpha/leads/").content.decode()
    assert "Accepted; waiting for its first touch." in inbox.split("Nordlicht", 1)[1]
    page = rep.get(f"/sales/alpha/leads/{lead.pk}/").content.decode()
    assert "What happens next" in page and "Log the first touch" in page


def test_a_new_lead_is_being_routed(world):
    with tenant_scope(world.tenant):
        lead = Lead.objects.create(
            tenant=world.tenant, last_name="Fresh", email="fresh@example.com", source="api"
        )
    seen = why(world, lead, "partner_admin")
    assert seen.reviewer == "The routing rules (automatic)"
    assert "usually within moments" in seen.next_step
