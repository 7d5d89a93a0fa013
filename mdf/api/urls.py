"""MDF's API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from core.api.routes import Resource
from mdf.api.views import (
    AllocationViewSet,
    FundBalanceViewSet,
    FundClaimViewSet,
    FundRequestViewSet,
    LedgerEntryViewSet,
    MdfBudgetViewSet,
)

resources = [
    Resource("mdf-budgets", MdfBudgetViewSet, "mdfbudget"),
    Resource("mdf-allocations", AllocationViewSet, "mdfallocation"),
    Resource("fund-requests", FundRequestViewSet, "fundrequest"),
    Resource("fund-claims", FundClaimViewSet, "fundclaim"),
    Resource("mdf-ledger", LedgerEntryViewSet, "mdfledgerentry"),
    Resource("mdf-balances", FundBalanceViewSet, "mdfbalance"),
]
