"""The quarterly governance review in Chromium, at a phone's width and at a desk's: RevOps
prepares the review (the progress bar polls while the job runs, then the sections appear),
records a decision (a suggestion's pre-filled one refused with its reason, a general one saved),
and signs it off with a note; a partner admin then reads only their own extract. No page scrolls
sideways.

The demo is seeded up to tenancy only. The sections are the engine's when it has any
(`scorecards.review.sections.SECTIONS`); while it has none, stand-ins return the sections of
`scorecards.tests.review_data`, so the pages are worked on realistic data either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.test_responsive import overflow

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desk": {"width": 1280, "height": 800},
}


@pytest.fixture
def reviews(demo_data) -> Iterator[dict[str, Any]]:
    """Acme's open review of 2026 Q3 (not prepared yet) and a signed-off one of 2026 Q2 with a
    decision concerning each of two partners; the sections to prepare with."""
    from core.tenancy import tenant_scope
    from scorecards.review import sections
    from scorecards.review.sections import Section
    from scorecards.tests.review_data import review_data, signed_review
    from tenancy.models import Partner, Team, Tenant

    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant):
        partners = [(p.pk, p.name, p.tier) for p in Partner.objects.order_by("name")]
        teams = [(t.pk, t.name) for t in Team.objects.order_by("name")]
        data = review_data(partners=partners, teams=teams, items=8)
        from scorecards.models import GovernanceReview

        opened = GovernanceReview.objects.create(tenant=tenant, quarter_start=dt.date(2026, 7, 1))
        nordic = Partner.objects.get(name="Nordic Industrial Supply")
        rhein = Partner.objects.get(name="Rhein Hydraulik GmbH")
        frozen = [
            {
                "id": 1,
                "kind": "general",
                "kind_label": "General",
                "title": title,
                "detail": "",
                "owner": "RevOps",
                "owner_id": None,
                "due_on": "2026-09-30",
                "partner_id": partner.pk,
                "partner": partner.name,
                "team_id": None,
                "team": "",
                "status": "open",
                "status_label": "Open",
                "outcome": "",
                "applied": False,
                "carried_from": "",
            }
            for title, partner in (("Nordic co-sell plan", nordic), ("Rhein fund cut", rhein))
        ]
        data_q2 = review_data(
            partners=partners,
            teams=teams,
            items=4,
            code="2026-Q2",
            label="2026 Q2 (April to June)",
            start="2026-04-01",
            last_day="2026-06-30",
        )
        signed = signed_review(tenant, data_q2, decisions=frozen)

    def stand_in(key: str) -> Section:
        def build(period: Any, progress: Any) -> dict[str, Any]:
            return data["sections"][key]

        return Section(key, key.replace("_", " "), build)

    added: list[Section] = []
    if not sections.SECTIONS:  # the engine has none yet: stand-ins with review_data's sections
        added = [stand_in(key) for key in data["sections"]]
        sections.SECTIONS.extend(added)
    try:
        yield {"tenant": tenant, "open": opened, "signed": signed}
    finally:
        for section in added:
            sections.SECTIONS.remove(section)


def fits(page: Page) -> None:
    found = overflow(page)
    assert found is None, (page.url, found)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_prepare_decide_and_sign_off_then_the_partner_reads_its_extract(
    page: Page, sign_in, reviews, monkeypatch, size
):
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from scorecards.review import workspace

    # The job is queued but no worker takes it until the test says so: the page shows progress.
    monkeypatch.setattr(workspace.prepare_review, "delay_on_commit", lambda **kwargs: None)
    page.set_viewport_size(SIZES[size])
    sign_in(page, "console", "admin@acme.example")
    page.goto("/console/acme/governance-reviews/")
    expect(page.get_by_test_id("review-row")).to_have_count(2)
    fits(page)
    page.get_by_role("link", name="2026-Q3").click()
    expect(page.get_by_test_id("no-data")).to_be_visible()
    page.get_by_test_id("prepare").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_test_id("review-job")).to_contain_text("Queued")
    fits(page)

    with tenant_scope(reviews["tenant"]):
        workspace.run_preparation(reviews["open"].pk, acting=SystemActor("browser test"))
    expect(page.get_by_test_id("section-headline")).to_be_visible()  # the poll reloaded the page
    expect(page.get_by_role("progressbar")).to_have_count(0)
    for key in ("parties", "overlap", "conflicts", "sla", "rules", "target-lists", "mdf"):
        expect(page.get_by_test_id(f"section-{key}")).to_be_attached()
    fits(page)

    # A suggestion's decision comes pre-filled; what it acts on is checked when it is recorded.
    suggestion = page.get_by_test_id("record-suggestion")
    if suggestion.count():
        suggestion.first.click()
        expect(page.get_by_label("Decision")).not_to_have_value("")
        page.get_by_label("Owner").select_option(label="Ann Adler (admin@acme.example)")
        page.get_by_label("Due on").fill("2026-12-15")
        page.get_by_test_id("save-decision").click()
        expect(page.get_by_role("alert").first).to_be_visible()  # refused, with the reason
        fits(page)
        page.go_back()
        page.go_back()

    page.goto(f"/console/acme/governance-reviews/{reviews['open'].pk}/")
    page.get_by_test_id("record-general").click()
    page.get_by_label("Decision").fill("Publish the overlap rule for mining accounts")
    page.get_by_label("Owner").select_option(label="Max Meyer (manager@acme.example)")
    page.get_by_label("Due on").fill("2026-12-15")
    fits(page)
    page.get_by_test_id("save-decision").click()
    row = page.get_by_test_id("decision-row").filter(has_text="Publish the overlap rule")
    expect(row).to_be_visible()
    expect(row).to_contain_text("manager@acme.example")

    page.get_by_label("Note").fill("Agreed in the QBR.")
    page.get_by_test_id("sign-off").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Signed off")
    expect(page.get_by_test_id("sign-off-note")).to_contain_text("Agreed in the QBR.")
    expect(page.get_by_test_id("record-general")).to_have_count(0)
    fits(page)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_partner_admin_reads_only_their_extract(page: Page, sign_in, reviews, size):
    page.set_viewport_size(SIZES[size])
    sign_in(page, "portal", "admin@nordic.example")
    page.goto("/portal/acme/governance-reviews/")
    expect(page.get_by_test_id("review-row")).to_have_count(1)
    fits(page)
    page.get_by_role("link", name="2026-Q2").click()
    extract = page.get_by_test_id("extract")
    expect(extract).to_contain_text("Nordic Industrial Supply")
    expect(extract).to_contain_text("Nordic co-sell plan")
    expect(page.locator("main")).not_to_contain_text("Rhein")
    fits(page)
    with page.expect_response(lambda r: r.url.endswith("/pdf/")) as answer:
        page.get_by_test_id("extract-pdf").click()
    response = answer.value
    assert response.headers["content-type"] == "application/pdf"
