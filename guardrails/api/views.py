"""The guardrails API: territories, partner authorizations, rulebook versions (edit, lint, publish,
simulate), explain, the corridor check, exceptions, and what the rules decided.

Every change goes through the guardrails services (`guardrails.services.<concern>`), which own
the rules of the domain; this module turns their refusals into the API's error body: a bad value
is a 400 naming the field (nested: `rules.2.conditions`), a published version asked to change is a
409 `version_locked`, a publish refused by lint is a 409 `publish_refused` with the `findings`.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import Conflict
from core.api.schema import ErrorSerializer
from core.api.views import TenantAPIView, TenantModelViewSet, TenantReadOnlyViewSet
from guardrails import engine, plain
from guardrails.api.errors import PublishRefusedError, VersionLockedError, findings_of, invalid
from guardrails.api.serializers import (
    HIDDEN_RULE,
    AccountRouteSerializer,
    CorridorCheckSerializer,
    CorridorVerdictSerializer,
    DiscountLeakageSerializer,
    ExceptionRequestSerializer,
    ExceptionReviewSerializer,
    ExplainRequestSerializer,
    LintReportSerializer,
    PartnerAuthorizationSerializer,
    PricingCorridorSerializer,
    PublishSerializer,
    RulebookSettingsSerializer,
    RulebookVersionDetailSerializer,
    RulebookVersionSerializer,
    RuleExceptionSerializer,
    SimulatedMoveSerializer,
    SimulationSerializer,
    TerritorySerializer,
)
from guardrails.choices import ExceptionStatus, Outcome
from guardrails.conditions import FIELDS
from guardrails.filters import (
    AccountRouteFilterSet,
    DiscountLeakageFilterSet,
    PartnerAuthorizationFilterSet,
    RulebookVersionFilterSet,
    RuleExceptionFilterSet,
    SimulatedMoveFilterSet,
    SimulationFilterSet,
    TerritoryFilterSet,
)
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    PartnerAuthorization,
    PricingCorridor,
    RouteRule,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Simulation,
    Territory,
)
from guardrails.redact import NOTHING, redactor_for
from guardrails.services.errors import PublishRefused, VersionLocked
from guardrails.services.exception_requests import (
    request_exception,
    review_exception,
    withdraw_exception,
)
from guardrails.services.lint import lint
from guardrails.services.pricing import check_discount
from guardrails.services.publish import publish
from guardrails.services.simulation import start_simulation
from guardrails.services.territories import (
    archive_territory,
    delete_authorization,
    restore_territory,
)
from guardrails.services.versions import (
    active_version,
    delete_draft,
    get_rulebook,
    set_review_hours,
)
from tenancy.choices import Role
from tenancy.models import Membership
from tenancy.requests import TenantAPIRequest

__all__ = [
    "AccountRouteViewSet",
    "CorridorCheckView",
    "DiscountLeakageViewSet",
    "ExplainView",
    "PartnerAuthorizationViewSet",
    "RuleExceptionViewSet",
    "RulebookSettingsView",
    "RulebookVersionViewSet",
    "SimulationViewSet",
    "TerritoryViewSet",
]

ADMINS = frozenset({Role.REVOPS_ADMIN})
DIRECT_LEADS = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER})
EVERYONE = frozenset(Role.values)
REQUESTERS = Role.partner_roles() | Role.direct_roles()


# --- service refusals in the API's error body -----------------------------------------------


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, PublishRefused):
        count = len(exc.report.errors)
        return PublishRefusedError(
            f"Publishing was refused: lint found {count} error{'s' if count != 1 else ''}. "
            "Fix them (see findings) and publish again; nothing was changed.",
            findings_of([*exc.report.errors, *exc.report.warnings]),
        )
    if isinstance(exc, VersionLocked):
        return VersionLockedError(" ".join(exc.messages))
    if isinstance(exc, DjangoPermissionDenied) and exc.args:
        return exceptions.PermissionDenied(str(exc.args[0]))
    return exc


class GuardrailsAPIMixin(APIView):
    """Service refusals as API errors; what partner users may read. (Per-action roles are the
    base's `action_roles`, core.api.permissions.RolePermission.)"""

    @property
    def membership(self) -> Membership:
        """Who calls: the base resolved the credential's membership before any handler runs."""
        return cast(TenantAPIRequest, self.request).membership

    def handle_exception(self, exc: Exception) -> Response:
        exc = _translate(exc)
        response = super().handle_exception(exc)
        findings = getattr(exc, "findings", None)
        if findings is not None and isinstance(response.data, dict):
            response.data["findings"] = findings
        return response

    def redactor(self) -> Any:
        """What partner users may not read (computed once per request)."""
        if not hasattr(self, "_redactor"):
            membership = getattr(self.request, "membership", None)
            self._redactor = redactor_for(membership) if membership is not None else NOTHING
        return self._redactor

    def context(self) -> dict[str, Any]:
        """Serializer context of the non-model views (TenantAPIView has no serializer)."""
        request = self.request
        return {
            "request": request,
            "view": self,
            "membership": getattr(request, "membership", None),
            "tenant": getattr(request, "tenant", None),
            "redactor": self.redactor(),
        }


class GuardrailsViewSetMixin(GuardrailsAPIMixin, GenericAPIView):
    """The same for viewsets, whose serializers get the redactor in their context."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["redactor"] = self.redactor()
        return context


# --- territories and partner authorizations --------------------------------------------------


class TerritoryViewSet(GuardrailsViewSetMixin, TenantModelViewSet):
    """Sales territories and their areas. Partner users see the territories they are authorized
    in. DELETE archives (the territory stops matching accounts; its history stays)."""

    model = Territory
    queryset = Territory.objects.none()
    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilterSet
    write_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("areas")

    def perform_destroy(self, instance: Territory) -> None:
        archive_territory(instance, acting=self.membership)

    @extend_schema(request=None, responses={200: TerritorySerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Bring an archived territory back into use."""
        territory = restore_territory(self.get_object(), acting=request.membership)
        return Response(self.get_serializer(territory).data)


class PartnerAuthorizationViewSet(GuardrailsViewSetMixin, TenantModelViewSet):
    """Which territories and product lines each partner may sell, from and until when. Partner
    users see their own partner's."""

    model = PartnerAuthorization
    queryset = PartnerAuthorization.objects.none()
    serializer_class = PartnerAuthorizationSerializer
    filterset_class = PartnerAuthorizationFilterSet
    write_roles = ADMINS

    def perform_destroy(self, instance: PartnerAuthorization) -> None:
        delete_authorization(instance, acting=self.membership)


# --- the rulebook ----------------------------------------------------------------------------


def _refuse_published(version: RulebookVersion) -> None:
    if not version.is_draft:
        raise VersionLockedError.of(version)


class RulebookVersionViewSet(GuardrailsViewSetMixin, TenantModelViewSet):
    """The rulebook's versions. Lists show each version's state; one version shows its rules,
    corridors and deal-registration criteria. RevOps admins see drafts and edit them; everyone
    else reads published versions (partner users: only what applies to them)."""

    model = RulebookVersion
    queryset = RulebookVersion.objects.none()
    serializer_class = RulebookVersionDetailSerializer
    filterset_class = RulebookVersionFilterSet
    write_roles = ADMINS

    def get_serializer_class(self) -> type:
        return RulebookVersionSerializer if self.action == "list" else self.serializer_class

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            Prefetch("rules", RouteRule.objects.order_by("position")),
            Prefetch("corridors", PricingCorridor.objects.select_related("tier")),
        )

    def perform_destroy(self, instance: RulebookVersion) -> None:
        _refuse_published(instance)
        delete_draft(instance, acting=self.membership)

    @extend_schema(request=None, responses={200: LintReportSerializer})
    @action(detail=True, methods=["post"])
    def lint(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """What lint finds in the version: errors (which refuse publishing) and warnings."""
        report = lint(self.get_object())
        return Response(
            {
                "ok": report.ok,
                "errors": findings_of(report.errors),
                "warnings": findings_of(report.warnings),
                "accounts_checked": report.accounts_checked,
                "fallthrough_count": report.fallthrough_count,
            }
        )

    @extend_schema(
        request=PublishSerializer,
        responses={
            200: RulebookVersionDetailSerializer,
            409: OpenApiResponse(
                description="`version_locked` (already published) or `publish_refused` "
                "(lint errors, listed in `findings`)."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Publish the draft, in force now or from `effective_at`. Refused with 409
        `publish_refused` and the lint `findings` when lint finds errors; nothing changes then."""
        version = self.get_object()
        _refuse_published(version)
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            publish(
                version,
                acting=request.membership,
                effective_at=body.validated_data.get("effective_at"),
            )
        except (PublishRefused, VersionLocked):
            raise  # their own 409s (handle_exception)
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        fresh = self.get_queryset().get(pk=version.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=None, responses={202: SimulationSerializer})
    @action(detail=True, methods=["post"])
    def simulate(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Start simulating the version against every account and all open pipeline, compared
        with the active version. Follow it at `/api/v1/simulations/{id}/`."""
        simulation = start_simulation(self.get_object(), acting=request.membership)
        return Response(
            SimulationSerializer(simulation, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


class RulebookSettingsView(GuardrailsAPIMixin, TenantAPIView):
    """The tenant's rulebook: its active version, and how long exception requests may wait for
    review before they are escalated (RevOps admins change it)."""

    write_roles = ADMINS

    def _data(self, request: TenantAPIRequest) -> dict[str, Any]:
        rulebook = get_rulebook(request.tenant)
        active = rulebook.active_version
        return {
            "active_version": active.pk if active else None,
            "active_version_number": active.number if active else None,
            "exception_review_hours": rulebook.exception_review_hours,
        }

    @extend_schema(responses=RulebookSettingsSerializer, operation_id="rulebook_retrieve")
    def get(self, request: TenantAPIRequest) -> Response:
        return Response(RulebookSettingsSerializer(self._data(request)).data)

    @extend_schema(
        request=RulebookSettingsSerializer,
        responses=RulebookSettingsSerializer,
        operation_id="rulebook_partial_update",
    )
    def patch(self, request: TenantAPIRequest) -> Response:
        body = RulebookSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "exception_review_hours" in body.validated_data:
            try:
                set_review_hours(
                    request.tenant,
                    body.validated_data["exception_review_hours"],
                    acting=request.membership,
                )
            except DjangoValidationError as exc:
                raise invalid(exc) from None
        return Response(RulebookSettingsSerializer(self._data(request)).data)


# --- explain and the corridor check ----------------------------------------------------------


class ExplainView(GuardrailsAPIMixin, TenantAPIView):
    """Which rule decides for an account (or a hypothetical one) and why each earlier rule did not
    match, condition by condition."""

    write_roles = EVERYONE  # POST computes; it changes nothing

    @extend_schema(
        responses=inline_serializer(
            "ExplainVocabulary",
            {
                "attributes": serializers.ListField(child=serializers.CharField()),
                "condition_fields": serializers.ListField(child=serializers.DictField()),
            },
        ),
        operation_id="explain_vocabulary",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        """What a hypothetical account may be described by, and what rule conditions test."""
        return Response(
            {
                "attributes": sorted(engine.HYPOTHESIS_KEYS),
                "condition_fields": [
                    {
                        "field": spec.name,
                        "label": spec.label,
                        "kind": spec.kind,
                        "ops": list(spec.ops),
                        "help": spec.help,
                    }
                    for spec in FIELDS.values()
                ],
            }
        )

    @extend_schema(
        request=ExplainRequestSerializer,
        responses={
            200: inline_serializer(
                "Explanation",
                {
                    "version": serializers.DictField(allow_null=True),
                    "decision": serializers.DictField(allow_null=True),
                    "traces": serializers.ListField(child=serializers.DictField()),
                    "not_evaluated": serializers.ListField(child=serializers.DictField()),
                },
            ),
            # An account the caller cannot see, as on its own URL (SubjectAccount).
            404: ErrorSerializer,
        },
        operation_id="explain_create",
    )
    def post(self, request: TenantAPIRequest) -> Response:
        """Explain `{"account": id}` or `{"attributes": {...}}`, with the active version or
        `"version": id` (drafts: RevOps admins)."""
        body = ExplainRequestSerializer(data=request.data, context=self.context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = data.get("version")
        if "account" in data:
            explanation = engine.explain_account(data["account"], version=version)
        else:
            try:
                explanation = engine.explain_hypothetical(
                    request.tenant, data["attributes"], version=version
                )
            except DjangoValidationError as exc:
                raise invalid(exc, "attributes") from None
        return Response(self._render(explanation, version, request.membership))

    def _render(
        self, explanation: engine.Explanation, version: Any, membership: Membership
    ) -> dict[str, Any]:
        partner_id = membership.partner_id if membership.is_partner_user else None
        used = version
        if used is None and explanation.version_id is not None:
            used = RulebookVersion.objects.filter(pk=explanation.version_id).first()
        # A partner user reads the rules that bind them; others show as HIDDEN_RULE.
        hidden_positions: set[int] = set()
        if partner_id is not None and used is not None:
            readable = {rule.pk for rule, _ in plain.published_rules_for(membership, used)}
            hidden_positions = {
                position
                for pk, position in RouteRule.objects.filter(version=used).values_list(
                    "pk", "position"
                )
                if pk not in readable
            }
        traces: list[dict[str, Any]] = []
        for trace in explanation.traces:
            if trace.position in hidden_positions:
                traces.append(
                    {
                        "rule": None,
                        "position": trace.position,
                        "name": HIDDEN_RULE,
                        "matched": trace.matched,
                        "conditions": [],
                    }
                )
                continue
            traces.append(
                {
                    "rule": trace.rule_id,
                    "position": trace.position,
                    "name": trace.name,
                    "matched": trace.matched,
                    "conditions": [
                        {"text": c.text, "passed": c.passed, "reason": c.reason}
                        for c in trace.conditions
                    ],
                }
            )
        result = {
            "version": (
                {"id": used.pk, "number": used.number, "status": used.status} if used else None
            ),
            "decision": _decision(explanation.decision, partner_id, hidden_positions),
            "traces": traces,
            "not_evaluated": [
                {
                    "position": position,
                    "name": HIDDEN_RULE if position in hidden_positions else name,
                }
                for position, name in explanation.skipped_after
            ],
        }
        return self.redactor()(result)


def _decision(
    decision: engine.Decision | None, partner_id: int | None, hidden_positions: set[int]
) -> dict[str, Any] | None:
    """The decision as JSON; for a partner user without other partners, teams or hidden rules."""
    if decision is None:
        return None
    data = {
        "rule": decision.rule_id,
        "rule_position": decision.rule_position,
        "rule_name": decision.rule_name,
        "outcome": decision.outcome,
        "target_team": decision.target_team_id,
        "target_partner": decision.target_partner_id,
        "target": engine.target_label(decision, for_partner=partner_id),
        "eligible_partners": list(decision.eligible_partner_ids),
        "rationale": decision.rationale,
        "exception": decision.exception_id,
    }
    if partner_id is not None:
        del data["target_team"]
        if data["target_partner"] != partner_id:
            data["target_partner"] = None
            data["exception"] = None  # someone else's exception
        data["eligible_partners"] = [p for p in decision.eligible_partner_ids if p == partner_id]
        if decision.rule_position in hidden_positions:
            data["rule"], data["rule_name"] = None, HIDDEN_RULE
    return data


class CorridorCheckView(GuardrailsAPIMixin, TenantAPIView):
    """Is a discount inside its pricing corridor, and by how much is it outside?"""

    write_roles = EVERYONE  # POST computes; it changes nothing

    @extend_schema(
        responses=inline_serializer(
            "CorridorsInForce",
            {
                "version": serializers.IntegerField(allow_null=True),
                "corridors": PricingCorridorSerializer(many=True),
            },
        ),
        operation_id="corridor_check_corridors",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        """The corridors in force that apply to the caller (partner users: the partner route,
        their own partner tier)."""
        version = active_version(request.tenant)
        corridors = list(plain.corridors_for(request.membership, version)) if version else []
        return Response(
            {
                "version": version.pk if version else None,
                "corridors": PricingCorridorSerializer(
                    corridors, many=True, context=self.context()
                ).data,
            }
        )

    @extend_schema(
        request=CorridorCheckSerializer,
        responses=CorridorVerdictSerializer,
        operation_id="corridor_check_create",
    )
    def post(self, request: TenantAPIRequest) -> Response:
        """Check `discount_pct` for a product line, route and tier (or an opportunity's)."""
        body = CorridorCheckSerializer(data=request.data, context=self.context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            verdict = check_discount(
                request.tenant,
                product_line=data["product_line"],
                route=data["route"],
                discount_pct=data["discount_pct"],
                tier=data.get("tier"),
                partner_tier=data.get("partner_tier") or "",
                opportunity=data.get("opportunity"),
                account=data.get("account"),
                version=data.get("version"),
            )
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        return Response(CorridorVerdictSerializer(verdict).data)


# --- exceptions ------------------------------------------------------------------------------


class RuleExceptionViewSet(GuardrailsViewSetMixin, TenantReadOnlyViewSet):
    """Requests to step outside the rules for one account or opportunity. Partner users and
    direct reps and managers request them; RevOps admins approve or deny; the requester may
    withdraw a pending one."""

    model = RuleException
    queryset = RuleException.objects.none()
    serializer_class = RuleExceptionSerializer
    filterset_class = RuleExceptionFilterSet
    write_roles = EVERYONE
    action_roles = {"create": REQUESTERS, "approve": ADMINS, "deny": ADMINS}
    action_refusals = {
        "create": "RevOps admins review exceptions; partner users and reps request them.",
        "approve": "Only RevOps admins review exceptions.",
        "deny": "Only RevOps admins review exceptions.",
    }

    @extend_schema(request=ExceptionRequestSerializer, responses={201: RuleExceptionSerializer})
    def create(self, request: TenantAPIRequest) -> Response:
        """Request an exception (pending until a RevOps admin reviews it)."""
        body = ExceptionRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        try:
            exception = request_exception(acting=request.membership, **body.validated_data)
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        return Response(self.get_serializer(exception).data, status=status.HTTP_201_CREATED)

    def _review(self, request: TenantAPIRequest, *, approve: bool) -> Response:
        exception = self.get_object()
        body = ExceptionReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._pending(exception)
        try:
            exception = review_exception(
                exception,
                acting=request.membership,
                approve=approve,
                comment=body.validated_data.get("comment", ""),
            )
        except DjangoValidationError as exc:
            raise self._state(exc) from None
        return Response(self.get_serializer(exception).data)

    @extend_schema(request=ExceptionReviewSerializer, responses={200: RuleExceptionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Approve a pending request, with an optional comment; it takes effect until its end date."""
        return self._review(request, approve=True)

    @extend_schema(request=ExceptionReviewSerializer, responses={200: RuleExceptionSerializer})
    @action(detail=True, methods=["post"])
    def deny(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Deny a pending request; the comment (required) tells the requester why."""
        return self._review(request, approve=False)

    @extend_schema(request=None, responses={200: RuleExceptionSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The requester takes back a pending request."""
        exception = self.get_object()
        if exception.requested_by_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the requester withdraws a request.")
        self._pending(exception)
        try:
            exception = withdraw_exception(exception, acting=request.membership)
        except DjangoValidationError as exc:
            raise self._state(exc) from None
        return Response(self.get_serializer(exception).data)

    @staticmethod
    def _pending(exception: RuleException) -> None:
        if exception.status != ExceptionStatus.PENDING:
            raise Conflict(
                f"Exception #{exception.pk} is {exception.get_status_display().lower()}; "
                "only pending requests can be reviewed or withdrawn."
            )

    @staticmethod
    def _state(exc: DjangoValidationError) -> Exception:
        # Field problems (a denial without a comment) are 400; the request's state is 409.
        return invalid(exc) if hasattr(exc, "error_dict") else Conflict(" ".join(exc.messages))


# --- what the rules decided ------------------------------------------------------------------


class AccountRouteViewSet(GuardrailsViewSetMixin, TenantReadOnlyViewSet):
    """Each account's current route, target and the rule that decided it (for the accounts the
    caller can see), recomputed in the background."""

    model = AccountRoute
    queryset = AccountRoute.objects.none()
    serializer_class = AccountRouteSerializer
    filterset_class = AccountRouteFilterSet

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("rule")


class DiscountLeakageViewSet(GuardrailsViewSetMixin, TenantReadOnlyViewSet):
    """Opportunity lines discounted beyond their corridor without an approved exception, with the
    revenue given away (RevOps admins and direct managers)."""

    model = DiscountLeakage
    queryset = DiscountLeakage.objects.none()
    serializer_class = DiscountLeakageSerializer
    filterset_class = DiscountLeakageFilterSet
    read_roles = DIRECT_LEADS


class SimulationViewSet(GuardrailsViewSetMixin, TenantReadOnlyViewSet):
    """Simulations of rulebook versions, with progress and, when done, the summary of moves;
    `{id}/moves/` lists the accounts that would move (RevOps admins)."""

    model = Simulation
    queryset = Simulation.objects.none()
    serializer_class = SimulationSerializer
    filterset_class = SimulationFilterSet
    read_roles = ADMINS

    @extend_schema(
        responses={
            200: inline_serializer(
                "PaginatedSimulatedMoveList",
                {
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": SimulatedMoveSerializer(many=True),
                },
            )
        },
        filters=False,
        parameters=[
            OpenApiParameter("account", int, description="Only this account"),
            OpenApiParameter("from_outcome", str, enum=Outcome.values),
            OpenApiParameter("to_outcome", str, enum=Outcome.values),
            OpenApiParameter("cursor", str, description="The pagination cursor value."),
            OpenApiParameter("page_size", int, description="Results per page (up to 1,000)."),
        ],
    )
    @action(detail=True, methods=["get"])
    def moves(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The accounts whose route or target the simulated version would change (pages in id
        order, like every list)."""
        simulation = self.get_object()
        moves = SimulatedMoveFilterSet(
            request.query_params,
            queryset=SimulatedMove.objects.filter(simulation=simulation).select_related("account"),
            request=request,
        )
        if not moves.is_valid():
            raise exceptions.ValidationError(moves.errors)
        page = self.paginate_queryset(moves.qs)
        data = SimulatedMoveSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
