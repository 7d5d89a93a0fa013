"""Each user's notifications, in every door: newest first, unread ones marked, "mark read" one by
one or all at once, and how they want them by email (each one, a daily digest, or not at all).

Rows start from `Notification.objects.visible_to(membership)`, which is the user's own only.
`unread_context` is a template context processor for the navigation's unread count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.validators import MAX_ID
from routing.choices import DigestMode
from routing.forms import PreferenceForm
from routing.models import Notification, NotificationPreference
from routing.notify import mark_read as mark_notifications_read
from tenancy.requests import DoorRequest

__all__ = [
    "mark_read",
    "notification_list",
    "set_preference",
    "unread_context",
]

PER_PAGE = 50


def unread_context(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` and `notifications_url` for the signed-in pages' navigation."""
    membership = getattr(request, "membership", None)
    door = getattr(request, "door", None)
    tenant = getattr(request, "tenant", None)
    if membership is None or door is None or tenant is None:
        return {}
    count = Notification.objects.visible_to(membership).filter(read_at__isnull=True).count()
    return {
        "unread_notifications": count,
        "notifications_url": reverse(f"{door}:notifications", args=[tenant.slug]),
    }


def _preference(request: DoorRequest) -> str:
    found = (
        NotificationPreference.objects.filter(user=request.user).values_list("email", flat=True)
    ).first()
    return found or DigestMode.IMMEDIATE


def notification_list(request: DoorRequest) -> HttpResponse:
    mine = Notification.objects.visible_to(request.membership)
    rows = mine.select_related("lead").order_by("-created_at", "-id")
    if request.GET.get("show") == "unread":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    lead_page = "console:lead" if request.door == "console" else f"{request.door}:lead"
    context = {
        "page": page,
        "unread": mine.filter(read_at__isnull=True).count(),
        "only_unread": request.GET.get("show") == "unread",
        "lead_page": lead_page,
        "preference_form": PreferenceForm(initial={"email": _preference(request)}),
    }
    return render(request, "routing/notifications/list.html", context)


@require_POST
def mark_read(request: DoorRequest) -> HttpResponse:
    """`id`: one notification; none: all of them."""
    mine = Notification.objects.visible_to(request.membership).filter(read_at__isnull=True)
    raw = request.POST.get("id", "")
    if raw:
        if not raw.isdigit() or int(raw) > MAX_ID:
            messages.error(request, "No such notification.")
            return redirect(reverse(f"{request.door}:notifications", args=[request.tenant.slug]))
        mine = mine.filter(pk=int(raw))
    done = mark_notifications_read(mine, acting=request.membership)
    if not raw:
        messages.success(request, f"{done} notification{'s' if done != 1 else ''} marked read.")
    return redirect(reverse(f"{request.door}:notifications", args=[request.tenant.slug]))


@require_POST
def set_preference(request: DoorRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how you want notifications by email.")
    else:
        choice = form.cleaned_data["email"]
        NotificationPreference.objects.update_or_create(
            user=request.user, defaults={"tenant": request.tenant, "email": choice}
        )
        messages.success(request, f"Email preference saved: {DigestMode(choice).label.lower()}.")
    return redirect(reverse(f"{request.door}:notifications", args=[request.tenant.slug]))
