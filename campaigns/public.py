"""An offer's co-branded PDF for anyone holding its public page's URL (no sign-in)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

__all__ = ["offer_pdf"]


def offer_pdf(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> HttpResponse:
    raise Http404("This page is not available.")
