"""MDF's API: budgets and allocations (RevOps admins), fund requests and claims (partner admins
file for their partner, RevOps admins for any and decide), proof files, and the ledger and
balances (read only).

Who sees what is the models' `visible_to`: RevOps admins everything; a partner's users only their
own partner's rows (another partner's are 404, as if they did not exist); direct sales the
requests and claims of partners in their territory when the tenant allows it, and no money
(budgets, allocations, ledger, balances and proof files are refused to them).

Every write calls its service with `acting=` the caller's membership. A transition the state does
not allow is 409 `transition_not_allowed` with `state` and the `allowed` actions; invalid input
is 400 naming each field; a role that may not act is 403 with the service's reason."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.errors import Conflict
from core.api.sync import SyncFeedMixin
from core.api.views import TenantReadOnlyViewSet
from core.downloads import attachment
from core.views import row_or_404
from mdf.api.bulk import ServiceBulkMixin
from mdf.api.serializers import (
    AllocationSerializer,
    ClaimApproveSerializer,
    FundBalanceSerializer,
    FundClaimSerializer,
    FundRequestSerializer,
    LedgerEntrySerializer,
    MdfBudgetSerializer,
    PaySerializer,
    ProofFileSerializer,
    ProofUploadSerializer,
    ReasonSerializer,
    RequestApproveSerializer,
)
from mdf.filters import (
    AllocationFilterSet,
    BudgetFilterSet,
    FundBalanceFilterSet,
    FundClaimFilterSet,
    FundRequestFilterSet,
    LedgerEntryFilterSet,
)
from mdf.models import (
    Allocation,
    FundBalance,
    FundClaim,
    FundRequest,
    LedgerEntry,
    MdfBudget,
    ProofFile,
)
from mdf.services import claims, requests
from mdf.services.state import TransitionRefused
from tenancy.choices import Role
from tenancy.requests import TenantAPIRequest

__all__ = [
    "AllocationViewSet",
    "FundBalanceViewSet",
    "FundClaimViewSet",
    "FundRequestViewSet",
    "LedgerEntryViewSet",
    "MdfBudgetViewSet",
]

ADMINS = frozenset({Role.REVOPS_ADMIN})
# Who may read funds: RevOps and the partner's own users (direct sales read activity only).
FUND_READERS = frozenset({Role.REVOPS_ADMIN, Role.PARTNER_ADMIN, Role.PARTNER_REP})
# Who may ask to file: the services admit the partner's admins and RevOps admins, and tell
# partner reps why not.
FILERS = FUND_READERS
DECISIONS = "Requests and claims are decided and paid by RevOps admins."
TRANSITION_409 = OpenApiResponse(
    description="`transition_not_allowed`: not allowed from the current `state`; `allowed` "
    "lists what is."
)
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class TransitionConflict(Conflict):
    default_code = "transition_not_allowed"

    def __init__(self, refused: TransitionRefused) -> None:
        super().__init__(refused.detail)
        self.extra_body = {"state": refused.state, "allowed": refused.allowed}


def _transition(
    name: str,
    service: Any,
    *,
    doc: str,
    response: type[serializers.Serializer],
    body: type[serializers.Serializer] | None = None,
    url_path: str | None = None,
    rename: dict[str, str] | None = None,
) -> Any:
    """`POST {id}/<action>/`: the row (404 if not visible), then the body (400), then the
    service (403 for a role that may not, 409 from the state machine, 400 for its refusals)."""

    def run(self: Any, request: TenantAPIRequest, pk: str | None = None) -> Response:
        row = self.get_object()
        data: dict[str, Any] = {}
        if body is not None:
            checked = body(data=request.data, context=self.get_serializer_context())
            checked.is_valid(raise_exception=True)
            data = {(rename or {}).get(k, k): v for k, v in checked.validated_data.items()}
        try:
            service(row, acting=request.membership, **data)
        except TransitionRefused as refused:
            raise TransitionConflict(refused) from None
        fresh = self.get_queryset().filter(pk=row.pk).first() or row
        return Response(self.get_serializer(fresh).data)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = doc
    routed = action(
        detail=True, methods=["post"], url_path=url_path or name, url_name=url_path or name
    )(run)
    return extend_schema(
        request=body, responses={200: response, 409: TRANSITION_409}, description=doc
    )(routed)


# --- budgets, allocations, the ledger and the balances ------------------------------------------


class MdfBudgetViewSet(
    ServiceBulkMixin,
    SyncFeedMixin,
    TenantReadOnlyViewSet,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Quarterly MDF budgets: RevOps admins only (partners never see budgets). Written through
    `set_budget`: never below what the budget has already allocated."""

    model = MdfBudget
    queryset = MdfBudget.objects.none()
    serializer_class = MdfBudgetSerializer
    filterset_class = BudgetFilterSet
    read_roles = ADMINS
    write_roles = ADMINS
    sync_roles = ADMINS


