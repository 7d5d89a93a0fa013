"""The partner portal's "Submit a lead" form, and the list of the leads the partner submitted with
what happened to them. A lead that went to someone else shows its status only: never who has it
(beyond "another partner" or "the manufacturer's sales team") nor what they did with it.

Submission goes through `routing.api.submit.submit_lead_as` (the partner's user and partner as the
submitter, source "portal"), which validates like every other intake, stores the lead and queues
it for routing once the transaction commits.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from pipeline.models import Lead
from routing.api.submit import submit_lead_as
from routing.explain import explain_many
from routing.forms import SubmitLeadForm, attach_errors
from routing.views.inbox import holder_text
from tenancy.requests import DoorRequest

__all__ = ["submission_list", "submit_lead_page"]

PER_PAGE = 50


def _by_field(error: ValidationError) -> ValidationError:
    """Intake names list items as "product_interest.0"; the form has the field only."""
    if not hasattr(error, "error_dict"):
        return error
    merged: dict[str, list[str]] = {}
    for key, texts in error.message_dict.items():
        merged.setdefault(key.split(".", 1)[0], []).extend(texts)
    return ValidationError(merged)


def submission_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    rows = (
        Lead.objects.visible_to(membership)
        .filter(submitted_by_partner_id=membership.partner_id)
        .select_related("submitted_by_user")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    whys = explain_many(page.object_list, membership)
    for lead in page.object_list:
        lead.ours = lead.assigned_partner_id == membership.partner_id
        lead.holder = holder_text(lead, membership.partner_id)
        lead.why = whys[lead.pk]
    return render(request, "routing/submit/list.html", {"page": page})


def submit_lead_page(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    form = SubmitLeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submit_lead_as(form.lead_data(), acting=membership)
        except ValidationError as error:
            leftover = attach_errors(form, _by_field(error))
            if leftover:
                form.add_error(None, leftover)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "You may not submit leads.")
        else:
            name = " ".join(
                p for p in (form.cleaned_data["first_name"], form.cleaned_data["last_name"]) if p
            )
            messages.success(
                request,
                f"Lead {name} submitted. It is routed within moments; its status shows here.",
            )
            return redirect(reverse("portal:lead-submissions", args=[request.tenant.slug]))
    status = 400 if request.method == "POST" else 200
    return render(request, "routing/submit/new.html", {"form": form}, status=status)
