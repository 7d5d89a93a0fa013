"""Business time: SLA clocks only run on the tenant's working days and hours, in its time zone,
and not on its holidays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

__all__ = ["WorkingTime", "add_business_minutes", "business_minutes_between"]

# Enough to cross a long holiday season; a calendar with no working time at all is refused.
MAX_DAYS_SEARCHED = 400


@dataclass(frozen=True)
class WorkingTime:
    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    day_starts: dt.time = dt.time(8, 0)
    day_ends: dt.time = dt.time(18, 0)
    holidays: frozenset[dt.date] = frozenset()

    @classmethod
    def of(cls, tenant, calendar=None) -> WorkingTime:
        """The tenant's working time; defaults when it has no calendar yet."""
        if calendar is None:
            return cls(timezone=tenant.timezone)
        return cls(
            timezone=tenant.timezone,
            working_days=frozenset(calendar.working_days),
            day_starts=calendar.day_starts,
            day_ends=calendar.day_ends,
            holidays=frozenset(dt.date.fromisoformat(d) for d in calendar.holidays),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The working hours of a day as aware datetimes (DST handled by the zone)."""
        start = dt.datetime.combine(day, self.day_starts, tzinfo=self.zone)
        end = dt.datetime.combine(day, self.day_ends, tzinfo=self.zone)
        return start, end

    def windows_from(self, moment: dt.datetime):
        """Working windows from `moment` on, the first one clipped to start at `moment`."""
        if not self.working_days or self.day_ends <= self.day_starts:
            raise ValueError("The business calendar has no working time.")
        local = moment.astimezone(self.zone)
        day = local.date()
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(day):
                start, end = self.window(day)
                if end > local:
                    yield max(start, local), end
            day += dt.timedelta(days=1)
        raise ValueError("The business calendar has no working time in the next 400 days.")


def add_business_minutes(hours: WorkingTime, start: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` of working time after `start` (returned in UTC)."""
    remaining = dt.timedelta(minutes=minutes)
    for window_start, window_end in hours.windows_from(start):
        available = window_end - window_start
        if remaining <= available:
            return (window_start + remaining).astimezone(dt.UTC)
        remaining -= available
    raise AssertionError("unreachable")  # windows_from raises first


def business_minutes_between(hours: WorkingTime, start: dt.datetime, end: dt.datetime) -> float:
    """Working minutes from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    for window_start, window_end in hours.windows_from(start):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total.total_seconds() / 60
