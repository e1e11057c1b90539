"""When each source usually publishes, so `/calendar` can say what comes next.

Each source's pattern is on its line in `tradebot.sources.REGISTRY`, as documented in
../shared/docs/DATA_SOURCES.md: GACC in the 7th–14th of the following month, with January and
February together in early March; US Census (FT-900) about 35 days after the month; IMF IMTS
without a calendar, two to four months after.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from tradebot.periods import Month, Period


@dataclass(frozen=True)
class ReleasePattern:
    months_after: int  # the release falls in the month this many months after the period ends
    first_day: int
    last_day: int
    combined_jan_feb: bool = False
    extra_months: int = 0  # spread of an irregular source: the window runs this many months longer
    described: str = ""


@dataclass(frozen=True)
class NextRelease:
    period: Period
    earliest: date
    latest: date
    pattern: ReleasePattern

    def overdue(self, today: date) -> bool:
        return today > self.latest


def next_release(pattern: ReleasePattern | None, latest: Period) -> NextRelease | None:
    """The period a source with `pattern` (its registry line's) should publish after `latest`,
    and the window it usually lands in."""
    if pattern is None:
        return None
    following = latest.end.plus(1)
    period = Period.month(following)
    if pattern.combined_jan_feb and following.month == 1:
        period = Period.jan_feb(following.year)
    opens = period.end.plus(pattern.months_after)
    closes = opens.plus(pattern.extra_months)
    return NextRelease(period, _day(opens, pattern.first_day), _day(closes, pattern.last_day), pattern)


def _day(month: Month, day: int) -> date:
    """The `day`th of the month, or its last day for a pattern that runs to the 31st."""
    return date(month.year, month.month, min(day, calendar.monthrange(month.year, month.month)[1]))
