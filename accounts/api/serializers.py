from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from accounts import services
from accounts.choices import ProductRelation, ServiceNeed
from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from core.api.fields import InTenant, is_id
from core.api.serializers import SyncedModelSerializer, TenantModelSerializer
from core.validators import (
    normalize_country,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_region,
)
from tenancy.api.fields import DIRECT_PEOPLE, TenantMember, team_of
from tenancy.models import Partner, Team

EXTERNAL = ("external_id",)


def _normalized(normalize, value, *args):
    try:
        return normalize(value, *args)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class TermSerializer(TenantModelSerializer):
    class Meta:
        fields = ["id", "key", "name", "rank"]


class TierSerializer(TermSerializer):
    class Meta(TermSerializer.Meta):
        model = Tier


class SegmentSerializer(TermSerializer):
    class Meta(TermSerializer.Meta):
        model = Segment


class TermKey(InTenant):
    """A tier, segment or stage given by its key, e.g. "strategic"."""

    output_key = "key"

    def __init__(self, model: type, **kwargs: Any) -> None:
        super().__init__(model, natural_keys=("key",), **kwargs)

    def parse(self, data: Any) -> tuple[str, Any]:
        if isinstance(data, str) and not is_id(data):
            return super().parse({"key": data})
        return super().parse(data)

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value: Any) -> str:
        return value.key


