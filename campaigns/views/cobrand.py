"""The portal's "My co-branding": the partner's logo, colours, contact, service area and legal
line, a live preview of the co-branded card, and what the profile still lacks for publishing.

Partner admins change it (`services.save_cobrand_profile`: the logo judged by its bytes and
size, colours as #RRGGBB); partner reps read it. A refused change saves nothing, neither the
fields nor the logo, and names each problem beside its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from campaigns import services
from campaigns.forms import PROFILE_INITIAL, CoBrandForm, place_errors
from campaigns.models import CoBrandProfile
from campaigns.validators import max_file_bytes
from tenancy.choices import Role
from tenancy.requests import DoorRequest

__all__ = ["my_cobranding"]


def my_cobranding(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    partner = membership.partner
    assert partner is not None  # the portal admits partner users only
    profile = CoBrandProfile.objects.visible_to(membership).filter(partner=partner).first()
    may_change = membership.role == Role.PARTNER_ADMIN
    initial = {name: getattr(profile, name) for name in PROFILE_INITIAL} if profile else {}
    posted = request.method == "POST"
    form = CoBrandForm(request.POST if posted else None, request.FILES or None, initial=initial)
    problems: list[str] = []
    if posted and form.is_valid():
        try:
            services.save_cobrand_profile(
                partner, acting=membership, logo=form.cleaned_data["logo"], **form.changes()
            )
        except ValidationError as error:
            problems = place_errors(form, error)
        except PermissionDenied as error:
            problems = [str(error)]
        else:
            messages.success(request, "Your co-branding is saved.")
            return redirect("portal:cobrand", request.tenant.slug)
    context: dict[str, Any] = {
        "form": form,
        # An empty profile until the first save, so the page reads the same either way.
        "profile": profile or CoBrandProfile(tenant=request.tenant, partner=partner),
        "partner": partner,
        "may_change": may_change,
        "missing": services.cobrand_missing(partner),
        "problems": problems,
        "logo_url": (
            reverse("portal:cobrand-logo", args=[request.tenant.slug, profile.pk])
            if profile and profile.logo
            else ""
        ),
        "max_mb": max_file_bytes() // (1024 * 1024),
    }
    return render(request, "campaigns/cobrand.html", context, status=400 if posted else 200)
