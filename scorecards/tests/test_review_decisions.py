"""Decisions of a governance review as RevOps meets them: recorded with an owner and a due date
(or refused, saying which is missing), frozen with a signed-off review, carried into the next
quarter while open and shown on the owner's home page, closed by the owner, and applied through
the owning services (the target list changes, the ledger moves the funds, the overlap is
settled), once, with nothing half-saved when a step is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import TargetListMember
from accounts.tests.factories import AccountFactory, TargetListFactory
from campaigns.tests.factories import CampaignFactory
from core.acting import SystemActor
from core.tenancy import tenant_scope
from mdf.choices import EntryKind, LineState
from mdf.models import FundBalance, LedgerEntry, ReallocationLine
from mdf.services import reallocation
from mdf.tests.factories import ADMIN, uneven_partners
from scorecards.choices import DecisionStatus, OverlapStatus
from scorecards.models import OverlapFlag, ReviewDecision
from scorecards.review import decisions, workspace
from scorecards.tests.factories import GovernanceReviewFactory, ReviewDecisionFactory
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 15)


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        world.admin = world.membership("admin")
        world.review = GovernanceReviewFactory(
            tenant=world.tenant, quarter_start=dt.date(2026, 7, 1)
        )
        yield world


def record(a, **fields):
    values = {"title": "Refresh the press list", "owner": a.admin, "due_on": DUE, **fields}
    return decisions.create_decision(a.review, acting=a.admin, **values)


def sign(review, a):
    return workspace.sign_off(review, acting=a.admin, note="Agreed in the QBR")


def messages(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


# --- recording ---------------------------------------------------------------------------------


def test_a_decision_needs_an_owner_and_a_due_date_and_nothing_is_saved_without(a):
    with pytest.raises(ValidationError) as refused:
        record(a, owner=None, due_on=None)
    assert messages(refused)["owner"] == [
        "Every decision needs an owner: choose who carries it out."
    ]
    assert messages(refused)["due_on"] == ["Every decision needs a due date."]
    with pytest.raises(ValidationError) as refused:
        record(a, title="  ")
    assert messages(refused)["title"] == ["Say what was decided."]
    with pytest.raises(ValidationError) as refused:
        record(a, due_on="15.12.2026")
    assert messages(refused)["due_on"] == ["Give the due date as YYYY-MM-DD."]
    assert not ReviewDecision.objects.exists()
    made = record(a, due_on="2026-12-15", partner=a.partner)
    assert (made.owner, made.due_on, made.partner) == (a.admin, DUE, a.partner)
    assert made.created_by == a.users["admin"] and made.status == DecisionStatus.OPEN


def test_only_revops_admins_record_decisions(a):
    with pytest.raises(PermissionDenied):
        decisions.create_decision(
            a.review,
            acting=a.membership("manager"),
            title="Mine",
            owner=a.admin,
            due_on=DUE,
        )


def test_no_decision_is_recorded_in_a_signed_off_review(a):
    sign(a.review, a)
    with pytest.raises(ValidationError) as refused:
        record(a)
    assert "was signed off on" in messages(refused)["review"][0]
    assert "frozen" in messages(refused)["review"][0]
    assert not ReviewDecision.objects.exists()


def test_payload_errors_name_the_payload_key(a):
    listed = TargetListFactory(tenant=a.tenant, name="Presses")
    account = AccountFactory(tenant=a.tenant, name="Huber Bergbau")
    TargetListMember.objects.create(tenant=a.tenant, target_list=listed, account=account)
    other_tenant_list = None
    with tenant_scope(a.other_tenant):
        other_tenant_list = TargetListFactory(tenant=a.other_tenant)
    cases = [
        ("target_add", {"target_list": 999999, "account": account.pk}, "target_list: no such"),
        ("target_add", {"target_list": other_tenant_list.pk, "account": account.pk}, "no such"),
        ("target_add", {"target_list": "x", "account": account.pk}, "target_list: give the"),
        ("target_add", {"account": account.pk}, "target_list: required for a target_add"),
        (
            "target_add",
            {"target_list": listed.pk, "account": account.pk},
            "account: Huber Bergbau is on the target list Presses already.",
        ),
        ("target_drop", {"target_list": listed.pk, "account": 999999}, "account: no such account"),
        ("target_drop", {"target_list": listed.pk, "account": account.pk, "why": 1}, "why: not a"),
        ("mdf_move", {"line": 999999}, "line: no such reallocation line."),
        ("overlap", {"flag": 999999}, "flag: no such overlap flag."),
        ("overlap", [1, 2], "Give the payload as an object"),
    ]
    for kind, payload, expected in cases:
        with pytest.raises(ValidationError) as refused:
            record(a, kind=kind, payload=payload)
        assert expected in messages(refused)["payload"][0], (kind, payload)
    with pytest.raises(ValidationError) as refused:
        record(a, kind="bogus")
    assert "kind" in messages(refused)
    assert not ReviewDecision.objects.exists()
    other = AccountFactory(tenant=a.tenant)
    made = record(
        a, kind="target_add", payload={"target_list": str(listed.pk), "account": other.pk}
    )
    assert made.payload == {"target_list": listed.pk, "account": other.pk, "reason": ""}


# --- editing, deleting, signing off ------------------------------------------------------------


def test_a_frozen_review_refuses_edits_and_deletes_of_its_closed_decisions(a):
    closed = record(a, title="Closed before sign-off")
    decisions.close_decision(closed, acting=a.admin, status="done", outcome="Done")
    carried = record(a, title="Still open")
    sign(a.review, a)
    with pytest.raises(ValidationError) as refused:
        decisions.update_decision(closed, acting=a.admin, title="Changed afterwards")
    assert "frozen" in messages(refused)["review"][0]
    for decision in (closed, carried):
        with pytest.raises(ValidationError) as refused:
            decisions.delete_decision(decision, acting=a.admin)
        assert "frozen" in messages(refused)["review"][0]
    closed.refresh_from_db()
    assert closed.title == "Closed before sign-off"
    # An open decision is carried: its owner and date may still change.
    changed = decisions.update_decision(carried, acting=a.admin, due_on="2027-01-31")
    assert changed.due_on == dt.date(2027, 1, 31)
    assert ReviewDecision.objects.count() == 2


def test_editing_checks_the_row_whole_and_saves_nothing_on_a_refusal(a):
    decision = record(a)
    with pytest.raises(ValidationError) as refused:
        decisions.update_decision(decision, acting=a.admin, title="New", owner=None)
    assert "owner" in messages(refused)
    with pytest.raises(ValidationError) as refused:
        decisions.update_decision(decision, acting=a.admin, status="done")
    assert "status" in messages(refused)
    decision.refresh_from_db()
    assert decision.title == "Refresh the press list" and decision.owner == a.admin


def test_deleting_in_an_open_review_and_never_an_applied_decision(a):
    record(a)
    decisions.delete_decision(ReviewDecision.objects.get(), acting=a.admin)
    assert not ReviewDecision.objects.exists()
    listed = TargetListFactory(tenant=a.tenant)
    account = AccountFactory(tenant=a.tenant)
    applied = record(
        a, kind="target_add", payload={"target_list": listed.pk, "account": account.pk}
    )
    decisions.apply_decision(applied, acting=a.admin)
    with pytest.raises(ValidationError) as refused:
        decisions.delete_decision(applied, acting=a.admin)
    assert "was applied on" in messages(refused)["decision"][0]


def test_signing_off_twice_is_refused_naming_when_and_by_whom(a):
    sign(a.review, a)
    with pytest.raises(ValidationError) as refused:
        sign(a.review, a)
    message = messages(refused)["review"][0]
    assert "signed off already" in message and a.users["admin"].email in message


# --- closing -----------------------------------------------------------------------------------


def test_the_owner_closes_dropped_needs_why_and_closing_is_once(a):
    owner = a.membership("manager")
    decision = record(a, owner=owner)
    with pytest.raises(PermissionDenied):
        decisions.close_decision(decision, acting=a.membership("rep"), status="done")
    with pytest.raises(ValidationError) as refused:
        decisions.close_decision(decision, acting=owner, status="dropped", outcome=" ")
    assert messages(refused)["outcome"] == ["Say why the decision is dropped."]
    with pytest.raises(ValidationError) as refused:
        decisions.close_decision(decision, acting=owner, status="open")
    assert "status" in messages(refused)
    decisions.close_decision(decision, acting=owner, status="dropped", outcome="Budget cut")
    decision.refresh_from_db()
    assert (decision.status, decision.outcome) == ("dropped", "Budget cut")
    assert decision.closed_by == a.users["manager"] and decision.closed_at is not None
    with pytest.raises(ValidationError) as refused:
        decisions.close_decision(decision, acting=a.admin, status="done")
    assert "closed already" in messages(refused)["status"][0]


# --- carried into the next quarter -------------------------------------------------------------


def test_open_decisions_are_carried_into_the_next_quarters_review(a):
    carried = record(a, title="Carried on")
    done = record(a, title="Finished")
    decisions.close_decision(done, acting=a.admin, status="done", outcome="Done")
    sign(a.review, a)
    following = GovernanceReviewFactory(tenant=a.tenant, quarter_start=dt.date(2026, 10, 1))
    shown = list(workspace.shown_decisions(following))
    assert shown == [carried]
    row = workspace.decision_row(carried, following)
    assert row["carried_from"] == "2026-Q3"
    # Frozen with the first review as it stood.
    a.review.refresh_from_db()
    frozen = {r["title"]: r["status"] for r in a.review.decisions_at_sign_off}
    assert frozen == {"Carried on": "open", "Finished": "done"}


# --- applying ----------------------------------------------------------------------------------


def test_applying_a_target_add_puts_the_account_on_the_list_once(a):
    listed = TargetListFactory(tenant=a.tenant, name="Presses")
    account = AccountFactory(tenant=a.tenant, name="Huber Bergbau")
    decision = record(
        a,
        kind="target_add",
        payload={"target_list": listed.pk, "account": account.pk, "reason": "fit 0.92"},
    )
    a.tenant.timezone = "Pacific/Auckland"  # half a day from UTC: the message is in local time
    a.tenant.save(update_fields=["timezone"])
    when = timezone.now()
    decisions.apply_decision(decision, acting=a.admin, now=when)
    member = TargetListMember.objects.get(target_list=listed)
    assert (member.account, member.reason) == (account, "fit 0.92")
    listed.refresh_from_db()
    assert listed.refreshed_at is not None and f"decision #{decision.pk}" in listed.refresh_note
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DONE and decision.applied_by == a.users["admin"]
    assert decision.outcome == "Added Huber Bergbau to the target list Presses."
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(decision, acting=a.admin)
    local = timezone.localtime(when, a.tenant.zone)  # the tenant's time, as its pages show it
    assert f"applied already, on {local:%Y-%m-%d %H:%M} by" in messages(refused)["decision"][0]
    assert TargetListMember.objects.filter(target_list=listed).count() == 1


def test_applying_a_target_drop_takes_the_account_off_and_a_stale_one_is_refused(a):
    listed = TargetListFactory(tenant=a.tenant, name="Presses")
    account = AccountFactory(tenant=a.tenant, name="Huber Bergbau")
    TargetListMember.objects.create(tenant=a.tenant, target_list=listed, account=account)
    drop = record(a, kind="target_drop", payload={"target_list": listed.pk, "account": account.pk})
    again = record(a, kind="target_drop", payload={"target_list": listed.pk, "account": account.pk})
    decisions.apply_decision(drop, acting=a.admin)
    assert not TargetListMember.objects.filter(target_list=listed).exists()
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(again, acting=a.admin)
    assert "account: Huber Bergbau is not on the target list" in messages(refused)["payload"][0]
    again.refresh_from_db()
    assert again.is_open and again.applied_at is None


def test_general_and_closed_decisions_are_not_applied(a):
    general = record(a)
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(general, acting=a.admin)
    assert "close it when it is done" in messages(refused)["kind"][0]
    flag_campaign = CampaignFactory(tenant=a.tenant)
    flag = OverlapFlag.objects.create(
        tenant=a.tenant,
        campaign=flag_campaign,
        account=AccountFactory(tenant=a.tenant),
        kind="routes",
        first_seen_at=timezone.now(),
        last_touch_at=timezone.now(),
    )
    dropped = record(a, kind="overlap", payload={"flag": flag.pk})
    decisions.close_decision(dropped, acting=a.admin, status="dropped", outcome="Not ours")
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(dropped, acting=a.admin)
    assert "closed already" in messages(refused)["status"][0]
    with pytest.raises(PermissionDenied):
        decisions.apply_decision(general, acting=a.membership("manager"))


def test_applying_an_overlap_decision_settles_the_flag(a):
    campaign = CampaignFactory(tenant=a.tenant, name="Press line ABM")
    account = AccountFactory(tenant=a.tenant, name="Huber Bergbau")
    flag = OverlapFlag.objects.create(
        tenant=a.tenant,
        campaign=campaign,
        account=account,
        kind="routes",
        first_seen_at=timezone.now(),
        last_touch_at=timezone.now(),
    )
    decision = record(
        a,
        kind="overlap",
        title="Direct keeps Huber",
        detail="Direct North keeps the account; the partner hands over.",
        payload={"flag": flag.pk},
    )
    decisions.apply_decision(decision, acting=a.admin)
    flag.refresh_from_db()
    assert flag.status == OverlapStatus.SETTLED and flag.settled_by == a.users["admin"]
    assert flag.decision.startswith("Direct North keeps the account")
    decision.refresh_from_db()
    assert "Settled the overlap on Huber Bergbau in the campaign Press line ABM" in (
        decision.outcome
    )


@pytest.fixture
def proposal(a):
    uneven_partners(a)
    with tenant_scope(a.tenant):
        made = reallocation.recommend(
            a.tenant, Quarter.of(a.tenant, timezone.localdate()), acting=ADMIN
        )
        return ReallocationLine.objects.get(reallocation=made)


def test_applying_an_mdf_move_moves_the_funds_through_the_ledger(a, proposal):
    decision = record(
        a,
        kind="mdf_move",
        partner=a.partner,
        payload={"line": proposal.pk, "amount": "1500.00"},
    )
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(decision, acting=a.admin, amount="-3")
    assert messages(refused)["amount"] == ["Move an amount above zero."]
    decisions.apply_decision(decision, acting=a.admin)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.amount) == (LineState.ACCEPTED, Decimal(1500))
    moves = LedgerEntry.objects.filter(line=proposal, kind=EntryKind.REALLOCATED)
    assert sorted(m.amount for m in moves) == [Decimal(-1500), Decimal(1500)]
    start = Quarter.of(a.tenant, timezone.localdate()).start
    source = FundBalance.objects.get(partner=a.partner, quarter_start=start)
    assert source.available == Decimal(8500)
    decision.refresh_from_db()
    assert decision.applied_at is not None and "1,500.00" in decision.outcome
    assert a.other_partner.name not in decision.outcome  # the partner reads its outcome


def test_an_mdf_move_the_source_cannot_fund_moves_nothing_and_stays_open(a, proposal):
    decision = record(a, kind="mdf_move", payload={"line": proposal.pk})
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(decision, acting=a.admin, amount="999999.00")
    assert "cannot be moved" in messages(refused)["amount"][0]
    decision.refresh_from_db()
    proposal.refresh_from_db()
    assert decision.is_open and decision.applied_at is None
    assert proposal.state == LineState.PROPOSED
    assert not LedgerEntry.objects.filter(kind=EntryKind.REALLOCATED).exists()
    # Once the line is decided elsewhere, the decision says so under its payload.
    reallocation.reject_line(proposal, acting=ADMIN, note="No")
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(decision, acting=a.admin)
    assert "line: this reallocation line was rejected already" in messages(refused)["payload"][0]


def test_the_system_may_apply_and_records_no_person(a):
    listed = TargetListFactory(tenant=a.tenant)
    account = AccountFactory(tenant=a.tenant)
    decision = ReviewDecisionFactory(
        tenant=a.tenant,
        review=a.review,
        owner=a.admin,
        kind="target_add",
        payload={"target_list": listed.pk, "account": account.pk},
    )
    decisions.apply_decision(decision, acting=SystemActor("test"))
    decision.refresh_from_db()
    assert decision.applied_by is None and decision.status == DecisionStatus.DONE
    with pytest.raises(ValidationError) as refused:
        decisions.apply_decision(decision, acting=a.admin)
    assert "by the system" in messages(refused)["decision"][0]


# --- the owner's home page ---------------------------------------------------------------------


def test_carried_decisions_wait_on_their_owners_home_page_in_every_door(a, login_as):
    from tenancy.tests.home_helpers import home_page, queue_on

    slug = a.tenant.slug
    manager, partner_rep = a.membership("manager"), a.membership("partner_rep")
    today = timezone.localdate()
    record(a, title="Later", owner=manager, due_on=today + dt.timedelta(days=30))
    overdue = record(a, title="Late", owner=manager, due_on=today - dt.timedelta(days=1))
    record(a, title="Partner's", owner=partner_rep, due_on=today + dt.timedelta(days=5))
    sign(a.review, a)  # carried: still open after the review froze

    def item(persona, door):
        found = queue_on(home_page(login_as(persona), door, slug))
        return next((w for w in found if w.label == "Review decisions you own"), None)

    mine = item("manager", "sales")
    assert mine is not None and (mine.count, mine.urgent, mine.hint) == (2, True, "1 overdue.")
    assert mine.url == reverse("sales:governance-decisions", args=[slug])
    theirs = item("partner_rep", "portal")
    assert theirs is not None and (theirs.count, theirs.urgent) == (1, False)
    assert theirs.url == reverse("portal:governance-decisions", args=[slug])
    assert item("admin", "console") is None  # owns none
    assert item("rep", "sales") is None
    decisions.close_decision(overdue, acting=manager, status="done", outcome="Handled")
    mine = item("manager", "sales")
    assert mine is not None and (mine.count, mine.urgent) == (1, False)


def test_those_who_receive_extracts_hear_of_a_sign_off_since_their_last_visit(a, login_as):
    from tenancy.services import record_home_visit
    from tenancy.tests.home_helpers import changes_on, home_page

    slug = a.tenant.slug
    earlier = timezone.now() - dt.timedelta(hours=2)
    for persona in ("partner_admin", "manager", "partner_rep"):
        record_home_visit(acting=a.membership(persona), now=earlier)
    sign(a.review, a)
    said = "The 2026-Q3 governance review was signed off: your extract is ready."
    assert said in changes_on(home_page(login_as("partner_admin"), "portal", slug))
    assert said in changes_on(home_page(login_as("manager"), "sales", slug))
    # A partner rep receives no extract, so hears of none.
    assert said not in changes_on(home_page(login_as("partner_rep"), "portal", slug))
