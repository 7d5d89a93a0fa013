"""Serializers of the lead-ops API.

`LeadSerializer` is the one validation path of every intake channel: the API (single and bulk),
CSV imports, the public web-to-lead form and the portal's submit page (routing.api.submit) accept
exactly what it accepts. It declares the fields; the lead's rules are the model's
(`Lead.clean`, run by the serializer base) and intake's (routing.intake). Country, region and
phone are stored as the submitter wrote them (enrichment normalises them), but values no person
would type (overlong, several lines, control characters, a phone without digits) are refused,
naming the field.

What partner users read of a lead: their own partner's assignment and submissions only, no direct
team or rep, and of the routing decision only its outcome, rule and rationale, with the names of
other partners, of teams and of target lists replaced (guardrails.redact).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.core.validators import RegexValidator
from django.db.models import Model
from rest_framework import serializers

from accounts.api.serializers import EXTERNAL
from accounts.choices import EmployeeBand, ServiceNeed
from campaigns.models import Campaign, Offer
from core.api.fields import InTenant, context_partner_user
from core.api.serializers import SyncedModelSerializer, TenantModelSerializer
from core.validators import tidy_email
from guardrails.api.fields import NamedChoiceField
from guardrails.api.serializers import HIDDEN_RULE, readable_rules
from guardrails.redact import NOTHING, Redactor, redactor_for
from pipeline.choices import Channel, LeadSource, Priority, Route, TouchRoute
from pipeline.models import LEAD_PERSON_FIELDS, LEAD_ROUTING_FIELDS, Lead, Touch
from routing import intake
from routing.choices import EventKind
from routing.leadforms import form_path, iframe_snippet
from routing.models import (
    LEAD_FORM_SETTINGS,
    SLA_CLOCKS,
    Assignee,
    DuplicateCandidate,
    LeadEvent,
    LeadForm,
    LeadMerge,
    Notification,
    SlaPolicy,
)
from routing.validators import MAX_ORIGINS, clean_origins
from tenancy.api.fields import DIRECT_PEOPLE, TenantMember
from tenancy.models import Membership, Partner

__all__ = [
    "AssigneeSerializer",
    "DuplicateCandidateSerializer",
    "LeadEventSerializer",
    "LeadFormSerializer",
    "LeadMergeSerializer",
    "LeadSerializer",
    "LeadTouchSerializer",
    "NotificationSerializer",
    "ReassignSerializer",
    "RejectSerializer",
    "SlaPolicySerializer",
    "TouchInputSerializer",
    "decision_for",
]

SINGLE_LINE = RegexValidator(
    r"^[^\x00-\x1f\x7f]*$", "Use one line of text, without tabs or control characters."
)
MULTI_LINE = RegexValidator(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", "Remove the control characters from this text."
)
MAX_MESSAGE = 5000
MAX_INTERESTS = 30


# What lead ops sets on a lead (who submitted it, routing, enrichment, the SLA clocks): read-only.
SET_BY_LEAD_OPS = (
    "submitted_by_user",
    "submitted_by_partner",
    *LEAD_ROUTING_FIELDS,
    "duplicate_of",
    "account",
    "contact",
    "territory",
    "country_code",
    "region_code",
    "routing_attempts",
    "recalls",
    "processed_at",
    "accepted_at",
    "first_touch_at",
    "speed_to_lead_seconds",
    "sla_met",
)


def _text(max_length: int, *, multi_line: bool = False, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length,
        required=False,
        allow_blank=True,
        validators=[MULTI_LINE if multi_line else SINGLE_LINE],
        **kwargs,
    )


def _cache(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    """The serializer's context, where this module keeps what it looks up once per request or
    batch (the redactor, the product line codes, the queue of new leads); the stubs type it
    read-only."""
    return cast(dict[str, Any], serializer.context)


def _redactor(context: dict, membership: Membership) -> Redactor:
    """The request's redactor (set by the views), or one made for this serializer's context."""
    if context.get("redactor") is None:
        context["redactor"] = redactor_for(membership) if membership is not None else NOTHING
    return context["redactor"]


def decision_for(lead: Lead, context: dict) -> dict[str, Any] | None:
    """The lead's routing decision as the reader may see it (None before routing)."""
    record = lead.decision or {}
    if not record.get("outcome") and not record.get("rule"):
        return None
    summary = {
        "outcome": record.get("outcome"),
        "rule": record.get("rule"),
        "rationale": record.get("rationale", ""),
        "version": record.get("version"),
    }
    partner_user = context_partner_user(context)
    if partner_user is not None:
        rule_id, version_id = record.get("rule_id"), record.get("version_id")
        if rule_id is not None and (
            version_id is None or rule_id not in readable_rules(context, partner_user, version_id)
        ):
            summary["rule"] = HIDDEN_RULE
        return _redactor(context, partner_user)(summary)
    return {
        **summary,
        "rule_id": record.get("rule_id"),
        "version_id": record.get("version_id"),
        "target_team": record.get("target_team"),
        "target_partner": record.get("target_partner"),
        "eligible_partners": record.get("eligible_partners", []),
        "exception": record.get("exception"),
        "excluded_partners": record.get("excluded_partners", []),
        "excluded_users": record.get("excluded_users", []),
        "facts": record.get("facts", {}),
    }


