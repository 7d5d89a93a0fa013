"""Serializers of the guardrails API.

Partner users read the rulebook through the same serializers, with less in them: rules that apply
to them only, described in plain language, without conditions and without internal names (see
guardrails.redact); corridors of the partner route and their own partner tier only; no direct
teams and no other partner anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from accounts.api.serializers import EXTERNAL, TermKey
from accounts.models import Account, ProductLine, Tier
from core.api.fields import InTenant, context_partner_user
from core.api.serializers import ModelValidatedSerializer, TenantModelSerializer
from core.validators import MAX_ID
from guardrails import plain
from guardrails.api.errors import VersionLockedError, invalid
from guardrails.api.fields import NamedChoiceField
from guardrails.choices import ExceptionKind, Outcome, RequiredField, VersionStatus
from guardrails.conditions import MAX_CONDITIONS
from guardrails.models import (
    ROUTE_DECISION_FIELDS,
    AccountRoute,
    DiscountLeakage,
    PartnerAuthorization,
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    Rulebook,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Simulation,
    Territory,
    TerritoryArea,
)
from guardrails.redact import NOTHING, Redactor
from guardrails.services import territories
from guardrails.services.errors import VersionLocked
from guardrails.services.exception_requests import COMMENT_MAX, JUSTIFICATION_MAX
from guardrails.services.pricing import delete_corridor, save_corridor
from guardrails.services.registration import save_criteria
from guardrails.services.rules import RULE_KEYS, replace_rules
from guardrails.services.versions import create_draft, update_draft
from pipeline.choices import Route
from pipeline.models import Opportunity, OpportunityLine
from tenancy.choices import PartnerTier
from tenancy.models import Membership, Partner, Team

__all__ = [
    "AccountRouteSerializer",
    "CorridorCheckSerializer",
    "DiscountLeakageSerializer",
    "ExceptionRequestSerializer",
    "ExceptionReviewSerializer",
    "ExplainRequestSerializer",
    "PartnerAuthorizationSerializer",
    "PricingCorridorSerializer",
    "PublishSerializer",
    "RegistrationCriteriaSerializer",
    "RouteRuleSerializer",
    "RuleExceptionSerializer",
    "RulebookSettingsSerializer",
    "RulebookVersionDetailSerializer",
    "RulebookVersionSerializer",
    "SimulatedMoveSerializer",
    "SimulatedOpportunityMoveSerializer",
    "SimulationSerializer",
    "TerritorySerializer",
]

MAX_RULES = 1000
LINES = ("external_id", "code")


def _redactor(context: Mapping[str, Any]) -> Redactor:
    return context.get("redactor") or NOTHING


class RedactedForPartners(serializers.BaseSerializer):
    """Texts the manufacturer wrote (names, summaries, rationales) reach partner users without
    the names of other partners, of teams and of target lists."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if context_partner_user(self.context) is not None:
            data = _redactor(self.context)(data)
        return data


HIDDEN_RULE = "A rule about another partner"


def readable_rules(context: Mapping[str, Any], membership: Membership, version_id: int) -> set[int]:
    """Ids of the rules of a version that a partner user may read, cached in the context."""
    cache = cast(dict, context).setdefault("readable_rules", {})  # the view's dict
    if version_id not in cache:
        version = RulebookVersion.objects.filter(pk=version_id).first()
        cache[version_id] = (
            {rule.pk for rule, _ in plain.published_rules_for(membership, version)}
            if version is not None
            else set()
        )
    return cache[version_id]


