"""Deal registration with conflict detection, approval and protection periods."""

from django.apps import AppConfig


class DealregConfig(AppConfig):
    name = "dealreg"
    verbose_name = "Deal registration"
