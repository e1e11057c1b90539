"""Months, periods and the period words people type.

A `Period` is an inclusive run of months: one month (`2025-11`), a cumulative range
(`2025-01..2025-11`), or China's combined January–February release (`2025-01..2025-02`).
Parsing never raises anything but `BadPeriod`, whose message is one sentence for the user.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tradebot.errors import BadPeriod, echo

# calendar's month names call strftime on every access: read them once (a ranking names hundreds)
NAME_OF_MONTH = tuple(calendar.month_name)
ABBR_OF_MONTH = tuple(calendar.month_abbr)
MONTH_NAMES = {name.lower(): i for i, name in enumerate(NAME_OF_MONTH) if name}
MONTH_ABBRS = {name.lower(): i for i, name in enumerate(ABBR_OF_MONTH) if name}
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

    def __hash__(self) -> int:  # months are dictionary keys all over answering: hash an int, not a tuple
        return self.year * 12 + self.month

    @property
    def name(self) -> str:
        return f"{NAME_OF_MONTH[self.month]} {self.year}"

    @property
    def abbr(self) -> str:
        return ABBR_OF_MONTH[self.month]


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

    def __hash__(self) -> int:
        return hash((self.start.year, self.start.month, self.end.year, self.end.month))

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
    date) or `fixed` (`period` holds the months). `calendar` is the month the words meant on
    the calendar when they named one ("last month" is `latest` with October 2026 here), so an
    answer can say that the newest month the store has is another; it is not part of what is
    asked (equal specs are the same question).
    """

    kind: str
    period: Period | None = None
    calendar: Period | None = field(default=None, compare=False)

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


