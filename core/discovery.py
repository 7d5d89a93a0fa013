"""Finding what each app declares in its fixed places (`<app>/demo.py`, `<app>/urls.py`,
`<app>/api/urls.py`, ...), so lower layers reach higher apps without importing them by name."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings

__all__ = ["app_modules"]


def app_modules(dotted: str) -> list[ModuleType]:
    """Each of our apps' `<app>.<dotted>` module (settings.PROJECT_APPS, lower layers first; never
    a third-party app's, so django.contrib.auth's `urls` is not mounted by accident). An app
    without one is skipped; an error inside one is raised."""
    modules = []
    for app in settings.PROJECT_APPS:
        name = f"{app}.{dotted}"
        try:
            modules.append(import_module(name))
        except ModuleNotFoundError as exc:
            # Only the module (or its package) being absent means "the app has none".
            if exc.name is None or not name.startswith(exc.name):
                raise
    return modules
