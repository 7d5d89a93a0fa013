"""Campaigns' URLs outside the front doors and the API (collected by config/urls.py)."""

from django.urls import re_path

from campaigns.public import offer_pdf

urlpatterns = [
    # An offer's co-branded PDF, beside its public landing page (routing.landing); the bare
    # /o/pdf/ answers 404 and gives the route a URL without arguments.
    re_path(
        r"^o/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?pdf/$",
        offer_pdf,
        name="public-offer-pdf",
    ),
]