_MONTH = rf"(?P<m>{_MONTH_RE})\.?"
_YEAR = r"(?P<y>(?:19|20)\d{2})"
# Periods inside a phrase, most specific first. Each builder gets the match, today and the
# month a bare month name is measured against (a thread's period, else today).
_NOT_AN_AMOUNT = r"(?!\s*(?:bn|mn|tn|%|st|nd|rd|th|,?\s*\d{4}))"
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "eleven": 11, "twelve": 12}
_COUNT = rf"(?P<n>\d{{1,2}}|{'|'.join(_COUNT_WORDS)})"
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?P<y1>\d{4})-(?P<m1>\d{1,2})\s*(?:\.\.|–|—|to)\s*(?P<y2>\d{4})-(?P<m2>\d{1,2})\b"), "iso_range"),
    # "the first eleven months of 2025", "first 5 months 2026"
    (re.compile(rf"\b(?:the\s+)?first\s+{_COUNT}\s+months?\s*(?:of\s+)?,?\s*{_YEAR}\b"), "first_months"),
    # "the year to november 2025", "january through july 2026" (a named range covers "jan to jul")
    (re.compile(rf"\b(?:the\s+)?year\s+(?:to|through|until)\s+{_MONTH}\s*,?\s*{_YEAR}\b"), "year_to"),
    # "2001-2019", "2001–2019", "between 2010 and 2015": whole years
    (re.compile(r"\b(?:between\s+|from\s+)?(?P<y1>(?:19|20)\d{2})\s*(?:-|–|—|to|through|and)\s*(?P<y2>(?:19|20)\d{2})\b"), "years"),
    # a year in two digits, as markets chat writes it: "jul 26", "jan-nov 25", "h1 26", "1h 2026"
    # (not an amount, "jul 26 bn", nor a day before its year, "jan 15 2026")
    (re.compile(rf"\b(?P<m1>{_MONTH_RE})\.?\s*(?:{_DASH})\s*(?P<m2>{_MONTH_RE})\.?\s*'?(?P<yy>\d{{2}})\b{_NOT_AN_AMOUNT}"), "short_range"),
    (re.compile(rf"\b(?P<m>{_MONTH_RE})\.?\s*'?(?P<yy>\d{{2}})\b{_NOT_AN_AMOUNT}"), "short_month"),
    (re.compile(r"\b(?:h(?P<h>[12])|(?P<h2>[12])h)\s*'?(?P<yy>\d{2}|\d{4})\b"), "short_half"),
    (re.compile(r"\bq(?P<q>[1-4])\s*'?(?P<yy>\d{2})\b"), "short_quarter"),
    (re.compile(r"\bfull\s+(?:yr|year)\s+(?P<y>(?:19|20)\d{2})\b"), "year"),
    (re.compile(rf"\b(?P<m1>{_MONTH_RE})\.?\s*(?P<y1>\d{{4}})?\s*(?:{_DASH})\s*(?P<m2>{_MONTH_RE})\.?\s*(?P<y2>\d{{4}})\b"), "named_range"),
    (re.compile(rf"\b(?P<m1>{_MONTH_RE})\.?\s*(?:{_DASH})\s*(?P<m2>{_MONTH_RE})\b\.?"), "bare_range"),
    (re.compile(rf"\bsince\s+{_MONTH}(?:\s*,?\s*{_YEAR})?\b"), "since"),
    (re.compile(rf"\bq(?P<q>[1-4])\s*,?\s*{_YEAR}\b"), "quarter"),
    (re.compile(rf"\b{_YEAR}\s*q(?P<q>[1-4])\b"), "quarter"),
    (re.compile(r"\bq(?P<q>[1-4])\b"), "bare_quarter"),
    (re.compile(rf"\b(?:(?P<half>first|1st|second|2nd)\s+half(?:\s+of)?|h(?P<h>[12]))\s*,?\s*{_YEAR}\b"), "half"),
    # "and in H1?", "the first half" in a thread: the half of the thread's year (as a bare quarter)
    (re.compile(r"\b(?:(?:the\s+)?(?P<half>first|1st|second|2nd)\s+half|h(?P<h>[12]))\b"), "bare_half"),
    (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})\b"), "iso_month"),
    (re.compile(r"\b(?P<m>\d{1,2})/(?P<y>\d{4})\b"), "iso_month"),
    (re.compile(rf"\b{_MONTH},?\s*{_YEAR}\b"), "named_month"),
    (re.compile(rf"\b{_YEAR}\s+{_MONTH}"), "named_month"),
    (re.compile(r"\b(?:so far )?this year\b|\byear[ -]to[ -]date\b|\bytd\b"), "ytd"),
    (re.compile(r"\b(?:the )?(?:latest|most recent|newest)\b"), "latest"),
    (re.compile(r"\blast month\b"), "last_month"),
    (re.compile(r"\bthis month\b"), "this_month"),
    (re.compile(r"\blast year\b"), "last_year"),
    (re.compile(rf"(?:\b(?:fy|full year)\s*)?\b{_YEAR}\b"), "year"),
    # a bare month: "may" is also a verb, so it counts only after a preposition or at the end
    (re.compile(rf"\b(?P<m>(?!may\b)(?:{_MONTH_RE}))\b\.?|\b(?:in|for|about|of)\s+(?P<may>may)\b|\b(?P<may2>may)(?=\s*\??\s*$)"), "bare_month"),
]