# --- leads ----------------------------------------------------------------------------------


class LeadSerializer(SyncedModelSerializer):
    # A field named like Field.source: DRF's metaclass takes it as a field, the stubs see the
    # attribute.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        LeadSource.choices,
        required=False,
        help_text="Set from who submits (api, portal, sales, csv, web_form); RevOps admins may "
        "name another, e.g. campaign.",
    )
    source_detail = _text(200, help_text="Form, campaign, event or file the lead came from.")
    priority = serializers.ChoiceField(Priority.choices, required=False)
    campaign = InTenant(
        Campaign,
        natural_keys=EXTERNAL,
        required=False,
        allow_null=True,
        help_text='The campaign the lead answered: an id or {"external_id": ...}.',
    )
    offer = InTenant(
        Offer,
        natural_keys=EXTERNAL,
        required=False,
        allow_null=True,
        help_text="The offer the lead asked for; with a campaign, one of its offers.",
    )
    first_name = _text(100)
    last_name = _text(100)
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, validators=[SINGLE_LINE]
    )
    phone = _text(40, help_text="As given; enrichment stores it in E.164.")
    title = _text(150)
    company = _text(200)
    website = _text(253)
    street = _text(200)
    city = _text(100)
    postal_code = _text(20)
    region = _text(100, help_text="As given (name or code); enrichment stores ISO 3166-2.")
    country = _text(100, help_text="As given (name or code); enrichment stores ISO 3166-1.")
    product_interest = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=MAX_INTERESTS,
        help_text="Product line codes of the tenant.",
    )
    service_needs = serializers.ListField(
        child=serializers.ChoiceField(
            ServiceNeed.choices,
            error_messages={
                "invalid_choice": f'"{{input}}" is not a service need; use one of: '
                f"{', '.join(ServiceNeed.values)}."
            },
        ),
        required=False,
        max_length=len(ServiceNeed.values),
    )
    employee_band = serializers.ChoiceField(
        EmployeeBand.choices,
        required=False,
        allow_blank=True,
        error_messages={
            "invalid_choice": f'"{{input}}" is not an employee band; use one of: '
            f"{', '.join(EmployeeBand.values)}."
        },
    )
    estimated_amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="In the tenant's currency.",
    )
    message = _text(MAX_MESSAGE, multi_line=True)
    decision = serializers.SerializerMethodField(
        help_text="Why the lead went where it went: outcome, rule and rationale (and, for the "
        "manufacturer's people, targets and the facts the rules saw)."
    )
    duplicate_of: serializers.PrimaryKeyRelatedField[Lead] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The surviving lead this one was merged into."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "external_id",
            "version",
            "source",
            "source_detail",
            "priority",
            "campaign",
            "offer",
            *LEAD_PERSON_FIELDS,
            *SET_BY_LEAD_OPS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", *SET_BY_LEAD_OPS, "created_at", "updated_at"]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        refused = intake.refused_routing_fields(data)
        if refused:
            raise serializers.ValidationError({name: [text] for name, text in refused.items()})
        return super().to_internal_value(data)

    def validate_phone(self, value: str) -> str:
        return intake.validate_phone(value)

    def validate_email(self, value: str) -> str:
        return tidy_email(value)

    def validate_product_interest(self, value: list[str]) -> list[str]:
        known = self.context.get("product_line_codes")
        if known is None:
            known = _cache(self)["product_line_codes"] = intake.known_product_lines()
        return intake.product_line_codes(value, known)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # the model's rules (Lead.clean)
        attrs.update(intake.derived_keys(self.instance, attrs))
        return attrs

    def after_save(
        self, instance: Model, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        # Single creates, bulk upserts (also their fast path, which writes with bulk_create and
        # calls this hook for every new row) and imports all end here: a new lead is queued for
        # processing when the storing transaction commits.
        if created:
            intake.queue_new_lead(_cache(self), cast(Lead, instance))

    def get_decision(self, lead: Lead) -> dict[str, Any] | None:
        return decision_for(lead, _cache(self))

    def to_representation(self, instance: Model) -> dict[str, Any]:
        data = super().to_representation(instance)
        partner_user = context_partner_user(self.context)
        if partner_user is not None:
            own = partner_user.partner_id
            data["assigned_team"] = None
            if data["assigned_partner"] != own:
                data["assigned_partner"] = data["assigned_user"] = None
            if data["submitted_by_partner"] != own:
                data["submitted_by_partner"] = data["submitted_by_user"] = None
        return data


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, validators=[MULTI_LINE], help_text="Why you decline the lead."
    )


