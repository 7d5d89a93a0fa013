"""Sections of a detail page that higher apps contribute, so a lower app's page shows their blocks
without importing them (the partner page shows guardrails' authorizations, the contact page the
leads of routing's inbox, the opportunity page what a higher app adds).

A page owns one `Sections` registry; a higher app registers a `Section` from its `pages.py` (run
once at start-up, like `register_pages`), and the page's view renders every section, in `order`,
below its own facts. A section is a function `(request, row) -> HTML` called inside the view, so
it runs in the request's tenant scope and starts its own queries from `visible_to(request.membership)`.
`accounts.views.register_account_section` is the account page's registry of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from tenancy.requests import DoorRequest

__all__ = ["Figure", "Section", "Sections", "render_figures", "render_section"]

T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    """A block of a detail page: `render(request, row)` returns its HTML, or "" to show nothing."""

    key: str
    render: Callable[[DoorRequest, T], str]
    order: int = 100


class Sections(Generic[T]):
    """The registered sections of one detail page (`page` names it in error messages)."""

    def __init__(self, page: str) -> None:
        self.page = page
        self._sections: dict[str, Section[T]] = {}

    def register(self, section: Section[T]) -> None:
        if section.key in self._sections:
            raise ValueError(f"{self.page} section {section.key!r} is registered twice")
        self._sections[section.key] = section

    def ordered(self) -> list[Section[T]]:
        return sorted(self._sections.values(), key=lambda s: (s.order, s.key))

    def render(self, request: DoorRequest, row: T) -> list[SafeString]:
        """Every section's HTML for `row`, in order, leaving out the empty ones."""
        rendered = (section.render(request, row) for section in self.ordered())
        return [SafeString(html) for html in rendered if html]


def render_section(request: DoorRequest, template: str, context: dict[str, Any]) -> str:
    """Render a section's template without re-running the context processors: what the templates
    need from the page (door, tenant, query string) is passed in explicitly."""
    base = {"door": request.door, "active_tenant": request.tenant, "query": request.GET}
    return render_to_string(template, {**base, **context})


@dataclass(frozen=True)
class Figure:
    """One line of a figures section: a label, its value, and where to see the rows behind it."""

    label: str
    value: str
    url: str = ""


def render_figures(request: DoorRequest, key: str, title: str, figures: list[Figure]) -> str:
    """A small section of counts (what a partner or team owns), each linking to its list."""
    context = {"key": key, "title": title, "figures": figures}
    return render_section(request, "tenancy/_figures_section.html", context)