def lower_in_place(text: str) -> str:
    """`text` in lower case, character for character, so a match in it is at the same place in
    `text`. A few characters grow when lowered (`İ` becomes `i` and a combining dot): those are
    kept as they are, or every position after them would point at the wrong words."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in text)


def find_period(text: str, today: date, reference: Month | None = None) -> tuple[PeriodSpec | None, str]:
    """Find a period inside a phrase; return it and the phrase without it (case kept, so
    codes typed in capitals survive). `reference` is the month a bare month name is the
    latest of (a thread's period); by default today's month.

    `china exports to us nov 2025` → (2025-11, `china exports to us`).
    """
    lowered = lower_in_place(text)
    reference = reference or Month.of(today)
    for pattern, kind in _PHRASES:
        match = pattern.search(lowered)
        if match:
            spec = _phrase_spec(kind, match, today, reference)
            return spec, (text[: match.start()] + " " + text[match.end() :]).strip()
    return None, text


def _month_named(month: int, reference: Month, now: Month) -> Month:
    """The most recent `month` not after `reference`, or the month right after it: a thread
    steps back through a year ("what about october?" after November 2025 is October 2025,
    "and march?" March 2025) or on by one ("and april?" after March 2026 is April 2026). With
    no thread the reference is today's month. Never a month still to come."""
    following = reference.plus(1)
    if following.month == month and following <= now:
        return following
    return Month(reference.year if month <= reference.month else reference.year - 1, month)


def _phrase_spec(kind: str, match: re.Match[str], today: date, reference: Month) -> PeriodSpec:
    groups = {key: value for key, value in match.groupdict().items() if value}
    words = match.group(0)
    now = Month.of(today)
    if kind in ("iso_range", "named_range", "iso_month", "named_month", "year"):
        return PeriodSpec("fixed", _build(kind, match, words, today))
    if kind == "ytd":
        return YTD
    if kind == "latest":
        return LATEST
    if kind == "last_month":
        # the newest month the store has, which is rarely the calendar's last month (figures come
        # out weeks to months later): answers resolve `latest` per series and name the calendar's
        return PeriodSpec("latest", calendar=Period.month(now.plus(-1)))
    elif kind == "this_month":
        period = Period.month(now)
    elif kind == "last_year":
        period = Period.year(now.year - 1)
    elif kind == "first_months":
        count = int(groups["n"]) if groups["n"].isdigit() else _COUNT_WORDS[groups["n"]]
        if not 1 <= count <= 12:
            raise BadPeriod(f"“{echo(words)}”: a year has twelve months.")
        period = Period(Month(int(groups["y"]), 1), Month(int(groups["y"]), count))
    elif kind == "year_to":
        period = Period(Month(int(groups["y"]), 1), Month(int(groups["y"]), _month_number(groups["m"])))
    elif kind == "years":
        period = Period(Month(int(groups["y1"]), 1), Month(int(groups["y2"]), 12))
        if period.end > now:
            period = Period(period.start, now)
    elif kind in ("short_range", "short_month", "short_half", "short_quarter"):
        year = int(groups["yy"]) if len(groups["yy"]) == 4 else 2000 + int(groups["yy"])
        if kind == "short_range":
            period = Period(Month(year, _month_number(groups["m1"])), Month(year, _month_number(groups["m2"])))
        elif kind == "short_month":
            period = Period.month(Month(year, _month_number(groups["m"])))
        elif kind == "short_quarter":
            quarter = int(groups["q"])
            period = Period(Month(year, quarter * 3 - 2), Month(year, quarter * 3))
        else:
            second = "2" in (groups.get("h"), groups.get("h2"))
            period = Period(Month(year, 7), Month(year, 12)) if second else Period(Month(year, 1), Month(year, 6))
    elif kind == "bare_range":
        end = _month_named(_month_number(groups["m2"]), reference, now)
        start = Month(end.year, _month_number(groups["m1"]))
        period = Period(start, end)
    elif kind == "since":
        start_month = _month_number(groups["m"])
        start = Month(int(groups["y"]), start_month) if "y" in groups else _month_named(start_month, reference, now)
        period = Period(start, now)
    elif kind in ("quarter", "bare_quarter"):
        quarter = int(groups["q"])
        year = int(groups["y"]) if "y" in groups else _month_named(quarter * 3, reference, now).year
        period = Period(Month(year, quarter * 3 - 2), Month(year, quarter * 3))
    elif kind in ("half", "bare_half"):
        second = groups.get("half") in ("second", "2nd") or groups.get("h") == "2"
        year = int(groups["y"]) if "y" in groups else _month_named(12 if second else 6, reference, now).year
        period = Period(Month(year, 7), Month(year, 12)) if second else Period(Month(year, 1), Month(year, 6))
    else:  # bare_month
        name = groups.get("m") or groups.get("may") or groups["may2"]
        period = Period.month(_month_named(_month_number(name), reference, now))
    if period.end < period.start:
        raise BadPeriod(f"“{echo(words)}” ends before it starts.")
    if period.start > now:
        raise BadPeriod(f"{period.label} is in the future; no figures exist for it yet.")
    if period.start.year < EARLIEST_YEAR:
        raise BadPeriod(f"“{echo(words)}” is before {EARLIEST_YEAR}; no trade figures go back that far.")
    return PeriodSpec("fixed", period)




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
