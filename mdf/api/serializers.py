"""MDF's API shapes. Shape only: every write goes through `mdf.services` (which lock, check the
state machines, move the money and write the timeline), so a single write and a bulk upsert
accept and refuse exactly the same input. Amounts are decimal strings in the tenant's currency;
quarters are read and written as codes ("2026-Q4", "FY2027-Q1") or by their first day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign, Offer
from core.api.fields import InTenant
from core.api.serializers import SyncedModelSerializer
from mdf.choices import AllocationKind, ProofType
from mdf.models import (
    MONEY_DIGITS,
    Allocation,
    FundBalance,
    FundClaim,
    FundRequest,
    LedgerEntry,
    MdfBudget,
    ProofFile,
)
from mdf.services import budgets, claims, requests
from mdf.services.state import allowed_actions
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter, parse_quarter

__all__ = [
    "AllocationSerializer",
    "ClaimApproveSerializer",
    "FundBalanceSerializer",
    "FundClaimSerializer",
    "FundRequestSerializer",
    "LedgerEntrySerializer",
    "MdfBudgetSerializer",
    "PaySerializer",
    "ProofFileSerializer",
    "ProofUploadSerializer",
    "ReasonSerializer",
    "RequestApproveSerializer",
]

EXTERNAL = ("external_id",)
NEGATIVE = "The amount cannot be negative."
DIGITS = MONEY_DIGITS


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount: a decimal string with at most two decimals, never negative."""
    messages = {
        "min_value": NEGATIVE,
        "invalid": 'Send the amount as a number, e.g. "1250.00".',
        **kwargs.pop("error_messages", {}),
    }
    return serializers.DecimalField(
        max_digits=DIGITS,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages=messages,
        **kwargs,
    )


def amount_shown(**kwargs: Any) -> serializers.DecimalField:
    """An amount the API shows and never takes."""
    return serializers.DecimalField(max_digits=DIGITS, decimal_places=2, read_only=True, **kwargs)


def _tenant(context: Mapping[str, Any]) -> Tenant:
    return cast(Tenant, context["tenant"])


