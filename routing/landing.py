"""Offers' public landing pages: `/o/<tenant slug>/<publication key>/`, no sign-in, co-branded for
the partner that published the offer (campaigns.services.publish_offer), or with the
manufacturer's branding for direct sales.

A page shows the offer and nothing else of the tenant: its name, summary, description and copy,
its images and documents, its product lines, and the publishing partner's own details (logo,
colours, contact, service area, legal line). It carries a response form under the public
web-to-lead forms' rules (routing.public: rate limit, origin, honeypot, signed token, framing and
CORS headers). A response becomes a lead through lead ops (routing.api.submit) with the offer,
the campaign and the partner recorded, so the partner is its source, plus a campaign response
and a touch (pipeline.responses). An ROI calculator offer also takes the visitor's inputs: the
page computes the result on "Calculate" and the result travels with the lead.

Speed: a page is rendered once and kept in the cache under the tenant's public-pages generation
(campaigns.signals), which every change to what a page shows moves on; a view then costs two
cache reads, the per-visitor token put into the kept HTML, and one counted view. Availability
depends on the day (validity), so a kept page is also good for one day of the tenant's only.

Which campaign a response belongs to: `?campaign=<id>` in the page's URL when that campaign is
running, uses the offer and is run by the page's route (the partner, or direct sales); without
it, the one such campaign if there is exactly one; else none (the response still counts for the
offer and the partner)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from accounts.models import ProductLine
from campaigns import roi
from campaigns.choices import AssetKind, OfferKind
from campaigns.models import (
    Campaign,
    CoBrandProfile,
    Offer,
    OfferAsset,
    OfferPublication,
    tenant_today,
)
from campaigns.services import count_view, find_live_publication
from campaigns.signals import PUBLIC_PAGES
from core.generations import generation
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource
from pipeline.services import record_response
from routing.api.submit import submit_lead
from routing.forms import PublicLeadForm
from routing.models import LeadForm
from routing.public import (
    HONEYPOT,
    MIN_FILL_SECONDS,
    PUBLIC_FORM,
    TOKEN_FIELD,
    TOKEN_MAX_AGE,
    Channel,
    Submission,
    decorate,
    issue_token,
    lead_data,
    not_allowed,
    preflight,
    public_message,
    submit,
    wants_json,
)
from routing.validators import plain_origin
from tenancy.models import Partner, Tenant

__all__ = ["Landing", "copy_language", "live_page", "offer_file", "offer_logo", "offer_page"]

CACHE_SECONDS = 24 * 3600
KEPT_VERSION = 2
# Stand-ins in the kept HTML for what differs per visitor (long and unguessable, so no offer's
# text can contain them by accident).
TOKEN_SLOT = "\x00landing-token-8f3a2c\x00"
CAMPAIGN_SLOT = "\x00landing-campaign-8f3a2c\x00"
CALCULATE = "calculate"
DIRECT_COLOUR = "#1F5FA8"


@dataclass
class Landing:
    """One live landing page: what a view needs, kept in the cache between views."""

    tenant: Tenant
    key: str
    publication_id: int
    offer: Offer
    partner: Partner | None
    profile: CoBrandProfile | None
    day: datetime.date
    generation: str
    channel: Channel
    product_codes: list[str] = field(default_factory=list)
    campaigns: dict[str, int] = field(default_factory=dict)
    default_campaign: int | None = None
    # The kept HTML by the language of the copy it shows (a page is rendered once per language).
    html: dict[str, str] = field(default_factory=dict)

    def campaign_for(self, asked: Any) -> int | None:
        return self.campaigns.get(str(asked)) if asked else self.default_campaign

    @property
    def roi_inputs(self) -> list[dict[str, Any]]:
        if self.offer.kind != OfferKind.ROI_CALCULATOR:
            return []
        return list(self.offer.roi_inputs)

    @property
    def roi_fields(self) -> tuple[str, ...]:
        return tuple(f"roi_{item['key']}" for item in self.roi_inputs)


# --- finding a page ---------------------------------------------------------------------------


def _cache_key(tenant_slug: str, key: str) -> str:
    # KEPT_VERSION goes up when `Landing` changes shape: a release never reads an older one's.
    return f"landing:v{KEPT_VERSION}:{tenant_slug}:{key}"


def _fresh(page: Landing) -> bool:
    today = timezone.now().astimezone(ZoneInfo(page.tenant.timezone)).date()
    return page.day == today and page.generation == generation(PUBLIC_PAGES, page.tenant.pk)


def live_page(tenant_slug: str | None, key: str | None) -> Landing | None:
    """The live page at this address, from the cache when nothing it shows has changed."""
    if not tenant_slug or not key or len(key) > 32 or len(tenant_slug) > 50:
        return None
    kept = cache.get(_cache_key(tenant_slug, key))
    if isinstance(kept, Landing) and _fresh(kept):
        return kept
    page = _load(tenant_slug, key)
    if page is not None:
        cache.set(_cache_key(tenant_slug, key), page, CACHE_SECONDS)
    return page


def _kept_html(page: Landing, language: str) -> str:
    """The page's HTML in `language`, rendered and kept the first time it is asked for."""
    if language not in page.html:
        with tenant_scope(page.tenant):
            page.html[language] = _render_kept(page, language)
        cache.set(_cache_key(page.tenant.slug, page.key), page, CACHE_SECONDS)
    return page.html[language]


