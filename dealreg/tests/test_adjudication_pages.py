"""The console's adjudication pages: the queue of conflicts by end customer, the decide page with
the claims side by side, deciding (award, split, reject both) as a RevOps admin would, refusals
shown as messages naming the field with nothing changed, and the precedent search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.models import Adjudication, DealRegistration
from dealreg.services import registrations as regs
from dealreg.services.files import add_evidence
from dealreg.tests.helpers import draft, rulebook
from pipeline.tests.factories import TouchFactory

pytestmark = pytest.mark.django_db


def _url(world, name: str, *args) -> str:
    return reverse(name, args=[world.tenant.slug, *args])


def _filed(world, persona: str, account, **fields) -> DealRegistration:
    registration = draft(world, persona, account, **fields)
    with tenant_scope(world.tenant):
        return regs.submit(registration, acting=world.membership(persona))


@pytest.fixture
def contested(world):
    """A distributor's registration, then a direct rep's on the same customer and line."""
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Contested Mill", country="AT")
    first = _filed(world, "partner_rep", account, amount="123457", title="Partner press line")
    second = _filed(world, "rep", account, amount="765431", title="Direct press line")
    return account, first, second


def _states(*registrations: DealRegistration) -> list[tuple[str, int]]:
    with tenant_scope(registrations[0].tenant):
        rows = DealRegistration.objects.filter(pk__in=[r.pk for r in registrations]).order_by("pk")
        return [(r.state, r.credit_share) for r in rows]


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _decide(client, world, account, claims, **data):
    return client.post(
        _url(world, "console:dealreg-adjudicate", account.pk),
        {"claims": [r.pk for r in claims], **data},
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_queue_shows_the_conflict_by_customer_with_both_claims_and_the_tie_break(
    world, login_as, contested
):
    account, first, second = contested
    admin = login_as("admin")
    page = admin.get(_url(world, "console:dealreg-conflicts"))
    assert page.status_code == 200
    body = _text(page)
    assert body.count('data-testid="conflict-group"') == 1  # one customer, however many records
    assert "Contested Mill" in body and "Hydraulics" in body
    assert f"#{first.pk} Partner press line" in body and f"#{second.pk} Direct press line" in body
    assert world.partner.name in body and world.orgs["team"].name in body  # the parties, named
    assert "123457.00 EUR" in body and "765431.00 EUR" in body
    assert "The first complete registration wins." in body
    assert _url(world, "console:dealreg-conflict", account.pk) in body
    assert _url(world, "console:dealreg-precedents") in body

    # The console's navigation and home page lead here.
    queue = _url(world, "console:dealreg-conflicts")
    assert re.search(f'<a href="{queue}"[^>]*>Conflicts to adjudicate', body)
    start = _text(admin.get(_url(world, "console:home")))
    link = re.search(
        r'href="([^"]+)" data-testid="queue-item">(?:(?!</a>).)*Registration conflicts', start
    )
    assert link is not None and link.group(1) == queue


def test_the_decide_page_shows_the_claims_evidence_touches_rules_and_precedents(
    world, login_as, contested, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    account, first, _second = contested
    with tenant_scope(world.tenant):
        add_evidence(
            first,
            SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%evidence\n", "application/pdf"),
            acting=world.membership("partner_rep"),
        )
        TouchFactory(
            tenant=world.tenant,
            account=account,
            route="partner",
            actor_partner=world.partner,
            actor_user=world.users["partner_rep"],
            occurred_at=timezone.now() - dt.timedelta(days=3),
            subject="Site visit with the plant manager",
        )
        earlier = Adjudication.objects.create(
            tenant=world.tenant,
            account=account,
            decision="reject_both",
            reason="Neither side showed a budget",
            decided_at=timezone.now() - dt.timedelta(days=200),
            decided_by=world.users["admin"],
        )
    admin = login_as("admin")
    page = admin.get(_url(world, "console:dealreg-conflict", account.pk))
    assert page.status_code == 200
    body = _text(page)
    assert body.count('data-testid="claim"') == 2
    assert "Partner press line" in body and "Direct press line" in body
    assert "Registration #" in body  # the engine's internal reason names the other claim
    assert "The first complete registration wins." in body
    assert "Site visit with the plant manager" in body  # the partner's touch, on its side
    assert "No touch logged by this side" in body  # the direct rep logged none
    assert 'data-testid="route"' in body and "not decided yet" in body
    assert "Neither side showed a budget" in body and f"{earlier.pk}" in body

    download = re.search(r'href="(/console/[^/]+/deal-registrations/\d+/files/\d+/)"', body)
    assert download is not None
    response = admin.get(download.group(1))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_awarding_one_rejects_the_other_and_returns_to_the_queue(world, login_as, contested):
    account, first, second = contested
    admin = login_as("admin")
    response = _decide(
        admin,
        world,
        account,
        [first, second],
        decision="award",
        winner=second.pk,
        reason="The direct team has run this plant for years",
    )
    assert response.status_code == 302
    assert response["Location"] == _url(world, "console:dealreg-conflicts")
    assert any("awarded to one claim" in m for m in _said(response))
    assert _states(first, second) == [("rejected", 0), ("submitted", 100)]

    queue = _text(admin.get(_url(world, "console:dealreg-conflicts")))
    assert "Contested Mill: awarded to one claim" in queue  # the message, once
    assert 'data-testid="conflict-group"' not in queue and "No conflict waits" in queue
    loser = _text(admin.get(_url(world, "console:dealreg", first.pk)))
    assert "Rejected" in loser and "The direct team has run this plant for years" in loser
    # The partner reads the decision on its claim, without the other party's name.
    partner = _text(login_as("partner_rep").get(_url(world, "portal:dealreg", first.pk)))
    assert "The direct team has run this plant for years" in partner
    assert world.orgs["team"].name not in partner and "765431" not in partner


def test_a_split_credits_both_in_the_chosen_order(world, login_as, contested):
    account, first, second = contested
    admin = login_as("admin")
    response = _decide(
        admin,
        world,
        account,
        [first, second],
        decision="split",
        split="70-30",
        first=second.pk,
        second=first.pk,
        reason="Direct sourced it, the distributor fulfils",
    )
    assert response.status_code == 302, _said(response)
    assert any(f"#{second.pk} 70 %" in m and f"#{first.pk} 30 %" in m for m in _said(response))
    assert _states(first, second) == [("submitted", 30), ("submitted", 70)]
    mine = _text(login_as("rep").get(_url(world, "sales:dealreg", second.pk)))
    assert "Credit share</dt><dd>70 %" in mine
    assert "credit split, 70% to you" in mine


def test_rejecting_both_rejects_every_claim(world, login_as, contested):
    account, first, second = contested
    response = _decide(
        login_as("admin"),
        world,
        account,
        [first, second],
        decision="reject_both",
        reason="Nobody has a confirmed budget",
    )
    assert response.status_code == 302
    assert _states(first, second) == [("rejected", 0), ("rejected", 0)]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"decision": "award", "winner": "FIRST", "reason": "  "}, "Reason: Give the reason"),
        ({"decision": "award", "reason": "Clear case"}, "Award to: Name the registration"),
        ({"decision": "split", "split": "99-1", "reason": "x"}, "Split: Select a valid choice"),
        (
            {
                "decision": "split",
                "split": "70-30",
                "first": "FIRST",
                "second": "FIRST",
                "reason": "x",
            },
            "Second share to: Name another registration",
        ),
        ({"decision": "maybe", "reason": "x"}, "Decision: Select a valid choice"),
        ({"decision": "award", "winner": "999999999", "reason": "x"}, "Award to: Select a valid"),
    ],
)
def test_a_refused_decision_says_which_field_and_changes_nothing(
    world, login_as, contested, data, said
):
    account, first, second = contested
    data = {k: str(first.pk) if v == "FIRST" else v for k, v in data.items()}
    response = _decide(login_as("admin"), world, account, [first, second], **data)
    assert response.status_code == 302
    assert response["Location"] == _url(world, "console:dealreg-conflict", account.pk)
    messages = _said(response)
    assert any(m.startswith("Nothing was decided") and said in m for m in messages), messages
    assert _states(first, second) == [("submitted", 100), ("submitted", 100)]
    with tenant_scope(world.tenant):
        assert not Adjudication.objects.exists()


def test_a_decision_on_claims_that_changed_since_the_page_was_opened_is_refused(
    world, login_as, contested
):
    account, first, second = contested
    response = _decide(
        login_as("admin"), world, account, [first], decision="reject_both", reason="Stale"
    )
    assert any("changed since the page was opened" in m for m in _said(response))
    assert _states(first, second) == [("submitted", 100), ("submitted", 100)]


def test_precedent_search_finds_a_decision_by_a_word_of_its_reason(world, login_as, contested):
    account, first, second = contested
    admin = login_as("admin")
    _decide(
        admin,
        world,
        account,
        [first, second],
        decision="split",
        split="70-30",
        first=first.pk,
        second=second.pk,
        reason="Distributor sourced the turbine retrofit",
    )
    url = _url(world, "console:dealreg-precedents")
    found = _text(admin.get(url + "?q=turbine"))
    assert found.count('data-testid="precedent-row"') == 1
    assert "Distributor sourced the turbine retrofit" in found
    assert "Credit split" in found and "70 %" in found and "30 %" in found
    assert world.partner.name in found and world.users["admin"].email in found
    assert 'data-testid="precedent-row"' not in _text(admin.get(url + "?q=gearbox"))
    assert "turbine" in _text(admin.get(url + "?account_name=contested&decision=split"))
    assert 'data-testid="precedent-row"' not in _text(admin.get(url + "?decision=award"))
    bad = admin.get(url + "?product_line=abc")
    assert bad.status_code == 400 and "product_line" in bad.content.decode()


def test_only_the_console_reaches_the_adjudication_pages(world, login_as, contested):
    account, _first, _second = contested
    for persona in ("partner_admin", "rep", "manager"):
        client = login_as(persona)
        for name, args in (
            ("console:dealreg-conflicts", ()),
            ("console:dealreg-conflict", (account.pk,)),
            ("console:dealreg-precedents", ()),
        ):
            assert client.get(_url(world, name, *args)).status_code == 403, (persona, name)
