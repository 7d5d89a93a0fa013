"""The scorecards API's shapes: the query each report reads (quarter, attribution model, scope and
filters, each value checked and resolved inside the caller's visibility), and the figures it
answers. Read-only: nothing here writes.

A query value that is not one (an unknown model, a malformed scope, a territory, segment or
product line the caller cannot see, a quarter that is malformed or has not begun) is a 400 naming
the parameter. Partner users' figures are their own partner's: they filter by territory, segment
and product line only, so no filter (nor the peers' average under it) can narrow another party's
figures to a slice they could read theirs from.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.api.fields import context_membership
from core.metrics import Scope
from core.validators import MAX_ID
from pipeline.choices import Route
from scorecards.choices import MODEL_CHOICES, PartyRoute
from scorecards.filtering import FILTER_FIELDS, resolve_filters
from scorecards.rollup import settings_of
from scorecards.services import quarter_from
from tenancy.choices import PartnerTier
from tenancy.quarters import Quarter

__all__ = [
    "AttributedOpportunitySerializer",
    "AttributionPageSerializer",
    "FiguresQuerySerializer",
    "LeagueSerializer",
    "MetricSerializer",
    "QuarterQuerySerializer",
    "ScorecardQuerySerializer",
    "ScorecardSerializer",
    "TiersSerializer",
]

SCOPE = re.compile(r"^(?:(tenant)|(route):(direct|partner)|(partner|team|user):([0-9]{1,19}))$")
SCOPE_HELP = (
    "Whose figures: `tenant`, `route:direct`, `route:partner`, `partner:<id>`, `team:<id>` or "
    "`user:<id>` (a direct rep's user id). Default: the caller's own (a partner user's partner, a "
    "rep themselves, a manager's team, everyone for RevOps admins). One the caller may not see "
    "is a 404."
)


def format_scope(scope: Scope) -> str:
    """How the API names a scope (the inverse of the `scope` parameter)."""
    return scope.kind if scope.key is None else f"{scope.kind}:{scope.key}"


# --- queries -------------------------------------------------------------------------------------


class QuarterQuerySerializer(serializers.Serializer):
    """`?quarter=`: a fiscal quarter of the tenant that has begun; default the current one."""

    quarter = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="A fiscal quarter, e.g. `2026-Q4` (`FY2027-Q1` when the fiscal year starts "
        "later than January); default the current one. Not one that has not begun.",
    )

    def to_internal_value(self, data: Any) -> Any:
        # An empty parameter (`?territory=&team=`, as a BI tool's template sends) is not given.
        given = {name: data[name] for name, _ in self.fields.items() if data.get(name, "") != ""}
        return super().to_internal_value(given)

    def validate_quarter(self, value: str) -> Any:
        try:
            return quarter_from(self.context["tenant"], value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["quarter"]) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "quarter" not in attrs:
            attrs["quarter"] = quarter_from(self.context["tenant"], None)
        return attrs


class FiguresQuerySerializer(QuarterQuerySerializer):
    """The quarter, the attribution model and the filters, resolved to `quarter`, `model` and
    `filters` (core.metrics.Filters)."""

    model = serializers.ChoiceField(
        choices=MODEL_CHOICES,
        required=False,
        help_text="The attribution model of attributed figures and credits; default the "
        "tenant's (scorecard settings).",
    )
    territory = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Only opportunities in this territory (code).",
    )
    segment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Only accounts of this segment (key).",
    )
    product_line = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Only opportunities selling this line (code).",
    )
    route = serializers.ChoiceField(
        choices=Route.choices,
        required=False,
        help_text="Only opportunities owned by this route (not for partner users).",
    )
    partner = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only opportunities this partner owns (id; not for partner users).",
    )
    team = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only opportunities this direct team owns (id; not for partner users).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "model" not in attrs:
            attrs["model"] = settings_of(self.context["tenant"]).default_model
        given = {name: attrs.pop(name) for name in FILTER_FIELDS if name in attrs}
        try:
            attrs["filters"] = resolve_filters(context_membership(self.context), given)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class ScorecardQuerySerializer(FiguresQuerySerializer):
    """The figures' query and whose figures (`scope`, a core.metrics.Scope, or None: the
    caller's own)."""

    scope = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=SCOPE_HELP
    )

    def validate_scope(self, value: str) -> Scope:
        found = SCOPE.match(value)
        if not found:
            raise serializers.ValidationError(
                "Write the scope as tenant, route:direct, route:partner, partner:<id>, "
                "team:<id> or user:<id>."
            )
        if found.group(1):
            return Scope("tenant")
        if found.group(2):
            return Scope("route", found.group(3))
        key = int(found.group(5))
        if not 1 <= key <= MAX_ID:
            raise serializers.ValidationError(f"{found.group(4)}:{key} is not an id.")
        return Scope(found.group(4), key)


