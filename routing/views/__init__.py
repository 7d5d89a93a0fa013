"""The lead-ops pages of the three front doors, one module per area; each module's `register()`
adds its pages to the doors' navigation."""

from __future__ import annotations

import importlib

MODULES = ("inbox", "console", "submit", "notifications", "duplicates", "leadops")


def register_all_pages() -> None:
    for name in MODULES:
        importlib.import_module(f"routing.views.{name}").register()
