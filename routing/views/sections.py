"""Routing's sections of pages that lower apps own: the leads of a contact (accounts' contact page)
and the lead an opportunity came from (pipeline's opportunity page). Registered from
routing/pages.py; each starts from `Lead.objects.visible_to(request.membership)` and links to
the lead page of the viewer's door.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Contact
from pipeline.choices import LeadStatus
from pipeline.models import Lead, Opportunity, Touch
from routing.normalize import normalize_email
from tenancy.requests import DoorRequest
from tenancy.sections import render_section

__all__ = ["contact_leads_section", "opportunity_origin_section"]

# Leads listed in a section; a person rarely raises a hand more often.
SECTION_LEADS = 25


def contact_leads_section(request: DoorRequest, contact: Contact) -> str:
    """The leads of this person the viewer may see: matched to the contact by enrichment, or with
    the same email address."""
    match = Q(contact=contact)
    email = normalize_email(contact.email)
    if email:
        match |= Q(email_key=email)
    leads = Lead.objects.visible_to(request.membership).filter(match).order_by("-created_at", "-pk")
    context = {"leads": list(leads[:SECTION_LEADS]), "count": leads.count()}
    return render_section(request, "routing/sections/contact_leads.html", context)


def opportunity_origin_section(request: DoorRequest, opportunity: Opportunity) -> str:
    """Where the opportunity came from: the leads whose touches were logged on it; failing that,
    the converted leads of its account (a lead records no opportunity of its own)."""
    visible = Lead.objects.visible_to(request.membership).order_by("created_at", "pk")
    linked = Touch.objects.filter(opportunity=opportunity, lead__isnull=False).values("lead_id")
    leads = list(visible.filter(pk__in=linked)[:SECTION_LEADS])
    direct = bool(leads)
    if not direct:
        converted = visible.filter(account_id=opportunity.account_id, status=LeadStatus.CONVERTED)
        leads = list(converted[:SECTION_LEADS])
    context = {"leads": leads, "direct": direct, "opportunity": opportunity}
    return render_section(request, "routing/sections/opportunity_origin.html", context)
