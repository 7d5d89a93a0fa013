"""The manufacturer's customer accounts, contacts, product catalog and target lists."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Customer accounts"

    def ready(self) -> None:
        from accounts.api.serializers import (
            AccountSerializer,
            ContactSerializer,
            ProductLineSerializer,
            ProductSerializer,
            TargetListSerializer,
        )
        from accounts.models import Account, Contact, Product, ProductLine, TargetList
        from core.webhooks.registry import register_resource

        # Outbound webhook events (<name>.created|updated|deleted), rendered as the API shows them.
        register_resource(
            Account,
            "account",
            AccountSerializer,
            select_related=("segment", "tier"),
            prefetch_related=("domains", "product_lines"),
        )
        register_resource(Contact, "contact", ContactSerializer)
        register_resource(ProductLine, "product_line", ProductLineSerializer)
        register_resource(Product, "product", ProductSerializer)
        register_resource(
            TargetList, "target_list", TargetListSerializer, prefetch_related=("members",)
        )

        # What can be imported from CSV (core/imports.py).
        from accounts.imports import ACCOUNT_IMPORT, CONTACT_IMPORT
        from core.imports import register_import

        register_import(ACCOUNT_IMPORT)
        register_import(CONTACT_IMPORT)