class UserId(serializers.PrimaryKeyRelatedField):
    """A person, by user id (read-only)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


# --- territories and authorizations ----------------------------------------------------------


class TerritoryAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = TerritoryArea
        fields = ["country", "region", "postal_from", "postal_to"]


class TerritorySerializer(RedactedForPartners, TenantModelSerializer):
    areas = TerritoryAreaSerializer(
        many=True,
        required=False,
        max_length=territories.MAX_AREAS,  # type: ignore[call-arg]  # to the ListSerializer
        error_messages={"max_length": territories.TOO_MANY_AREAS},
        help_text="The whole list of areas: countries, regions (ISO 3166-2) and postal codes. "
        "`postal_from` alone is a prefix; with `postal_to` an inclusive range.",
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Territory
        fields = [
            "id",
            "code",
            "name",
            "description",
            "areas",
            "is_active",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "archived_at", "created_at", "updated_at"]

    def create(self, validated: dict[str, Any]) -> Territory:
        tenant = validated.pop("tenant")
        areas = validated.pop("areas", [])
        return territories.save_territory(
            tenant, data=validated, areas=areas, acting=self.membership
        )

    def update(self, territory: Territory, validated: dict[str, Any]) -> Territory:
        areas = validated.pop("areas", None)
        if areas is None:  # a PATCH without areas keeps them
            areas = [
                {name: getattr(area, name) for name in territories.AREA_FIELDS}
                for area in territory.areas.all()
            ]
        return territories.save_territory(
            territory.tenant,
            data=validated,
            areas=areas,
            territory=territory,
            acting=self.membership,
        )


class TerritoryRef(InTenant):
    """A territory given by id or `{"code": ...}` (or its code as a plain string)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Territory, natural_keys=("code",), **kwargs)

    def parse(self, data: Any) -> tuple[str, Any]:
        if isinstance(data, str) and not data.isdigit():
            return super().parse({"code": data})
        return super().parse(data)


