"""The manufacturer's customer accounts, contacts, product catalog and target lists."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Customer accounts"
