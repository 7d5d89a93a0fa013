"""Fiscal quarters as pages and the API name them, and reading one somebody typed."""

from __future__ import annotations

import datetime as dt

import pytest

from tenancy.models import Tenant
from tenancy.quarters import Quarter, parse_quarter


def tenant(start_month: int) -> Tenant:
    return Tenant(slug="t", name="T", fiscal_year_start_month=start_month)


@pytest.mark.parametrize(
    ("start_month", "day", "code", "label", "first", "last"),
    [
        (
            1,
            dt.date(2026, 11, 20),
            "2026-Q4",
            "2026 Q4 · Oct–Dec 2026",
            (2026, 10, 1),
            (2026, 12, 31),
        ),
        (1, dt.date(2026, 1, 1), "2026-Q1", "2026 Q1 · Jan–Mar 2026", (2026, 1, 1), (2026, 3, 31)),
        # A year from July: named by the year it ends in.
        (
            7,
            dt.date(2026, 8, 15),
            "FY2027-Q1",
            "FY2027 Q1 · Jul–Sep 2026",
            (2026, 7, 1),
            (2026, 9, 30),
        ),
        (
            7,
            dt.date(2027, 6, 30),
            "FY2027-Q4",
            "FY2027 Q4 · Apr–Jun 2027",
            (2027, 4, 1),
            (2027, 6, 30),
        ),
        # A year from February: a quarter across the new year.
        (
            2,
            dt.date(2027, 1, 10),
            "FY2027-Q4",
            "FY2027 Q4 · Nov 2026–Jan 2027",
            (2026, 11, 1),
            (2027, 1, 31),
        ),
    ],
)
def test_a_day_falls_in_a_quarter_named_by_its_fiscal_year(
    start_month, day, code, label, first, last
):
    quarter = Quarter.of(tenant(start_month), day)
    assert (quarter.code, quarter.label) == (code, label)
    assert quarter.start == dt.date(*first) and quarter.last_day == dt.date(*last)
    # The code reads back as the same quarter, however it is typed.
    for typed in (code, code.lower(), code.replace("-", " "), code.replace("-", "")):
        assert parse_quarter(tenant(start_month), typed) == quarter


def test_quarters_step_back_across_years():
    quarter = Quarter.of(tenant(7), dt.date(2026, 8, 1))
    assert quarter.previous.code == "FY2026-Q4"
    assert quarter.shifted(-4).code == "FY2026-Q1"
    assert quarter.shifted(1).code == "FY2027-Q2"


@pytest.mark.parametrize("typed", ["", "Q4", "2026-Q5", "last quarter", "20261-Q1", "0001-Q1"])
def test_what_is_not_a_quarter_is_refused_with_an_example(typed):
    with pytest.raises(ValueError, match="is not a quarter: write it like"):
        parse_quarter(tenant(1), typed)
