"""Where an app declares its API endpoints: `<app>/api/urls.py`, and nowhere else.

Each such module has `resources`, a list of `Resource(prefix, viewset, basename)` for its
viewsets, and optionally `urlpatterns` for plain API views (`path("explain/", ...)`). The one
router (config/api_router.py) collects them from every app in `settings.PROJECT_APPS` order,
so a new app publishes its API by adding that module, without editing the router or another app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern

from core.discovery import app_modules

__all__ = ["Resource", "collect"]


@dataclass(frozen=True)
class Resource:
    prefix: str  # below /api/v1/, e.g. "leads"
    viewset: Any
    basename: str  # URL names are "<basename>-list", "<basename>-detail", ...


def collect() -> tuple[list[Resource], list[URLPattern]]:
    resources: list[Resource] = []
    patterns: list[URLPattern] = []
    for module in app_modules("api.urls"):
        resources.extend(getattr(module, "resources", []))
        patterns.extend(getattr(module, "urlpatterns", []))
    return resources, patterns
