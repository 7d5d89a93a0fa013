"""Market development funds: budgets, fund requests, claims, ROI."""

from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = "MDF"

    def ready(self) -> None:
        # Accruals on won revenue; the sweep; the scorecard's MDF rows.
        from core.webhooks.registry import register_resource
        from mdf import metrics, signals, tasks  # noqa: F401
        from mdf.api.serializers import (
            FundClaimSerializer,
            FundRequestSerializer,
            LedgerEntrySerializer,
        )
        from mdf.models import FundClaim, FundRequest, LedgerEntry

        # Outbound webhook events, rendered as the API shows them. Every transition saves its
        # request or claim (fund_request.updated, fund_claim.updated: decisions, payments); every
        # movement of money is a new ledger entry (mdf_ledger_entry.created).
        register_resource(
            FundRequest, "fund_request", FundRequestSerializer, prefetch_related=("claims",)
        )
        register_resource(FundClaim, "fund_claim", FundClaimSerializer)
        register_resource(LedgerEntry, "mdf_ledger_entry", LedgerEntrySerializer)