def _load(tenant_slug: str, key: str) -> Landing | None:
    """The page from the database; None for anything that is not a live page
    (campaigns.services.find_live_publication), all answered with the same 404."""
    tenant = Tenant.objects.filter(slug=tenant_slug).first()
    if tenant is None:
        return None
    stamp = generation(PUBLIC_PAGES, tenant.pk)  # before reading: a change meanwhile shows
    publication = find_live_publication(tenant_slug, key)
    if publication is None:
        return None
    offer, partner = publication.offer, publication.partner
    with tenant_scope(tenant):
        today = tenant_today(tenant)
        profile = CoBrandProfile.objects.filter(partner=partner).first() if partner else None
        campaigns = _campaigns(offer, partner, today)
        return Landing(
            tenant=tenant,
            key=publication.key,
            publication_id=publication.pk,
            offer=offer,
            partner=partner,
            profile=profile,
            day=today,
            generation=stamp,
            channel=_channel(tenant, publication, profile),
            product_codes=list(
                ProductLine.objects.filter(
                    pk__in=offer.product_line_links.values("product_line_id")
                ).values_list("code", flat=True)
            ),
            campaigns={str(pk): pk for pk in campaigns},
            default_campaign=campaigns[0] if len(campaigns) == 1 else None,
        )


def _campaigns(offer: Offer, partner: Partner | None, today: datetime.date) -> list[int]:
    """The running campaigns that use the offer and that the page's route runs."""
    running = Campaign.objects.running_on(today).run_by(partner)
    return list(
        running.filter(offer_links__offer=offer).order_by("pk").values_list("pk", flat=True)
    )


def _channel(
    tenant: Tenant, publication: OfferPublication, profile: CoBrandProfile | None
) -> Channel:
    """The public-form rules for this page. A partner's page may be framed by, and posted to
    from, the partner's own web site (its profile's); the manufacturer's page by the sites its
    direct web-to-lead forms allow."""
    if publication.partner is not None:
        origins = [plain_origin(profile.website)] if profile and profile.website else []
    else:
        forms = LeadForm.objects.filter(partner__isnull=True, is_active=True)
        origins = [
            plain_origin(value)
            for allowed in forms.values_list("allowed_origins", flat=True)
            for value in (allowed if isinstance(allowed, list) else [])
        ]
    return Channel(
        tenant=tenant,
        partner=publication.partner,
        salt=f"routing.landing:{tenant.pk}:{publication.key}",
        limit_key=f"{tenant.pk}|offer-page-{publication.pk}",
        origins=tuple(dict.fromkeys(o for o in origins if o)),
        thank_you="Thank you. We will be in touch shortly.",
    )


# --- what a page shows ------------------------------------------------------------------------


def _brand(page: Landing) -> dict[str, Any]:
    profile = page.profile
    if profile is None:
        return {
            "name": page.tenant.name,
            "primary": DIRECT_COLOUR,
            "secondary": "",
            "logo": "",
            "with": "",
        }
    return {
        "name": page.partner.name if page.partner else page.tenant.name,
        "primary": profile.primary_colour or DIRECT_COLOUR,
        "secondary": profile.secondary_colour,
        "logo": _url("public-offer-logo", page) if profile.logo else "",
        "with": page.tenant.name,
    }


def _url(name: str, page: Landing, **more: Any) -> str:
    return reverse(name, kwargs={"tenant_slug": page.tenant.slug, "key": page.key, **more})


def copy_language(copy: Any, accept_language: str) -> str:
    """Which of the offer's copy blocks a visitor reads: the first of their browser's languages
    the offer has (exactly, or its base language: de-AT reads de), else English, else the first
    there is; "" when the offer has no copy."""
    blocks = copy if isinstance(copy, dict) else {}
    if not blocks:
        return ""
    for language, _ in parse_accept_lang_header(accept_language[:200]):
        for candidate in (language, language.split("-")[0]):
            found = next((key for key in blocks if key.lower() == candidate.lower()), None)
            if found:
                return found
    return "en" if "en" in blocks else next(iter(blocks))


