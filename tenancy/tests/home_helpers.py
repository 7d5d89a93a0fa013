"""Reading a home page as its user sees it (no tests here): the queue items in their order, the
figures, and the lines under "Since your last visit"."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["Work", "changes_on", "figures_on", "home_page", "queue_on"]

ITEM = re.compile(
    r'<li class="work(?P<urgent> work-urgent)?">\s*<a href="(?P<url>[^"]*)" data-testid="queue-item">'
    r'\s*<span class="work-count">(?P<count>\d+)</span>'
    r'\s*<span class="work-text"><span class="work-label">(?P<label>[^<]*)</span>'
    r'(?:<span class="work-hint">(?P<hint>[^<]*)</span>)?'
)
FIGURE = re.compile(
    r'<span class="figure-label">(?P<label>[^<]*)</span>\s*'
    r'<span class="figure-value">(?P<value>[^<]*)</span>'
    r'(?:\s*<span class="figure-hint">(?P<hint>[^<]*)</span>)?'
)
CHANGE = re.compile(r"<li><time [^>]*>[^<]*</time> (?:<a href=\"[^\"]*\">)?(?P<text>[^<]*)")


@dataclass(frozen=True)
class Work:
    label: str
    count: int
    url: str
    urgent: bool
    hint: str


def home_page(client, door: str, tenant: str = "alpha") -> str:
    response = client.get(f"/{door}/{tenant}/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def queue_on(page: str) -> list[Work]:
    return [
        Work(
            html.unescape(m["label"]),
            int(m["count"]),
            html.unescape(m["url"]),
            bool(m["urgent"]),
            html.unescape(m["hint"] or ""),
        )
        for m in ITEM.finditer(page)
    ]


def figures_on(page: str) -> dict[str, tuple[str, str]]:
    return {
        html.unescape(m["label"]): (html.unescape(m["value"]), html.unescape(m["hint"] or ""))
        for m in FIGURE.finditer(page)
    }


def changes_on(page: str) -> list[str]:
    section = page.split('id="home-changes-title"', 1)[1]
    return [html.unescape(m["text"]).strip() for m in CHANGE.finditer(section)]
