"""Outbound webhooks in the API (RevOps admins only): endpoints and their deliveries.

The plumbing (events, signing, retries) is core/webhooks/ and the SSRF guard core/net.py; this is
the API surface: `/api/v1/webhooks/` (CRUD; the signing secret is in the create response only)
and `/api/v1/webhook-deliveries/` (read-only, plus `POST {id}/replay/`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import Conflict
from core.api.fields import InTenant
from core.api.serializers import TenantModelSerializer
from core.api.views import TenantModelViewSet, TenantReadOnlyViewSet
from core.models import WebhookDelivery, WebhookEndpoint
from core.net import UnsafeURL, check_url
from core.webhooks.registry import normalize_events
from core.webhooks.tasks import ReplayRefused, replay_delivery
from tenancy.choices import Role
from tenancy.filters import WebhookDeliveryFilterSet, WebhookEndpointFilterSet
from tenancy.requests import TenantAPIRequest

__all__ = [
    "WebhookDeliverySerializer",
    "WebhookDeliveryViewSet",
    "WebhookEndpointSerializer",
    "WebhookEndpointViewSet",
]

ADMINS = frozenset({Role.REVOPS_ADMIN})


class WebhookEndpointSerializer(TenantModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(max_length=100),
        allow_empty=False,
        max_length=200,
        help_text="Event names (`contact.created`), `<resource>.*` or `*`.",
    )
    secret = serializers.SerializerMethodField(
        help_text="The signing secret: in full in the create response only, masked afterwards."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "secret",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_secret(self, obj: WebhookEndpoint) -> str:
        return obj.secret if self.context.get("reveal_secret") else obj.masked_secret

    def validate_url(self, value: str) -> str:
        try:
            check_url(value)
        except UnsafeURL as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        try:
            return normalize_events(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = InTenant(WebhookEndpoint, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "payload",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointViewSet(TenantModelViewSet):
    """URLs that receive the tenant's events, signed with their secret (RevOps admins only)."""

    model = WebhookEndpoint
    queryset = WebhookEndpoint.objects.none()
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilterSet
    read_roles = ADMINS
    write_roles = ADMINS

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["reveal_secret"] = self.action == "create"  # shown once, like an API key
        return context


class WebhookDeliveryViewSet(TenantReadOnlyViewSet):
    """Every event sent (or to be sent) to the tenant's endpoints, newest first in the console;
    failed ones can be replayed (RevOps admins only)."""

    model = WebhookDelivery
    queryset = WebhookDelivery.objects.none()
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    read_roles = ADMINS
    write_roles = ADMINS  # replay

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Send a failed (or delivered) delivery again: back to pending, due now, fresh attempts.
        409 when it is still pending or being sent, or its endpoint is deactivated."""
        delivery = self.get_object()
        try:
            replay_delivery(delivery, acting=request.membership)
        except ReplayRefused as exc:
            raise Conflict(str(exc)) from None
        delivery.refresh_from_db()
        return Response(self.get_serializer(delivery).data)
