"""Accounts' API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from accounts.api.views import (
    AccountViewSet,
    ContactViewSet,
    ProductLineViewSet,
    ProductViewSet,
    SegmentViewSet,
    TargetListViewSet,
    TierViewSet,
)
from core.api.routes import Resource

resources = [
    Resource("tiers", TierViewSet, "tier"),
    Resource("segments", SegmentViewSet, "segment"),
    Resource("product-lines", ProductLineViewSet, "productline"),
    Resource("products", ProductViewSet, "product"),
    Resource("accounts", AccountViewSet, "account"),
    Resource("contacts", ContactViewSet, "contact"),
    Resource("target-lists", TargetListViewSet, "targetlist"),
]