@extend_schema_field({"type": "string", "example": "2026-Q4"})
class QuarterCodeField(serializers.Field):
    """A fiscal quarter by its code ("2026-Q4", "FY2027-Q1"), stored as its first day."""

    default_error_messages = {"invalid": "Write the quarter as a code, e.g. 2026-Q4."}

    def to_representation(self, value: dt.date) -> str:
        return Quarter.of(_tenant(self.context), value).code

    def to_internal_value(self, data: Any) -> dt.date:
        if not isinstance(data, str) or len(data) > 20:
            self.fail("invalid")
        try:
            return parse_quarter(_tenant(self.context), data).start
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class QuarterStart(serializers.DateField):
    """A day of the quarter; stored as the quarter's first day."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        return Quarter.of(_tenant(self.context), day).start


class _ServiceWritten(SyncedModelSerializer[Any]):
    """Rows written by a service: `create`/`update` call it, then keep the external id (a key
    for CRM sync, no business rule) in the same transaction."""

    def check_external_id(self, attrs: dict[str, Any]) -> None:
        key = attrs.get("external_id")
        if not key:
            return
        if self.context.get("skip_unique_checks"):
            return
        model: Any = self.Meta.model
        taken = model.objects.filter(external_id=key)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            label = model._meta.verbose_name
            raise serializers.ValidationError(
                {"external_id": [f"Another {label} has the external id {key!r}."]}
            )

    def check_quarter(self, attrs: dict[str, Any]) -> None:
        given = {k for k in ("quarter", "quarter_start") if k in self.initial_data}
        if len(given) == 2:
            code = parse_quarter(_tenant(self.context), str(self.initial_data["quarter"]))
            if Quarter.of(_tenant(self.context), attrs["quarter_start"]).start != code.start:
                raise serializers.ValidationError(
                    {"quarter": ["quarter and quarter_start name different quarters."]}
                )

    @staticmethod
    def keep_external_id(row: models.Model, key: str | None) -> None:
        if key is not None and key != row.external_id:  # type: ignore[attr-defined]
            cast(Any, type(row)).objects.filter(pk=row.pk).update(external_id=key)
            row.external_id = key  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "quarter_start" in attrs:
            self.check_quarter(attrs)
        self.check_external_id(attrs)
        return super().validate(attrs)

    @property
    def acting(self) -> Any:
        return self.membership

    def run_model_validation(self, attrs: dict[str, Any]) -> None:
        """The services run the row rules (full_clean) on the row as they will save it."""


# --- budgets and allocations ------------------------------------------------------------------


class MdfBudgetSerializer(_ServiceWritten):
    quarter = QuarterCodeField(
        source="quarter_start", required=False, help_text="The fiscal quarter, e.g. 2026-Q4."
    )
    quarter_start = QuarterStart(required=False, help_text="Or any day of the quarter.")
    amount = money_field()
    currency = serializers.CharField(
        max_length=3,
        required=False,
        help_text="Optional: the tenant's currency; another one is refused.",
    )
    allocated_total = amount_shown()
    unallocated = amount_shown()

    class Meta:
        model = MdfBudget
        fields = [
            "id",
            "external_id",
            "version",
            "quarter",
            "quarter_start",
            "amount",
            "currency",
            "notes",
            "allocated_total",
            "unallocated",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"amount": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            absent = {}
            if "quarter_start" not in attrs:
                absent["quarter"] = ["Name the quarter: quarter (e.g. 2026-Q4) or quarter_start."]
            if "amount" not in attrs:
                absent["amount"] = ["Give the budget's amount."]
            if absent:
                raise serializers.ValidationError(absent)
        elif "quarter_start" in attrs and attrs["quarter_start"] != self.instance.quarter_start:
            raise serializers.ValidationError(
                {"quarter": ["A budget's quarter does not change; set that quarter's budget."]}
            )
        return super().validate(attrs)

    def create(self, validated: dict[str, Any]) -> MdfBudget:
        tenant = validated.pop("tenant", None) or _tenant(self.context)
        with transaction.atomic():
            budget = budgets.set_budget(
                tenant,
                Quarter.of(tenant, validated["quarter_start"]),
                validated["amount"],
                acting=self.acting,
                notes=validated.get("notes", ""),
                currency=validated.get("currency"),
            )
            self.keep_external_id(budget, validated.get("external_id"))
        return budget

    def update(self, instance: MdfBudget, validated: dict[str, Any]) -> MdfBudget:
        tenant = _tenant(self.context)
        with transaction.atomic():
            budget = budgets.set_budget(
                tenant,
                Quarter.of(tenant, instance.quarter_start),
                validated.get("amount", instance.amount),
                acting=self.acting,
                notes=validated.get("notes", instance.notes),
                currency=validated.get("currency"),
            )
            self.keep_external_id(budget, validated.get("external_id"))
        return budget


class AllocationSerializer(_ServiceWritten):
    budget = InTenant(MdfBudget, natural_keys=EXTERNAL)
    partner = InTenant(Partner, natural_keys=EXTERNAL)
    quarter = QuarterCodeField(source="budget.quarter_start", read_only=True)
    kind = serializers.ChoiceField(AllocationKind.choices, default=AllocationKind.FIXED)
    amount = money_field(required=False, help_text="Fixed: the amount allocated.")
    rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        allow_null=True,
        help_text="Accrual: percent of the partner's won revenue in the period.",
    )
    cap = money_field(required=False, allow_null=True, help_text="Accrual: at most this much.")
    revenue = amount_shown()
    accrued = amount_shown()

    class Meta:
        model = Allocation
        fields = [
            "id",
            "external_id",
            "version",
            "budget",
            "quarter",
            "partner",
            "kind",
            "amount",
            "rate",
            "period_start",
            "period_end",
            "cap",
            "revenue",
            "accrued",
            "computed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "computed_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        if instance is not None:
            for name in ("budget", "partner", "kind"):
                if name in attrs and attrs[name] != getattr(instance, name):
                    raise serializers.ValidationError(
                        {name: [f"An allocation's {name} does not change; make a new allocation."]}
                    )
        kind = attrs.get("kind") or getattr(instance, "kind", AllocationKind.FIXED)
        if kind == AllocationKind.FIXED:
            if instance is None and "amount" not in attrs:
                raise serializers.ValidationError({"amount": ["Give the amount allocated."]})
            wrong = [n for n in ("rate", "period_start", "period_end", "cap") if attrs.get(n)]
            if wrong:
                raise serializers.ValidationError(
                    {wrong[0]: ["A fixed allocation has an amount, not a rate, period or cap."]}
                )
        else:
            if attrs.get("amount"):
                raise serializers.ValidationError(
                    {"amount": ["An accrual's amount follows from the rate; leave it out."]}
                )
            for name, message in (
                ("rate", "An accrual needs a rate (percent of won revenue)."),
                ("period_start", "An accrual needs the revenue period's first day."),
                ("period_end", "An accrual needs the revenue period's last day."),
            ):
                if attrs.get(name, getattr(instance, name, None)) is None:
                    raise serializers.ValidationError({name: [message]})
        return super().validate(attrs)

    def _save(self, budget: MdfBudget, partner: Partner, kind: str, values: dict) -> Allocation:
        if kind == AllocationKind.FIXED:
            return budgets.allocate(budget, partner, values["amount"], acting=self.acting)
        return budgets.set_accrual(
            budget,
            partner,
            rate=values["rate"],
            period_start=values["period_start"],
            period_end=values["period_end"],
            cap=values.get("cap"),
            acting=self.acting,
        )

    def create(self, validated: dict[str, Any]) -> Allocation:
        with transaction.atomic():
            row = self._save(
                validated["budget"], validated["partner"], validated["kind"], validated
            )
            self.keep_external_id(row, validated.get("external_id"))
        return row

    def update(self, instance: Allocation, validated: dict[str, Any]) -> Allocation:
        current = {
            name: getattr(instance, name)
            for name in ("amount", "rate", "period_start", "period_end", "cap")
        }
        with transaction.atomic():
            row = self._save(
                instance.budget, instance.partner, instance.kind, {**current, **validated}
            )
            self.keep_external_id(row, validated.get("external_id"))
        return row


# --- fund requests and claims -------------------------------------------------------------------


class FundRequestSerializer(_ServiceWritten):
    # The manufacturer's side of the decision: who decided.
    direct_only_fields = ("decided_by",)

    partner = InTenant(
        Partner,
        natural_keys=EXTERNAL,
        required=False,
        help_text="RevOps admins: the partner the request is for; partner users file their own.",
    )
    quarter = QuarterCodeField(
        source="quarter_start",
        required=False,
        help_text="The budget quarter; default: the quarter the activity starts in.",
    )
    quarter_start = QuarterStart(required=False)
    campaign = InTenant(Campaign, natural_keys=EXTERNAL, required=False, allow_null=True)
    offer = InTenant(Offer, natural_keys=EXTERNAL, required=False, allow_null=True)
    total_cost = money_field()
    partner_share = money_field(required=False)
    amount_requested = money_field()
    expected_pipeline = money_field(required=False)
    approved_amount = amount_shown(allow_null=True)
    allowed_actions = serializers.SerializerMethodField()
    claim = serializers.SerializerMethodField(help_text="The claim's id, once there is one.")

    class Meta:
        model = FundRequest
        fields = [
            "id",
            "external_id",
            "version",
            "partner",
            "quarter",
            "quarter_start",
            "activity_type",
            "title",
            "description",
            "campaign",
            "offer",
            "starts_on",
            "ends_on",
            "total_cost",
            "partner_share",
            "amount_requested",
            "expected_leads",
            "expected_pipeline",
            "state",
            "allowed_actions",
            "approved_amount",
            "decision_reason",
            "decided_by",
            "decided_at",
            "submitted_at",
            "claim_due_at",
            "claim",
            "requested_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "state",
            "decision_reason",
            "decided_by",
            "decided_at",
            "submitted_at",
            "claim_due_at",
            "requested_by",
            "created_at",
            "updated_at",
        ]

    def get_allowed_actions(self, obj: FundRequest) -> list[str]:
        return allowed_actions(obj)

    def get_claim(self, obj: FundRequest) -> int | None:
        claims = obj.claims.all()  # prefetched by the viewset
        return claims[0].pk if claims else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        membership = self.membership
        if self.instance is None:
            if "partner" not in attrs and not getattr(membership, "is_partner_user", False):
                raise serializers.ValidationError(
                    {"partner": ["Name the partner the request is for."]}
                )
        elif "partner" in attrs and attrs["partner"] != self.instance.partner:
            raise serializers.ValidationError(
                {"partner": ["A request's partner does not change; file a new request."]}
            )
        return super().validate(attrs)

    @staticmethod
    def _fields_for_service(validated: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in validated.items() if k in requests.EDITABLE}

    def create(self, validated: dict[str, Any]) -> FundRequest:
        tenant = validated.pop("tenant", None) or _tenant(self.context)
        with transaction.atomic():
            row = requests.create_request(
                tenant,
                validated["partner"],
                self._fields_for_service(validated),
                acting=self.acting,
            )
            self.keep_external_id(row, validated.get("external_id"))
        return row

    def update(self, instance: FundRequest, validated: dict[str, Any]) -> FundRequest:
        with transaction.atomic():
            data = self._fields_for_service(validated)
            row = requests.update_request(instance, data, acting=self.acting) if data else instance
            self.keep_external_id(row, validated.get("external_id"))
        return row


class FundClaimSerializer(_ServiceWritten):
    direct_only_fields = ("decided_by",)

    request = InTenant(FundRequest, natural_keys=EXTERNAL, help_text="The approved request.")
    actual_cost = money_field()
    amount_claimed = money_field()
    approved_amount = amount_shown(allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = FundClaim
        fields = [
            "id",
            "external_id",
            "version",
            "request",
            "partner",
            "actual_cost",
            "amount_claimed",
            "leads_delivered",
            "linked_leads",
            "results",
            "state",
            "allowed_actions",
            "approved_amount",
            "decision_reason",
            "decided_by",
            "decided_at",
            "submitted_at",
            "payment_reference",
            "paid_on",
            "paid_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "partner",
            "linked_leads",
            "state",
            "decision_reason",
            "decided_by",
            "decided_at",
            "submitted_at",
            "payment_reference",
            "paid_on",
            "paid_at",
            "created_at",
            "updated_at",
        ]

    def get_allowed_actions(self, obj: FundClaim) -> list[str]:
        return allowed_actions(obj)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and attrs.get("request", self.instance.request) != (
            self.instance.request
        ):
            raise serializers.ValidationError({"request": ["A claim stays with its request."]})
        return super().validate(attrs)

    @staticmethod
    def _fields_for_service(validated: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in validated.items() if k in claims.CLAIM_FIELDS}

    def create(self, validated: dict[str, Any]) -> FundClaim:
        with transaction.atomic():
            row = claims.create_claim(
                validated["request"], self._fields_for_service(validated), acting=self.acting
            )
            self.keep_external_id(row, validated.get("external_id"))
        return row

    def update(self, instance: FundClaim, validated: dict[str, Any]) -> FundClaim:
        with transaction.atomic():
            data = self._fields_for_service(validated)
            row = claims.update_claim(instance, data, acting=self.acting) if data else instance
            self.keep_external_id(row, validated.get("external_id"))
        return row


class ProofFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ProofFile
        fields = ["id", "proof_type", "filename", "content_type", "size", "created_at", "download"]

    def get_download(self, obj: ProofFile) -> str:
        return f"/api/v1/fund-claims/{obj.claim_id}/proofs/{obj.pk}/"


class ProofUploadSerializer(serializers.Serializer):
    proof_type = serializers.ChoiceField(ProofType.choices)
    file = serializers.FileField()


# --- transition bodies ----------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RequestApproveSerializer(ReasonSerializer):
    amount = money_field(
        required=False,
        allow_null=True,
        help_text="Approve part of the request (a reason is then required); default: in full.",
    )


class ClaimApproveSerializer(ReasonSerializer):
    amount = money_field(
        required=False,
        allow_null=True,
        help_text="Approve part of the claim (a reason is then required); default: in full.",
    )


class PaySerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100, help_text="The payment's reference.")
    paid_on = serializers.DateField(help_text="The day it was paid.")


# --- the ledger and the balances (read only) ----------------------------------------------------


class LedgerEntrySerializer(SyncedModelSerializer[LedgerEntry]):
    # Who moved the money: the manufacturer's people, not shown to partner users.
    direct_only_fields = ("actor_user", "actor_label")

    quarter = QuarterCodeField(source="quarter_start", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "external_id",
            "version",
            "partner",
            "quarter",
            "quarter_start",
            "kind",
            "amount",
            "available_after",
            "allocation",
            "request",
            "claim",
            "revenue",
            "actor_user",
            "actor_label",
            "reason",
            "at",
            "created_at",
        ]
        read_only_fields = fields


class FundBalanceSerializer(serializers.ModelSerializer):
    quarter = QuarterCodeField(source="quarter_start", read_only=True)
    funded = amount_shown()
    outstanding = amount_shown()

    class Meta:
        model = FundBalance
        fields = [
            "id",
            "partner",
            "quarter",
            "quarter_start",
            "allocated",
            "accrued",
            "carried",
            "moved",
            "committed",
            "claimed",
            "paid",
            "expired",
            "available",
            "funded",
            "outstanding",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields
