"""Every filter set of tenancy: the API's partner, team, user, webhook endpoint and delivery lists.

Relation filters are plain id filters (`core.api.filters.IdFilter`): a ModelChoiceFilter would
build its queryset when the class is defined, outside any tenant scope.
"""

from __future__ import annotations

from core.api.filters import IdFilter, TenantFilterSet
from core.models import WebhookDelivery, WebhookEndpoint
from tenancy.models import Membership, Partner, Team

__all__ = [
    "PartnerFilterSet",
    "TeamFilterSet",
    "UserFilterSet",
    "WebhookDeliveryFilterSet",
    "WebhookEndpointFilterSet",
]


class PartnerFilterSet(TenantFilterSet):
    class Meta:
        model = Partner
        fields = {
            "tier": ["exact", "in"],
            "status": ["exact", "in"],
            "external_id": ["exact"],
            "name": ["icontains"],
        }


class TeamFilterSet(TenantFilterSet):
    class Meta:
        model = Team
        fields = {"region": ["exact"], "external_id": ["exact"], "name": ["icontains"]}


class UserFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    team = IdFilter("team")

    class Meta:
        model = Membership
        fields = {"role": ["exact", "in"], "is_active": ["exact"]}


class WebhookEndpointFilterSet(TenantFilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = {"is_active": ["exact"]}


class WebhookDeliveryFilterSet(TenantFilterSet):
    endpoint = IdFilter("endpoint")

    class Meta:
        model = WebhookDelivery
        fields = {"status": ["exact", "in"], "event": ["exact"]}