def _context(page: Landing, language: str) -> dict[str, Any]:
    offer = page.offer
    assets = list(OfferAsset.objects.filter(offer=offer).exclude(kind=AssetKind.COPY))
    lines = list(
        ProductLine.objects.filter(pk__in=offer.product_line_links.values("product_line_id"))
        .order_by("name")
        .only("code", "name")
    )
    return {
        "tenant": page.tenant,
        "offer": offer,
        "brand": _brand(page),
        "profile": page.profile,
        "copy": str(offer.copy.get(language, "")) if language else "",
        "language": (language or "en").split("-")[0],
        "images": _files(page, assets, AssetKind.IMAGE),
        "documents": _files(page, assets, AssetKind.DOCUMENT),
        "product_lines": lines,
        "roi_inputs": page.roi_inputs,
        "fields": PublicLeadForm().requirement_notes(),
        "token_field": TOKEN_FIELD,
        "honeypot": HONEYPOT,
        "pdf_url": _url("public-offer-pdf", page),
    }


def _files(page: Landing, assets: list[OfferAsset], kind: str) -> list[tuple[str, str]]:
    return [
        (asset.title, _url("public-offer-file", page, asset_id=asset.pk))
        for asset in assets
        if asset.kind == kind and asset.file
    ]


def _render_kept(page: Landing, language: str) -> str:
    """The page as every visitor first sees it, with stand-ins for the token and the campaign."""
    context = {
        **_context(page, language),
        "token": TOKEN_SLOT,
        "campaign": CAMPAIGN_SLOT,
        "values": {},
        "errors": {},
    }
    return render_to_string("routing/public/offer.html", context)


def _show(
    request: HttpRequest,
    page: Landing,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    token: str,
    status: int,
    roi_result: Decimal | None = None,
) -> HttpResponse:
    """The page with what the visitor entered: errors, or the ROI calculator's result."""
    language = copy_language(page.offer.copy, request.headers.get("Accept-Language", ""))
    context = {
        **_context(page, language),
        "token": token,
        "campaign": page.campaign_for(values.get("campaign")) or "",
        "values": values,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "roi_result": roi_result,
    }
    return render(request, "routing/public/offer.html", context, status=status)


# --- the views --------------------------------------------------------------------------------