# --- answers -------------------------------------------------------------------------------------


def figure(help_text: str, **kwargs: Any) -> serializers.DecimalField:
    """A figure as a decimal string ("1234.50", "37.5"); null where there is no data."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, allow_null=True, help_text=help_text, **kwargs
    )


class MetricSerializer(serializers.Serializer):
    """A scorecard metric's definition (core.metrics.Metric); docs/metrics.md defines each."""

    key = serializers.CharField()
    # The key is "label", which shadows Field.label for the type checker only (declared fields
    # are taken off the class).
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField(
        help_text="`money` (the tenant's currency), `money_per_day`, `percent`, `count`, "
        "`days` or `hours` (business hours)."
    )
    version = serializers.IntegerField(help_text="Goes up when the definition changes.")
    section = serializers.CharField(help_text="`pipeline`, `conversion`, `service`, `integrity`.")
    higher_is_better = serializers.BooleanField()
    filtered_by = serializers.SerializerMethodField(
        help_text="The filters that narrow this figure; with any other filter set it does not "
        "apply (`applies: false` on the scorecard)."
    )
    by_model = serializers.BooleanField(help_text="The attribution model changes it.")
    help = serializers.CharField()

    def get_filtered_by(self, item: Any) -> list[str]:
        return sorted(item.filtered_by)

    class Meta:
        ref_name = "ScorecardMetric"


class QuarterSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. `2026-Q4`: what `?quarter=` takes.")
    start = serializers.DateField(help_text="Its first day.")
    end = serializers.DateField(source="last_day", help_text="Its last day (included).")

    class Meta:
        ref_name = "FiscalQuarter"


class ScorecardRowSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.key", help_text="The metric's key (/metrics/).")
    value = figure("This quarter's figure.")
    previous = figure("The previous quarter's figure.")
    peers_average = figure(
        "The peers' average (partners of the same tier, every team, the reps of the team); "
        "null with fewer than three peers with figures.",
        source="peers",
    )
    peers_label = serializers.CharField(help_text='e.g. "Gold tier average"; "" without peers.')
    applies = serializers.BooleanField(help_text="False: a filter that does not narrow it is set.")


class ScorecardSerializer(serializers.Serializer):
    scope = serializers.SerializerMethodField(help_text="As the `scope` parameter names it.")
    label = serializers.CharField(help_text="Whose figures, in words.")  # type: ignore[assignment]
    quarter = QuarterSerializer()
    model = serializers.CharField(help_text="The attribution model.")
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the rollups were last brought up to date."
    )
    unconverted = serializers.IntegerField(
        help_text="Opportunities left out: their currency has no exchange rate."
    )
    rows = ScorecardRowSerializer(many=True)

    def get_scope(self, card: Any) -> str:
        return format_scope(card.scope)


class LeagueRowSerializer(serializers.Serializer):
    partner = serializers.IntegerField(help_text="The partner's id.")
    name = serializers.CharField()
    tier = serializers.ChoiceField(choices=PartnerTier.choices)
    values = serializers.DictField(
        child=figure("The figure; null where there is no data."),
        help_text="Each metric's figure, by metric key.",
    )


class LeagueSerializer(serializers.Serializer):
    quarter = QuarterSerializer()
    model = serializers.CharField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    metrics = serializers.ListField(
        child=serializers.CharField(), help_text="The metric keys, in the scorecard's order."
    )
    results = LeagueRowSerializer(many=True, help_text="Best sourced pipeline first.")

    class Meta:
        ref_name = "LeagueTable"


class RequirementSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.key")
    minimum = serializers.DecimalField(max_digits=18, decimal_places=4)
    value = figure("The partner's figure this quarter.")
    gap = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="What is missing to the minimum."
    )

    class Meta:
        ref_name = "TierRequirementGap"


TIER_HELP = "`registered`, `silver`, `gold` or `platinum`."


class TierEvaluationSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner.pk", help_text="The partner's id.")
    name = serializers.CharField(source="partner.name")
    current_tier = serializers.CharField(source="standing.current", help_text=TIER_HELP)
    earned_tier = serializers.CharField(
        source="standing.earned",
        allow_null=True,
        help_text="The highest tier whose requirements this quarter's figures meet; null: none.",
    )
    next_tier = serializers.CharField(
        source="standing.next_tier",
        allow_null=True,
        help_text="The next tier above the current one that has requirements; null: none.",
    )
    needs = RequirementSerializer(
        source="standing.needs",
        many=True,
        help_text="The next tier's requirements not met yet, with the gap.",
    )


class TiersSerializer(serializers.Serializer):
    quarter = QuarterSerializer()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    results = TierEvaluationSerializer(many=True)

    class Meta:
        ref_name = "TierEvaluations"


class CreditSerializer(serializers.Serializer):
    route = serializers.ChoiceField(choices=PartyRoute.choices)
    partner = serializers.IntegerField(source="partner_id", allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    user = serializers.IntegerField(source="user_id", allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ref_name = "AttributionCredit"


class AttributedOpportunitySerializer(serializers.Serializer):
    opportunity = serializers.IntegerField(source="opportunity_id", help_text="Its id.")
    external_id = serializers.CharField(source="opportunity.external_id")
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        allow_null=True,
        help_text="In the tenant's currency at the rate of the day it was opened; null: no rate.",
    )
    currency = serializers.SerializerMethodField(help_text="The tenant's currency.")
    created_quarter = serializers.SerializerMethodField(help_text="The quarter it was opened.")
    credits = CreditSerializer(
        many=True,
        source="shown_credits",
        help_text="The model's credits (sum: the amount); each caller sees its own party's only, "
        "RevOps admins every party's.",
    )

    def get_currency(self, fact: Any) -> str:
        return str(self.context["tenant"].currency)

    def get_created_quarter(self, fact: Any) -> str:
        return Quarter.of(self.context["tenant"], fact.created_quarter).code


class AttributionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AttributedOpportunitySerializer(many=True)


# --- campaign members ----------------------------------------------------------------------------


class CampaignMembersQuerySerializer(serializers.Serializer):
    """`?campaign=`: the campaign whose members are listed (required; one the caller can see)."""

    campaign = serializers.IntegerField(help_text="The campaign's id: one you can see.")


class CampaignMemberSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="The account's id.")
    name = serializers.CharField(help_text="The account's name.")
    on_target_list = serializers.BooleanField(
        allow_null=True,
        help_text="On the campaign's target list; null for partner users, who do not see "
        "target lists.",
    )
    responded = serializers.BooleanField(help_text="Responded to the campaign (your responses).")
    responses = serializers.IntegerField(help_text="Your party's responses from the account.")
    leads = serializers.IntegerField(help_text="Your party's leads of the campaign for it.")
    opportunities = serializers.IntegerField(
        help_text="Your party's opportunities of the campaign on it."
    )
    worked_by_direct = serializers.BooleanField(
        allow_null=True,
        help_text="Direct sales touched it in the campaign; null for partner users.",
    )
    worked_by_partner = serializers.BooleanField(
        allow_null=True,
        help_text="A partner (for a partner user: yours) touched it in the campaign; null for "
        "direct users other than RevOps admins.",
    )
    someone_else_working = serializers.BooleanField(
        allow_null=True,
        help_text="Another party also works it in the campaign (an open overlap), never who; "
        "null for RevOps admins, who see who on the overlap page.",
    )


class CampaignMembersPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CampaignMemberSerializer(many=True)
