"""Read helpers the pages and the home queues share: whose co-branding is complete, and which of
the offers a partner may use it has not published yet.

"Complete" is `CoBrandProfile.missing()` written as a query (a test holds the two equal), so a
list or a count of many partners costs one query instead of a profile per partner."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from campaigns.models import CoBrandProfile, Offer, OfferPublication
from tenancy.choices import PartnerStatus
from tenancy.models import Membership, Partner

__all__ = ["complete_profiles", "partners_lacking_cobranding", "unpublished_offers"]

_BLANK = r"^\s*$"


def complete_profiles() -> QuerySet[CoBrandProfile]:
    """Profiles that lack nothing `CoBrandProfile.REQUIRED` names."""
    return (
        CoBrandProfile.objects.exclude(logo="")
        .exclude(primary_colour="")
        .exclude(contact_name__regex=_BLANK)
        .exclude(Q(contact_email="") & Q(contact_phone=""))
        .exclude(service_area__regex=_BLANK)
        .exclude(legal_line__regex=_BLANK)
    )


def partners_lacking_cobranding(membership: Membership) -> QuerySet[Partner]:
    """Active partners the viewer may see whose profile is missing or incomplete."""
    complete = complete_profiles().values("partner_id")
    return (
        Partner.objects.visible_to(membership)
        .filter(status=PartnerStatus.ACTIVE)
        .exclude(pk__in=complete)
    )


def unpublished_offers(membership: Membership, partner: Partner) -> QuerySet[Offer]:
    """The offers the viewer sees that `partner` has no live landing page for."""
    live = OfferPublication.objects.live().filter(partner=partner).values("offer_id")
    return Offer.objects.visible_to(membership).exclude(pk__in=live)
