from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from accounts.api.serializers import EXTERNAL, TermKey
from accounts.models import Account, Contact, Product
from campaigns.models import Campaign, Offer
from core.api.fields import InTenant
from core.api.serializers import SyncedModelSerializer, TenantModelSerializer
from core.validators import tidy_email
from pipeline import services
from pipeline.choices import Route
from pipeline.models import (
    CampaignResponse,
    Lead,
    Opportunity,
    OpportunityLine,
    Stage,
    StageChange,
    Touch,
    check_opportunity_account,
)
from tenancy.api.fields import DIRECT_PEOPLE, TenantMember, team_of
from tenancy.models import Partner, Team


class StageSerializer(TenantModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "key", "name", "order", "probability", "outcome"]


class OpportunityLineSerializer(serializers.ModelSerializer):
    product = InTenant(Product, natural_keys=("external_id", "sku"))
    list_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False
    )
    net_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = OpportunityLine
        fields = ["product", "quantity", "list_price", "discount_pct", "net_amount"]


class StageChangeSerializer(serializers.ModelSerializer):
    from_stage = TermKey(Stage, read_only=True)
    to_stage = TermKey(Stage, read_only=True)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_at", "changed_by"]


class OpportunitySerializer(SyncedModelSerializer[Opportunity]):
    nested_fields = ("lines",)
    nested_prefetch = ("lines",)
    direct_only_fields = ("owner_user", "owner_team", "stage_history")

    account = InTenant(Account, natural_keys=EXTERNAL)
    stage = TermKey(Stage)
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, error_messages={"invalid": "Use an ISO 4217 code."}
    )
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )
    opened_on = serializers.DateField(required=False)
    owner_user = TenantMember(roles=DIRECT_PEOPLE, required=False, allow_null=True)
    owner_team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)
    campaign = InTenant(Campaign, natural_keys=EXTERNAL, required=False, allow_null=True)
    offer = InTenant(Offer, natural_keys=EXTERNAL, required=False, allow_null=True)
    lines = OpportunityLineSerializer(many=True, required=False)
    stage_history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    outcome = serializers.CharField(source="stage.outcome", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "external_id",
            "version",
            "account",
            "name",
            "amount",
            "currency",
            "stage",
            "outcome",
            "opened_on",
            "expected_close_on",
            "closed_on",
            "route",
            "owner_user",
            "owner_team",
            "partner",
            "source",
            "source_detail",
            "campaign",
            "offer",
            "close_reason",
            "lines",
            "stage_history",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None:
            attrs.setdefault("currency", self.context["tenant"].currency)
            attrs.setdefault("opened_on", timezone.localdate())
            if "amount" not in attrs:
                lines = attrs.get("lines") or []
                attrs["amount"] = sum((self.line_net(line) for line in lines), Decimal(0))
        route = attrs.get("route", getattr(self.instance, "route", Route.DIRECT))
        partner = attrs.get("partner", getattr(self.instance, "partner", None))
        if route == Route.PARTNER and partner is None:
            raise serializers.ValidationError(
                {"partner": ["A partner-routed opportunity needs its partner."]}
            )
        if attrs.get("owner_user") is not None:
            team = team_of(self.context, attrs["owner_user"])
            acting = self.membership
            if acting is not None and acting.role == "direct_rep" and team != acting.team:
                raise serializers.ValidationError(
                    {"owner_user": ["A rep can hand a deal only to a colleague of their own team."]}
                )
            # The team follows a newly named owner; an unrelated edit leaves the team alone.
            attrs.setdefault("owner_team", team)
        return attrs

    @staticmethod
    def line_net(line: dict[str, Any]) -> Decimal:
        price = line.get("list_price", line["product"].list_price)
        discount = line.get("discount_pct", Decimal(0))
        return (line["quantity"] * price * (Decimal(100) - discount) / Decimal(100)).quantize(
            Decimal("0.01")
        )

    def nested_differs(self, instance: Opportunity, nested: dict[str, Any]) -> bool:
        def key(product: int, quantity: Any, price: Any, discount: Any) -> tuple:
            return (product, *(Decimal(v).normalize() for v in (quantity, price, discount)))

        current = sorted(
            key(li.product_id, li.quantity, li.list_price, li.discount_pct)
            for li in instance.lines.all()
        )
        wanted = sorted(
            key(
                line["product"].pk,
                line["quantity"],
                line.get("list_price", line["product"].list_price),
                line.get("discount_pct", Decimal(0)),
            )
            for line in nested["lines"]
        )
        return current != wanted

    def before_update(self, instance: Opportunity, fields: dict[str, Any]) -> int:
        return instance.stage_id

    def after_save(
        self, instance: Opportunity, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        previous = None if created else before
        services.record_stage_change(instance, previous, acting=self.membership)
        if "lines" in nested:
            services.set_lines(instance, nested["lines"], acting=self.membership)


class TouchSerializer(SyncedModelSerializer[Touch]):
    account = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    contact = InTenant(Contact, natural_keys=EXTERNAL, required=False, allow_null=True)
    opportunity = InTenant(Opportunity, natural_keys=EXTERNAL, required=False, allow_null=True)
    actor_user = TenantMember(required=False, allow_null=True)
    actor_partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)
    actor_team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    campaign = InTenant(Campaign, natural_keys=EXTERNAL, required=False, allow_null=True)
    offer = InTenant(Offer, natural_keys=EXTERNAL, required=False, allow_null=True)

    class Meta:
        model = Touch
        fields = [
            "id",
            "external_id",
            "version",
            "account",
            "contact",
            "opportunity",
            "channel",
            "route",
            "actor_user",
            "actor_partner",
            "actor_team",
            "occurred_at",
            "subject",
            "campaign",
            "offer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        get = lambda name: attrs.get(name, getattr(self.instance, name, None))  # noqa: E731
        contact, account, opportunity = get("contact"), get("account"), get("opportunity")
        if account is None and contact is not None:
            attrs["account"] = account = contact.account
        if account is None and opportunity is not None:
            attrs["account"] = account = opportunity.account
        if account is None and contact is None:
            raise serializers.ValidationError(
                {"account": ["A touch needs an account or a contact."]}
            )
        if (
            contact is not None
            and contact.account_id
            and account is not None
            and contact.account_id != account.pk
        ):
            raise serializers.ValidationError(
                {"contact": ["This contact belongs to another account."]}
            )
        check_opportunity_account(opportunity, account)
        return attrs


class CampaignResponseSerializer(SyncedModelSerializer[CampaignResponse]):
    campaign = InTenant(Campaign, natural_keys=EXTERNAL, required=False, allow_null=True)
    offer = InTenant(Offer, natural_keys=EXTERNAL, required=False, allow_null=True)
    partner = InTenant(
        Partner,
        natural_keys=EXTERNAL,
        required=False,
        allow_null=True,
        help_text="Whose co-branded page or activity it was; null: the manufacturer's own. "
        "A partner admin's responses are always their own partner's.",
    )
    lead = InTenant(Lead, natural_keys=EXTERNAL, required=False, allow_null=True)
    touch = InTenant(Touch, natural_keys=EXTERNAL, required=False, allow_null=True)
    account = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    contact = InTenant(Contact, natural_keys=EXTERNAL, required=False, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    roi_inputs = serializers.JSONField(
        required=False, help_text='What an ROI calculator was given, e.g. {"hours": 40}.'
    )

    class Meta:
        model = CampaignResponse
        fields = [
            "id",
            "external_id",
            "version",
            "campaign",
            "offer",
            "partner",
            "kind",
            "occurred_at",
            "lead",
            "touch",
            "account",
            "contact",
            "email",
            "roi_inputs",
            "roi_result",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_email(self, value: str) -> str:
        return tidy_email(value)
