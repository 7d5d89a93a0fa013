"""An offer's co-branded PDF for anyone holding its public page's URL (no sign-in).

`/o/<tenant slug>/<publication key>/pdf/` answers while the publication is live, its offer
still available to its partner today and the partner active (services.find_live_publication);
anything else is the same 404, which names no part of the URL. The PDF comes from the cache
(campaigns.pdf.cached_offer_pdf) and may be cached by browsers and proxies for five minutes, so a
page taken down stops serving within that time."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from campaigns.pdf import cached_offer_pdf, pdf_response
from campaigns.services import find_live_publication
from core.tenancy import tenant_scope

__all__ = ["offer_pdf"]

PUBLIC_MAX_AGE = 300


@require_safe
def offer_pdf(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> HttpResponse:
    publication = find_live_publication(tenant_slug, key)
    if publication is None:
        raise Http404("This page is not available.")
    offer, partner = publication.offer, publication.partner
    with tenant_scope(publication.tenant):
        pdf = cached_offer_pdf(offer, partner)
    return pdf_response(offer, partner, pdf, cache_control=f"public, max-age={PUBLIC_MAX_AGE}")
