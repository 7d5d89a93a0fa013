"""The duplicate review's score scale on a phone: the bar, its threshold marks and its words fit
the pair's card at 390 px, nothing inside the scale is cut off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def pending_pair(demo_data) -> int:
    from pipeline.models import Lead
    from routing.choices import CandidateStatus
    from routing.models import DuplicateCandidate
    from tenancy.models import Tenant

    acme = Tenant.objects.get(slug="acme")
    people = [
        Lead.all_tenants.create(
            tenant=acme,
            source="web_form",
            first_name=first,
            last_name="Lindqvist",
            email=email,
            company="Lindqvist Hydraulik AB",
            country="Sweden",
        )
        for first, email in (("Karin", "karin@lindqvist.se"), ("Karin", "k.lindqvist@lindqvist.se"))
    ]
    pair = DuplicateCandidate.all_tenants.create(
        tenant=acme,
        lead=people[1],
        other_lead=people[0],
        score=19.6,
        reasons=["same name (Karin Lindqvist)", "same company"],
        status=CandidateStatus.PENDING,
    )
    return pair.pk


def test_the_score_scale_reads_at_phone_width(page: Page, sign_in, pending_pair):
    from routing.dedupe import score_scale

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "console", "admin@acme.example")
    page.goto("/console/acme/duplicates/")
    card = page.get_by_test_id("pair").filter(has_text="Karin")
    scale = card.get_by_test_id("score-scale")
    expected = score_scale(19.6)
    expect(scale.get_by_test_id("score-points")).to_have_text(f"{expected.points} / 100")
    expect(scale.get_by_test_id("score-words")).to_have_text(expected.words)
    expect(scale).to_contain_text(f"Review from {expected.review_at}")
    expect(scale).to_contain_text(f"Merged automatically from {expected.merge_at}")
    # Nothing in the scale overflows it, and it fits its card.
    fits = scale.evaluate(
        """el => {
            const card = el.closest('section').getBoundingClientRect();
            const box = el.getBoundingClientRect();
            const inner = [...el.querySelectorAll('*')].every(c => c.scrollWidth <= c.clientWidth + 1
                || getComputedStyle(c).display === 'inline');
            return el.scrollWidth <= el.clientWidth + 1 && box.right <= card.right + 1 && inner;
        }"""
    )
    assert fits  # the frame itself at 390 px is the responsive layout's (tests of the frame)
