"""Where an app declares its API endpoints: `<app>/api/urls.py`, and nowhere else.

Each such module has `resources`, a list of `Resource(prefix, viewset, basename)` for its
viewsets, and optionally `urlpatterns` for plain API views (`path("explain/", ...)`). The one
router (config/api_router.py) collects them from every installed app in `INSTALLED_APPS` order,
so a new app publishes its API by adding that module, without editing the router or another app.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.urls import URLPattern
from django.utils.module_loading import module_has_submodule

__all__ = ["Resource", "api_url_modules", "collect"]


@dataclass(frozen=True)
class Resource:
    prefix: str  # below /api/v1/, e.g. "leads"
    viewset: Any
    basename: str  # URL names are "<basename>-list", "<basename>-detail", ...


def api_url_modules() -> Iterator[ModuleType]:
    """Each installed app's `api.urls` module, lower layers first."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "api"):
            api = import_module(f"{config.name}.api")
            if module_has_submodule(api, "urls"):
                yield import_module(f"{config.name}.api.urls")


def collect() -> tuple[list[Resource], list[URLPattern]]:
    resources: list[Resource] = []
    patterns: list[URLPattern] = []
    for module in api_url_modules():
        resources.extend(getattr(module, "resources", []))
        patterns.extend(getattr(module, "urlpatterns", []))
    return resources, patterns
