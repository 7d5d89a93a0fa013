"""Deal registration's API: registrations (CRUD within the state rules, transitions as
`POST {id}/<action>/`, evidence files, `check/` before filing, `bulk/` and `sync/`), conflicts
(read-only) and adjudications (precedent; RevOps admins decide).

Every transition calls its service with `acting=` the caller's membership; a transition the
state does not allow is 409 `transition_not_allowed` with the `allowed` actions, missing or
invalid input is 400 naming each field, and nothing is half-saved (each service is atomic)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import Account, ProductLine
from core.api.errors import Conflict
from core.api.fields import InTenant
from core.api.sync import SyncActionsMixin
from core.api.views import (
    ScopedRequest,
    TenantAPIView,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
)
from core.downloads import attachment
from core.views import row_or_404
from dealreg.api.serializers import (
    AdjudicationSerializer,
    ConflictSerializer,
    DealRegistrationSerializer,
    DealRegSettingsSerializer,
    EventSerializer,
    EvidenceFileSerializer,
    LineCode,
)
from dealreg.choices import ClockState, RegState
from dealreg.filters import (
    AdjudicationFilterSet,
    DealRegistrationFilterSet,
    RegistrationConflictFilterSet,
)
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    DealRegistration,
    EvidenceFile,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    RegistrationLine,
)
from dealreg.services import adjudication as adjudicating
from dealreg.services import files as evidence
from dealreg.services import registrations as regs
from dealreg.services.settings import save_settings
from dealreg.services.state import TransitionRefused, settings_for
from tenancy.choices import Role
from tenancy.models import Membership
from tenancy.requests import TenantAPIRequest

ADMINS = frozenset({Role.REVOPS_ADMIN})
REVIEWERS = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER})
EVERYONE = frozenset(Role.values)


class TransitionConflict(Conflict):
    default_code = "transition_not_allowed"

    def __init__(self, refused: TransitionRefused) -> None:
        super().__init__(refused.detail)
        self.extra_body = {"state": refused.state, "allowed": refused.allowed}


def _member(request: ScopedRequest) -> Membership:
    return cast(TenantAPIRequest, request).membership


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A service call, its refusals as the API's: 409 for the state machine."""
    try:
        return fn(*args, **kwargs)
    except TransitionRefused as refused:
        raise TransitionConflict(refused) from None


class RegistrationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, help_text="One of the tenant's rejection reasons."
    )
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationReturnSerializer(serializers.Serializer):
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(max_length=50), max_length=30, help_text="Fields to complete."
    )
    note = serializers.CharField(max_length=2000)


class RegistrationApproveSerializer(serializers.Serializer):
    discounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0)),
        required=False,
        help_text="Approved discount per product line code; default: as requested when inside "
        "the corridor or approved by pricing, else the corridor's maximum.",
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationCheckLineSerializer(serializers.Serializer):
    product_line = LineCode()
    requested_discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )


class RegistrationCheckSerializer(serializers.Serializer):
    end_customer = InTenant(Account, natural_keys=("external_id",), required=False, allow_null=True)
    end_customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    end_customer_country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    end_customer_website = serializers.CharField(max_length=253, required=False, allow_blank=True)
    estimated_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False
    )
    lines = serializers.ListField(
        child=RegistrationCheckLineSerializer(), min_length=1, max_length=50
    )


CheckResult = inline_serializer(
    "RegistrationCheck",
    {
        "matched_customer": serializers.CharField(allow_null=True),
        "match_message": serializers.CharField(),
        "conflicts": serializers.ListField(child=serializers.DictField()),
        "discounts": serializers.ListField(child=serializers.DictField()),
        "criteria": serializers.ListField(child=serializers.CharField()),
    },
)
TRANSITION_409 = OpenApiResponse(
    description="`transition_not_allowed`: not allowed from the current `state`; `allowed` "
    "lists what is."
)


def _transition_schema(body: Any = None, *, doc: str = "") -> Any:
    return extend_schema(
        request=body,
        responses={200: DealRegistrationSerializer, 409: TRANSITION_409},
        description=doc,
    )


def _transition(
    name: str,
    service: Any,
    *,
    doc: str,
    body: type[serializers.Serializer] | None = None,
    url_path: str | None = None,
    **fixed: Any,
) -> Any:
    """`POST {id}/<action>/`: the registration (404 if not visible), then the body (400), then
    the service with the body's fields and `fixed` ones (409 from the state machine)."""

    def run(self: Any, request: TenantAPIRequest, pk: str | None = None) -> Response:
        registration = self.get_object()
        data = self._body(body) if body is not None else {}
        return self._respond(
            _run(service, registration, acting=request.membership, **fixed, **data)
        )

    run.__name__ = run.__qualname__ = name
    run.__doc__ = doc
    routed = action(
        detail=True, methods=["post"], url_path=url_path or name.replace("_", "-"), url_name=name
    )(run)
    return _transition_schema(body, doc=doc)(routed)


