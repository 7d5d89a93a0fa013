"""Console pages for outbound webhooks (RevOps admins, behind the console door's guard): the
tenant's endpoints (add, switch off and on, delete; the signing secret is shown once) and the
delivery log, where a failed delivery can be replayed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from core.models import WebhookDelivery, WebhookEndpoint
from core.net import UnsafeURL, check_url
from core.webhooks.registry import event_choices, normalize_events
from core.webhooks.tasks import ReplayRefused, replay_delivery
from tenancy.requests import DoorRequest

__all__ = [
    "webhook_delete",
    "webhook_deliveries",
    "webhook_delivery_replay",
    "webhook_toggle",
    "webhooks",
]


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label="URL")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["events"]).choices = event_choices()

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_events(self) -> list[str]:
        return normalize_events(self.cleaned_data["events"])


def webhooks(request: DoorRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = WebhookEndpoint.objects.create(tenant=request.tenant, **form.cleaned_data)
        messages.success(request, "Endpoint added. Copy its signing secret now: it is shown once.")
        form = WebhookEndpointForm()
    endpoints = WebhookEndpoint.objects.visible_to(request.membership).annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED))
    )
    status = 400 if request.method == "POST" and form.errors else 200
    context = {
        "form": form,
        "endpoints": endpoints,
        "created": created,
        "selected": form["events"].value() or [],
    }
    return render(request, "tenancy/webhooks.html", context, status=status)


def _endpoint(request: DoorRequest, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.visible_to(request.membership), pk=endpoint_id)


@require_POST
def webhook_toggle(request: DoorRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    endpoint.is_active = not endpoint.is_active
    endpoint.save(update_fields=["is_active", "updated_at"])
    state = "active again" if endpoint.is_active else "deactivated: nothing is sent to it"
    messages.success(request, f"{endpoint.url} is {state}.")
    return redirect("console:webhooks", request.tenant.slug)


@require_POST
def webhook_delete(request: DoorRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    endpoint.delete()
    messages.success(request, f"{endpoint.url} deleted, with its delivery log.")
    return redirect("console:webhooks", request.tenant.slug)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def webhook_deliveries(request: DoorRequest) -> HttpResponse:
    deliveries = (
        WebhookDelivery.objects.visible_to(request.membership)
        .select_related("endpoint")
        .defer("payload")
        .order_by("-id")
    )
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    endpoint_id = _int(request.GET.get("endpoint"))
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": WebhookDelivery.Status.choices,
        "status": status,
        "endpoint_id": endpoint_id,
        "endpoints": WebhookEndpoint.objects.visible_to(request.membership),
        "filters": urlencode(
            {k: v for k, v in {"status": status, "endpoint": endpoint_id}.items() if v}
        ),
    }
    return render(request, "tenancy/webhooks_deliveries.html", context)


@require_POST
def webhook_delivery_replay(request: DoorRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.visible_to(request.membership).select_related("endpoint"),
        pk=delivery_id,
    )
    try:
        replay_delivery(delivery, acting=request.membership)
    except ReplayRefused as exc:
        messages.error(request, f"Delivery #{delivery.pk} was not replayed: {exc}")
    else:
        messages.success(request, f"Delivery #{delivery.pk} ({delivery.event}) is queued again.")
    target = reverse("console:webhook-deliveries", args=[request.tenant.slug])
    back = {k: v for k in ("status", "endpoint", "page") if (v := request.POST.get(k, ""))}
    return redirect(f"{target}?{urlencode(back)}" if back else target)
