"""Deal registration's API shapes. One validation path for single writes and bulk upserts: the
model's row rules (ModelValidatedSerializer), the state rules (`check_editable`), the lines
nested. Partner users never read the manufacturer's side: who approved, the other party of a
conflict, its internal reason, other parties of an adjudication."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import EXTERNAL
from accounts.models import Account, ProductLine
from core.api.fields import InTenant, context_membership
from core.api.serializers import SyncedModelSerializer, TenantModelSerializer
from dealreg.choices import AdjudicationDecision, ClockState, allowed_actions
from dealreg.models import (
    Adjudication,
    DealRegistration,
    DealRegSettings,
    EvidenceFile,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    RegistrationLine,
    sees_whole_tenant,
)
from dealreg.services.matching import find_customer
from dealreg.services.registrations import check_editable, require_registrant, set_lines
from dealreg.services.state import TransitionRefused
from tenancy.models import Partner, Team

__all__ = [
    "AdjudicationSerializer",
    "ConflictSerializer",
    "DealRegSettingsSerializer",
    "DealRegistrationSerializer",
    "EventSerializer",
    "EvidenceFileSerializer",
]


def _sees_everything(context: Mapping[str, Any]) -> bool:
    return sees_whole_tenant(context_membership(context))


class LineCode(InTenant):
    """A product line by id, its code (`"hydraulics"`) or `{"external_id": ...}`; shown as its code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ProductLine, natural_keys=("code", "external_id"), **kwargs)

    def parse(self, data: Any) -> tuple[str, Any]:
        if isinstance(data, str) and not data.isdigit():
            return super().parse({"code": data})
        return super().parse(data)

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value: Any) -> Any:
        return value.code


class RegistrationLineSerializer(serializers.ModelSerializer):
    product_line = LineCode()
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False
    )
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )
    requested_discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    exception_justification = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )

    class Meta:
        model = RegistrationLine
        fields = [
            "product_line",
            "quantity",
            "amount",
            "requested_discount",
            "exception_justification",
            "approved_discount",
            "outside_corridor_by",
        ]
        read_only_fields = ["approved_discount", "outside_corridor_by"]


class ClockSerializer(serializers.ModelSerializer):
    seconds_left = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationClock
        fields = ["side", "kind", "step", "started_at", "due_at", "seconds_left"]

    def get_seconds_left(self, obj: RegistrationClock) -> int:
        return int((obj.due_at - timezone.now()).total_seconds())


