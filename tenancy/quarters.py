"""The tenant's fiscal quarters: which one holds a day, how pages and the API name them, and
reading a quarter someone typed.

A fiscal year is named by the calendar year it ends in ("FY2027" runs July 2026 to June 2027
for a tenant whose year starts in July); a tenant on the calendar year names its quarters by
the year alone ("2026-Q4"). `Quarter.code` is what URLs and the API take; `Quarter.label`
adds the months ("FY2027 Q1 · Jul to Sep 2026").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tenancy.models import Tenant

__all__ = ["Quarter", "fiscal_quarter", "months_later", "parse_quarter", "quarter_label"]

_CODE = re.compile(r"^\s*(FY)?\s*(\d{4})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)


def months_later(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_quarter(tenant: Tenant, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the tenant's fiscal quarter holding `today`, and of the next one."""
    start = months_later(today, -((today.month - tenant.fiscal_year_start_month) % 3))
    return start, months_later(start, 3)


def quarter_label(start: dt.date) -> str:
    """The quarter's months and year joined by an en dash, with the year once or, across a
    new year, twice (as pages have always named quarters)."""
    last = months_later(start, 2)
    if last.year == start.year:
        return f"{start:%b}–{last:%b %Y}"
    return f"{start:%b %Y}–{last:%b %Y}"


@dataclass(frozen=True)
class Quarter:
    """One fiscal quarter of a tenant: `start` included, `following` (the next one's start)
    excluded."""

    start: dt.date
    following: dt.date
    fiscal_year_start_month: int

    @classmethod
    def of(cls, tenant: Tenant, day: dt.date) -> Quarter:
        start, following = fiscal_quarter(tenant, day)
        return cls(start, following, tenant.fiscal_year_start_month)

    @property
    def number(self) -> int:
        return (self.start.month - self.fiscal_year_start_month) % 12 // 3 + 1

    @property
    def fiscal_year(self) -> int:
        """The calendar year the fiscal year ends in."""
        first_month = months_later(self.start, -3 * (self.number - 1))
        return first_month.year + (1 if self.fiscal_year_start_month > 1 else 0)

    @property
    def code(self) -> str:
        prefix = "FY" if self.fiscal_year_start_month > 1 else ""
        return f"{prefix}{self.fiscal_year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.code.replace('-', ' ')} · {quarter_label(self.start)}"

    @property
    def last_day(self) -> dt.date:
        return self.following - dt.timedelta(days=1)

    def moments(self, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """The quarter as moments in `zone` (the tenant's): from its first day's midnight to the
        next quarter's, the end excluded."""
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=zone),
            dt.datetime.combine(self.following, dt.time(), tzinfo=zone),
        )

    def shifted(self, quarters: int) -> Quarter:
        start = months_later(self.start, 3 * quarters)
        return Quarter(start, months_later(start, 3), self.fiscal_year_start_month)

    @property
    def previous(self) -> Quarter:
        return self.shifted(-1)


def parse_quarter(tenant: Tenant, text: str) -> Quarter:
    """The quarter `text` names ("FY2027-Q1", "2026-Q4", "2026 q4"); ValueError with what is
    wrong and an example otherwise."""
    found = _CODE.match(text or "")
    example = Quarter.of(tenant, dt.date.today()).code
    if not found:
        raise ValueError(f"“{text}” is not a quarter: write it like {example}.")
    fiscal_year, number = int(found.group(2)), int(found.group(3))
    month = tenant.fiscal_year_start_month
    first_year = fiscal_year - (1 if month > 1 else 0)
    if not 1900 < first_year < 9000:
        raise ValueError(f"“{text}” is not a quarter: write it like {example}.")
    start = months_later(dt.date(first_year, month, 1), 3 * (number - 1))
    return Quarter(start, months_later(start, 3), month)