class DealRegistrationViewSet(SyncActionsMixin, TenantModelViewSet):
    """Deal registrations. Partner admins see their partner's, partner reps their own; reps their
    own, their team's and those on their accounts; admins and managers all."""

    model = DealRegistration
    queryset = DealRegistration.objects.none()
    serializer_class = DealRegistrationSerializer
    filterset_class = DealRegistrationFilterSet
    write_roles = EVERYONE
    sync_roles = ADMINS
    field_roles = {
        "route": ADMINS,
        "registrant_partner": ADMINS,
        "registrant_team": ADMINS,
    }
    action_roles = {
        "start_review": REVIEWERS,
        "return_for_info": REVIEWERS,
        "approve": REVIEWERS,
        "reject": REVIEWERS,
        "approve_extension": REVIEWERS,
        "deny_extension": REVIEWERS,
    }
    action_refusals = {
        name: "Registrations are reviewed by RevOps admins and sales managers."
        for name in ("start_review", "return_for_info", "approve", "reject")
    }

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related(
            Prefetch("lines", RegistrationLine.objects.select_related("product_line")),
            Prefetch(
                "clocks",
                RegistrationClock.objects.filter(state=ClockState.RUNNING).order_by("due_at", "pk"),
                to_attr="running_clocks",
            ),
        ).select_related("end_customer")

    def creation_defaults(self, validated: dict) -> dict:
        membership = _member(self.request)
        if membership.role == Role.REVOPS_ADMIN:
            route = validated.get("route") or (
                "partner" if validated.get("registrant_partner") else "direct"
            )
            return {"route": route}
        return regs.registrant_defaults(membership)

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        regs.require_registrant(instance, _member(request))
        fields = request.data.keys() if isinstance(request.data, dict) else []
        try:
            regs.check_editable(instance, fields)
        except TransitionRefused as refused:
            raise TransitionConflict(refused) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return super().update(request, *args, **kwargs)

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        regs.require_registrant(instance, _member(request))
        if instance.state != RegState.DRAFT:
            raise TransitionConflict(
                TransitionRefused(
                    instance,
                    "delete",
                    "Only drafts are deleted; withdraw a filed registration instead.",
                )
            )
        return super().destroy(request, *args, **kwargs)

    def _respond(self, registration: DealRegistration) -> Response:
        fresh = self.get_queryset().filter(pk=registration.pk).first() or registration
        return Response(self.get_serializer(fresh).data)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    # --- transitions ------------------------------------------------------------------------

    submit = _transition(
        "submit",
        regs.submit,
        doc="File the draft: matched customer, conflicts, claims, review clock.",
    )
    start_review = _transition(
        "start_review", regs.start_review, doc="Start reviewing (re-runs the conflict engine)."
    )
    return_for_info = _transition(
        "return_for_info",
        regs.return_for_info,
        body=RegistrationReturnSerializer,
        url_path="return",
        doc="Return for information: only `fields` become editable.",
    )
    resubmit = _transition(
        "resubmit", regs.resubmit, doc="Answer a return: back to review (capped per tenant)."
    )
    approve = _transition(
        "approve",
        regs.approve,
        body=RegistrationApproveSerializer,
        doc="Pass the current approval step; the last approves.",
    )
    reject = _transition(
        "reject",
        regs.reject,
        body=RegistrationRejectSerializer,
        doc="Reject with a reason from the tenant's list.",
    )
    withdraw = _transition(
        "withdraw", regs.withdraw, body=RegistrationReasonSerializer, doc="Withdraw, with a reason."
    )
    request_extension = _transition(
        "request_extension",
        regs.request_extension,
        body=RegistrationReasonSerializer,
        doc="Ask for more protection (up to the criteria's number).",
    )
    approve_extension = _transition(
        "approve_extension",
        regs.decide_extension,
        body=RegistrationNoteSerializer,
        approve=True,
        doc="Approve the waiting extension request.",
    )
    deny_extension = _transition(
        "deny_extension",
        regs.decide_extension,
        body=RegistrationNoteSerializer,
        approve=False,
        doc="Deny the waiting extension request.",
    )

    # --- reading around a registration ---------------------------------------------------------

    @extend_schema(request=None, responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def timeline(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Every transition: who, when, from → to, and why."""
        registration = self.get_object()
        events = RegistrationEvent.objects.filter(registration=registration).order_by("at", "pk")
        return Response(
            EventSerializer(events, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses={200: ConflictSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def conflicts(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """What stands against this registration, as its reader may see it."""
        registration = self.get_object()
        rows = RegistrationConflict.objects.filter(registration=registration).select_related(
            "product_line"
        )
        return Response(
            ConflictSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        methods=["GET"], request=None, responses={200: EvidenceFileSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": inline_serializer(
                "EvidenceUpload", {"file": serializers.FileField()}
            )
        },
        responses={201: EvidenceFileSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def files(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Evidence: list, or upload one file (PDF, images, text, Office documents; 10 MB)."""
        registration = self.get_object()
        if request.method == "POST":
            added = evidence.add_evidence(
                registration, request.FILES.get("file"), acting=request.membership
            )
            return Response(EvidenceFileSerializer(added).data, status=status.HTTP_201_CREATED)
        rows = EvidenceFile.objects.filter(registration=registration)
        return Response(EvidenceFileSerializer(rows, many=True).data)

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]{1,18})")
    def file(self, request: TenantAPIRequest, pk: str | None = None, file_id: str = "") -> Any:
        """Download one evidence file: only through a registration the caller can see."""
        registration = self.get_object()
        row = row_or_404(
            EvidenceFile.objects.filter(registration=registration), int(file_id), "No such file."
        )
        return attachment(row.file, row.filename)

    @extend_schema(request=RegistrationCheckSerializer, responses={200: CheckResult})
    @action(detail=False, methods=["post"])
    def check(self, request: TenantAPIRequest) -> Response:
        """Check before filing: the matched customer, conflicts (naming nobody) and each discount
        against its pricing corridor. Writes nothing."""
        body = self._body(RegistrationCheckSerializer)
        lines: list[tuple[ProductLine, Decimal]] = [
            (line["product_line"], line.get("requested_discount", Decimal(0)))
            for line in body["lines"]
        ]
        return Response(
            regs.check_before_filing(
                request.tenant,
                membership=request.membership,
                account=body.get("end_customer"),
                customer_name=body.get("end_customer_name", ""),
                country=body.get("end_customer_country", ""),
                website=body.get("end_customer_website", ""),
                lines=lines,
                amount=body.get("estimated_amount"),
            )
        )


