"""The sections of a governance review, each built from the quarter's live data into one
JSON-ready dict (docs/governance.md gives every section's shape and how its figures are counted).

`SECTIONS` is the ordered list `workspace.run_preparation` runs; a section's `build(period,
progress)` reads through the tenant scope the preparation job runs in and reports its progress
with `progress.part(done, of)` when it is long. The sections live in modules by concern
(`sections_people`: headline and parties; `sections_overlap`: overlap and conflicts;
`sections_sla`; `sections_rules`: rules and MDF; `sections_targets`), over `sections_common`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scorecards.review.period import Period, Progress
from scorecards.review.sections_overlap import build_conflicts, build_overlap
from scorecards.review.sections_people import build_headline, build_parties
from scorecards.review.sections_rules import build_mdf, build_rules
from scorecards.review.sections_sla import build_sla
from scorecards.review.sections_targets import build_target_lists

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[Period, Progress], dict[str, Any]]


SECTIONS: list[Section] = [
    Section("headline", "Headline figures", build_headline),
    Section("parties", "Partners and direct teams", build_parties),
    Section("overlap", "Overlap", build_overlap),
    Section("conflicts", "Registration conflicts", build_conflicts),
    Section("sla", "SLA clocks", build_sla),
    Section("rules", "Rules and exceptions", build_rules),
    Section("target_lists", "Target list refresh", build_target_lists),
    Section("mdf", "Market development funds", build_mdf),
]