class PartnerAuthorizationSerializer(TenantModelSerializer):
    """An authorization; its rules (dates in order, no overlap, an active partner) are
    `guardrails.services.territories.save_authorization`'s, as in the console."""

    partner = InTenant(Partner, natural_keys=EXTERNAL)
    territory = TerritoryRef()
    product_line = InTenant(
        ProductLine,
        natural_keys=LINES,
        required=False,
        allow_null=True,
        help_text="Empty: every product line.",
    )
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="Empty: open-ended."
    )
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = PartnerAuthorization
        fields = [
            "id",
            "partner",
            "territory",
            "product_line",
            "valid_from",
            "valid_until",
            "is_current",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def create(self, validated: dict[str, Any]) -> PartnerAuthorization:
        tenant = validated.pop("tenant")
        return territories.save_authorization(tenant, validated, acting=self.membership)

    def update(
        self, authorization: PartnerAuthorization, validated: dict[str, Any]
    ) -> PartnerAuthorization:
        return territories.save_authorization(
            authorization.tenant, validated, authorization=authorization, acting=self.membership
        )

    def get_is_current(self, obj: PartnerAuthorization) -> bool:
        today = timezone.localdate()
        return obj.valid_from <= today and (obj.valid_until is None or obj.valid_until >= today)


# --- the rulebook ----------------------------------------------------------------------------


class _ListOf(serializers.ListSerializer):
    """A list serializer whose child is set (DRF's stubs allow None)."""

    @property
    def _child(self) -> serializers.BaseSerializer:
        assert self.child is not None
        return cast(serializers.BaseSerializer, self.child)


class RuleListSerializer(_ListOf):
    """A version's rules with their plain-language sentences. Partner users get only the rules
    that bind them (guardrails.plain.published_rules_for), phrased for them."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        rules = list(data.all() if hasattr(data, "all") else data)
        partner_user = context_partner_user(self.context)
        version = getattr(self.parent, "instance", None)
        if partner_user is not None:
            readable = dict(
                (rule.pk, text) for rule, text in plain.published_rules_for(partner_user, version)
            )
            rules = [r for r in rules if r.pk in readable]
            texts = readable
        else:
            names = plain.rule_names()
            texts = {r.pk: plain.describe_rule(r, names=names) for r in rules}
        cast(dict, self.context)["rule_texts"] = texts  # read by each rule's `plain`
        return [self._child.to_representation(r) for r in rules]


class RouteRuleSerializer(serializers.ModelSerializer):
    """One rule, in order. On input its position is its place in the list (1, 2, ...)."""

    # Left out of what partner users are shown (see to_representation).
    direct_only_fields = ("conditions", "target_team")

    conditions = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='All must hold: [{"field": "country", "op": "in", "value": ["DE"]}, ...]; '
        f"at most {MAX_CONDITIONS}.",
    )
    outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum")
    target_team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    target_partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)
    plain = serializers.SerializerMethodField(help_text="The rule in plain language.")

    class Meta:
        model = RouteRule
        list_serializer_class = RuleListSerializer
        fields = ["id", *RULE_KEYS, "plain"]
        read_only_fields = ["id", "position"]

    def get_plain(self, rule: RouteRule) -> str:
        texts = self.context.get("rule_texts") or {}
        if rule.pk in texts:
            return texts[rule.pk]
        partner_user = context_partner_user(self.context)
        return plain.describe_rule(
            rule, for_partner=partner_user.partner_id if partner_user is not None else None
        )

    def to_representation(self, rule: RouteRule) -> dict[str, Any]:
        data = super().to_representation(rule)
        partner_user = context_partner_user(self.context)
        if partner_user is not None:
            # What binds them, in words; not how the manufacturer wrote it.
            for name in self.direct_only_fields:
                data.pop(name, None)
            if data.get("target_partner") not in (None, partner_user.partner_id):
                data["target_partner"] = None
            data = _redactor(self.context)(data)
        return data


class PricingCorridorListSerializer(_ListOf):
    """Partner users see the partner route's corridors for their own partner tier only
    (guardrails.plain.corridors_for)."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        corridors = list(data.all() if hasattr(data, "all") else data)
        partner_user = context_partner_user(self.context)
        version = getattr(self.parent, "instance", None)
        if partner_user is not None and isinstance(version, RulebookVersion):
            readable = set(plain.corridors_for(partner_user, version).values_list("pk", flat=True))
            corridors = [c for c in corridors if c.pk in readable]
        return [self._child.to_representation(c) for c in corridors]


class PricingCorridorSerializer(ModelValidatedSerializer):
    """A corridor; the rules about it are the model's (`PricingCorridor.clean`)."""

    product_line = InTenant(ProductLine, natural_keys=LINES)
    route = NamedChoiceField(Route, "RouteEnum")
    tier = TermKey(Tier, required=False, allow_null=True, help_text="Empty: every tier.")
    partner_tier = NamedChoiceField(
        PartnerTier,
        "PartnerTierEnum",
        required=False,
        allow_blank=True,
        help_text="Only for one partner tier (partner route); empty: every partner.",
    )
    min_discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )
    max_discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )

    class Meta:
        model = PricingCorridor
        list_serializer_class = PricingCorridorListSerializer
        fields = [
            "id",
            "product_line",
            "route",
            "tier",
            "partner_tier",
            "min_discount",
            "max_discount",
        ]
        read_only_fields = ["id"]


