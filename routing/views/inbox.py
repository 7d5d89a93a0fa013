"""The "My leads" inbox of the sales and portal doors, and the lead page behind it.

The inbox lists the leads assigned to the viewer, their partner or their team, soonest SLA due
first, each with its countdown (time left to accept while routed, to the first touch once
accepted), and accept / decline buttons. The lead page shows the lead, why it came here in plain
words, its timeline and touches, and the forms to accept, decline (with a reason) and log a touch.

Rows start from `Lead.objects.visible_to(membership)`. A partner never reads another partner's
name, nor the manufacturer's teams or people: those show as "another partner", "the direct team"
and "the manufacturer". A lead the partner submitted that went elsewhere shows its status only.
Accept, decline and touch are POSTs that always answer with a redirect and a message: the service
(routing.services) decides, and a refusal is a message, never a server error.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import Account, ProductLine
from guardrails.models import RouteRule, RulebookVersion
from guardrails.plain import published_rules_for
from guardrails.redact import redactor_for
from pipeline.choices import LeadStatus
from pipeline.models import Lead, Touch
from routing.choices import EventKind
from routing.explain import explain, explain_many
from routing.forms import TOUCH_CHANNELS, RejectForm, TouchForm
from routing.models import LeadEvent
from routing.services import accept_lead, can_act, log_touch, reject_lead
from routing.views.common import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    attach_clocks,
    flash_outcome,
    get_lead_for,
    timeline_for,
    with_clock,
)
from tenancy.clock import zone_name
from tenancy.models import Membership, Partner, Team, User
from tenancy.requests import DoorRequest

__all__ = ["inbox", "lead_accept", "lead_detail", "lead_reject", "lead_touch"]

PER_PAGE = 50
STATUS_TABS = {
    "open": ("Open", OPEN_STATUSES),
    "routed": ("To accept", (LeadStatus.ROUTED,)),
    "accepted": ("Accepted", (LeadStatus.ACCEPTED,)),
    "working": ("Working", (LeadStatus.WORKING,)),
    "closed": ("Closed", CLOSED_STATUSES),
    "all": ("All", None),
}
DETAIL_RELATED = (
    "assigned_user",
    "assigned_team",
    "assigned_partner",
    "account",
    "submitted_by_user",
)

# --- the inbox ----------------------------------------------------------------------------------


def scopes_of(membership: Membership) -> dict[str, str]:
    """The two views of the inbox, worded for the viewer: their own leads, or their
    organisation's (the first is the default)."""
    if membership.is_partner_user:
        return {"org": "Our company's", "mine": "Taken by me"}
    if membership.is_admin:
        return {"mine": "Mine", "org": "Everyone's"}
    if membership.role == "direct_manager":
        return {"org": "My team's", "mine": "Mine"}
    return {"org": "Mine and my team's open ones", "mine": "Only mine"}


def inbox_rows(membership: Membership, who: str) -> QuerySet:
    rows = Lead.objects.visible_to(membership)
    if membership.is_partner_user:
        rows = rows.filter(assigned_partner_id=membership.partner_id)
        if who == "mine":
            rows = rows.filter(assigned_user_id=membership.user_id)
        return rows
    if who == "mine":
        return rows.filter(assigned_user_id=membership.user_id)
    if membership.role == "direct_manager":
        return rows.filter(
            Q(assigned_team_id=membership.team_id) | Q(assigned_user_id=membership.user_id)
        )
    return rows  # a rep: visible_to is theirs plus the team's unclaimed ones; an admin: all


