"""Where a public web-to-lead form is found and how a site embeds it: shared by the form's page
(routing.public), the console's form settings and the API's form resource."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from routing.models import LeadForm

__all__ = ["embed_snippet", "form_path", "iframe_snippet"]


def form_path(form: LeadForm, tenant_slug: str | None = None) -> str:
    """The public form's path (/f/<tenant slug>/<key>/); give the slug if you have it at hand."""
    slug = tenant_slug or form.tenant.slug
    return reverse("public-lead-form", kwargs={"tenant_slug": slug, "key": form.key})


def iframe_snippet(url: str, title: str) -> str:
    return str(
        format_html(
            '<iframe src="{}" title="{}" loading="lazy" '
            'style="width:100%;max-width:640px;height:820px;border:0"></iframe>',
            url,
            title,
        )
    )


def embed_snippet(request: HttpRequest, form: LeadForm) -> str:
    """The HTML a site pastes to embed `form` (an iframe of its public URL). The site's origin
    must be in the form's `allowed_origins`, or browsers refuse to show it framed."""
    return iframe_snippet(request.build_absolute_uri(form_path(form)), form.name)
