from __future__ import annotations

from rest_framework import serializers

from core.api.fields import InTenant
from core.api.serializers import TenantModelSerializer
from tenancy.models import Membership, Partner, Team


class PartnerSerializer(TenantModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "tier", "status", "external_id", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class TeamSerializer(TenantModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "region", "external_id", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class TenantSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    currency = serializers.CharField()
    fiscal_year_start_month = serializers.IntegerField()


class UserSerializer(serializers.ModelSerializer):
    """A member of the tenant: the person and their role here. `id` is the membership's id."""

    user_id = serializers.IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    partner = InTenant(Partner, read_only=True)
    team = InTenant(Team, read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "email",
            "full_name",
            "role",
            "partner",
            "team",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    tenant = TenantSummarySerializer()
    role = serializers.CharField()
    partner = PartnerSerializer(allow_null=True)
    team = TeamSerializer(allow_null=True)
    auth = serializers.ChoiceField(choices=["token", "session"])