class RegistrationCriteriaSerializer(serializers.ModelSerializer):
    eligible_product_lines = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        max_length=500,
        required=False,
        help_text="Product line codes; empty: every line.",
    )
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(RequiredField.choices), max_length=20, required=False
    )
    min_partner_tier = NamedChoiceField(
        PartnerTier, "PartnerTierEnum", required=False, allow_blank=True
    )
    min_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )

    class Meta:
        model = RegistrationCriteria
        fields = [
            "min_amount",
            "eligible_product_lines",
            "required_fields",
            "require_authorization",
            "min_partner_tier",
            "exclude_named_accounts",
            "protection_days",
            "max_extensions",
            "extension_days",
        ]

    def validate_required_fields(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class CriteriaField(RegistrationCriteriaSerializer):
    """The version's deal-registration criteria (null when none are set)."""

    def get_attribute(self, version: RulebookVersion) -> RegistrationCriteria | None:
        return RegistrationCriteria.objects.filter(version=version).first()


class RulebookVersionSerializer(TenantModelSerializer):
    """A version as lists show it: its state, not its rules."""

    # Left out of what partner users are shown (see to_representation).
    direct_only_fields = ("created_by", "published_by")

    created_by = UserId()
    published_by = UserId()
    based_on: serializers.PrimaryKeyRelatedField[RulebookVersion] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    status = NamedChoiceField(VersionStatus, "VersionStatusEnum", read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = RulebookVersion
        fields = [
            "id",
            "number",
            "status",
            "is_active",
            "summary",
            "based_on",
            "created_by",
            "effective_at",
            "published_at",
            "published_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "effective_at",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def get_is_active(self, version: RulebookVersion) -> bool:
        return version.status == VersionStatus.ACTIVE

    def to_representation(self, version: RulebookVersion) -> dict[str, Any]:
        data = super().to_representation(version)
        if context_partner_user(self.context) is not None:
            # The manufacturer's people are not named to distributors.
            for name in self.direct_only_fields:
                data.pop(name, None)
            data = _redactor(self.context)(data)
        return data


class RulebookVersionDetailSerializer(RulebookVersionSerializer):
    """A version with its rules, corridors and deal-registration criteria. Writing `rules` or
    `corridors` replaces the whole list; `criteria` replaces the criteria."""

    copy_from = InTenant(
        RulebookVersion,
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Create the draft as a copy of this version (default: the active version).",
    )
    rules = RouteRuleSerializer(  # type: ignore[call-arg]  # max_length: to the ListSerializer
        many=True, required=False, max_length=MAX_RULES
    )
    corridors = PricingCorridorSerializer(  # type: ignore[call-arg]  # as `rules`
        many=True, required=False, max_length=5000
    )
    criteria = CriteriaField(required=False, allow_null=True)

    class Meta(RulebookVersionSerializer.Meta):
        fields = [
            *RulebookVersionSerializer.Meta.fields[:-2],
            "copy_from",
            "rules",
            "corridors",
            "criteria",
            "created_at",
            "updated_at",
        ]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # A published version refuses every write, whatever the body: 409 before any 400.
        if self.instance is not None and not self.instance.is_draft:
            raise VersionLockedError.of(self.instance)
        if self.instance is not None and isinstance(data, dict) and "copy_from" in data:
            raise serializers.ValidationError(
                {"copy_from": ["Only a new draft is made as a copy; this one exists already."]}
            )
        return super().to_internal_value(data)

    def validate_criteria(self, value: dict[str, Any] | None) -> dict[str, Any]:
        if value is None:
            raise serializers.ValidationError("Send the criteria as an object.")
        return value

    def create(self, validated: dict[str, Any]) -> RulebookVersion:
        tenant = validated.pop("tenant")
        with transaction.atomic():
            version = create_draft(
                tenant,
                acting=self.membership,
                copy_from=validated.pop("copy_from", None),
                summary=validated.pop("summary", ""),
            )
            self._write_parts(version, validated)
        return version

    def update(self, version: RulebookVersion, validated: dict[str, Any]) -> RulebookVersion:
        with transaction.atomic():
            if "summary" in validated:
                update_draft(version, summary=validated.pop("summary"), acting=self.membership)
            self._write_parts(version, validated)
        version.refresh_from_db()
        return version

    def _write_parts(self, version: RulebookVersion, validated: dict[str, Any]) -> None:
        """Replace the rules, corridors and criteria that were sent, all or nothing (the caller's
        transaction). Service errors come back under `rules.<i>`, `corridors.<i>`, `criteria`."""
        try:
            if "rules" in validated:
                replace_rules(
                    version, [dict(rule) for rule in validated["rules"]], acting=self.membership
                )
        except VersionLocked:
            raise
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        if "corridors" in validated:
            for corridor in PricingCorridor.objects.filter(version=version):
                delete_corridor(corridor, acting=self.membership)
            for index, corridor in enumerate(validated["corridors"]):
                try:
                    save_corridor(version, dict(corridor), acting=self.membership)
                except VersionLocked:
                    raise
                except DjangoValidationError as exc:
                    raise invalid(exc, f"corridors.{index}") from None
        if "criteria" in validated:
            try:
                save_criteria(version, dict(validated["criteria"]), acting=self.membership)
            except VersionLocked:
                raise
            except DjangoValidationError as exc:
                raise invalid(exc, "criteria") from None

    def validate_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, rule in enumerate(rules):
            rule.setdefault("conditions", [])
            rule["position"] = index + 1
        return rules


# --- explain and corridor check --------------------------------------------------------------


class SubjectAccount(InTenant):
    """The account a request is about: one the caller cannot see is a 404, as on its own URL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Account, natural_keys=EXTERNAL, **kwargs)

    def to_internal_value(self, data: Any) -> Account:
        field, value = self.parse(data)
        account = self.get_queryset().filter(**{field: value}).first()
        if account is None:
            raise NotFound(f"No account with {field} {value!r} that you can see.")
        return account


class ExplainRequestSerializer(serializers.Serializer):
    account = SubjectAccount(
        required=False, help_text="Explain the decision for this account (id or external id)."
    )
    attributes = serializers.DictField(
        required=False,
        help_text="Or explain a hypothetical account: country, region, postal_code, segment, "
        "tier, employee_band, revenue_band, product_lines (codes), service_needs, "
        "named_account, target_lists (ids), owner (none, direct, partner), deal_size.",
    )
    version = InTenant(
        RulebookVersion,
        required=False,
        allow_null=True,
        help_text="Explain with this version (drafts: RevOps admins); default the active one.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "account" in attrs and "attributes" in attrs:
            raise serializers.ValidationError("Send either an account or attributes, not both.")
        if "account" not in attrs and "attributes" not in attrs:
            raise serializers.ValidationError(
                {"account": ["Send an account, or the attributes of a hypothetical account."]}
            )
        return attrs


class CorridorCheckSerializer(serializers.Serializer):
    product_line = InTenant(ProductLine, natural_keys=LINES)
    route = NamedChoiceField(Route, "RouteEnum")
    discount_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )
    tier = TermKey(Tier, required=False, allow_null=True, help_text="The account's tier key.")
    partner_tier = NamedChoiceField(
        PartnerTier, "PartnerTierEnum", required=False, allow_blank=True
    )
    opportunity = InTenant(
        Opportunity,
        natural_keys=EXTERNAL,
        required=False,
        allow_null=True,
        help_text="An approved discount exception of this opportunity counts.",
    )
    account = InTenant(Account, natural_keys=EXTERNAL, required=False, allow_null=True)
    version = InTenant(
        RulebookVersion,
        required=False,
        allow_null=True,
        help_text="Check against this version (drafts: RevOps admins); default the active one.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        partner_user = context_partner_user(self.context)
        if partner_user is not None:
            own = partner_user.partner.tier
            if attrs["route"] != Route.PARTNER:
                raise serializers.ValidationError(
                    {"route": ["Partner users check discounts of the partner route only."]}
                )
            if attrs.get("partner_tier") not in (None, "", own):
                raise serializers.ValidationError(
                    {"partner_tier": [f"You can check your own partner tier ({own}) only."]}
                )
            attrs["partner_tier"] = own
        return attrs


class VerdictExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleException
        fields = ["id", "requested_discount", "ends_on"]
        read_only_fields = fields


class CorridorVerdictSerializer(serializers.Serializer):
    inside = serializers.BooleanField(
        help_text="Inside the corridor, or allowed by an approved exception (or no corridor)."
    )
    corridor = serializers.SerializerMethodField(help_text="Id of the corridor that applies.")
    min_discount = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    max_discount = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    outside_by = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        help_text="Percentage points above the maximum (positive) or below the minimum "
        "(negative); 0 inside.",
    )
    exception = VerdictExceptionSerializer(
        allow_null=True, help_text="The approved exception that allows the discount."
    )
    message = serializers.CharField(help_text="The verdict in words.")

    def get_corridor(self, verdict: Any) -> int | None:
        corridor = getattr(verdict, "corridor", None)
        return corridor.pk if corridor is not None else None


# --- exceptions ------------------------------------------------------------------------------


class RuleExceptionSerializer(serializers.ModelSerializer):
    # Left out of what partner users are shown (see to_representation).
    direct_only_fields = ("team",)

    account = InTenant(Account, read_only=True)
    opportunity = InTenant(Opportunity, read_only=True)
    product_line = InTenant(ProductLine, read_only=True)
    partner = InTenant(Partner, read_only=True)
    team = InTenant(Team, read_only=True)
    requested_by = UserId()
    reviewed_by = UserId()

    class Meta:
        model = RuleException
        fields = [
            "id",
            "kind",
            "status",
            "account",
            "opportunity",
            "product_line",
            "requested_discount",
            "rule_name",
            "requested_by",
            "partner",
            "team",
            "justification",
            "ends_on",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "escalated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, exception: RuleException) -> dict[str, Any]:
        data = super().to_representation(exception)
        if context_partner_user(self.context) is not None:
            for name in self.direct_only_fields:
                data.pop(name, None)
            data = _redactor(self.context)(data)
        return data


class ExceptionRequestSerializer(serializers.Serializer):
    """What a request names is checked by `guardrails.services.exception_requests`: an account
    and opportunity the requester can see (a partner asking to work an account the rules give to
    someone else may name any account of the tenant by id)."""

    kind = serializers.ChoiceField(ExceptionKind.choices)
    account = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Account id.")
    opportunity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Opportunity id; required for a discount exception.",
    )
    product_line = serializers.CharField(
        max_length=50,
        required=False,
        allow_null=True,
        help_text="Product line id or code; required for a discount exception.",
    )
    requested_discount = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        allow_null=True,
        help_text="The discount (percent) asked for; required for a discount exception.",
    )
    justification = serializers.CharField(help_text=f"At most {JUSTIFICATION_MAX} characters.")
    ends_on = serializers.DateField(help_text="After today, at most a year out.")


class ExceptionReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"At most {COMMENT_MAX} characters; required to deny.",
    )


# --- what the rules decided ------------------------------------------------------------------


class AccountRouteSerializer(serializers.ModelSerializer):
    # Left out of what partner users are shown (see to_representation).
    direct_only_fields = ("target_team",)

    account = InTenant(Account, read_only=True)
    version = InTenant(RulebookVersion, read_only=True)
    rule = InTenant(RouteRule, read_only=True)
    rule_position = serializers.IntegerField(source="rule.position", read_only=True, default=None)
    rule_name = serializers.CharField(source="rule.name", read_only=True, default="")
    outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum", read_only=True)
    target_team = InTenant(Team, read_only=True)
    target_partner = InTenant(Partner, read_only=True)
    eligible_partners = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Partner ids, best first."
    )
    exception = InTenant(RuleException, read_only=True)

    class Meta:
        model = AccountRoute
        fields = [
            "id",
            "account",
            *ROUTE_DECISION_FIELDS,
            "rule_position",
            "rule_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, route: AccountRoute) -> dict[str, Any]:
        data = super().to_representation(route)
        partner_user = context_partner_user(self.context)
        if partner_user is not None:
            own = partner_user.partner_id
            if route.rule_id is not None and route.rule_id not in readable_rules(
                self.context, partner_user, route.version_id
            ):
                data["rule"], data["rule_name"] = None, HIDDEN_RULE
            for name in self.direct_only_fields:
                data.pop(name, None)
            if data["target_partner"] != own:
                data["target_partner"] = None
                data["exception"] = None  # someone else's
            data["eligible_partners"] = [p for p in data["eligible_partners"] if p == own]
            data = _redactor(self.context)(data)
        return data


class DiscountLeakageSerializer(serializers.ModelSerializer):
    opportunity = InTenant(Opportunity, read_only=True)
    line: serializers.PrimaryKeyRelatedField[OpportunityLine] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    version = InTenant(RulebookVersion, read_only=True)
    corridor = InTenant(PricingCorridor, read_only=True)
    route = NamedChoiceField(Route, "RouteEnum", read_only=True)

    class Meta:
        model = DiscountLeakage
        fields = [
            "id",
            "opportunity",
            "line",
            "version",
            "corridor",
            "route",
            "discount_pct",
            "max_discount",
            "amount",
            "currency",
            "recorded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SimulationSerializer(serializers.ModelSerializer):
    version = InTenant(RulebookVersion, read_only=True)
    requested_by = UserId()
    progress = serializers.SerializerMethodField(help_text="Percent of accounts processed.")

    class Meta:
        model = Simulation
        fields = [
            "id",
            "version",
            "status",
            "requested_by",
            "total",
            "processed",
            "progress",
            "summary",
            "error",
            "started_at",
            "finished_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_progress(self, simulation: Simulation) -> int:
        if not simulation.total:
            return 100 if simulation.finished_at else 0
        return min(100, simulation.processed * 100 // simulation.total)


class SimulatedOpportunityMoveSerializer(serializers.Serializer):
    """One entry of a move's `opportunity_moves` (`guardrails.models.SIMULATED_DEAL_KEYS`)."""

    opportunity = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    from_outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum", read_only=True)
    from_target = serializers.CharField(read_only=True)
    from_rule = serializers.CharField(read_only=True)
    to_outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum", read_only=True)
    to_target = serializers.CharField(read_only=True)
    to_rule = serializers.CharField(read_only=True)


class SimulatedMoveSerializer(serializers.ModelSerializer):
    account = InTenant(Account, read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    from_outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum", read_only=True)
    to_outcome = NamedChoiceField(Outcome, "RouteOutcomeEnum", read_only=True)
    opportunity_moves = SimulatedOpportunityMoveSerializer(many=True, read_only=True)

    class Meta:
        model = SimulatedMove
        fields = [
            "id",
            "account",
            "account_name",
            "from_outcome",
            "to_outcome",
            "from_target",
            "to_target",
            "from_rule",
            "to_rule",
            "open_pipeline",
            "open_opportunities",
            "account_moves",
            "opportunity_moves",
        ]
        read_only_fields = fields


# --- actions ---------------------------------------------------------------------------------


class PublishSerializer(serializers.Serializer):
    effective_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the version takes effect (default: now). A future time schedules it.",
    )


class LintFindingSerializer(serializers.Serializer):
    severity = serializers.CharField()
    code = serializers.CharField()
    rule_position = serializers.IntegerField(allow_null=True)
    rule_name = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class LintReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    # A field named like `Serializer.errors`: the metaclass takes declared fields off the class.
    errors = LintFindingSerializer(many=True)  # type: ignore[assignment]
    warnings = LintFindingSerializer(many=True)


class RulebookSettingsSerializer(serializers.ModelSerializer):
    """The rulebook's settings; the review hours' limits are the model's validators."""

    active_version = serializers.IntegerField(read_only=True, allow_null=True)
    active_version_number = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Rulebook
        fields = ["active_version", "active_version_number", "exception_review_hours"]
        extra_kwargs = {
            "exception_review_hours": {
                "help_text": "Exception requests not reviewed within this many hours are escalated."
            }
        }
