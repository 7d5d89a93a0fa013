"""Shared offers (assessment, pilot, ROI kits) co-branded per distributor, and campaigns."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and offers"

    def ready(self) -> None:
        from campaigns import signals
        from campaigns.api.serializers import CampaignSerializer, OfferSerializer
        from campaigns.models import Campaign, Offer
        from core.webhooks.registry import register_resource

        # Outbound webhook events (<name>.created|updated|deleted), rendered as the API shows them.
        register_resource(Offer, "offer", OfferSerializer, prefetch_related=("product_line_links",))
        register_resource(
            Campaign,
            "campaign",
            CampaignSerializer,
            prefetch_related=("offer_links", "partner_links"),
        )
        signals.connect()
