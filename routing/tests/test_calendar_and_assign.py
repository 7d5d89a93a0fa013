"""Business time and the weighted round robin."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from routing.assign import Candidate, smooth_pick
from routing.calendar import WorkingTime, add_business_minutes, business_minutes_between

BERLIN = WorkingTime(timezone="Europe/Berlin", holidays=frozenset({dt.date(2026, 12, 25)}))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_business_minutes_skip_nights_weekends_and_holidays():
    # Thursday 24 Dec 2026, 16:30 in Berlin (15:30 UTC): 90 minutes left that day.
    start = utc(2026, 12, 24, 15, 30)
    # 2 business hours: 90 min on Thursday, Friday 25th is a holiday, weekend, so Monday 08:30.
    due = add_business_minutes(BERLIN, start, 120)
    assert due == utc(2026, 12, 28, 7, 30)
    assert business_minutes_between(BERLIN, start, due) == pytest.approx(120)


def test_a_lead_arriving_at_night_starts_its_clock_in_the_morning():
    start = utc(2026, 11, 26, 22, 0)  # Thursday 23:00 in Berlin
    assert add_business_minutes(BERLIN, start, 60) == utc(2026, 11, 27, 8, 0)  # Fri 09:00


def test_daylight_saving_is_respected():
    # Friday 27 March 2026 17:00 CET; the clocks go forward on Sunday; Monday 08:00 is CEST.
    start = utc(2026, 3, 27, 16, 0)
    assert add_business_minutes(BERLIN, start, 120) == utc(2026, 3, 30, 7, 0)


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValueError):
        add_business_minutes(WorkingTime(working_days=frozenset()), utc(2026, 1, 1), 10)


def test_smooth_weighted_round_robin_follows_weights_without_bursts():
    members = [Candidate("a", 1, 3), Candidate("b", 2, 1), Candidate("c", 3, 1)]
    credits: dict = {}
    picks = []
    for _ in range(50):
        chosen, credits = smooth_pick(credits, members)
        picks.append(chosen.key)
    assert Counter(picks) == {"a": 30, "b": 10, "c": 10}
    # Even the heaviest member never gets three in a row.
    assert not any(picks[i] == picks[i + 1] == picks[i + 2] for i in range(len(picks) - 2))


def test_equal_weights_alternate_strictly():
    members = [Candidate("a", 1, 1), Candidate("b", 2, 1)]
    credits: dict = {}
    picks = []
    for _ in range(6):
        chosen, credits = smooth_pick(credits, members)
        picks.append(chosen.key)
    assert picks == ["a", "b", "a", "b", "a", "b"]
