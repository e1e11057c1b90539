"""Months, periods and the period words people type.

A `Period` is an inclusive run of months: one month (`2025-11`), a cumulative range
(`2025-01..2025-11`), or China's combined January–February release (`2025-01..2025-02`).
Parsing never raises anything but `BadPeriod`, whose message is one sentence for the user.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tradebot.errors import BadPeriod, echo

MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTH_ABBRS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTH_WORDS = {**MONTH_NAMES, **MONTH_ABBRS, "sept": 9}
_MONTH_RE = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_DASH = "[-–—]|to|through|thru"

EARLIEST_YEAR = 1948  # IMF trade statistics start after the war; anything earlier is a typo


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` as stored in the database (trusted input)."""
        return cls(int(text[:4]), int(text[5:7]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def name(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def abbr(self) -> str:
        return calendar.month_abbr[self.month]


@dataclass(frozen=True, order=True)
class Period:
    start: Month
    end: Month

    @classmethod
    def month(cls, month: Month) -> Period:
        return cls(month, month)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(Month(year, 1), Month(year, 12))

    @classmethod
    def jan_feb(cls, year: int) -> Period:
        return cls(Month(year, 1), Month(year, 2))

    @classmethod
    def parse(cls, text: str) -> Period:
        """`YYYY-MM` or `YYYY-MM..YYYY-MM` as stored in the database (trusted input)."""
        start, _, end = text.partition("..")
        return cls(Month.parse(start), Month.parse(end or start))

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def is_month(self) -> bool:
        return self.start == self.end

    @property
    def is_jan_feb(self) -> bool:
        """China Customs publishes January and February as one figure."""
        return self.start.month == 1 and self.end == self.start.plus(1)

    def shift_years(self, years: int) -> Period:
        return Period(self.start.plus(12 * years), self.end.plus(12 * years))

    def __contains__(self, month: Month) -> bool:
        return self.start <= month <= self.end

    def __str__(self) -> str:
        return str(self.start) if self.is_month else f"{self.start}..{self.end}"

    @property
    def label(self) -> str:
        """How a reader sees it: `November 2025`, `Jan–Nov 2025`, `2025`, `Nov 2024–Feb 2025`."""
        if self.is_month:
            return self.end.name
        if self.start.year == self.end.year:
            if self.start.month == 1 and self.end.month == 12:
                return str(self.end.year)
            return f"{self.start.abbr}–{self.end.abbr} {self.end.year}"
        return f"{self.start.abbr} {self.start.year}–{self.end.abbr} {self.end.year}"


@dataclass(frozen=True)
class PeriodSpec:
    """What the user asked for, before the store says which months exist.

    `kind` is `latest` (the newest period with the figure), `ytd` (the newest year to
    date) or `fixed` (`period` holds the months).
    """

    kind: str
    period: Period | None = None

    def __str__(self) -> str:
        return str(self.period) if self.period else self.kind


LATEST = PeriodSpec("latest")
YTD = PeriodSpec("ytd")


def today_utc() -> date:
    """Today in UTC: the one clock every "latest", "future" and "overdue" is measured against."""
    return datetime.now(UTC).date()


def _month_number(word: str) -> int:
    return MONTH_WORDS[word.lower().rstrip(".")]


def _checked_month(year: int, month: int, text: str) -> Month:
    if not 1 <= month <= 12:
        raise BadPeriod(f"“{echo(text)}” is not a month: months run from 01 to 12.")
    if year < EARLIEST_YEAR:
        raise BadPeriod(f"“{echo(text)}” is before {EARLIEST_YEAR}; no trade figures go back that far.")
    return Month(year, month)


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?P<y1>\d{4})-(?P<m1>\d{1,2})\s*(?:\.\.|–|—|to)\s*(?P<y2>\d{4})-(?P<m2>\d{1,2})"), "iso_range"),
    (re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})"), "iso_month"),
    (re.compile(rf"(?P<m1>{_MONTH_RE})\.?\s*(?P<y1>\d{{4}})?\s*(?:{_DASH})\s*(?P<m2>{_MONTH_RE})\.?\s*(?P<y2>\d{{4}})"), "named_range"),
    (re.compile(rf"(?P<m>{_MONTH_RE})\.?,?\s*(?P<y>\d{{4}})"), "named_month"),
    (re.compile(rf"(?P<y>\d{{4}})\s+(?P<m>{_MONTH_RE})"), "named_month"),
    (re.compile(r"(?:fy|full year|year)?\s*(?P<y>\d{4})"), "year"),
]


def parse_period(text: str | None, today: date) -> PeriodSpec:
    """Parse a whole period option (`2025-11`, `Nov 2025`, `Jan-Nov 2025`, `ytd`, ...).

    Raises `BadPeriod` for anything that is not a period, is impossible or lies in the future.
    """
    cleaned = " ".join((text or "").strip().lower().split())
    if cleaned in ("", "latest", "last", "newest", "most recent"):
        return LATEST
    if cleaned in ("ytd", "year to date", "year-to-date", "this year"):
        return YTD
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            return PeriodSpec("fixed", _build(kind, match, cleaned, today))
    raise BadPeriod(
        f"I can't read “{echo(text)}” as a period; try 2025-11, Nov 2025, 2025, Jan-Nov 2025, ytd or latest."
    )


def find_period(text: str, today: date) -> tuple[PeriodSpec | None, str]:
    """Find a period inside a phrase; return it and the phrase without it.

    Used by the phrase parser: `china exports to us nov 2025` → (2025-11, `china exports to us`).
    """
    lowered = text.lower()
    for words, spec in (("year to date", YTD), ("ytd", YTD), ("latest", LATEST)):
        match = re.search(rf"\b{words}\b", lowered)
        if match:
            return spec, (lowered[: match.start()] + lowered[match.end() :]).strip()
    for pattern, kind in _PATTERNS:
        if kind == "year":
            pattern = re.compile(r"(?:\b(?:fy|full year)\s*)?\b(?P<y>(?:19|20)\d{2})\b")
        for match in re.finditer(pattern, lowered):
            if not _word_bounded(lowered, match):
                continue
            period = _build(kind, match, match.group(0), today)
            return PeriodSpec("fixed", period), (lowered[: match.start()] + " " + lowered[match.end() :]).strip()
    return None, lowered


def _word_bounded(text: str, match: re.Match[str]) -> bool:
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _build(kind: str, match: re.Match[str], text: str, today: date) -> Period:
    groups = match.groupdict()
    if kind == "iso_range":
        start = _checked_month(int(groups["y1"]), int(groups["m1"]), text)
        end = _checked_month(int(groups["y2"]), int(groups["m2"]), text)
        period = Period(start, end)
    elif kind == "iso_month":
        period = Period.month(_checked_month(int(groups["y"]), int(groups["m"]), text))
    elif kind == "named_range":
        end_year = int(groups["y2"])
        start_year = int(groups["y1"]) if groups["y1"] else end_year
        period = Period(
            _checked_month(start_year, _month_number(groups["m1"]), text),
            _checked_month(end_year, _month_number(groups["m2"]), text),
        )
    elif kind == "named_month":
        period = Period.month(_checked_month(int(groups["y"]), _month_number(groups["m"]), text))
    else:
        year = int(groups["y"])
        _checked_month(year, 1, text)
        period = Period.year(year)
    if period.end < period.start:
        raise BadPeriod(f"“{echo(text)}” ends before it starts.")
    if period.start > Month.of(today):
        raise BadPeriod(f"{period.label} is in the future; no figures exist for it yet.")
    return period
