"""Guardrails on the home pages: RevOps admins find the exception requests waiting for their review
(urgent once escalated), requesters read the decisions on their requests since their last visit,
and everyone reads that the rules changed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.tenancy import tenant_scope
from guardrails.models import RuleException
from guardrails.services.exception_requests import review_exception
from guardrails.services.publish import publish
from guardrails.services.versions import create_draft
from guardrails.tests.test_exceptions import ask
from tenancy.tests.home_helpers import changes_on, home_page, queue_on

pytestmark = pytest.mark.django_db


def test_the_console_lists_requests_to_review_and_escalated_ones_are_urgent(world, login_as):
    ask(world, "partner_rep", account=world.customers["partner"])
    late = ask(world, "rep", account=world.customers["rep"])
    client = login_as("admin")

    item = next(w for w in queue_on(home_page(client, "console")) if "review" in w.label)
    assert (item.label, item.count, item.urgent) == ("Exception requests to review", 2, False)
    assert item.url == "/console/alpha/exceptions/?status=pending"
    assert client.get(item.url).status_code == 200

    with tenant_scope(world.tenant):
        RuleException.objects.filter(pk=late.pk).update(escalated_at=timezone.now())
    item = next(w for w in queue_on(home_page(client, "console")) if "review" in w.label)
    assert item.urgent and item.hint == "1 past their review time"


def test_requesters_have_nothing_to_review(world, login_as):
    ask(world, "partner_rep", account=world.customers["partner"])

    for persona, door in (("partner_admin", "portal"), ("manager", "sales")):
        labels = [w.label for w in queue_on(home_page(login_as(persona), door))]
        assert "Exception requests to review" not in labels


def test_a_requester_reads_the_decision_since_the_last_visit_and_no_one_elses(world, login_as):
    ours = ask(world, "partner_rep", account=world.customers["partner"])
    theirs = ask(world, "rival_partner_admin", account=world.customers["other_partner"])
    with tenant_scope(world.tenant):
        for exc in (ours, theirs):
            review_exception(
                exc, acting=world.membership("admin"), approve=False, comment="Not this quarter."
            )

    ours_seen = changes_on(home_page(login_as("partner_admin"), "portal"))
    theirs_seen = changes_on(home_page(login_as("rival_partner_admin"), "portal"))

    assert (
        f"Exception request #{ours.pk} denied: Work an account the rules give to someone else"
        in ours_seen
    )
    assert not [c for c in ours_seen if f"#{theirs.pk}" in c]
    assert [c for c in theirs_seen if f"#{theirs.pk}" in c]


def test_everyone_reads_that_a_new_rulebook_version_was_published(world, login_as):
    with tenant_scope(world.tenant):
        admin = world.membership("admin")
        version = publish(
            create_draft(world.tenant, acting=admin, summary="zzsummary"), acting=admin
        )

    console = changes_on(home_page(login_as("admin"), "console"))
    portal = changes_on(home_page(login_as("partner_rep"), "portal"))

    assert f"Rulebook version {version.number} published: zzsummary" in console
    assert f"The rules of engagement changed (version {version.number})" in portal
    assert not [c for c in portal if "zzsummary" in c]
