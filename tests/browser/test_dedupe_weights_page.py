"""The lead-ops page "Duplicate matcher" (what the matcher learned) on a phone and a desk: the
section, the sample and the weights table read without the page growing wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def learned(demo_data) -> None:
    from django.utils import timezone

    from routing.dedupe import DEFAULT_WEIGHTS
    from routing.models import DedupeWeights
    from tenancy.models import Tenant

    m_u = {
        name: {str(level): list(mu) for level, mu in levels.items()}
        for name, levels in DEFAULT_WEIGHTS.m_u.items()
    }
    m_u["street"]["0"] = [0.9, 0.0004]  # agreeing on the street counts for more here
    DedupeWeights.all_tenants.create(
        tenant=Tenant.objects.get(slug="acme"),
        learned_at=timezone.now(),
        records=4210,
        candidate_pairs=9733,
        random_pairs=20000,
        iterations=17,
        converged=True,
        match_share=0.071,
        m_u=m_u,
        merge_at=19.4,
        review_at=15.4,
    )


def test_what_the_matcher_learned_reads_on_a_phone_and_a_desk(page: Page, sign_in, learned):
    sign_in(page, "console", "admin@acme.example")
    for viewport in (PHONE, DESK):
        page.set_viewport_size(viewport)
        page.goto("/console/acme/lead-ops/matcher/")
        section = page.get_by_test_id("matcher-learned")
        expect(section).to_contain_text("What the duplicate matcher learned")
        expect(section.get_by_test_id("learned-when")).to_contain_text("4210")
        expect(section.get_by_test_id("match-share")).to_have_text("about 7.1%")
        expect(section.get_by_test_id("thresholds")).to_contain_text("from a score of 19.4")
        street = page.get_by_test_id("weight-street-0")
        expect(street).to_be_visible()
        expect(street).to_contain_text("Agreeing on street")
        expect(street).to_contain_text("counts more")
        expect(section.get_by_role("button", name="Learn now")).to_be_visible()
        assert overflow(page) is None, (viewport, overflow(page))
