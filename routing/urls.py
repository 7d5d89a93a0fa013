"""Lead ops' URLs outside the front doors and the API (collected by config/urls.py)."""

from django.urls import re_path

from routing.landing import offer_file, offer_logo, offer_page
from routing.public import lead_form

urlpatterns = [
    # Public web-to-lead forms (routing.public enters the tenant itself). The bare /f/ answers 404
    # like any unknown form, and gives the route a URL without arguments.
    re_path(
        r"^f/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?$",
        lead_form,
        name="public-lead-form",
    ),
    # Offers' public landing pages (routing.landing), co-branded per partner; the bare /o/ is 404.
    re_path(
        r"^o/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?$",
        offer_page,
        name="public-offer-page",
    ),
    re_path(
        r"^o/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?logo/$",
        offer_logo,
        name="public-offer-logo",
    ),
    re_path(
        r"^o/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?files/(?:(?P<asset_id>[0-9]+)/)?$",
        offer_file,
        name="public-offer-file",
    ),
]
