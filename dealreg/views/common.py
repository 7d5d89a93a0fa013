"""What deal registration's pages share: the rows a viewer may see, the list filters, a
registration's page context and the words for a refusal.

Rows start from `DealRegistration.objects.visible_to(membership)`; another party's registration
is a 404. Every action calls its service with `acting=request.membership`; a transition the state
does not allow, missing input or a role that may not act is a message on the page, never a 500.
Registrants read a conflict's `reason` (naming nobody) and see "reviewer" for the manufacturer's
people in the timeline, as the API shows them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from dealreg.choices import OPEN_STATES, Action, ClockKind, ClockState, RegState, allowed_actions
from dealreg.filters import DealRegistrationFilterSet
from dealreg.forms import DecisionForm
from dealreg.models import (
    DealRegistration,
    EvidenceFile,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    sees_whole_tenant,
)
from dealreg.services.registrations import approved_discounts
from dealreg.services.state import TransitionRefused, settings_for
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = [
    "PER_PAGE",
    "REFUSALS",
    "REVIEW_KINDS",
    "decision_context",
    "detail_context",
    "filtered",
    "list_context",
    "refusal",
    "rows_for",
]

PER_PAGE = 50
REVIEW_KINDS = (ClockKind.REVIEW, ClockKind.STEP)


def rows_for(membership: Membership) -> QuerySet[DealRegistration]:
    return DealRegistration.objects.visible_to(membership).select_related(
        "end_customer", "registrant_partner", "registrant_team", "registrant_user"
    )


def filtered(request: DoorRequest, rows: QuerySet) -> tuple[Any, QuerySet, int]:
    filters = DealRegistrationFilterSet(request.GET or None, queryset=rows)
    if not filters.is_bound:
        return filters, rows, 200
    if not filters.is_valid():
        return filters, rows.none(), 400
    return filters, filters.qs, 200


def list_context(request: DoorRequest, filters: Any, rows: QuerySet) -> dict[str, Any]:
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    chosen = request.GET.getlist("state")
    return {
        "page": page,
        "filters": filters,
        "states": [(value, label, value in chosen) for value, label in RegState.choices],
        "now": timezone.now(),
        "filtered": bool(request.GET.get("state") or request.GET.get("has_conflict")),
    }


def detail_context(request: DoorRequest, registration: DealRegistration) -> dict[str, Any]:
    membership = request.membership
    everything = sees_whole_tenant(membership)
    events = list(RegistrationEvent.objects.filter(registration=registration).order_by("at", "pk"))
    labels = dict(Action.choices)
    for event in events:
        event.label = labels.get(event.action, event.action)  # type: ignore[attr-defined]
        event.shown_actor = event.actor_shown_to(membership)  # type: ignore[attr-defined]
    conflicts = RegistrationConflict.objects.filter(registration=registration).select_related(
        *(
            ("product_line", "other_partner", "other_team", "other_registration")
            if everything
            else ("product_line",)
        )
    )
    clocks = RegistrationClock.objects.filter(
        registration=registration, state__in=[ClockState.RUNNING, ClockState.BREACHED]
    ).order_by("due_at", "pk")
    return {
        "reg": registration,
        "lines": registration.lines.select_related("product_line").order_by("pk"),
        "events": events,
        "conflicts": conflicts,
        "clocks": clocks,
        "files": EvidenceFile.objects.filter(registration=registration).order_by("pk"),
        "everything": everything,
        "allowed": allowed_actions(registration.state),
        "now": timezone.now(),
    }


def refusal(error: Exception) -> str:
    """A service's refusal in words: field messages say which field (a line's discount by its
    product line)."""
    if isinstance(error, TransitionRefused):
        return error.detail
    if isinstance(error, ValidationError):
        if not hasattr(error, "error_dict"):
            return " ".join(error.messages)
        return "; ".join(
            f"{_label(name)}: {' '.join(texts)}" for name, texts in error.message_dict.items()
        )
    return str(error)


def _label(name: str) -> str:
    if name.startswith("discounts."):
        return f"Approved discount on {name.split('.', 1)[1]}"
    return name.replace("_", " ").capitalize()


REFUSALS = (TransitionRefused, ValidationError, PermissionDenied)


def decision_context(request: DoorRequest, reg: DealRegistration) -> dict[str, Any]:
    """The reviewer's decision form (console review page; a sales manager's registration page),
    with each line's discount as it would be approved (the reviewer may lower it)."""
    last_step = reg.approval_step >= len(reg.approval_chain) - 1
    defaults = approved_discounts(reg) if last_step and reg.state in OPEN_STATES else {}
    lines = reg.lines.select_related("product_line").order_by("pk")
    return {
        "discount_lines": [(line, defaults[line.pk]) for line in lines if line.pk in defaults],
        "form": DecisionForm(reasons=settings_for(request.tenant).rejection_reasons),
        "decide_url": reverse(f"{request.door}:dealreg-decide", args=[request.tenant.slug, reg.pk]),
    }
