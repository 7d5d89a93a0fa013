"""Who changed the guardrails is explicit (`acting=`): the audit log names the API caller or the
page's viewer for their changes, and the system for the periodic sweep's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionKind
from guardrails.models import RuleException
from guardrails.services.exception_requests import request_exception
from guardrails.services.pricing import check_discount
from guardrails.tasks import sweep_tenant
from pipeline.models import Opportunity

pytestmark = pytest.mark.django_db


def last_change(world, object_type: str) -> AuditEvent:
    return AuditEvent.all_tenants.filter(tenant=world.tenant, object_type=object_type).latest("id")


def test_an_api_change_is_recorded_as_the_caller(world, api_as):
    changed = api_as("admin").patch(
        "/api/v1/rulebook/", {"exception_review_hours": 24}, format="json"
    )
    assert changed.status_code == 200, changed.content
    event = last_change(world, "guardrails.Rulebook")
    assert event.actor == world.users["admin"] and event.actor_label == "admin@alpha.test"


def test_a_console_change_is_recorded_as_the_viewer(world, login_as):
    page = login_as("admin").post(
        "/console/alpha/rulebook/settings/", {"exception_review_hours": 12}
    )
    assert page.status_code == 302
    assert last_change(world, "guardrails.Rulebook").actor == world.users["admin"]


def test_the_sweeps_escalation_is_recorded_as_the_system(world):
    with tenant_scope(world.tenant):
        asked = request_exception(
            acting=world.membership("rep"),
            kind=ExceptionKind.WORK_ACCOUNT,
            account=world.customers["rep"],
            justification="Long-standing service contract.",
            ends_on=timezone.localdate() + dt.timedelta(days=30),
        )
    RuleException.all_tenants.filter(pk=asked.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=100)
    )
    sweep_tenant(tenant_id=world.tenant.pk)
    event = last_change(world, "guardrails.RuleException")
    assert event.changes.get("escalated_at") and event.actor is None
    assert event.actor_label == "system: guardrails sweep"


def test_the_corridor_check_refuses_an_opportunity_of_another_account(world, api_as):
    """The rule lives in `check_discount`, so every caller refuses it with the same message."""
    message = "This opportunity belongs to another account."
    with tenant_scope(world.tenant):
        opportunity = Opportunity.objects.exclude(account=world.customers["rep"]).first()
        assert opportunity is not None
        account = Account.objects.get(pk=world.customers["rep"].pk)
        line = ProductLine.objects.get(code="hydraulics")
        with pytest.raises(ValidationError) as refused:
            check_discount(
                world.tenant,
                product_line=line,
                route="direct",
                discount_pct=Decimal(5),
                opportunity=opportunity,
                account=account,
            )
    assert refused.value.message_dict == {"opportunity": [message]}
    response = api_as("admin").post(
        "/api/v1/corridor-check/",
        {
            "product_line": line.pk,
            "route": "direct",
            "discount_pct": "5",
            "opportunity": opportunity.pk,
            "account": account.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["fields"]["opportunity"] == [message]
