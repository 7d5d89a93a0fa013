"""The console's offer and campaign forms, and its list of partners' co-branding profiles.

The forms are thin: they call `save_offer` and `save_campaign` and put the services'
`ValidationError` messages on the fields they name, so the console and the API refuse the same
input with the same words. A refusal saves nothing (the services are atomic) and answers 400."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.models import ProductLine, TargetList
from accounts.views import paginate
from campaigns import services
from campaigns.forms import CampaignForm, OfferForm, place_errors
from campaigns.models import Campaign, CoBrandProfile, Offer
from campaigns.selectors import partners_lacking_cobranding
from campaigns.views.common import campaign_rows, logo_response, offer_rows
from core.views import row_or_404
from tenancy.choices import PartnerStatus
from tenancy.models import Partner
from tenancy.requests import DoorRequest

__all__ = [
    "campaign_edit",
    "campaign_new",
    "cobrand_logo",
    "cobrand_profiles",
    "offer_edit",
    "offer_new",
]

OFFER_FIELDS = (
    "name",
    "kind",
    "status",
    "summary",
    "description",
    "routes",
    "partner_tiers",
    "valid_from",
    "valid_until",
    "copy",
    "roi_inputs",
    "roi_formula",
)
CAMPAIGN_FIELDS = (
    "name",
    "kind",
    "status",
    "description",
    "starts_on",
    "ends_on",
    "budget",
    "target_list",
    "direct",
    "partner_mode",
    "partner_tiers",
)


def _saved(
    request: DoorRequest, form: Any, save: Any, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Validate, save through the service, and go to the saved row's page; else the form again,
    each message beside its field (400)."""
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            return save()
        except ValidationError as error:
            problems = place_errors(form, error)
        except PermissionDenied as error:
            problems = [str(error)]
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form, "problems": problems}, status=status)


def _offer_form(request: DoorRequest, row: Offer | None) -> HttpResponse:
    initial: dict[str, Any] = {"routes": ["direct", "partner"]}
    if row is not None:
        initial = {name: getattr(row, name) for name in OFFER_FIELDS}
        initial["product_lines"] = list(
            row.product_line_links.values_list("product_line_id", flat=True)
        )
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        product_lines=ProductLine.objects.visible_to(request.membership).order_by("name"),
    )

    def save() -> HttpResponse:
        saved = services.save_offer(
            row,
            tenant=request.tenant,
            acting=request.membership,
            **form.related(),
            **form.changes(),
        )
        messages.success(request, f"Offer “{saved.name}” is saved.")
        return redirect("console:offer", request.tenant.slug, saved.pk)

    return _saved(request, form, save, "campaigns/offer_form.html", {"offer": row})


def offer_new(request: DoorRequest) -> HttpResponse:
    return _offer_form(request, None)


def offer_edit(request: DoorRequest, pk: int) -> HttpResponse:
    return _offer_form(request, row_or_404(offer_rows(request), pk, "No such offer."))


def _campaign_form(request: DoorRequest, row: Campaign | None) -> HttpResponse:
    membership = request.membership
    initial: dict[str, Any] = {"direct": True, "partner_mode": "none"}
    if row is not None:
        initial = {name: getattr(row, name) for name in CAMPAIGN_FIELDS}
        initial["offers"] = list(row.offer_links.values_list("offer_id", flat=True))
        initial["partners"] = list(row.partner_links.values_list("partner_id", flat=True))
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        target_lists=TargetList.objects.visible_to(membership).order_by("name"),
        offers=Offer.objects.visible_to(membership).order_by("name"),
        partners=Partner.objects.visible_to(membership).order_by("name"),
    )

    def save() -> HttpResponse:
        saved = services.save_campaign(
            row, tenant=request.tenant, acting=membership, **form.related(), **form.changes()
        )
        messages.success(request, f"Campaign “{saved.name}” is saved.")
        return redirect("console:campaign", request.tenant.slug, saved.pk)

    return _saved(request, form, save, "campaigns/campaign_form.html", {"campaign": row})


def campaign_new(request: DoorRequest) -> HttpResponse:
    return _campaign_form(request, None)


def campaign_edit(request: DoorRequest, pk: int) -> HttpResponse:
    return _campaign_form(request, row_or_404(campaign_rows(request), pk, "No such campaign."))


def cobrand_profiles(request: DoorRequest) -> HttpResponse:
    """Every active partner with its co-branding: complete, or what it still lacks."""
    wanted = request.GET.get("state", "")
    if wanted == "incomplete":
        partners = partners_lacking_cobranding(request.membership)
    else:
        partners = Partner.objects.visible_to(request.membership).filter(
            status=PartnerStatus.ACTIVE
        )
    page = paginate(request, partners.order_by("name", "pk"))
    profiles = {
        p.partner_id: p
        for p in CoBrandProfile.objects.visible_to(request.membership).filter(
            partner__in=list(page)
        )
    }
    rows = []
    for partner in page:
        profile = profiles.get(partner.pk)
        missing = profile.missing() if profile else [w for _, w in CoBrandProfile.REQUIRED]
        rows.append((partner, profile, missing))
    context = {"page": page, "rows": rows, "state": wanted}
    return render(request, "campaigns/cobrand_profiles.html", context)


def cobrand_logo(request: DoorRequest, pk: int) -> Any:
    """A co-branding profile's logo (`pk` is the profile's), for whoever may see the profile."""
    profile = row_or_404(
        CoBrandProfile.objects.visible_to(request.membership), pk, "No such profile."
    )
    return logo_response(profile)
