"""Campaigns' home-page queues (tenancy/worklist.py): for a partner's admins, the offers waiting
for their co-branding profile and the offers they could publish now; for RevOps, the partners
whose co-branding is incomplete while partners have offers to publish. Each costs two
queries at most."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from campaigns.choices import OfferStatus, Route
from campaigns.models import Offer
from campaigns.selectors import partners_lacking_cobranding, unpublished_offers
from campaigns.services import cobrand_missing
from tenancy.choices import Door, Role
from tenancy.requests import DoorRequest
from tenancy.worklist import QueueItem, register_queue

__all__ = ["console_queue", "portal_queue"]


def portal_queue(request: DoorRequest) -> Iterable[QueueItem]:
    membership = request.membership
    partner = membership.partner
    if membership.role != Role.PARTNER_ADMIN or partner is None:
        return []
    waiting = unpublished_offers(membership, partner).count()
    if not waiting:
        return []
    url = reverse("portal:offers", args=[request.tenant.slug])
    missing = cobrand_missing(partner)
    if missing:
        return [
            QueueItem(
                label="Offers waiting for your co-branding profile",
                count=waiting,
                url=f"{url}?state=waiting",
                page="portal:offers",
                hint="Your profile still needs " + ", ".join(missing) + ".",
                order=50,
            )
        ]
    return [
        QueueItem(
            label="Offers you could publish",
            count=waiting,
            url=f"{url}?state=ready",
            page="portal:offers",
            hint="Publish them with your co-branding.",
            order=51,
        )
    ]


def console_queue(request: DoorRequest) -> Iterable[QueueItem]:
    # Only while there is something to publish: an incomplete profile blocks nothing otherwise.
    offers = Offer.objects.visible_to(request.membership).filter(status=OfferStatus.PUBLISHED)
    if not offers.filter(routes__icontains=f'"{Route.PARTNER}"').exists():
        return []
    lacking = partners_lacking_cobranding(request.membership).count()
    if not lacking:
        return []
    url = reverse("console:cobrand-profiles", args=[request.tenant.slug])
    return [
        QueueItem(
            label="Partners with incomplete co-branding",
            count=lacking,
            url=f"{url}?state=incomplete",
            page="console:cobrand-profiles",
            hint="They cannot publish offers until their profile is complete.",
            order=80,
        )
    ]


register_queue(Door.PORTAL, portal_queue)
register_queue(Door.CONSOLE, console_queue)
