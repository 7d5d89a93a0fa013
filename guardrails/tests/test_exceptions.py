"""The exception workflow as requesters and reviewers meet it: who may ask for what, the checks on
accounts, opportunities, discounts and dates, review and withdrawal, escalation by email, and which
exceptions are in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.acting import SystemActor
from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.models import AccountRoute, RuleException
from guardrails.services import exception_requests
from guardrails.services.exception_requests import (
    effective_exceptions,
    escalate_overdue,
    request_exception,
    review_exception,
    withdraw_exception,
)
from guardrails.services.versions import get_rulebook
from guardrails.tests.factories import RouteRuleFactory
from pipeline.models import Opportunity
from tenancy.choices import Role
from tenancy.services import membership_for
from tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

WORK = ExceptionKind.WORK_ACCOUNT
DISCOUNT = ExceptionKind.DISCOUNT
SWEEP = SystemActor("guardrails sweep")


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def m(world, persona: str):
    return membership_for(world.users[persona], world.tenant)


def opportunity_of(world, key: str) -> Opportunity:
    return Opportunity.all_tenants.get(tenant=world.tenant, external_id=f"OPP-{key}")


def line(world):
    from accounts.models import ProductLine

    return ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics")


def ask(world, persona: str, **kwargs):
    kwargs.setdefault("kind", WORK)
    kwargs.setdefault("justification", "Long-standing service contract with this customer.")
    kwargs.setdefault("ends_on", in_days(90))
    with tenant_scope(world.tenant):
        return request_exception(acting=m(world, persona), **kwargs)


def refused(world, persona: str, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        ask(world, persona, **kwargs)
    return excinfo.value.message_dict


@pytest.fixture
def recomputed(monkeypatch):
    calls: list = []
    monkeypatch.setattr(
        exception_requests,
        "recompute_routes",
        lambda t, ids=None, *, acting: calls.append(("routes", t, ids)),
    )
    monkeypatch.setattr(
        exception_requests,
        "record_leakage",
        lambda t, ids=None, *, acting: calls.append(("leakage", t, ids)),
    )
    return calls


# --- requesting --------------------------------------------------------------------------------


def test_a_partner_asks_to_work_its_account_with_the_deciding_rule_recorded(world):
    account = world.customers["partner"]
    with tenant_scope(world.tenant):
        rule = RouteRuleFactory(version__rulebook__tenant=world.tenant, name="Bavaria direct")
        AccountRoute.objects.create(
            tenant=world.tenant,
            account=account,
            version=rule.version,
            rule=rule,
            outcome="direct",
            rationale="Served directly.",
            decided_at=timezone.now(),
        )
    exc = ask(world, "partner_rep", account=account.pk, justification="  We service it.  ")
    assert exc.status == ExceptionStatus.PENDING
    assert (exc.partner, exc.team, exc.requested_by) == (
        world.partner,
        None,
        world.users["partner_rep"],
    )
    assert exc.rule_name == "Bavaria direct" and exc.justification == "We service it."
    assert AuditEvent.all_tenants.filter(
        tenant=world.tenant, action="create", object_type__icontains="ruleexception"
    ).exists()


def test_a_rep_asks_for_a_discount_on_a_deal_of_theirs(world):
    exc = ask(
        world,
        "rep",
        kind=DISCOUNT,
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "rep").pk,
        product_line="hydraulics",
        requested_discount="32.5",
    )
    assert (exc.team, exc.partner) == (world.orgs["team"], None)
    assert exc.requested_discount == Decimal("32.50") and exc.product_line == line(world)


def test_a_partner_may_name_an_account_it_cannot_see_only_to_work_it(world):
    rival_account = world.customers["other_partner"]
    exc = ask(world, "partner_admin", account=str(rival_account.pk))
    assert exc.account_id == rival_account.pk and exc.partner == world.partner
    # Not for a discount, not for an id that does not exist or belongs to another tenant.
    errors = refused(
        world,
        "partner_admin",
        kind=DISCOUNT,
        account=rival_account.pk,
        product_line=line(world),
        requested_discount=10,
    )
    assert errors["account"] == [f"no such account (#{rival_account.pk})"]
    assert refused(world, "partner_admin", account=987654321)["account"] == [
        "no such account (#987654321)"
    ]
    with tenant_scope(world.other_tenant):
        from accounts.models import Account

        foreign = Account.objects.first()
    assert foreign is not None
    assert "no such account" in refused(world, "partner_admin", account=foreign.pk)["account"][0]


def test_a_rep_cannot_name_an_account_they_cannot_see(world):
    errors = refused(world, "rep", account=world.customers["other_team"].pk)
    assert errors["account"] == [f"no such account (#{world.customers['other_team'].pk})"]


def test_revops_admins_review_rather_than_request(world):
    with pytest.raises(PermissionDenied):
        ask(world, "admin", account=world.customers["rep"])


@pytest.mark.parametrize(
    ("ends_on", "message"),
    [
        (0, "must be after today"),
        (-3, "must be after today"),
        (366, "at most a year"),
        ("next week", "is not a date"),
        (None, "an end date is required"),
    ],
)
def test_the_end_date_is_in_the_future_and_within_a_year(world, ends_on, message):
    value = in_days(ends_on) if isinstance(ends_on, int) else ends_on
    errors = refused(world, "rep", account=world.customers["rep"], ends_on=value)
    assert message in errors["ends_on"][0]


def test_a_year_out_is_the_latest_end(world):
    assert ask(world, "rep", account=world.customers["rep"], ends_on=in_days(365)).pk


def test_a_discount_request_needs_its_opportunity_line_and_percentage(world):
    errors = refused(world, "rep", kind=DISCOUNT, account=world.customers["rep"])
    assert "one opportunity" in errors["opportunity"][0]
    assert "product line" in errors["product_line"][0]
    assert "which discount" in errors["requested_discount"][0]

    errors = refused(
        world,
        "rep",
        kind=DISCOUNT,
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "rep"),
        product_line=line(world),
        requested_discount="120",
    )
    assert "between 0 and 100" in errors["requested_discount"][0]
    errors = refused(
        world,
        "rep",
        kind=DISCOUNT,
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "rep"),
        product_line=line(world),
        requested_discount="12.345",
    )
    assert "two decimal places" in errors["requested_discount"][0]


def test_the_opportunity_is_one_the_requester_sees_on_that_account(world):
    errors = refused(
        world,
        "rep",
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "other_team").pk,
    )
    assert errors["opportunity"][0].startswith("no such opportunity")
    errors = refused(
        world,
        "manager",
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "other_team"),
    )
    assert "is not on the account you named" in errors["opportunity"][0]


def test_work_requests_carry_no_discount(world):
    errors = refused(
        world, "rep", account=world.customers["rep"], product_line=line(world), requested_discount=5
    )
    assert "only a discount exception" in errors["product_line"][0]
    assert "only a discount exception" in errors["requested_discount"][0]


def test_unknown_kind_and_empty_justification_are_refused(world):
    assert "unknown kind" in refused(world, "rep", kind="bribe", account=1)["kind"][0]
    errors = refused(world, "rep", account=world.customers["rep"], justification="   ")
    assert "say why" in errors["justification"][0]


def test_a_second_pending_request_for_the_same_thing_is_refused(world):
    first = ask(world, "partner_rep", account=world.customers["partner"])
    errors = refused(world, "partner_admin", account=world.customers["partner"])
    assert f"exception #{first.pk}" in errors["account"][0]
    # The rival asking for the same account is a different request.
    assert ask(world, "rival_partner_admin", account=world.customers["partner"].pk).pk


# --- reviewing and withdrawing -----------------------------------------------------------------


def test_an_admin_approves_and_the_decision_is_recomputed_after_commit(
    world, recomputed, django_capture_on_commit_callbacks
):
    exc = ask(
        world,
        "rep",
        kind=DISCOUNT,
        account=world.customers["rep"],
        opportunity=opportunity_of(world, "rep"),
        product_line=line(world),
        requested_discount=30,
    )
    with tenant_scope(world.tenant), django_capture_on_commit_callbacks(execute=True):
        done = review_exception(exc, acting=world.membership("admin"), approve=True, comment="")
    assert done.status == ExceptionStatus.APPROVED and done.reviewed_by == world.users["admin"]
    assert done.reviewed_at is not None
    assert recomputed == [
        ("routes", world.tenant, [exc.account_id]),
        ("leakage", world.tenant, [exc.opportunity_id]),
    ]
    with tenant_scope(world.tenant), pytest.raises(ValidationError, match="is approved"):
        review_exception(
            exc, acting=world.membership("admin"), approve=False, comment="Changed my mind"
        )


def test_a_denial_needs_a_comment_and_only_admins_review(world, recomputed):
    exc = ask(world, "partner_rep", account=world.customers["partner"])
    with tenant_scope(world.tenant):
        with pytest.raises(ValidationError) as excinfo:
            review_exception(exc, acting=world.membership("admin"), approve=False, comment=" ")
        assert "say why" in excinfo.value.message_dict["comment"][0]
        for persona in ("manager", "partner_admin", "outsider_admin"):
            with pytest.raises(PermissionDenied):
                review_exception(exc, acting=world.membership(persona), approve=True, comment="")
        done = review_exception(
            exc, acting=world.membership("admin"), approve=False, comment="The direct team owns it."
        )
    assert done.status == ExceptionStatus.DENIED
    assert done.review_comment == "The direct team owns it."
    assert recomputed == []


def test_an_expired_request_cannot_be_approved(world):
    exc = ask(world, "rep", account=world.customers["rep"], ends_on=in_days(2))
    RuleException.all_tenants.filter(pk=exc.pk).update(ends_on=in_days(-1))
    exc.refresh_from_db()
    with tenant_scope(world.tenant), pytest.raises(ValidationError, match="no longer be approved"):
        review_exception(exc, acting=world.membership("admin"), approve=True, comment="")


def test_only_the_requester_withdraws_and_only_while_pending(world):
    exc = ask(world, "partner_rep", account=world.customers["partner"])
    with tenant_scope(world.tenant):
        with pytest.raises(PermissionDenied):
            withdraw_exception(exc, acting=world.membership("partner_admin"))
        done = withdraw_exception(exc, acting=world.membership("partner_rep"))
        assert done.status == ExceptionStatus.WITHDRAWN
        with pytest.raises(ValidationError, match="only pending"):
            withdraw_exception(exc, acting=world.membership("partner_rep"))


# --- escalation --------------------------------------------------------------------------------


def age(exc: RuleException, hours: int) -> None:
    RuleException.all_tenants.filter(pk=exc.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def test_overdue_requests_are_escalated_once_to_every_active_admin(world):
    second = UserFactory(email="second-admin@alpha.test")
    MembershipFactory(tenant=world.tenant, user=second, role=Role.REVOPS_ADMIN)
    retired = UserFactory(email="retired-admin@alpha.test")
    MembershipFactory(tenant=world.tenant, user=retired, role=Role.REVOPS_ADMIN, is_active=False)
    old = ask(world, "partner_rep", account=world.customers["partner"])
    fresh = ask(world, "rep", account=world.customers["rep"])
    reviewed = ask(world, "manager", account=world.customers["other_team"])
    age(old, 49)
    age(reviewed, 100)
    RuleException.all_tenants.filter(pk=reviewed.pk).update(status=ExceptionStatus.DENIED)

    assert escalate_overdue(world.tenant, acting=SWEEP) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.escalated_at is not None and fresh.escalated_at is None
    recipients = sorted(r for message in mail.outbox for r in message.to)
    assert recipients == ["admin@alpha.test", "second-admin@alpha.test"]
    message = mail.outbox[0]
    assert message.subject == "1 exception request waits for review in Alpha Machines"
    assert f"/console/alpha/exceptions/{old.pk}/" in message.body
    assert "zzbetaleak" not in message.body

    assert escalate_overdue(world.tenant, acting=SWEEP) == 0  # idempotent
    assert len(mail.outbox) == 2
    assert escalate_overdue(world.other_tenant, acting=SWEEP) == 0


def test_the_review_time_comes_from_the_rulebook(world):
    with tenant_scope(world.tenant):
        rulebook = get_rulebook(world.tenant)
        rulebook.exception_review_hours = 4
        rulebook.save()
    exc = ask(world, "rep", account=world.customers["rep"])
    age(exc, 3)
    assert escalate_overdue(world.tenant, acting=SWEEP) == 0
    assert (
        escalate_overdue(world.tenant, acting=SWEEP, now=timezone.now() + dt.timedelta(hours=2))
        == 1
    )


# --- in force ----------------------------------------------------------------------------------


def test_effective_exceptions_are_approved_and_not_expired(world):
    keep = ask(world, "rep", account=world.customers["rep"], ends_on=in_days(10))
    expired = ask(world, "partner_rep", account=world.customers["partner"], ends_on=in_days(3))
    pending = ask(world, "manager", account=world.customers["other_team"])
    with tenant_scope(world.tenant):
        for exc in (keep, expired):
            review_exception(exc, acting=world.membership("admin"), approve=True, comment="ok")
        assert set(effective_exceptions(world.tenant)) == {keep, expired}
        assert set(effective_exceptions(world.tenant, on=in_days(5))) == {keep}
        narrowed = RuleException.objects.filter(account=world.customers["partner"])
        assert list(effective_exceptions(narrowed, on=in_days(5))) == []
        assert pending not in effective_exceptions(world.tenant)
