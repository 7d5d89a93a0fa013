"""Offers' public landing pages: `/o/<tenant slug>/<publication key>/`, no sign-in, co-branded for
the partner that published the offer (or with the manufacturer's branding for direct sales), with
a response form built on the public web-to-lead forms (routing.public)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

__all__ = ["offer_page"]


@csrf_exempt
def offer_page(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> HttpResponse:
    raise Http404("This page is not available.")
