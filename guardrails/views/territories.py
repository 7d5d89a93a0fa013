"""Console pages for territories (with their areas) and partner authorizations. RevOps admins only
(the console's door guard admits no one else); every change goes through
`guardrails.services.territories`, which validates it, writes it all or nothing and recomputes
stored decisions after commit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.views import row_or_404
from guardrails.forms_people import (
    AreaFormSet,
    AuthorizationFilterForm,
    AuthorizationForm,
    TerritoryForm,
    attach_errors,
)
from guardrails.models import PartnerAuthorization, Territory, TerritoryArea
from guardrails.services.territories import (
    AREA_FIELDS,
    archive_territory,
    delete_authorization,
    restore_territory,
    save_authorization,
    save_territory,
)
from tenancy.models import Partner
from tenancy.requests import DoorRequest
from tenancy.sections import render_section

__all__ = [
    "authorization_delete",
    "authorization_edit",
    "authorization_list",
    "authorization_new",
    "territory_archive",
    "territory_edit",
    "territory_list",
    "territory_new",
    "territory_restore",
]

PER_PAGE = 50


def _get(rows: QuerySet, pk: int) -> Any:
    return row_or_404(rows, pk, "No such object.")


# --- territories -------------------------------------------------------------------------------


def territory_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    authorizations = (
        PartnerAuthorization.objects.visible_to(membership)
        .filter(territory=OuterRef("pk"))
        .order_by()
        .values("territory")
        .annotate(n=Count("pk"))
        .values("n")
    )
    territories = (
        Territory.objects.visible_to(membership)
        .annotate(authorization_count=Coalesce(Subquery(authorizations), 0))
        .prefetch_related(
            Prefetch("areas", queryset=TerritoryArea.objects.visible_to(membership).order_by("pk"))
        )
        .order_by(F("archived_at").asc(nulls_first=True), "name", "pk")
    )
    show = request.GET.get("show", "")
    if show != "all":
        show = ""
        territories = territories.filter(archived_at__isnull=True)
    page = Paginator(territories, PER_PAGE).get_page(request.GET.get("page"))
    archived = Territory.objects.visible_to(membership).filter(archived_at__isnull=False).count()
    context = {"page": page, "show": show, "archived_count": archived}
    return render(request, "guardrails/territories/territory_list.html", context)


def _area_initial(territory: Territory) -> list[dict]:
    return [
        {name: getattr(area, name) for name in AREA_FIELDS}
        for area in territory.areas.order_by("pk")
    ]


def _territory_form_page(request: DoorRequest, territory: Territory | None) -> HttpResponse:
    if request.method == "POST":
        form = TerritoryForm(request.POST)
        formset = AreaFormSet(request.POST, prefix="areas")
    else:
        initial = (
            {"code": territory.code, "name": territory.name, "description": territory.description}
            if territory
            else {}
        )
        form = TerritoryForm(initial=initial)
        formset = AreaFormSet(
            prefix="areas", initial=_area_initial(territory) if territory else None
        )
    area_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        areas = [f.area for f in formset.forms if f.area is not None]
        try:
            saved = save_territory(
                request.tenant,
                data=form.cleaned_data,
                areas=areas,
                territory=territory,
                acting=request.membership,
            )
        except ValidationError as exc:
            area_errors = attach_errors(form, exc)
        else:
            verb = "saved" if territory else "created"
            count = f"{len(areas)} area{'s' if len(areas) != 1 else ''}"
            messages.success(request, f"Territory “{saved.name}” {verb} with {count}.")
            return redirect("console:territory", request.tenant.slug, saved.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "territory": territory,
        "form": form,
        "formset": formset,
        "area_errors": area_errors + list(formset.non_form_errors()),
    }
    return render(request, "guardrails/territories/territory_form.html", context, status=status)


def territory_new(request: DoorRequest) -> HttpResponse:
    return _territory_form_page(request, None)


def territory_edit(request: DoorRequest, pk: int) -> HttpResponse:
    territory = _get(Territory.objects.visible_to(request.membership), pk)
    return _territory_form_page(request, territory)


@require_POST
def territory_archive(request: DoorRequest, pk: int) -> HttpResponse:
    territory = _get(Territory.objects.visible_to(request.membership), pk)
    archive_territory(territory, acting=request.membership)
    messages.success(
        request,
        f"Territory “{territory.name}” archived: it no longer matches any account. "
        "Rules that still name it are flagged by lint.",
    )
    return redirect("console:territories", request.tenant.slug)


@require_POST
def territory_restore(request: DoorRequest, pk: int) -> HttpResponse:
    territory = _get(Territory.objects.visible_to(request.membership), pk)
    restore_territory(territory, acting=request.membership)
    messages.success(request, f"Territory “{territory.name}” is active again.")
    return redirect("console:territory", request.tenant.slug, territory.pk)


# --- partner authorizations --------------------------------------------------------------------


def authorization_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    rows = (
        PartnerAuthorization.objects.visible_to(membership)
        .select_related("partner", "territory", "product_line")
        .order_by("partner__name", "territory__name", "valid_from", "pk")
    )
    filters = AuthorizationFilterForm(request.GET or None, membership=membership)
    status = 200
    if filters.is_bound:
        if filters.is_valid():
            if filters.cleaned_data.get("partner"):
                rows = rows.filter(partner=filters.cleaned_data["partner"])
            if filters.cleaned_data.get("territory"):
                rows = rows.filter(territory=filters.cleaned_data["territory"])
        else:
            rows, status = rows.none(), 400
    today = timezone.localdate()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for auth in page.object_list:
        auth.state = (
            "upcoming"
            if auth.valid_from > today
            else "ended"
            if auth.valid_until and auth.valid_until < today
            else "in force"
        )
    active = (
        any(filters.data.get(k) for k in ("partner", "territory")) if filters.is_bound else False
    )
    context = {"page": page, "filters": filters, "filtered": active}
    return render(request, "guardrails/territories/authorization_list.html", context, status=status)


def _authorization_form_page(
    request: DoorRequest, authorization: PartnerAuthorization | None
) -> HttpResponse:
    membership = request.membership
    initial: dict[str, Any] = {}
    if authorization is not None:
        initial = {
            "partner": authorization.partner_id,
            "territory": authorization.territory_id,
            "product_line": authorization.product_line_id,
            "valid_from": authorization.valid_from,
            "valid_until": authorization.valid_until,
        }
    else:
        initial = {"valid_from": timezone.localdate()}
        for name in ("partner", "territory"):
            value = request.GET.get(name, "")
            if value.isdigit() and len(value) < 19:
                initial[name] = int(value)
    form = AuthorizationForm(
        request.POST or None, initial=initial, membership=membership, current=authorization
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_authorization(
                request.tenant,
                form.cleaned_data,
                authorization=authorization,
                acting=request.membership,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            verb = "saved" if authorization else "added"
            messages.success(
                request,
                f"Authorization of {saved.partner.name} for {saved.territory.name} {verb}.",
            )
            return redirect("console:authorizations", request.tenant.slug)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "authorization": authorization}
    return render(request, "guardrails/territories/authorization_form.html", context, status=status)


def authorization_new(request: DoorRequest) -> HttpResponse:
    return _authorization_form_page(request, None)


def authorization_edit(request: DoorRequest, pk: int) -> HttpResponse:
    rows = PartnerAuthorization.objects.visible_to(request.membership).select_related(
        "partner", "territory"
    )
    return _authorization_form_page(request, _get(rows, pk))


@require_POST
def authorization_delete(request: DoorRequest, pk: int) -> HttpResponse:
    rows = PartnerAuthorization.objects.visible_to(request.membership).select_related(
        "partner", "territory"
    )
    authorization = _get(rows, pk)
    delete_authorization(authorization, acting=request.membership)
    messages.success(
        request,
        f"Authorization of {authorization.partner.name} for {authorization.territory.name} "
        "deleted.",
    )
    return redirect("console:authorizations", request.tenant.slug)


def partner_authorizations_section(request: DoorRequest, partner: Partner) -> str:
    """The partner page's (tenancy) block: where and what the partner may sell, and since when."""
    rows = list(
        PartnerAuthorization.objects.visible_to(request.membership)
        .filter(partner=partner)
        .select_related("territory", "product_line")
        .order_by("territory__name", "valid_from", "pk")
    )
    today = timezone.localdate()
    for auth in rows:
        auth.state = (
            "upcoming"
            if auth.valid_from > today
            else "ended"
            if auth.valid_until and auth.valid_until < today
            else "in force"
        )
    context = {"partner": partner, "authorizations": rows}
    return render_section(request, "guardrails/territories/_partner_authorizations.html", context)