class RegistrationConflictViewSet(TenantReadOnlyViewSet):
    """Conflicts found by the engine. Registrants read the kind, the line and the reason; the
    manufacturer also reads the other party and the internal reason."""

    model = RegistrationConflict
    queryset = RegistrationConflict.objects.none()
    serializer_class = ConflictSerializer
    filterset_class = RegistrationConflictFilterSet

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("product_line")


class AdjudicationViewSet(TenantReadOnlyViewSet, mixins.CreateModelMixin):
    """Adjudications: precedent for everyone involved (`?q=` searches the reasons); RevOps admins
    decide conflicts by creating one."""

    model = Adjudication
    queryset = Adjudication.objects.none()
    serializer_class = AdjudicationSerializer
    filterset_class = AdjudicationFilterSet
    write_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("product_line").prefetch_related(
            Prefetch("parties", AdjudicationParty.objects.order_by("-share", "id"))
        )

    def save_new(self, serializer: Any, *, tenant: Any) -> None:
        data = serializer.validated_data
        registrations = list(data["registrations"])
        by_pk = {r.pk: r for r in registrations}
        winner = data.get("winner")
        if winner is not None and winner not in by_pk:
            raise exceptions.ValidationError({"winner": ["Name one of the registrations."]})
        serializer.instance = adjudicating.adjudicate(
            registrations,
            decision=data["decision"],
            reason=data.get("reason", ""),
            winner=by_pk.get(winner) if winner is not None else None,
            split=data.get("split"),
            acting=_member(self.request),
        )


class DealRegSettingsView(TenantAPIView):
    """The tenant's deal-registration settings: rejection reasons, split options, approval
    steps, review hours, idle window, resubmission cap, reminders. Everyone reads them (they
    govern everyone's registrations); RevOps admins change them."""

    write_roles = ADMINS

    @extend_schema(responses=DealRegSettingsSerializer, operation_id="dealreg_settings_retrieve")
    def get(self, request: TenantAPIRequest) -> Response:
        return Response(DealRegSettingsSerializer(settings_for(request.tenant)).data)

    @extend_schema(
        request=DealRegSettingsSerializer,
        responses=DealRegSettingsSerializer,
        operation_id="dealreg_settings_partial_update",
    )
    def patch(self, request: TenantAPIRequest) -> Response:
        body = DealRegSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            row = save_settings(
                request.tenant, dict(body.validated_data), acting=request.membership
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return Response(DealRegSettingsSerializer(row).data)
