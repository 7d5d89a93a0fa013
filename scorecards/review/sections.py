"""The sections of a governance review, each built from the quarter's live data into one
JSON-ready dict (docs/governance.md gives every section's shape and how its figures are counted).

`SECTIONS` is the ordered list `workspace.run_preparation` runs; a section's `build(period,
progress)` reads through the tenant scope the preparation job runs in and reports its progress
with `progress.part(done, of)` when it is long."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scorecards.review.period import Period, Progress

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[Period, Progress], dict[str, Any]]


SECTIONS: list[Section] = []