def inbox(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    scopes = scopes_of(membership)
    who = request.GET.get("who", "")
    who = who if who in scopes else next(iter(scopes))
    tab = request.GET.get("status", "")
    tab = tab if tab in STATUS_TABS else "open"
    base = with_clock(inbox_rows(membership, who))
    rows = base
    statuses = STATUS_TABS[tab][1]
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    if tab in ("open", "routed", "accepted"):
        rows = rows.order_by(F("sla_due_at").asc(nulls_last=True), "-created_at", "-pk")
    else:
        rows = rows.order_by("-created_at", "-pk")
    rows = rows.select_related("assigned_user", "assigned_team")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = attach_clocks(page.object_list)
    whys = explain_many(page.object_list, membership)
    for lead in page.object_list:
        lead.actionable = can_act(lead, membership)  # type: ignore[attr-defined]  # for the template
        lead.why = whys[lead.pk]  # type: ignore[attr-defined]
    waiting = base.filter(status=LeadStatus.ROUTED)
    context = {
        "page": page,
        "tab": tab,
        "tabs": [(key, label) for key, (label, _) in STATUS_TABS.items()],
        "who": who,
        "scopes": list(scopes.items()),
        "to_accept": waiting.count(),
        "overdue": base.filter(sla_due_at__lt=timezone.now()).count(),
        "is_partner": membership.is_partner_user,
        "back": request.get_full_path(),
    }
    return render(request, "routing/inbox/inbox.html", context)


# --- the lead page ------------------------------------------------------------------------------


def holder_text(lead: Lead, partner_id: int | None) -> str:
    """Who has the lead, as the viewer may read it."""
    if lead.assigned_partner_id:
        if partner_id is None:
            return cast(Partner, lead.assigned_partner).name
        return "your company" if lead.assigned_partner_id == partner_id else "another partner"
    if partner_id is not None:
        return "the manufacturer's sales team" if lead.route == "direct" else "nobody yet"
    if lead.assigned_user_id:
        team = f" ({cast(Team, lead.assigned_team).name})" if lead.assigned_team_id else ""
        return f"{cast(User, lead.assigned_user).email}{team}"
    if lead.assigned_team_id:
        return cast(Team, lead.assigned_team).name
    return "nobody yet"


def _readable_rule(record: dict, membership: Membership) -> RouteRule | None:
    """The deciding rule, if the viewer may read it (partners: not when it names another
    partner)."""
    rule_id = record.get("rule_id")
    if not rule_id:
        return None
    rule = RouteRule.objects.filter(pk=rule_id).select_related("version").first()
    if rule is None or not membership.is_partner_user:
        return rule
    version = RulebookVersion.objects.filter(pk=rule.version_id).first()
    readable = {r.pk for r, _ in published_rules_for(membership, version)} if version else set()
    return rule if rule.pk in readable else None


def routing_story(lead: Lead, membership: Membership) -> dict[str, Any]:
    """Why the lead is where it is, in words: who has it, by which rule and its rationale, or by
    hand; for the direct side also who declined or lost it before."""
    partner_id = membership.partner_id if membership.is_partner_user else None
    record = lead.decision or {}
    handover = (
        LeadEvent.objects.filter(lead=lead, kind__in=[EventKind.ROUTED, EventKind.REASSIGNED])
        .order_by("-occurred_at", "-id")
        .first()
    )
    by_hand = handover is not None and handover.kind == EventKind.REASSIGNED
    rule = None if by_hand else _readable_rule(record, membership)
    redact = redactor_for(membership)
    story: dict[str, Any] = {
        "holder": holder_text(lead, partner_id),
        "assigned_at": lead.assigned_at,
        "by_hand": by_hand,
        "rule": rule,
        "rule_name": redact(rule.name) if rule is not None else "",
        "rationale": redact(record.get("rationale", "")) if rule is not None else "",
        "exception": record.get("exception") if rule is not None else None,
        "hidden_rule": not by_hand and rule is None and bool(record.get("rule_id")),
        "unroutable": lead.status == LeadStatus.UNROUTABLE,
        "attempts": lead.routing_attempts,
    }
    if membership.is_admin:  # others read "declined before" without names (routing.explain)
        story["declined"] = [
            *Partner.objects.filter(pk__in=record.get("excluded_partners", [])).values_list(
                "name", flat=True
            ),
            *User.objects.filter(pk__in=record.get("excluded_users", [])).values_list(
                "email", flat=True
            ),
        ]
    return story


def product_names(lead: Lead) -> list[str]:
    codes = list(lead.product_interest or [])
    names = dict(ProductLine.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(code, code) for code in codes]


def lead_detail(request: DoorRequest, pk: int) -> HttpResponse:
    membership = request.membership
    lead = get_lead_for(request, pk, Lead.objects.select_related(*DETAIL_RELATED))
    partner_id = membership.partner_id if membership.is_partner_user else None
    if partner_id is not None and lead.assigned_partner_id != partner_id:
        # Submitted by this partner, handled by someone else: its status, nothing more.
        context = {
            "lead": lead,
            "holder": holder_text(lead, partner_id),
            "why": explain(lead, membership),
        }
        return render(request, "routing/inbox/submitted_lead.html", context)
    account_visible = bool(
        lead.account_id
        and Account.objects.visible_to(membership).filter(pk=lead.account_id).exists()
    )
    context = {
        "lead": lead,
        "story": routing_story(lead, membership),
        "why": explain(lead, membership),
        "timeline": timeline_for(lead, membership),
        "touches": Touch.objects.visible_to(membership)
        .filter(lead=lead)
        .select_related("actor_user")
        .order_by("-occurred_at", "-id"),
        "actionable": can_act(lead, membership),
        "can_accept": lead.status == LeadStatus.ROUTED,
        "can_decline": lead.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED),
        "can_touch": lead.status in OPEN_STATUSES,
        "show_actions": lead.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED),
        "reject_form": RejectForm(),
        "touch_form": TouchForm(initial={"channel": "call"}),
        "products": product_names(lead),
        "account_visible": account_visible,
        "is_partner": partner_id is not None,
        "show_source_detail": partner_id is None or lead.submitted_by_partner_id == partner_id,
        "tz": zone_name(),  # the zone a typed touch time is read in
    }
    return render(request, "routing/inbox/lead.html", context)


