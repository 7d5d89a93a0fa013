"""Demo data is contributed by each app: an app with a `demo` module exposing `seed()` (and
optionally `logins()`) takes part in `manage.py seed_demo`, lower layers first. This keeps core
free of imports from the apps above it."""

from __future__ import annotations

import importlib
from types import ModuleType

from django.apps import apps

__all__ = ["demo_logins", "demo_modules"]


def demo_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return modules


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(role, tenant, email, password) for every demo login."""
    rows: list[tuple[str, str, str, str]] = []
    for module in demo_modules():
        rows.extend(getattr(module, "logins", list)())
    return rows
