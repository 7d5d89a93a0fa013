"""What a review section is built for (`Period`) and how it reports its progress (`Progress`)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from scorecards.models import GovernanceReview
from tenancy.acting import Acting
from tenancy.models import Tenant
from tenancy.quarters import Quarter

__all__ = ["PROGRESS_EVERY", "Period", "Progress", "quarter_of"]

# The progress bar is written at most this often (seconds), not on every tick.
PROGRESS_EVERY = 1.0


def quarter_of(review: GovernanceReview) -> Quarter:
    return Quarter.of(review.tenant, review.quarter_start)


@dataclass(frozen=True)
class Period:
    """What a section is built for: the tenant, the quarter, and the quarter as moments in the
    tenant's zone (`start` included, `end` excluded)."""

    tenant: Tenant
    quarter: Quarter
    start: dt.datetime
    end: dt.datetime
    acting: Acting

    @classmethod
    def of(cls, review: GovernanceReview, acting: Acting) -> Period:
        quarter = quarter_of(review)
        start, end = quarter.moments(review.tenant.zone)
        return cls(review.tenant, quarter, start, end, acting)


@dataclass
class Progress:
    """The job's progress: each section is 100 units; a long section reports its share of them
    (`part(done, of)`), and the row is written at most once a second."""

    review_id: int
    sections: int
    index: int = 0
    _written: float = field(default=0.0)

    def begin(self, index: int, title: str) -> None:
        self.index = index
        self._write(index * 100, title, force=True)

    def part(self, done: int, of: int) -> None:
        share = min(100, done * 100 // of) if of else 100
        self._write(self.index * 100 + share)

    def _write(self, done: int, step: str | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        fields: dict[str, Any] = {"job_done": done, "job_total": self.sections * 100}
        if step is not None:
            fields["job_step"] = step[:200]
        GovernanceReview.objects.filter(pk=self.review_id).update(**fields)
