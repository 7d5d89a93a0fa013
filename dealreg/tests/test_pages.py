"""The deal-registration pages: who sees which registration, the review queue's order, and
decisions and the registrant's actions made through the pages (refusals shown, never a 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration, RegistrationClock
from dealreg.services import registrations as regs
from dealreg.tests.helpers import draft, rulebook

pytestmark = pytest.mark.django_db


def _url(world, name: str, *args) -> str:
    return reverse(name, args=[world.tenant.slug, *args])


def _filed(world, persona: str, account, **fields) -> DealRegistration:
    registration = draft(world, persona, account, **fields)
    with tenant_scope(world.tenant):
        return regs.submit(registration, acting=world.membership(persona))


@pytest.fixture
def contested(world):
    """A partner's registration, then its rival's on the same customer and line (a conflict)."""
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Contested Mill")
    first = _filed(world, "partner_rep", account, amount="123457", title="First press line")
    second = _filed(world, "rival_partner_admin", account, amount="765431", title="Rival press")
    return first, second


def test_partners_see_their_own_registrations_only(world, login_as, contested):
    first, _second = contested
    rival = login_as("rival_partner_admin")
    listing = rival.get(_url(world, "portal:dealregs")).content.decode()
    assert "Rival press" in listing and "First press line" not in listing
    assert rival.get(_url(world, "portal:dealreg", first.pk)).status_code == 404

    mine = login_as("partner_rep").get(_url(world, "portal:dealregs")).content.decode()
    assert "First press line" in mine and "Rival press" not in mine


def test_a_partner_reads_its_conflict_without_the_other_partys_name_or_value(
    world, login_as, contested
):
    _, second = contested
    second.refresh_from_db()
    assert second.has_conflict
    page = login_as("rival_partner_admin").get(_url(world, "portal:dealreg", second.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="conflicts"' in body and "No conflict found" not in body
    assert world.partner.name not in body
    assert "123457" not in body and "First press line" not in body
    for mark in world.forbidden_marks("rival_partner_admin"):
        assert mark not in body

    # The manufacturer reads the whole picture: the other party and its registration.
    review = login_as("admin").get(_url(world, "console:dealreg", second.pk)).content.decode()
    assert world.partner.name in review and f"registration #{contested[0].pk}" in review


def test_sales_sees_direct_registrations_and_the_list_filters_by_state(world, login_as):
    rulebook(world)
    mine = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Rep Works"))
    other = _filed(world, "other_team_rep", AccountFactory(tenant=world.tenant, name="South Co"))
    rep = login_as("rep")
    assert rep.get(_url(world, "sales:dealreg", other.pk)).status_code == 404
    assert rep.get(_url(world, "sales:dealreg", mine.pk)).status_code == 200
    submitted = rep.get(_url(world, "sales:dealregs") + "?state=submitted").content.decode()
    assert f"#{mine.pk} " in submitted
    approved = rep.get(_url(world, "sales:dealregs") + "?state=approved").content.decode()
    assert f"#{mine.pk} " not in approved
    bad = rep.get(_url(world, "sales:dealregs") + "?state=nonsense")
    assert bad.status_code == 400 and "not valid" in bad.content.decode()


def test_the_review_queue_puts_the_soonest_due_clock_first(world, login_as):
    rulebook(world)
    early = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Early Filed"))
    late = _filed(world, "partner_rep", AccountFactory(tenant=world.tenant, name="Late Filed"))
    with tenant_scope(world.tenant):
        # The later one is due first (say its review step is shorter).
        RegistrationClock.objects.filter(registration=late, kind="review").update(
            due_at=timezone.now() + dt.timedelta(hours=1)
        )
        RegistrationClock.objects.filter(registration=early, kind="review").update(
            due_at=timezone.now() + dt.timedelta(hours=8)
        )
    body = login_as("admin").get(_url(world, "console:dealreg-review")).content.decode()
    assert body.index(f"#{late.pk} ") < body.index(f"#{early.pk} ")


def test_approve_and_reject_through_the_review_page(world, login_as):
    rulebook(world)
    one = _filed(world, "partner_rep", AccountFactory(tenant=world.tenant, name="Approve Co"))
    two = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Reject Co"))
    admin = login_as("admin")
    page = admin.get(_url(world, "console:dealreg", one.pk)).content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page
    assert 'data-testid="approval-chain"' in page and "Channel review" in page
    registrant = login_as("partner_rep").get(_url(world, "portal:dealreg", one.pk))
    assert 'data-testid="approval-chain"' not in registrant.content.decode()

    done = admin.post(_url(world, "console:dealreg-decide", one.pk), {"decision": "approve"})
    assert done.status_code == 302
    one.refresh_from_db()
    assert one.state == "approved" and one.protection_ends_at is not None

    with tenant_scope(world.tenant):
        from dealreg.services.state import settings_for

        reason = settings_for(world.tenant).rejection_reasons[0]
    admin.post(
        _url(world, "console:dealreg-decide", two.pk),
        {"decision": "reject", "reason": reason, "text": "Not a real project"},
    )
    two.refresh_from_db()
    assert two.state == "rejected" and two.rejection_reason == reason

    # The registrant reads the decision and the protection's end on its page.
    portal = login_as("partner_rep").get(_url(world, "portal:dealreg", one.pk)).content.decode()
    assert "Approved" in portal and 'data-testid="protection-left"' in portal


def test_a_disallowed_decision_is_a_message_not_an_error(world, login_as):
    rulebook(world)
    reg = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Closed Co"))
    with tenant_scope(world.tenant):
        regs.withdraw(reg, reason="Lost interest", acting=world.membership("rep"))
    admin = login_as("admin")
    response = admin.post(
        _url(world, "console:dealreg-decide", reg.pk), {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert "does not allow approve" in response.content.decode()
    reg.refresh_from_db()
    assert reg.state == "withdrawn"

    # A rejection without a reason from the list: the service's words, nothing changes.
    other = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Open Co"))
    response = admin.post(
        _url(world, "console:dealreg-decide", other.pk),
        {"decision": "reject", "reason": "", "text": "no"},
        follow=True,
    )
    assert response.status_code == 200 and "Choose one of" in response.content.decode()
    other.refresh_from_db()
    assert other.state == "submitted"


def test_return_for_information_through_the_review_page(world, login_as):
    rulebook(world)
    reg = _filed(world, "partner_rep", AccountFactory(tenant=world.tenant, name="Return Co"))
    login_as("admin").post(
        _url(world, "console:dealreg-decide", reg.pk),
        {"decision": "return", "ask_fields": ["notes"], "text": "Which plant?"},
    )
    reg.refresh_from_db()
    assert reg.state == "returned" and reg.editable_fields == ["notes"]
    page = login_as("partner_rep").get(_url(world, "portal:dealreg", reg.pk)).content.decode()
    assert "Which plant?" in page


def test_the_registrant_withdraws_and_asks_for_an_extension_on_its_page(world, login_as):
    rulebook(world)
    reg = _filed(world, "partner_rep", AccountFactory(tenant=world.tenant, name="Extend Co"))
    with tenant_scope(world.tenant):
        regs.approve(reg, acting=world.membership("admin"))
    partner = login_as("partner_rep")
    partner.post(_url(world, "portal:dealreg-extension", reg.pk), {"reason": "Budget slipped"})
    reg.refresh_from_db()
    assert reg.extension_requested_at is not None

    # A second request while one waits: refused in words.
    again = partner.post(
        _url(world, "portal:dealreg-extension", reg.pk), {"reason": "Again"}, follow=True
    )
    assert again.status_code == 200 and "already waiting" in again.content.decode()

    empty = partner.post(_url(world, "portal:dealreg-withdraw", reg.pk), {}, follow=True)
    assert empty.status_code == 200 and "Say why" in empty.content.decode()
    partner.post(_url(world, "portal:dealreg-withdraw", reg.pk), {"reason": "Customer gone"})
    reg.refresh_from_db()
    assert reg.state == "withdrawn"

    # Another partner cannot act on it at all.
    assert (
        login_as("rival_partner_admin")
        .post(_url(world, "portal:dealreg-withdraw", reg.pk), {"reason": "x"})
        .status_code
        == 404
    )


def test_the_console_decides_a_waiting_extension_request(world, login_as):
    rulebook(world)
    reg = _filed(world, "partner_rep", AccountFactory(tenant=world.tenant, name="Longer Co"))
    with tenant_scope(world.tenant):
        regs.approve(reg, acting=world.membership("admin"))
        regs.request_extension(
            reg, reason="Trial runs late", acting=world.membership("partner_rep")
        )
    reg.refresh_from_db()
    ends = reg.protection_ends_at
    assert ends is not None
    admin = login_as("admin")
    assert "Trial runs late" in admin.get(_url(world, "console:dealreg", reg.pk)).content.decode()
    admin.post(_url(world, "console:dealreg-decide", reg.pk), {"decision": "approve_extension"})
    reg.refresh_from_db()
    assert reg.extension_requested_at is None
    assert reg.protection_ends_at is not None and reg.protection_ends_at > ends


def test_a_sales_manager_reviews_in_the_sales_door_and_a_rep_may_not(world, login_as):
    rulebook(world)
    reg = _filed(world, "rep", AccountFactory(tenant=world.tenant, name="Managed Co"))
    refused = login_as("rep").post(
        _url(world, "sales:dealreg-decide", reg.pk), {"decision": "approve"}, follow=True
    )
    assert refused.status_code == 200 and "reviewed by RevOps admins" in refused.content.decode()
    reg.refresh_from_db()
    assert reg.state == "submitted"
    assert 'data-testid="decision"' not in (
        login_as("rep").get(_url(world, "sales:dealreg", reg.pk)).content.decode()
    )

    manager = login_as("manager")
    assert 'data-testid="decision"' in (
        manager.get(_url(world, "sales:dealreg", reg.pk)).content.decode()
    )
    # The tenant's default chain has RevOps admins approve: the manager is told so, on the page.
    told = manager.post(
        _url(world, "sales:dealreg-decide", reg.pk), {"decision": "approve"}, follow=True
    )
    assert told.status_code == 200 and "for a RevOps admin" in told.content.decode()
    manager.post(
        _url(world, "sales:dealreg-decide", reg.pk),
        {"decision": "return", "ask_fields": ["notes"], "text": "Which line?"},
    )
    reg.refresh_from_db()
    assert reg.state == "returned"
