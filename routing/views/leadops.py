"""The console's lead-ops settings: SLA policies by route and priority (the defaults of
routing.sla show until the tenant saves its own), the business calendar the SLA clocks run on,
who takes leads and how many (direct reps and partners: weight, capacity, time away), the HTTP
enrichment provider, the public web-to-lead forms with their embed snippet, and what the
duplicate matcher learned from the tenant's records (routing.dedupe_weights), with "Learn now".

Changes apply to what happens next: new timers use the new policies and calendar, the next
assignment the new weights. Running timers keep the due time they were started with.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.views import row_or_404
from pipeline.models import Lead
from routing import dedupe_weights
from routing.choices import ProviderKind
from routing.dedupe import DEFAULT_WEIGHTS, LEVEL_NAMES, Weights, score_scale
from routing.dedupe_learn import MIN_RECORDS
from routing.forms import (
    WEEKDAYS,
    AssigneeForm,
    CalendarForm,
    EnrichmentForm,
    LeadFormForm,
    sla_policy_forms,
)
from routing.leadforms import embed_snippet
from routing.models import (
    Assignee,
    BusinessCalendar,
    EnrichmentProvider,
    LeadForm,
    SlaPolicy,
)
from routing.views.common import OPEN_STATUSES
from tenancy.choices import Role
from tenancy.models import Membership, Partner
from tenancy.requests import DoorRequest

__all__ = [
    "assignee_partner",
    "assignee_rep",
    "assignees",
    "business_calendar",
    "dedupe_learn_now",
    "dedupe_learned",
    "enrichment",
    "lead_form_edit",
    "lead_form_new",
    "lead_forms",
    "overview",
    "sla_policies",
]


def _to(request: DoorRequest, name: str, *args: Any) -> HttpResponse:
    return redirect(reverse(f"console:{name}", args=[request.tenant.slug, *args]))


# --- overview -----------------------------------------------------------------------------------


def overview(request: DoorRequest) -> HttpResponse:
    calendar = BusinessCalendar.objects.first()
    provider = EnrichmentProvider.objects.filter(kind=ProviderKind.HTTP).first()
    context = {
        "saved_policies": SlaPolicy.objects.count(),
        "calendar": calendar,
        "weekdays": _weekday_names(calendar.working_days if calendar else [0, 1, 2, 3, 4]),
        "assignee_settings": Assignee.objects.count(),
        "provider": provider,
        "forms": LeadForm.objects.aggregate(
            total=Count("pk"), active=Count("pk", filter=Q(is_active=True))
        ),
        "learned": dedupe_weights.in_force(request.tenant),
    }
    return render(request, "routing/leadops/overview.html", context)


def _weekday_names(days: list[int]) -> str:
    names = dict(WEEKDAYS)
    return ", ".join(names[d][:3] for d in sorted(days) if d in names)


# --- SLA policies -------------------------------------------------------------------------------


def sla_policies(request: DoorRequest) -> HttpResponse:
    saved = {(p.route, p.priority): p for p in SlaPolicy.objects.all()}
    if request.method == "POST" and request.POST.get("reset"):
        removed, _ = SlaPolicy.objects.all().delete()
        messages.success(
            request,
            "The default policies apply again." if removed else "The defaults already apply.",
        )
        return _to(request, "lead-ops-sla")
    forms = sla_policy_forms(
        request.POST if request.method == "POST" else None, saved, tenant=request.tenant
    )
    if request.method == "POST" and all([f.is_valid() for f in forms]):
        with transaction.atomic():
            for form in forms:
                form.save()
        messages.success(request, "SLA policies saved. New leads are timed by them.")
        return _to(request, "lead-ops-sla")
    status = 400 if request.method == "POST" else 200
    context = {"forms": forms, "any_saved": bool(saved), "invalid": status == 400}
    return render(request, "routing/leadops/sla.html", context, status=status)


# --- business calendar --------------------------------------------------------------------------


def business_calendar(request: DoorRequest) -> HttpResponse:
    calendar = BusinessCalendar.objects.first()
    initial = {
        "working_days": calendar.working_days if calendar else [0, 1, 2, 3, 4],
        "day_starts": calendar.day_starts if calendar else "08:00",
        "day_ends": calendar.day_ends if calendar else "18:00",
        "holidays": "\n".join(calendar.holidays) if calendar else "",
    }
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        BusinessCalendar.objects.update_or_create(
            tenant=request.tenant,
            defaults={
                "working_days": sorted(set(data["working_days"])),
                "day_starts": data["day_starts"],
                "day_ends": data["day_ends"],
                "holidays": data["holidays"],
            },
        )
        messages.success(request, "Business calendar saved. New SLA clocks run on it.")
        return _to(request, "lead-ops-calendar")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "saved": calendar is not None, "tz": request.tenant.timezone}
    return render(request, "routing/leadops/calendar.html", context, status=status)


# --- assignees ----------------------------------------------------------------------------------


def _open_load(field: str) -> Counter:
    rows = (
        Lead.objects.filter(status__in=OPEN_STATUSES, **{f"{field}__isnull": False})
        .values(field)
        .annotate(n=Count("pk"))
    )
    return Counter({row[field]: row["n"] for row in rows})


def assignees(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    settings_by_member = {
        a.membership_id: a for a in Assignee.objects.filter(membership__isnull=False)
    }
    settings_by_partner = {a.partner_id: a for a in Assignee.objects.filter(partner__isnull=False)}
    user_load, partner_load = _open_load("assigned_user"), _open_load("assigned_partner")
    reps = list(
        Membership.objects.visible_to(membership)
        .filter(role__in=sorted(Role.direct_roles()))
        .select_related("user", "team")
        .order_by("team__name", "user__email")
    )
    for rep in reps:
        rep.setting = settings_by_member.get(rep.pk)
        rep.load = user_load[rep.user_id]
    partners = list(Partner.objects.visible_to(membership).order_by("name"))
    for partner in partners:
        partner.setting = settings_by_partner.get(partner.pk)
        partner.load = partner_load[partner.pk]
    return render(request, "routing/leadops/assignees.html", {"reps": reps, "partners": partners})


def _assignee_page(
    request: DoorRequest, *, who: str, setting: Assignee | None, key: dict[str, Any]
) -> HttpResponse:
    instance = setting or Assignee(tenant=request.tenant, **key)
    form = AssigneeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Lead settings of {who} saved.")
        return _to(request, "assignees")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "who": who, "saved": setting is not None, **key}
    return render(request, "routing/leadops/assignee_form.html", context, status=status)


def assignee_rep(request: DoorRequest, pk: int) -> HttpResponse:
    rep = row_or_404(
        Membership.objects.visible_to(request.membership)
        .filter(role__in=sorted(Role.direct_roles()))
        .select_related("user", "team"),
        pk,
        "No such rep.",
    )
    setting = Assignee.objects.filter(membership=rep).first()
    who = f"{rep.user.email} ({rep.team.name})" if rep.team else rep.user.email
    return _assignee_page(request, who=who, setting=setting, key={"membership": rep})


def assignee_partner(request: DoorRequest, pk: int) -> HttpResponse:
    partner = row_or_404(Partner.objects.visible_to(request.membership), pk, "No such partner.")
    setting = Assignee.objects.filter(partner=partner).first()
    return _assignee_page(request, who=partner.name, setting=setting, key={"partner": partner})


# --- enrichment provider ------------------------------------------------------------------------


def enrichment(request: DoorRequest) -> HttpResponse:
    provider = EnrichmentProvider.objects.filter(kind=ProviderKind.HTTP).first()
    if request.method == "POST" and request.POST.get("remove"):
        if provider is not None:
            provider.delete()
            messages.success(request, "The HTTP provider is removed; the tenant's own data stays.")
        return _to(request, "enrichment")
    initial = {
        "is_active": provider.is_active if provider else True,
        "url": provider.url if provider else "",
        "timeout_seconds": provider.timeout_seconds if provider else 2.0,
    }
    form = EnrichmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = provider.api_key if provider else ""
        if data["clear_key"]:
            key = ""
        elif data["api_key"]:
            key = data["api_key"]
        EnrichmentProvider.objects.update_or_create(
            kind=ProviderKind.HTTP,
            defaults={
                "tenant": request.tenant,
                "url": data["url"],
                "api_key": key,
                "timeout_seconds": data["timeout_seconds"],
                "is_active": data["is_active"],
            },
        )
        messages.success(request, "Enrichment provider saved.")
        return _to(request, "enrichment")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "provider": provider, "has_key": bool(provider and provider.api_key)}
    return render(request, "routing/leadops/enrichment.html", context, status=status)


# --- web-to-lead forms --------------------------------------------------------------------------


def lead_forms(request: DoorRequest) -> HttpResponse:
    rows = LeadForm.objects.select_related("partner").order_by("name", "pk")
    return render(request, "routing/leadops/forms.html", {"rows": rows})


def _save_form(request: DoorRequest, instance: LeadForm | None) -> HttpResponse:
    form = LeadFormForm(
        request.POST or None,
        instance=instance or LeadForm(tenant=request.tenant),
        membership=request.membership,
    )
    if request.method == "POST" and form.is_valid():
        instance = form.save()
        messages.success(request, f"Form “{instance.name}” saved.")
        return _to(request, "lead-form", instance.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "instance": instance, "snippet": _snippet(request, instance)}
    return render(request, "routing/leadops/form_edit.html", context, status=status)


def _snippet(request: DoorRequest, instance: LeadForm | None) -> str:
    return embed_snippet(request, instance) if instance is not None else ""


def lead_form_new(request: DoorRequest) -> HttpResponse:
    return _save_form(request, None)


def lead_form_edit(request: DoorRequest, pk: int) -> HttpResponse:
    form = row_or_404(LeadForm.objects.select_related("partner"), pk, "No such form.")
    return _save_form(request, form)


# --- what the duplicate matcher learned ---------------------------------------------------------

# The matcher's fields in words, and the few levels that read better said whole.
FIELD_WORDS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email address",
    "work_mailbox": "work email",
    "role_email": "shared inbox",
    "phone": "phone",
    "shared_phone": "switchboard number",
    "company": "company",
    "street": "street",
    "postal_code": "postal code",
    "postal_code_same_city": "postal code in the same city",
    "city": "city",
    "country": "country",
}
PHRASES = {
    ("email", 3): "the same email name at another domain",
    ("work_mailbox", 5): "two mailboxes at one company's domain",
    ("role_email", 0): "the same shared inbox (info@…)",
    ("shared_phone", 0): "the same switchboard number",
    ("postal_code_same_city", 5): "another postal code in the same city",
}
LEVEL_PHRASES = {
    0: "agreeing on {field}",
    1: "{field}: one a nickname of the other",
    2: "{field} nearly the same (a typo)",
    3: "{field} partly the same",
    4: "{field}: only the initial agrees",
    5: "differing on {field}",
}


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _percent(p: float) -> str:
    """A probability as people read it: 70%, 4.5%, 0.05%."""
    pct = 100 * p
    if pct >= 10:
        return f"{pct:.0f}%"
    if pct >= 1:
        return f"{pct:.1f}%"
    return f"{pct:.2g}%" if pct >= 0.001 else "under 0.001%"


def _weight_rows(weights: Weights) -> list[dict[str, Any]]:
    """One row per field and level: m, u, the weight, the default weight, the change, in words."""
    table, default = weights.table(), DEFAULT_WEIGHTS.table()
    rows = []
    for name, levels in weights.m_u.items():
        words = FIELD_WORDS.get(name, name.replace("_", " "))
        for level, (m, u) in sorted(levels.items()):
            weight, before = table[name][level], default[name][level]
            change = weight - before
            phrase = PHRASES.get((name, level)) or LEVEL_PHRASES[level].format(field=words)
            rows.append(
                {
                    "field": words,
                    "level": LEVEL_NAMES[level],
                    "phrase": phrase[:1].upper() + phrase[1:],
                    "m": _percent(m),
                    "u": _percent(u),
                    "weight": _signed(weight),
                    "default": _signed(before),
                    "change": _signed(change) if abs(change) >= 0.05 else "±0.0",
                    "direction": "more" if change >= 0.05 else "less" if change <= -0.05 else "",
                    "testid": f"weight-{name}-{level}",
                }
            )
    return rows


def dedupe_learned(request: DoorRequest) -> HttpResponse:
    row = dedupe_weights.in_force(request.tenant)
    weights = dedupe_weights.as_weights(row) if row is not None else DEFAULT_WEIGHTS
    people = dedupe_weights.people_count()
    context = {
        "row": row,
        "share": _percent(row.match_share) if row is not None else "",
        "scale": score_scale(0.0, weights),
        "people": people,
        "min_records": MIN_RECORDS,
        "too_few": row is None and people < MIN_RECORDS,
        "weights": weights,
        "defaults": DEFAULT_WEIGHTS,
        "rows": _weight_rows(weights),
    }
    return render(request, "routing/leadops/matcher.html", context)


@require_POST
def dedupe_learn_now(request: DoorRequest) -> HttpResponse:
    people = dedupe_weights.people_count()
    if people < MIN_RECORDS:
        messages.error(
            request,
            f"Too few records to learn from: {people} contacts and open leads, the matcher "
            f"learns from {MIN_RECORDS}. The default weights stay.",
        )
    elif dedupe_weights.request_learning(request.tenant.pk):
        messages.success(
            request,
            "Learning started: the matcher learns from your records in the background. "
            "The new weights show here, and apply to new leads, once it is done.",
        )
    else:
        messages.error(
            request, "Learning could not be started now; the nightly run will learn the weights."
        )
    return _to(request, "dedupe-weights")