class AllocationViewSet(
    ServiceBulkMixin,
    SyncFeedMixin,
    TenantReadOnlyViewSet,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Partners' shares of a budget, fixed (`allocate`) or an accrual on won revenue
    (`set_accrual`). RevOps admins write; a partner's users read their own partner's."""

    model = Allocation
    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet
    read_roles = FUND_READERS
    write_roles = ADMINS
    sync_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("budget")


class LedgerEntryViewSet(SyncFeedMixin, TenantReadOnlyViewSet):
    """Every movement of funds, append-only: RevOps admins all partners', a partner's users
    their own. The sync feed lets a finance system mirror it."""

    model = LedgerEntry
    queryset = LedgerEntry.objects.none()
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilterSet
    read_roles = FUND_READERS
    sync_roles = ADMINS


class FundBalanceViewSet(TenantReadOnlyViewSet):
    """Each partner's funds per quarter by bucket, and what is available now."""

    model = FundBalance
    queryset = FundBalance.objects.none()
    serializer_class = FundBalanceSerializer
    filterset_class = FundBalanceFilterSet
    read_roles = FUND_READERS


# --- fund requests and claims -------------------------------------------------------------------


class FundRequestViewSet(
    ServiceBulkMixin,
    SyncFeedMixin,
    TenantReadOnlyViewSet,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Fund requests: drafts are created and changed by the partner's admins (or RevOps admins
    for any partner), then submitted, decided by RevOps admins, or withdrawn. A request is never
    deleted: withdraw it (its timeline stays)."""

    model = FundRequest
    queryset = FundRequest.objects.none()
    serializer_class = FundRequestSerializer
    filterset_class = FundRequestFilterSet
    write_roles = FILERS
    sync_roles = ADMINS
    # No field roles: `partner` resolves among the partners the caller sees, so a partner user
    # can only name its own (and need not: it is the default).
    action_roles = {"approve": ADMINS, "reject": ADMINS, "return_request": ADMINS}
    action_refusals = {"approve": DECISIONS, "reject": DECISIONS, "return_request": DECISIONS}

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("claims")

    def creation_defaults(self, validated: dict[str, Any]) -> dict[str, Any]:
        membership = cast(TenantAPIRequest, self.request).membership
        if membership.is_partner_user and "partner" not in validated:
            return {"partner": membership.partner}
        return {}

    submit = _transition(
        "submit",
        requests.submit_request,
        response=FundRequestSerializer,
        doc="Submit (or resubmit after a return); refused when more is asked than is available.",
    )
    approve = _transition(
        "approve",
        requests.approve_request,
        response=FundRequestSerializer,
        body=RequestApproveSerializer,
        doc="Approve in full, or in part with `amount` and a `reason`: commits the funds.",
    )
    reject = _transition(
        "reject",
        requests.reject_request,
        response=FundRequestSerializer,
        body=ReasonSerializer,
        doc="Reject, with a `reason` the partner sees.",
    )
    return_request = _transition(
        "return_request",
        requests.return_request,
        response=FundRequestSerializer,
        body=ReasonSerializer,
        url_path="return",
        doc="Return for information, with a `reason`: the partner changes and resubmits.",
    )
    withdraw = _transition(
        "withdraw",
        requests.withdraw_request,
        response=FundRequestSerializer,
        body=ReasonSerializer,
        doc="Withdraw (the partner); an approved request releases its funds.",
    )


class FundClaimViewSet(
    ServiceBulkMixin,
    SyncFeedMixin,
    TenantReadOnlyViewSet,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Claims against approved requests, with proof of performance; decided and paid by RevOps
    admins."""

    model = FundClaim
    queryset = FundClaim.objects.none()
    serializer_class = FundClaimSerializer
    filterset_class = FundClaimFilterSet
    write_roles = FILERS
    sync_roles = ADMINS
    action_roles = {
        "approve": ADMINS,
        "reject": ADMINS,
        "return_claim": ADMINS,
        "pay": ADMINS,
    }
    action_refusals = {name: DECISIONS for name in action_roles}

    submit = _transition(
        "submit",
        claims.submit_claim,
        response=FundClaimSerializer,
        doc="Submit (or resubmit after a return): needs the proof the activity type requires.",
    )
    approve = _transition(
        "approve",
        claims.approve_claim,
        response=FundClaimSerializer,
        body=ClaimApproveSerializer,
        doc="Approve in full, or in part with `amount` and a `reason`.",
    )
    reject = _transition(
        "reject",
        claims.reject_claim,
        response=FundClaimSerializer,
        body=ReasonSerializer,
        doc="Reject, with a `reason`: the request's funds go back to the partner.",
    )
    return_claim = _transition(
        "return_claim",
        claims.return_claim,
        response=FundClaimSerializer,
        body=ReasonSerializer,
        url_path="return",
        doc="Return for information, with a `reason` saying what is missing.",
    )
    pay = _transition(
        "pay",
        claims.pay_claim,
        response=FundClaimSerializer,
        body=PaySerializer,
        doc="Record the payment of an approved claim (`reference`, `paid_on`), once.",
    )

    # --- proof files ---------------------------------------------------------------------------

    def _proofs(self, request: TenantAPIRequest, claim: FundClaim) -> QuerySet:
        return ProofFile.objects.visible_to(request.membership).filter(claim=claim)

    @extend_schema(methods=["GET"], request=None, responses={200: ProofFileSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": ProofUploadSerializer},
        responses={201: ProofFileSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def proofs(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The claim's proof files (none for direct sales), or upload one (`proof_type`, `file`:
        PDF, PNG, JPEG, CSV or Excel as the proof type accepts; 15 MB) to a draft or returned
        claim."""
        claim = self.get_object()
        if request.method == "POST":
            body = ProofUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            added = claims.add_proof(
                claim, data["proof_type"], data["file"], acting=request.membership
            )
            return Response(ProofFileSerializer(added).data, status=status.HTTP_201_CREATED)
        rows = self._proofs(request, claim).order_by("created_at", "pk")
        return Response(ProofFileSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=BINARY)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"proofs/(?P<proof_id>[0-9]{1,18})",
        url_name="proof",
    )
    def proof(self, request: TenantAPIRequest, pk: str | None = None, proof_id: str = "") -> Any:
        """Download one proof file (the partner's users and RevOps admins), or remove it from a
        draft or returned claim."""
        claim = self.get_object()
        row = row_or_404(self._proofs(request, claim), int(proof_id), "No such proof file.")
        if request.method == "DELETE":
            claims.remove_proof(row, acting=request.membership)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return attachment(row.file, row.filename)