class ProductLineSerializer(SyncedModelSerializer[ProductLine]):
    class Meta:
        model = ProductLine
        fields = [
            "id",
            "external_id",
            "version",
            "code",
            "name",
            "description",
            "service_heavy",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductSerializer(SyncedModelSerializer[Product]):
    product_line = InTenant(ProductLine, natural_keys=("external_id", "code"))
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, error_messages={"invalid": "Use an ISO 4217 code."}
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "external_id",
            "version",
            "product_line",
            "sku",
            "name",
            "list_price",
            "currency",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("currency") and self.instance is None:
            attrs["currency"] = self.context["tenant"].currency
        return super().validate(attrs)


class DomainList(serializers.ListField):
    """The account's web domains, written as a whole list."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(max_length=260), max_length=50, **kwargs)

    def get_attribute(self, instance: Account) -> list[str]:
        return [d.domain for d in instance.domains.all()]

    def to_representation(self, data: list[str]) -> list[str]:
        return data


class ProductLineList(serializers.ListField):
    """Product lines of one relation to the account (interest or installed), by id, code or external id."""

    def __init__(self, relation: str, **kwargs: Any) -> None:
        self.relation = relation
        super().__init__(
            child=InTenant(ProductLine, natural_keys=("external_id", "code")), **kwargs
        )

    def get_attribute(self, instance: Account) -> list[int]:
        return [
            p.product_line_id for p in instance.product_lines.all() if p.relation == self.relation
        ]

    def to_representation(self, data: list[int]) -> list[int]:
        return data


class AccountSerializer(SyncedModelSerializer[Account]):
    nested_fields = ("domains", "product_lines_of_interest", "installed_product_lines")
    nested_prefetch = ("domains", "product_lines")
    direct_only_fields = ("owner_user", "owner_team")

    domains = DomainList(required=False)
    segment = TermKey(Segment, required=False, allow_null=True)
    tier = TermKey(Tier, required=False, allow_null=True)
    service_needs = serializers.ListField(
        child=serializers.ChoiceField(ServiceNeed.choices), required=False
    )
    product_lines_of_interest = ProductLineList(ProductRelation.INTEREST, required=False)
    installed_product_lines = ProductLineList(ProductRelation.INSTALLED, required=False)
    owner_user = TenantMember(roles=DIRECT_PEOPLE, required=False, allow_null=True)
    owner_team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    owner_partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "external_id",
            "version",
            "name",
            "legal_name",
            "domains",
            "segment",
            "tier",
            "employee_band",
            "revenue_band",
            "country",
            "region",
            "city",
            "postal_code",
            "service_needs",
            "product_lines_of_interest",
            "installed_product_lines",
            "owner_user",
            "owner_team",
            "owner_partner",
            "named_account",
            "lifecycle",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_domains(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_normalized(normalize_domain, d) for d in value))

    def validate_service_needs(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def validate_country(self, value: str) -> str:
        return _normalized(normalize_country, value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        country = attrs.get("country", getattr(self.instance, "country", ""))
        if attrs.get("region"):
            try:
                attrs["region"] = normalize_region(attrs["region"], country)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"region": exc.messages}) from None
        owner_user = attrs.get("owner_user", getattr(self.instance, "owner_user", None))
        owner_partner = attrs.get("owner_partner", getattr(self.instance, "owner_partner", None))
        if owner_user is not None and owner_partner is not None:
            raise serializers.ValidationError(
                {
                    "owner_partner": [
                        "An account is owned by a direct rep or by a partner, not both."
                    ]
                }
            )
        # The owning team follows the owner: a rep's team, or none for a partner's account. It
        # is set here, with the row, so a write saves (and versions) the account once.
        if "owner_user" in attrs and owner_user is not None:
            attrs["owner_team"] = team_of(self.context, owner_user)
        elif "owner_partner" in attrs and owner_partner is not None:
            attrs["owner_team"] = None
        return attrs

    def nested_differs(self, instance: Account, nested: dict[str, Any]) -> bool:
        lines = [(p.relation, p.product_line_id) for p in instance.product_lines.all()]
        current = {
            "domains": {d.domain for d in instance.domains.all()},
            "product_lines_of_interest": {
                pk for rel, pk in lines if rel == ProductRelation.INTEREST
            },
            "installed_product_lines": {
                pk for rel, pk in lines if rel == ProductRelation.INSTALLED
            },
        }
        wanted = {
            name: set(value) if name == "domains" else {line.pk for line in value}
            for name, value in nested.items()
        }
        return any(current[name] != wanted[name] for name in wanted)

    def after_save(
        self, instance: Account, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        if "domains" in nested:
            services.set_domains(instance, nested["domains"], acting=self.membership)
        if "product_lines_of_interest" in nested:
            services.set_product_lines(
                instance,
                ProductRelation.INTEREST,
                nested["product_lines_of_interest"],
                acting=self.membership,
            )
        if "installed_product_lines" in nested:
            services.set_product_lines(
                instance,
                ProductRelation.INSTALLED,
                nested["installed_product_lines"],
                acting=self.membership,
            )


class ContactSerializer(SyncedModelSerializer[Contact]):
    account = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "external_id",
            "version",
            "account",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "buying_role",
            "consent",
            "opted_out",
            "opted_out_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "opted_out_at", "created_at", "updated_at"]

    def validate_email(self, value: str) -> str:
        return _normalized(normalize_email, value)

    def validate_phone(self, value: str) -> str:
        # International numbers are checked here, with the other field errors; national ones need
        # the account's country and are checked in validate().
        if value.strip().startswith(("+", "00")):
            return _normalized(normalize_phone, value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("phone"):
            account = attrs.get("account", getattr(self.instance, "account", None))
            try:
                attrs["phone"] = normalize_phone(attrs["phone"], getattr(account, "country", ""))
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"phone": exc.messages}) from None
        membership = self.membership
        account = attrs.get("account", getattr(self.instance, "account", None))
        if membership is not None and membership.is_partner_user and account is None:
            raise serializers.ValidationError(
                {"account": ["Choose one of your accounts for the contact."]}
            )
        if self.instance is None and not (
            attrs.get("email") or attrs.get("last_name") or attrs.get("first_name")
        ):
            raise serializers.ValidationError({"email": ["Give at least an email or a name."]})
        if "opted_out" in attrs:
            was = getattr(self.instance, "opted_out", False)
            if attrs["opted_out"] and not was:
                attrs["opted_out_at"] = timezone.now()
            elif not attrs["opted_out"]:
                attrs["opted_out_at"] = None
        return attrs


class TargetListMemberSerializer(serializers.Serializer):
    account = InTenant(Account, natural_keys=EXTERNAL)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TargetListSerializer(SyncedModelSerializer[TargetList]):
    nested_fields = ("members",)
    nested_prefetch = ("members",)

    members = TargetListMemberSerializer(many=True, required=False)

    class Meta:
        model = TargetList
        fields = [
            "id",
            "external_id",
            "version",
            "name",
            "description",
            "refreshed_at",
            "refresh_note",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_members(self, value: list[dict]) -> list[dict]:
        seen: set[int] = set()
        for index, member in enumerate(value):
            # A PATCH is partial for the list's own fields, but each member is a whole record
            # (DRF would skip its missing required fields as in any partial update).
            if "account" not in member:
                needs = f'Member {index} needs an account: an id or {{"external_id": "..."}}.'
                raise serializers.ValidationError({str(index): {"account": [needs]}})
            member.setdefault("reason", "")
            if member["account"].pk in seen:
                raise serializers.ValidationError(
                    {str(index): {"account": ["This account is on the list twice."]}}
                )
            seen.add(member["account"].pk)
        return value

    def nested_differs(self, instance: TargetList, nested: dict[str, Any]) -> bool:
        current = {(m.account_id, m.reason) for m in instance.members.all()}
        return current != {(m["account"].pk, m["reason"]) for m in nested["members"]}

    def after_save(
        self, instance: TargetList, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        if "members" in nested:
            services.set_target_list_members(
                instance,
                [(m["account"], m["reason"]) for m in nested["members"]],
                acting=self.membership,
            )