# --- actions ------------------------------------------------------------------------------------


def _back(request: DoorRequest, lead: Lead | None = None) -> HttpResponse:
    """Back where the action was started (the inbox or the lead page), else the lead page."""
    door, slug = request.door, request.tenant.slug
    target = request.POST.get("next", "")
    prefix = f"/{door}/{slug}/leads/"
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    if lead is None:
        return redirect(reverse(f"{door}:leads", args=[slug]))
    return redirect(reverse(f"{door}:lead", args=[slug, lead.pk]))


@require_POST
def lead_accept(request: DoorRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request, pk)
    flash_outcome(
        request,
        lambda: accept_lead(lead, acting=request.membership),
        f"You accepted {lead}. The clock for the first touch is running.",
    )
    return _back(request, lead)


@require_POST
def lead_reject(request: DoorRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["reason"])))
        return _back(request, lead)
    done = flash_outcome(
        request,
        lambda: reject_lead(lead, acting=request.membership, reason=form.cleaned_data["reason"]),
        f"You declined {lead}; it goes to the next in line.",
    )
    # A declined lead is usually no longer theirs to see: back to the inbox.
    return _back(request, None if done else lead)


@require_POST
def lead_touch(request: DoorRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request, pk)
    form = TouchForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label or field.replace("_", " ").capitalize()
            messages.error(request, f"{label}: {' '.join(map(str, errors))}")
        return redirect(reverse(f"{request.door}:lead", args=[request.tenant.slug, lead.pk]))
    data = form.cleaned_data
    channel = dict(TOUCH_CHANNELS)[data["channel"]]
    flash_outcome(
        request,
        lambda: log_touch(
            lead,
            acting=request.membership,
            channel=data["channel"],
            subject=data["subject"],
            occurred_at=data["occurred_at"],
        ),
        f"{channel} logged on {lead}.",
    )
    return redirect(reverse(f"{request.door}:lead", args=[request.tenant.slug, lead.pk]))