class DealRegistrationSerializer(SyncedModelSerializer[DealRegistration]):
    nested_fields = ("lines",)
    nested_prefetch = ("lines__product_line",)
    # The manufacturer's side of the review: who approved each step.
    direct_only_fields = ("approval_chain", "registrant_team")

    registrant_partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)
    registrant_team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    end_customer = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    purchasing_customer = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    design_customer = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    end_customer_label = serializers.CharField(source="customer_label", read_only=True)
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, error_messages={"invalid": "Use an ISO 4217 code."}
    )
    estimated_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )
    lines = RegistrationLineSerializer(many=True, required=False)
    allowed_actions = serializers.SerializerMethodField()
    protection_seconds_left = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField(
        help_text="The running SLA clocks, both sides: review and approval steps (the "
        "manufacturer's), the answer to a return and conversion (the registrant's)."
    )

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "external_id",
            "version",
            "route",
            "registrant_user",
            "registrant_partner",
            "registrant_team",
            "title",
            "end_customer",
            "end_customer_label",
            "end_customer_name",
            "end_customer_country",
            "end_customer_website",
            "purchasing_customer",
            "purchasing_customer_name",
            "design_customer",
            "design_customer_name",
            "contact_name",
            "contact_email",
            "estimated_amount",
            "currency",
            "expected_close_on",
            "competitor",
            "incumbent",
            "how_found",
            "budget_confirmed",
            "notes",
            "lines",
            "state",
            "allowed_actions",
            "state_changed_at",
            "rulebook_version",
            "submitted_at",
            "decided_at",
            "approval_chain",
            "approval_step",
            "return_note",
            "editable_fields",
            "resubmissions",
            "rejection_reason",
            "rejection_text",
            "withdraw_reason",
            "close_reason",
            "protection_starts_at",
            "protection_ends_at",
            "protection_seconds_left",
            "clocks",
            "extensions_used",
            "extension_requested_at",
            "extension_reason",
            "opportunity",
            "has_conflict",
            "credit_share",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "registrant_user",
            "state",
            "state_changed_at",
            "rulebook_version",
            "submitted_at",
            "decided_at",
            "approval_chain",
            "approval_step",
            "return_note",
            "editable_fields",
            "resubmissions",
            "rejection_reason",
            "rejection_text",
            "withdraw_reason",
            "close_reason",
            "protection_starts_at",
            "protection_ends_at",
            "extensions_used",
            "extension_requested_at",
            "extension_reason",
            "opportunity",
            "has_conflict",
            "credit_share",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"route": {"required": False}, "title": {"required": False}}

    def get_allowed_actions(self, obj: DealRegistration) -> list[str]:
        return allowed_actions(obj.state)

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, obj: DealRegistration) -> Any:
        running = getattr(obj, "running_clocks", None)
        if running is None:
            running = list(obj.clocks.filter(state=ClockState.RUNNING).order_by("due_at", "pk"))
        return ClockSerializer(running, many=True).data

    def get_protection_seconds_left(self, obj: DealRegistration) -> int | None:
        if obj.protection_ends_at is None or obj.state != "approved":
            return None
        return max(0, int((obj.protection_ends_at - timezone.now()).total_seconds()))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            try:
                if self.membership is not None:
                    require_registrant(self.instance, self.membership)
                check_editable(self.instance, attrs.keys())
            except TransitionRefused as exc:
                raise serializers.ValidationError({"state": [exc.detail]}) from None
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
            except PermissionDenied as exc:
                raise serializers.ValidationError({"registrant_user": [str(exc)]}) from None
        attrs = super().validate(attrs)
        if self.instance is None:
            attrs.setdefault("currency", self.context["tenant"].currency)
            attrs.setdefault("estimated_amount", Decimal(0))
            if "estimated_amount" not in self.initial_data and attrs.get("lines"):
                attrs["estimated_amount"] = sum(
                    (line.get("amount", Decimal(0)) for line in attrs["lines"]), Decimal(0)
                )
        name = attrs.get("end_customer_name")
        if name and attrs.get("end_customer") is None and "end_customer" not in self.initial_data:
            match = find_customer(
                name,
                country=attrs.get("end_customer_country", ""),
                website=attrs.get("end_customer_website", ""),
            )
            if match.account is not None:
                attrs["end_customer"] = match.account
        return attrs

    def nested_differs(self, instance: DealRegistration, nested: dict[str, Any]) -> bool:
        def key(line: Any) -> tuple:
            return (
                line["product_line"].pk,
                Decimal(line.get("quantity", 1)).normalize(),
                Decimal(line.get("amount", 0)).normalize(),
                Decimal(line.get("requested_discount", 0)).normalize(),
            )

        current = sorted(
            (
                li.product_line_id,
                li.quantity.normalize(),
                li.amount.normalize(),
                li.requested_discount.normalize(),
            )
            for li in instance.lines.all()
        )
        return current != sorted(key(line) for line in nested.get("lines", []))

    def after_save(
        self, instance: DealRegistration, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        if "lines" in nested:
            try:
                set_lines(instance, nested["lines"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationEvent
        fields = [
            "id",
            "registration",
            "action",
            "from_state",
            "to_state",
            "actor_label",
            "reason",
            "at",
        ]

    def to_representation(self, instance: RegistrationEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["actor_label"] = instance.actor_shown_to(context_membership(self.context))
        return data


class EvidenceFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "filename", "content_type", "size", "created_at", "download"]

    def get_download(self, obj: EvidenceFile) -> str:
        return f"/api/v1/deal-registrations/{obj.registration_id}/files/{obj.pk}/"


class ConflictSerializer(serializers.ModelSerializer):
    """Registrants read the kind, the line and the reason; the manufacturer reads the rest."""

    product_line = LineCode(read_only=True)
    PRIVATE = (
        "other_registration",
        "other_opportunity",
        "other_partner",
        "other_team",
        "other_until",
        "internal_reason",
    )

    class Meta:
        model = RegistrationConflict
        fields = [
            "id",
            "registration",
            "kind",
            "status",
            "product_line",
            "reason",
            "tie_break",
            "registrant_prevails",
            "needs_adjudication",
            "adjudication",
            "other_registration",
            "other_opportunity",
            "other_partner",
            "other_team",
            "other_until",
            "internal_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: RegistrationConflict) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not _sees_everything(self.context):
            for name in self.PRIVATE:
                data.pop(name, None)
        return data


class AdjudicationPartySerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="registration_id")
    share = serializers.IntegerField()
    prevails = serializers.BooleanField()


class AdjudicationSerializer(TenantModelSerializer):
    """Read: the decision and, for a registrant, only its own part. Write (RevOps admins): the
    registrations in conflict, the decision, the winner or split, and the reason."""

    registrations = serializers.PrimaryKeyRelatedField(
        many=True, write_only=True, queryset=DealRegistration.objects.none()
    )
    winner = serializers.IntegerField(write_only=True, required=False, allow_null=True)
    split = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=99),
        write_only=True,
        required=False,
        max_length=2,
    )
    decision = serializers.ChoiceField(choices=AdjudicationDecision.choices)
    product_line = LineCode(read_only=True)
    parties = serializers.SerializerMethodField()

    class Meta:
        model = Adjudication
        fields = [
            "id",
            "account",
            "product_line",
            "decision",
            "conflict_kind",
            "reason",
            "decided_by",
            "decided_at",
            "parties",
            "registrations",
            "winner",
            "split",
        ]
        read_only_fields = ["id", "account", "conflict_kind", "decided_by", "decided_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        membership = context_membership(self.context)
        if membership is not None:
            cast(
                Any, fields["registrations"]
            ).child_relation.queryset = DealRegistration.objects.visible_to(membership)
        return fields

    def get_parties(self, obj: Adjudication) -> Any:
        parties = list(obj.parties.all())
        if not _sees_everything(self.context):
            # Computed once per response: the registrations the reader can see.
            cache = cast(dict, self.context)
            if "_visible_registrations" not in cache:
                cache["_visible_registrations"] = set(
                    DealRegistration.objects.visible_to(
                        context_membership(self.context)
                    ).values_list("pk", flat=True)
                )
            mine = cache["_visible_registrations"]
            parties = [p for p in parties if p.registration_id in mine]
        return AdjudicationPartySerializer(parties, many=True).data

    def to_representation(self, instance: Adjudication) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not _sees_everything(self.context):
            data.pop("decided_by", None)
        return data


class DealRegSettingsSerializer(TenantModelSerializer):
    class Meta:
        model = DealRegSettings
        fields = [
            "rejection_reasons",
            "split_options",
            "approval_steps",
            "review_hours",
            "answer_days",
            "idle_days",
            "resubmission_cap",
            "reminder_days",
            "touch_window_days",
        ]
