"""Campaigns' pages in the three front doors (registered in campaigns/pages.py), and the sections
higher apps add to its detail pages.

The campaign page and the offer page take sections from the apps above campaigns (pipeline's
responses and conversion, scorecards' overlap) through a `tenancy.sections.Sections` registry
each, so campaigns never imports them: `register_campaign_section(Section(key, render, order))`
and `register_offer_section(...)`. A section is `(request, row) -> HTML`, rendered in every door
that shows the page, and starts its own queries from `visible_to(request.membership)`."""

from __future__ import annotations

from campaigns.models import Campaign, Offer
from tenancy.sections import Section, Sections

__all__ = [
    "CAMPAIGN_SECTIONS",
    "OFFER_SECTIONS",
    "register_campaign_section",
    "register_offer_section",
]

CAMPAIGN_SECTIONS: Sections[Campaign] = Sections("campaign")
OFFER_SECTIONS: Sections[Offer] = Sections("offer")


def register_campaign_section(section: Section[Campaign]) -> None:
    CAMPAIGN_SECTIONS.register(section)


def register_offer_section(section: Section[Offer]) -> None:
    OFFER_SECTIONS.register(section)
