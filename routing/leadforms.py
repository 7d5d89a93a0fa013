"""Where a public web-to-lead form is found and how a site embeds it: shared by the form's page
(routing.public), the console's form settings and the API's form resource."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from core.embed import iframe_snippet
from routing.models import LeadForm

__all__ = ["embed_snippet", "form_path", "iframe_snippet"]


def form_path(form: LeadForm, tenant_slug: str | None = None) -> str:
    """The public form's path (/f/<tenant slug>/<key>/); give the slug if you have it at hand."""
    slug = tenant_slug or form.tenant.slug
    return reverse("public-lead-form", kwargs={"tenant_slug": slug, "key": form.key})


def embed_snippet(request: HttpRequest, form: LeadForm) -> str:
    """The HTML a site pastes to embed `form` (an iframe of its public URL). The site's origin
    must be in the form's `allowed_origins`, or browsers refuse to show it framed."""
    return iframe_snippet(request.build_absolute_uri(form_path(form)), form.name)
