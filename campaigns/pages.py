"""Campaigns' pages in the three front doors (imported by `TenancyConfig.ready()`), under the
navigation group "Campaigns and offers".

Console: offers (list, new, edit, page with assets and landing pages), campaigns (list, new,
edit, page), partners' co-branding. Portal: the offers the partner may use with their co-branded
pages, the partner's co-branding, its campaigns. Sales: the offers and campaigns of direct sales.
The home pages' queues (campaigns/home.py) link to "portal:offers" and "console:cobrand-profiles"."""

from campaigns.views import campaign, cobrand, editing, offers
from campaigns.views.common import asset_file
from tenancy.navigation import Page, register_pages

GROUP = "marketing"

for door in ("console", "portal", "sales"):
    register_pages(
        door,
        Page("offers/", offers.offer_list, "offers", nav="Offers", order=10, group=GROUP),
        Page("offers/<int:pk>/", offers.offer, "offer"),
        Page("offers/<int:pk>/assets/<int:asset_id>/", asset_file, "offer-asset"),
        Page(
            "campaigns/",
            campaign.campaign_list,
            "campaigns",
            nav="Campaigns",
            order=20,
            group=GROUP,
        ),
        Page("campaigns/<int:pk>/", campaign.campaign, "campaign"),
    )

# Publishing: the direct landing page in the console, the partner's co-branded one in the portal;
# unpublishing any page the viewer may see (the services decide who may).
for door in ("console", "portal"):
    register_pages(
        door,
        Page("offers/<int:pk>/publish/", offers.offer_publish, "offer-publish"),
        Page(
            "landing-pages/<int:pk>/unpublish/",
            offers.publication_unpublish,
            "publication-unpublish",
        ),
        Page("co-branding/<int:pk>/logo/", editing.cobrand_logo, "cobrand-logo"),
    )

register_pages(
    "console",
    Page("offers/new/", editing.offer_new, "offer-new"),
    Page("offers/<int:pk>/edit/", editing.offer_edit, "offer-edit"),
    Page("offers/<int:pk>/assets/new/", offers.asset_add, "offer-asset-add"),
    Page(
        "offers/<int:pk>/assets/<int:asset_id>/delete/", offers.asset_delete, "offer-asset-delete"
    ),
    Page("campaigns/new/", editing.campaign_new, "campaign-new"),
    Page("campaigns/<int:pk>/edit/", editing.campaign_edit, "campaign-edit"),
    Page(
        "co-branding/",
        editing.cobrand_profiles,
        "cobrand-profiles",
        nav="Co-branding",
        order=30,
        group=GROUP,
    ),
)

register_pages(
    "portal",
    Page(
        "co-branding/",
        cobrand.my_cobranding,
        "cobrand",
        nav="My co-branding",
        order=30,
        group=GROUP,
    ),
)