@csrf_exempt
def offer_page(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> HttpResponse:
    """GET: the page (or a token as JSON). POST: a response, or the ROI calculator's result.
    OPTIONS: CORS preflight."""
    as_json = wants_json(request)
    refused = not_allowed(request, as_json)
    if refused is not None:
        return refused
    page = live_page(tenant_slug, key)
    if page is None:
        return public_message(request, as_json, 404, "not_found", "This page is not available.")
    with tenant_scope(page.tenant):
        if request.method == "OPTIONS":
            response = preflight(request, page.channel)
        elif request.method == "POST" and request.POST.get("action") == CALCULATE:
            response = _calculate(request, page)
        elif request.method == "POST":
            response = submit(
                request,
                page.channel,
                as_json,
                _submission(request, page, as_json),
                extra_fields=("campaign", *page.roi_fields),
            )
        else:
            response = _view(request, page, as_json)
    return decorate(request, response, page.channel)


def _view(request: HttpRequest, page: Landing, as_json: bool) -> HttpResponse:
    token = issue_token(page.channel)
    if request.method == "GET":
        count_view(page.publication_id, tenant_id=page.tenant.pk, on=page.day)
    if as_json:
        return JsonResponse(
            {
                "token": token,
                "token_field": TOKEN_FIELD,
                "min_fill_seconds": MIN_FILL_SECONDS,
                "expires_in": TOKEN_MAX_AGE,
                "offer": {"name": page.offer.name, "kind": page.offer.kind},
                "fields": [*PublicLeadForm.base_fields, "product_interest", *page.roi_fields],
            }
        )
    campaign = page.campaign_for(request.GET.get("campaign"))
    language = copy_language(page.offer.copy, request.headers.get("Accept-Language", ""))
    html = _kept_html(page, language)
    return HttpResponse(html.replace(TOKEN_SLOT, token).replace(CAMPAIGN_SLOT, str(campaign or "")))


def _roi_values(page: Landing, data: dict[str, Any]) -> dict[str, Decimal]:
    """The visitor's calculator inputs as numbers (an empty one takes its default)."""
    values: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for item in page.roi_inputs:
        raw = data.get(f"roi_{item['key']}")
        if raw in (None, ""):
            continue
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            errors[f"roi_{item['key']}"] = f"Give {item['label']} as a number."
            continue
        if not number.is_finite():
            errors[f"roi_{item['key']}"] = f"Give {item['label']} as a number."
            continue
        values[str(item["key"])] = number
    if errors:
        raise ValidationError(errors)
    return values


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _roi(page: Landing, data: dict[str, Any]) -> tuple[dict[str, int | float], Decimal | None]:
    if not page.roi_inputs:
        return {}, None
    values = _roi_values(page, data)
    try:
        result = roi.evaluate_roi(page.offer.roi_formula, page.roi_inputs, values)
    except ValidationError as exc:
        raise ValidationError({"__all__": exc.messages}) from None
    return {key: _json_number(value) for key, value in values.items()}, result


def _calculate(request: HttpRequest, page: Landing) -> HttpResponse:
    """The calculator's result for the visitor's inputs; nothing is stored."""
    values = {name: request.POST.get(name, "") for name in request.POST}
    token = request.POST.get(TOKEN_FIELD) or issue_token(page.channel)
    try:
        _, result = _roi(page, values)
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
        return _show(request, page, values=values, errors=errors, token=token, status=400)
    return _show(
        request, page, values=values, errors={}, token=token, status=200, roi_result=result
    )


def _submission(request: HttpRequest, page: Landing, as_json: bool) -> Submission:
    def show(
        values: dict[str, Any], errors: dict[str, list[str]], token: str, status: int
    ) -> HttpResponse:
        if as_json:
            body = {"code": "invalid", "detail": "Some input is not valid.", "fields": errors}
            return JsonResponse(body, status=status)
        return _show(request, page, values=values, errors=errors, token=token, status=status)

    def accepted() -> HttpResponse:
        if as_json:
            return JsonResponse(
                {"status": "received", "message": page.channel.thank_you}, status=201
            )
        context = {
            "tenant": page.tenant,
            "offer": page.offer,
            "brand": _brand(page),
            "thank_you": page.channel.thank_you,
        }
        return render(request, "routing/public/offer_thanks.html", context)

    return Submission(show=show, store=lambda data: _store(page, data), accepted=accepted)


def _store(page: Landing, data: dict[str, Any]) -> None:
    """A response: the lead (through lead ops), the campaign response and its touch, together."""
    inputs, result = _roi(page, data)
    campaign_id = page.campaign_for(data.get("campaign"))
    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    # The offer's product lines are what the visitor is interested in.
    lead = {**lead_data(data), "product_interest": page.product_codes}
    if result is not None:
        lead["message"] = _with_roi(lead.get("message", ""), page, inputs, result)
    with transaction.atomic():
        stored = submit_lead(
            page.tenant,
            lead,
            acting=PUBLIC_FORM,
            source=LeadSource.CAMPAIGN,
            partner=page.partner,
            source_detail=f"Offer page: {page.offer.name}"[:200],
            campaign=campaign,
            offer=page.offer,
        )
        record_response(
            tenant=page.tenant,
            acting=PUBLIC_FORM,
            campaign=campaign,
            offer=page.offer,
            partner=page.partner,
            kind="landing_page",
            occurred_at=timezone.now(),
            lead=stored,
            email=stored.email,
            roi_inputs=inputs,
            roi_result=result,
        )


def _with_roi(message: str, page: Landing, inputs: dict[str, int | float], result: Decimal) -> str:
    """The visitor's message with the calculator's figures, for whoever works the lead."""
    labels = {str(item["key"]): str(item["label"]) for item in page.roi_inputs}
    given = ", ".join(f"{labels[key]} {value:,}" for key, value in inputs.items()) or "defaults"
    line = f"ROI estimate from {page.offer.name}: {result:,.2f} {page.tenant.currency} ({given})."
    return f"{message}\n\n{line}".strip()


# --- the page's files -------------------------------------------------------------------------


def _served(page: Landing | None) -> Landing:
    if page is None:
        raise Http404("This page is not available.")
    return page


def _file_response(stored: Any, content_type: str, filename: str) -> FileResponse:
    """A published offer's image inline, a document as a download; the type is the one checked
    by content at upload (never SVG or HTML), and the browser may not guess another."""
    inline = content_type.startswith("image/")
    response = FileResponse(
        stored.open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response


def offer_logo(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> FileResponse:
    """The publishing partner's logo, as its page shows it."""
    page = _served(live_page(tenant_slug, key))
    profile = page.profile
    if profile is None or not profile.logo:
        raise Http404("This page is not available.")
    return _file_response(profile.logo, profile.logo_content_type, "logo")


def offer_file(
    request: HttpRequest,
    tenant_slug: str | None = None,
    key: str | None = None,
    asset_id: str | None = None,
) -> FileResponse:
    """An image or a document of the published offer (never another offer's)."""
    page = _served(live_page(tenant_slug, key))
    with tenant_scope(page.tenant):
        asset = (
            OfferAsset.objects.filter(offer_id=page.offer.pk, pk=asset_id or 0)
            .exclude(kind=AssetKind.COPY)
            .first()
        )
    if asset is None or not asset.file:
        raise Http404("This page is not available.")
    return _file_response(asset.file, asset.content_type, asset.filename or "file")