class ReassignSerializer(serializers.Serializer):
    """One partner or one direct rep; the lead goes to the rep's own team. Who may be given the
    lead is routing.services.reassign_lead's rule."""

    partner = InTenant(Partner, natural_keys=("external_id",), required=False, allow_null=True)
    user = TenantMember(
        roles=DIRECT_PEOPLE,
        required=False,
        allow_null=True,
        help_text="A direct rep; the lead goes to the rep's team.",
    )


class TouchInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(Channel.choices)
    subject = _text(300)
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it happened (default: now); not in the future."
    )


class LeadTouchSerializer(serializers.ModelSerializer):
    route = NamedChoiceField(TouchRoute, "TouchRouteEnum", read_only=True)

    class Meta:
        model = Touch
        fields = [
            "id",
            "channel",
            "subject",
            "occurred_at",
            "route",
            "actor_user",
            "actor_partner",
            "created_at",
        ]
        read_only_fields = fields


# Events a partner user reads in full when another actor caused them (the texts are system
# texts or rule rationales, redacted); of other actors' events (a rep's touch, another partner's
# rejection reason, a reassignment naming a rep) a partner sees that they happened, not the text.
SYSTEM_EVENTS = {
    EventKind.RECEIVED,
    EventKind.ENRICHED,
    EventKind.ENRICHMENT_FAILED,
    EventKind.MERGED,
    EventKind.UNMERGED,
    EventKind.ROUTED,
    EventKind.REMINDED,
    EventKind.BREACHED,
    EventKind.ESCALATED,
    EventKind.RECALLED,
    EventKind.UNROUTABLE,
}


class LeadEventSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(EventKind, "LeadEventKindEnum", read_only=True)

    class Meta:
        model = LeadEvent
        fields = [
            "id",
            "kind",
            "occurred_at",
            "actor_user",
            "actor_partner",
            "route",
            "detail",
            "data",
        ]
        read_only_fields = fields

    def to_representation(self, event: LeadEvent) -> dict[str, Any]:
        data = super().to_representation(event)
        partner_user = context_partner_user(self.context)
        if partner_user is not None:
            data["data"] = {}
            if event.actor_partner_id != partner_user.partner_id:
                data["actor_partner"] = data["actor_user"] = None
                data["detail"] = (
                    _redactor(_cache(self), partner_user)(event.detail)
                    if event.kind in SYSTEM_EVENTS
                    else ""
                )
        return data


# --- duplicates and merges (RevOps admins) --------------------------------------------------


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicateCandidate
        fields = [
            "id",
            "lead",
            "other_lead",
            "contact",
            "score",
            "reasons",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class LeadMergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadMerge
        fields = [
            "id",
            "survivor",
            "merged",
            "automatic",
            "score",
            "moved_touches",
            "moved_events",
            "merged_by",
            "created_at",
            "undone_at",
            "undone_by",
        ]
        read_only_fields = fields


# --- configuration --------------------------------------------------------------------------


class SlaPolicySerializer(TenantModelSerializer):
    route = NamedChoiceField(Route, "RouteEnum")

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "route",
            "priority",
            *SLA_CLOCKS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class LeadFormSerializer(TenantModelSerializer):
    partner = InTenant(
        Partner,
        natural_keys=("external_id",),
        required=False,
        allow_null=True,
        help_text="A partner's co-branded form: its leads count as submitted by that partner.",
    )
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=MAX_ORIGINS,
        error_messages={"max_length": "At most {max_length} sites."},
        help_text="Sites that may embed the form or post to it with fetch, e.g. "
        "https://www.example.com. Empty: no site may frame it.",
    )
    name = serializers.CharField(max_length=200, validators=[SINGLE_LINE])
    source_detail = _text(200, help_text="Stored on each lead; defaults to the form's name.")
    thank_you = serializers.CharField(max_length=300, required=False, validators=[MULTI_LINE])
    url = serializers.SerializerMethodField(help_text="The public form.")
    embed_snippet = serializers.SerializerMethodField(help_text="HTML to paste into a site.")

    class Meta:
        model = LeadForm
        fields = [
            "id",
            "key",
            *LEAD_FORM_SETTINGS,
            "url",
            "embed_snippet",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "key", "created_at", "updated_at"]

    def validate_allowed_origins(self, value: list[str]) -> list[str]:
        return clean_origins(value)

    def get_url(self, form: LeadForm) -> str:
        request = self.context.get("request")
        path = form_path(form, self.context["tenant"].slug)
        return request.build_absolute_uri(path) if request is not None else path

    def get_embed_snippet(self, form: LeadForm) -> str:
        return iframe_snippet(self.get_url(form), form.name)


class AssigneeSerializer(TenantModelSerializer):
    membership = InTenant(
        Membership, required=False, allow_null=True, help_text="A direct user's membership id."
    )
    partner = InTenant(Partner, natural_keys=("external_id",), required=False, allow_null=True)

    class Meta:
        model = Assignee
        fields = [
            "id",
            "membership",
            "partner",
            "weight",
            "capacity",
            "away_from",
            "away_until",
            "accepts_leads",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class NotificationSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(EventKind, "LeadEventKindEnum", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "lead", "read_at", "created_at"]
        read_only_fields = fields
