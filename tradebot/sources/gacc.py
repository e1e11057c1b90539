"""China Customs (GACC) "by country/region" release pages from english.customs.gov.cn.

One page holds one HTML table: a row per partner (the world total, the EU and ASEAN with
some of their members, other countries, and regions such as Africa or RCEP), and columns
for total trade, exports and imports in the release month and the year to date
("1-to-N"), then the year-to-date year-on-year change in percent. January and February
are released together, so the Jan–Feb page has only "1-to-2" columns.

The period comes from the page title, the unit from the table's "Unit:" line and the
meaning of each column from the heading rows, which are checked: a page laid out in a
way this module does not know is refused, never read by position. Every figure is
checked before any is returned, so a bad page is refused whole, with a one-line
`DataFileError` that starts with the file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from tradebot import countries, sources
from tradebot.errors import DataFileError, echo
from tradebot.periods import MONTH_WORDS, Month
from tradebot.vocabulary import FIGURE_COLUMNS, growth_unit

SOURCE = "China Customs (GACC)"
REPORTER = "CHN"

# "Unit:" lines, squeezed (lower case, no spaces or commas) → (currency, multiplier to full units)
UNITS = {
    "cny100million": ("CNY", Decimal("1e8")),
    "usd100million": ("USD", Decimal("1e8")),
    "us$100million": ("USD", Decimal("1e8")),
    "us$1000": ("USD", Decimal("1e3")),
    "usd1000": ("USD", Decimal("1e3")),
}
# Rounding slack, in the table's own units (figures are published to one decimal).
TOLERANCE = Decimal("0.2")

# GACC's own spellings, keyed by `countries.normalise` of the name without "of which:".
# Everything else goes through `countries.lookup_exact` (ISO 3166 names and the bot's aliases).
GACC_NAMES = {
    "total": "WLD",
    "european union": "EU27",
    "asean": "ASEAN",
    "association of southeast asian nations": "ASEAN",
    "united states us": "USA",
    "united kingdom uk": "GBR",
    "r o korea": "KOR",
    "rep of korea": "KOR",
    "hong kong china": "HKG",
    "taiwan china": "TWN",
    "macao china": "MAC",
    "macau china": "MAC",
    "russian federation": "RUS",
}
# Rows for regions that are neither a country nor one of the bot's groups: skipped. Checked
# before `lookup_exact`, whose chat aliases would read "Europe" as the EU.
REGIONS = {
    "africa", "asia", "europe", "latin america", "north america", "oceania", "middle east",
    "apec", "asia pacific economic cooperation", "rcep", "regional comprehensive economic partnership",
    "belt and road", "gulf cooperation council", "gcc", "brics", "shanghai cooperation organization",
    "central asia", "others", "other countries and regions",
}
_REGION_WORDS = ("belt and road",)  # any row naming the Belt and Road countries, however worded

_OF_WHICH = re.compile(r"^(?:of\s+which|among\s+which|including)\s*[:：]\s*", re.IGNORECASE)
_NOTE = re.compile(r"(?:notes?|sources?)\s*(?:[:：.]|\d|$)", re.IGNORECASE)
_UNIT_LINE = re.compile(r"^unit\s*[:：]\s*(.*)$", re.IGNORECASE)
_NO_DATA = {"", "-", "–", "—", "--"}
_MONTH = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_RANGE = r"\s*(?:-|–|—|to)\s*"
# "Mar 2026", "Jan. 2018", "January-February 2025", "Jan.-Feb. 2025"
_TITLE_WORDS = re.compile(rf"(?:\b({_MONTH})\.?{_RANGE})?\b({_MONTH})\.?\s*,?\s*(\d{{4}})$", re.IGNORECASE)
# "10.2019", "12. 2019", "1 to 10.2019"
_TITLE_DIGITS = re.compile(rf"(?:\b(\d{{1,2}}){_RANGE})?\b(\d{{1,2}})\s*\.\s*(\d{{4}})$", re.IGNORECASE)
_TITLE_CURRENCY = re.compile(r"\(\s*in\s+(CNY|RMB|USD|US\$)\s*\)\s*$", re.IGNORECASE)
_BY_COUNTRY = re.compile(r"country\s*(?:/|\()\s*region", re.IGNORECASE)
# Column headings: a month ("3"), a year-to-date run ("1-to-3", "1- to-3", "1 to 3"), a flow, a growth rate.
_HEAD_MONTH = re.compile(r"(\d{1,2})")
_HEAD_RUN = re.compile(r"(\d{1,2})\s*-?\s*(?:to|-|–)\s*-?\s*(\d{1,2})", re.IGNORECASE)
_HEAD_GROWTH = re.compile(r"year\s*-?\s*on\s*-?\s*year|y\s*/\s*y|yoy|%", re.IGNORECASE)
_HEAD_FLOWS = {
    "export & import": "total_trade", "export and import": "total_trade", "exports & imports": "total_trade",
    "exports and imports": "total_trade", "import & export": "total_trade", "imports & exports": "total_trade",
    "total": "total_trade", "export": "exports", "exports": "exports", "import": "imports", "imports": "imports",
}
# Headings of the partner column.
_HEAD_PARTNER = {"import source", "export destination", "country/region", "country (region)", "country or region",
                 "countries/regions", "country", "region", "partner", ""}


class _Bad(Exception):
    """A problem with the page, said in words for the one-line error."""


def recognise(head: str) -> bool:
    head = head.lower()
    return "<html" in head or "<table" in head or "<!doctype html" in head


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[dict]]:
    yield parse(sources.read_text(path, meter), name=path.name)


def read(path: Path, retrieved_at: str | None = None) -> list[dict]:
    """Rows for the `figures` table from a saved GACC page, or `DataFileError`."""
    try:
        with open(path, encoding="utf-8-sig") as handle:  # universal newlines: CRLF is read as LF
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path.name} cannot be read: {echo(str(error), 120)}") from None
    return parse(text, name=path.name, retrieved_at=retrieved_at)


def parse(text: str, *, name: str = "page", retrieved_at: str | None = None, source_url: str = "") -> list[dict]:
    """Rows for the `figures` table from the HTML of a GACC by-country/region page."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    try:
        page = _Page.read(text)
        return _figures(page, retrieved_at, source_url)
    except _Bad as problem:
        raise DataFileError(f"{name}: {problem}") from None


# --- the HTML ---


@dataclass
class _Table:
    rows: list[list[tuple[str, int, int]]] = field(default_factory=list)  # (text, colspan, rowspan) per cell
    closed: bool = False


class _Page(HTMLParser):
    """The page title, the release date and every table as rows of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.heading = ""  # the `atcl-ttl` div
        self.date = ""  # the `atcl-date` div
        self.tables: list[_Table] = []
        self.loose_units: list[str] = []  # "Unit: …" lines printed outside any table
        self._open: list[_Table] = []  # nesting stack
        self._row: list | None = None
        self._cell: list[str] | None = None
        self._spans = (1, 1)
        self._capture: str | None = None  # "title", "heading" or "date" while inside one
        self._capture_depth = 0
        self._buffer: list[str] = []

    @classmethod
    def read(cls, text: str) -> _Page:
        page = cls()
        try:
            page.feed(text.lstrip("\ufeff"))
            page.close()
        except (AssertionError, ValueError) as error:  # html.parser's own complaints
            raise _Bad(f"the HTML cannot be parsed: {echo(str(error), 80)}") from None
        return page

    def handle_starttag(self, tag, attrs):
        if self._capture and tag == "div":
            self._capture_depth += 1
        if tag == "title" and not self.title:
            self._start_capture("title")
        elif tag == "div" and self._capture is None:
            classes = (dict(attrs).get("class") or "").split()
            if "atcl-ttl" in classes and not self.heading:
                self._start_capture("heading")
            elif "atcl-date" in classes and not self.date:
                self._start_capture("date")
        elif tag == "table":
            table = _Table()
            self.tables.append(table)
            self._open.append(table)
            self._row = self._cell = None
        elif tag == "tr" and self._open:
            self._end_row()
            self._row = []
        elif tag in ("td", "th") and self._open:
            self._end_cell()
            if self._row is None:
                self._row = []
            values = dict(attrs)
            self._spans = (_span(values.get("colspan")), _span(values.get("rowspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if self._capture:
            if tag == "div" and self._capture in ("heading", "date"):
                if self._capture_depth:
                    self._capture_depth -= 1
                else:
                    self._end_capture()
            elif tag == "title" and self._capture == "title":
                self._end_capture()
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table" and self._open:
            self._end_row()
            self._open.pop().closed = True
            self._row = self._cell = None

    def handle_data(self, data):
        if self._capture:
            self._buffer.append(data)
        if self._cell is not None:
            self._cell.append(data)
        elif not self._open and _UNIT_LINE.match(_clean(data)):
            self.loose_units.append(_clean(data))

    def _start_capture(self, what: str) -> None:
        self._capture, self._capture_depth, self._buffer = what, 0, []

    def _end_capture(self) -> None:
        setattr(self, self._capture, _clean("".join(self._buffer)))
        self._capture = None

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append((_clean("".join(self._cell)), *self._spans))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None and self._open:
            self._open[-1].rows.append(self._row)
        self._row = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


def _clean(text: str) -> str:
    """One line, single spaces, no non-breaking spaces."""
    return " ".join(text.replace("\xa0", " ").split())


def _grid(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Cell texts with spans spread out: a cell spanning three columns or rows fills all three."""
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill) from rowspans above
    for row in rows:
        out: list[str] = []
        cells = iter(row)
        column = 0
        while True:
            if column in carried:
                text, left = carried[column]
                out.append(text)
                if left > 1:
                    carried[column] = (text, left - 1)
                else:
                    del carried[column]
                column += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            text, colspan, rowspan = cell
            for _ in range(colspan):
                out.append(text)
                if rowspan > 1:
                    carried[column] = (text, rowspan - 1)
                column += 1
        while column in carried:  # rowspans reaching past the last cell of this row
            text, left = carried.pop(column)
            out.append(text)
            if left > 1:
                carried[column] = (text, left - 1)
            column += 1
        grid.append(out)
    return grid


# --- the figures ---


@dataclass(frozen=True)
class _Column:
    index: int
    indicator: str
    start: Month
    end: Month
    label: str  # the headings, for messages

    @property
    def is_growth(self) -> bool:
        return self.indicator.endswith("_yoy")


def _figures(page: _Page, retrieved_at: str, source_url: str) -> list[dict]:
    title = page.title if _BY_COUNTRY.search(page.title) else page.heading
    if not _BY_COUNTRY.search(title):
        shown = page.heading or page.title
        raise _Bad(f"this is not a GACC by-country/region table (its title is “{echo(shown, 80)}”)" if shown
                   else "this is not a GACC by-country/region table (it has no title)")
    table = _data_table(page)
    if not table.closed:
        raise _Bad("the table is cut off (it has no end); the page looks truncated")
    year, last_month, title_currency = _title_period(title)
    grid = _grid(table.rows)
    currency, scale, unit_row = _unit(grid, page.loose_units)
    if title_currency and title_currency != currency:
        raise _Bad(f"the title says {title_currency} but the unit line says {currency}")
    total_row = next((i for i in range(unit_row + 1, len(grid)) if grid[i] and _clean(grid[i][0]).lower() == "total"), None)
    if total_row is None:
        raise _Bad("the table has no “Total” row")
    columns = _columns(grid[unit_row + 1:total_row], year, last_month)
    width = len(grid[unit_row + 1])
    published = _published(page.date, Month(year, last_month))
    common = {
        "reporter": REPORTER, "source": SOURCE, "published": published, "retrieved_at": retrieved_at,
        "source_url": source_url, "note": "", "product": "",
    }
    figures: dict[tuple[str, str, str, str], dict] = {}
    money: dict[str, dict[tuple[str, Month, Month], Decimal]] = {}  # partner → table values, for the checks
    partner_names: dict[str, str] = {}
    for cells in grid[total_row:]:
        name = cells[0] if cells else ""
        if _NOTE.match(name):
            break  # the notes under the table
        if not any(cells):
            continue
        if len(cells) != width:
            raise _Bad(f"the row “{echo(name, 60)}” has {len(cells)} cells where the headings have {width}")
        partner = _partner(name)
        if partner is None:
            continue
        if partner in partner_names:
            raise _Bad(f"the rows “{echo(partner_names[partner], 40)}” and “{echo(name, 40)}” are both {partner}")
        partner_names[partner] = name
        values = money.setdefault(partner, {})
        for column in columns:
            number = _number(cells[column.index], name, column)
            if number is None:
                continue
            if not column.is_growth:
                if number < 0:
                    raise _Bad(f"the row “{echo(name, 60)}”, column “{column.label}” is negative ({cells[column.index]})")
                key = (column.indicator, column.start, column.end)
                if key in values and values[key] != number:
                    raise _Bad(f"the row “{echo(name, 60)}” gives two different values for {column.label}")
                values[key] = number
            unit = growth_unit(currency) if column.is_growth else currency
            value = float(number) if column.is_growth else float(number * scale)
            figures[(partner, column.indicator, str(column.start), str(column.end))] = {
                **common, "partner": partner, "indicator": column.indicator,
                "period_start": str(column.start), "period_end": str(column.end), "value": value, "unit": unit,
            }
    _check(money, partner_names)
    return [{key: row[key] for key in FIGURE_COLUMNS} for row in figures.values()]


def _title_period(title: str) -> tuple[int, int, str]:
    """(year, last month, currency or "") from a page title; a run of months must start in January."""
    text = title.strip()
    currency = ""
    found = _TITLE_CURRENCY.search(text)
    if found:
        currency = {"RMB": "CNY", "US$": "USD"}.get(found.group(1).upper(), found.group(1).upper())
        text = text[: found.start()].rstrip()
    words = _TITLE_WORDS.search(text)
    digits = _TITLE_DIGITS.search(text)
    if words:
        first = MONTH_WORDS[words.group(1).lower()] if words.group(1) else None
        last, year = MONTH_WORDS[words.group(2).lower()], int(words.group(3))
    elif digits:
        first = int(digits.group(1)) if digits.group(1) else None
        last, year = int(digits.group(2)), int(digits.group(3))
    else:
        raise _Bad(f"the title “{echo(title, 80)}” does not end with a month and year")
    if not 1 <= last <= 12 or (first is not None and not 1 <= first <= last):
        raise _Bad(f"the title “{echo(title, 80)}” names no valid month")
    if first is not None and first != 1:
        raise _Bad(f"the title “{echo(title, 80)}” names a run of months that does not start in January")
    if not 1980 <= year <= 2100:
        raise _Bad(f"the title “{echo(title, 80)}” names the year {year}")
    return year, last, currency


def _data_table(page: _Page) -> _Table:
    if not page.tables:
        raise _Bad("no table on this page (older GACC pages show the table as an image)")
    with_unit = [t for t in page.tables if any(_UNIT_LINE.match(text) for row in t.rows for text, _, _ in row)]
    if len(with_unit) == 1:
        return with_unit[0]
    if len(with_unit) > 1:
        raise _Bad(f"the page has {len(with_unit)} tables with a unit line; expected one")
    if any(not t.closed for t in page.tables):
        raise _Bad("the table is cut off before its unit line; the page looks truncated")
    if len(page.tables) == 1 and page.loose_units:
        return page.tables[0]  # the unit is printed above the table
    raise _Bad("no table on this page has a “Unit:” line")


def _unit(grid: list[list[str]], loose: list[str]) -> tuple[str, Decimal, int]:
    """(currency, multiplier, index of the unit row; -1 when the unit is printed above the table)."""
    found = next(((index, text) for index, row in enumerate(grid) for text in row if _UNIT_LINE.match(text)), None)
    if found is None and len(set(loose)) == 1:
        found = (-1, loose[0])
    if found is None:
        raise _Bad("the table has no “Unit:” line" if not loose else "the page has more than one “Unit:” line")
    index, text = found
    unit = _UNIT_LINE.match(text).group(1)
    squeezed = re.sub(r"[\s,]", "", unit).lower()
    if squeezed not in UNITS:
        raise _Bad(f"the unit “{echo(unit, 60)}” is not one tradebot knows (CNY 100 Million, US$1,000, USD 100 Million)")
    return (*UNITS[squeezed], index)


def _columns(headings: list[list[str]], year: int, last_month: int) -> list[_Column]:
    """What each column holds, from the heading rows between the unit line and the Total row."""
    # a title spanning the whole table (when the unit line is printed above it) is no heading
    headings = [row for row in headings if not (len(row) > 1 and len(set(row)) == 1 and _BY_COUNTRY.search(row[0]))]
    if not headings:
        raise _Bad("the table has no heading rows above the “Total” row")
    width = len(headings[0])
    if any(len(row) != width for row in headings):
        raise _Bad("the heading rows have different numbers of cells")
    for row in headings:
        if _clean(row[0]).lower() not in _HEAD_PARTNER:
            raise _Bad(f"the first column is headed “{echo(row[0], 60)}”, not by a partner heading such as Import Source")
    columns: list[_Column] = []
    seen: dict[tuple[str, Month, Month], str] = {}
    for index in range(1, width):
        texts = list(dict.fromkeys(_clean(row[index]) for row in headings))
        label = " ".join(texts)
        flows, runs, growth = [], [], False
        for text in texts:
            key = text.lower()
            if key in _HEAD_FLOWS:
                flows.append(_HEAD_FLOWS[key])
            elif _HEAD_GROWTH.search(text):
                growth = True
                run = _HEAD_RUN.search(text)
                if run:
                    runs.append((int(run.group(1)), int(run.group(2))))
            elif run := _HEAD_RUN.fullmatch(text):
                runs.append((int(run.group(1)), int(run.group(2))))
            elif month := _HEAD_MONTH.fullmatch(text):
                runs.append((int(month.group(1)), int(month.group(1))))
            elif text:
                raise _Bad(f"the column heading “{echo(text, 60)}” is not one tradebot knows")
        if len(set(flows)) != 1:
            raise _Bad(f"the column headed “{echo(label, 60)}” does not say whether it is exports, imports or both")
        if len(set(runs)) != 1:
            raise _Bad(f"the column headed “{echo(label, 60)}” does not name one period")
        start, end = runs[0]
        if end != last_month or start not in (1, end):
            raise _Bad(f"the column headed “{echo(label, 60)}” does not fit the title's month ({last_month})")
        indicator = f"{flows[0]}_yoy" if growth else flows[0]
        key = (indicator, Month(year, start), Month(year, end))
        if key in seen and not (start == end == 1):
            raise _Bad(f"the columns headed “{echo(seen[key], 40)}” and “{echo(label, 40)}” hold the same figure")
        seen[key] = label
        columns.append(_Column(index, indicator, Month(year, start), Month(year, end), label))
    return columns


def _number(text: str, row: str, column: _Column) -> Decimal | None:
    squeezed = text.replace(",", "").replace(" ", "").replace("\u2212", "-")
    if squeezed in _NO_DATA:
        return None
    if not sources.is_plain_number(squeezed):
        raise _Bad(f"the row “{echo(row, 60)}”, column “{column.label}” holds “{echo(text, 40)}”, which is not a number")
    return Decimal(squeezed)


def _published(text: str, period_end: Month) -> str:
    """The release date as `YYYY-MM-DD`; without one, the month after the period."""
    if not text:
        return str(period_end.plus(1))
    iso = re.fullmatch(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})", text)
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)  # 2018 pages: 03/08/2018
    try:
        if iso:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif us:
            day = date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
        else:
            raise ValueError
    except ValueError:
        raise _Bad(f"the release date “{echo(text, 40)}” is not a date") from None
    if Month.of(day) <= period_end:
        raise _Bad(f"the release date {day.isoformat()} is not after the period it reports ({period_end})")
    return day.isoformat()


def _partner(name: str) -> str | None:
    """The partner code of a row, None for a region the bot does not keep, or `_Bad`."""
    bare = _OF_WHICH.sub("", name).strip()
    key = countries.normalise(bare)
    if key in GACC_NAMES:
        return GACC_NAMES[key]
    if key in REGIONS or any(word in key for word in _REGION_WORDS):
        return None
    country = countries.lookup_exact(bare, allow_codes=False)
    if country is None:
        without = re.sub(r"\s*\([^()]*\)\s*$", "", bare)  # "Somewhere (SW)"
        if without != bare:
            country = countries.lookup_exact(without, allow_codes=False)
    if country is None:
        raise _Bad(f"the partner “{echo(name, 60)}” is neither a country tradebot knows nor a known region (see GACC_NAMES and REGIONS)")
    return country.code


def _check(money: dict[str, dict[tuple[str, Month, Month], Decimal]], names: dict[str, str]) -> None:
    """Identities that hold in every GACC table, up to rounding, in the table's own units."""
    if "WLD" not in money:
        raise _Bad("the table has no “Total” row")
    world = money["WLD"]
    if not world:
        raise _Bad("the “Total” row has no figures")
    for partner, values in money.items():
        name = echo(names[partner], 60)
        for (indicator, start, end), value in values.items():
            if indicator == "total_trade":
                exports = values.get(("exports", start, end))
                imports = values.get(("imports", start, end))
                if exports is not None and imports is not None and abs(value - exports - imports) > TOLERANCE:
                    raise _Bad(f"the row “{name}”: exports {exports} + imports {imports} ≠ total {value} for {_span_label(start, end)}")
            if start != end:
                month = values.get((indicator, end, end))
                if month is not None and month > value + TOLERANCE:
                    raise _Bad(f"the row “{name}”: {indicator} in month {end.month} ({month}) exceeds the year to date ({value})")
            if partner != "WLD":
                total = world.get((indicator, start, end))
                if total is not None and value > total + TOLERANCE:
                    raise _Bad(f"the row “{name}”: {indicator} {value} exceeds the world total {total} for {_span_label(start, end)}")


def _span_label(start: Month, end: Month) -> str:
    return str(start) if start == end else f"{start}..{end}"


# --- live: the English site's preliminary release ---

SITE = "https://english.customs.gov.cn"
INDEX_PATH = "/statics/report/preliminary.html"


@dataclass(frozen=True)
class TableLink:
    """One by-country table the release index links to: the month its link is under (the
    February link is January–February's table), its currency and its address."""

    month: Month
    currency: str
    url: str


class _Index(HTMLParser):
    """The preliminary-release index: the year picked and, per table row, its title and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.years: list[str] = []
        self.selected_year = ""
        self.headings: list[str] = []
        self.rows: list[tuple[str, list[tuple[str, str]]]] = []  # (title, [(link text, href)])
        self._in_select = self._in_option = False
        self._cells: list[str] | None = None
        self._links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("id") == "preliminarysel":
            self._in_select = True
        elif tag == "option" and self._in_select:
            self._in_option = True
            if "selected" in attrs:
                self.selected_year = attrs.get("value") or ""
            self.years.append(attrs.get("value") or "")
        elif tag == "th":
            self._heading = []
        elif tag == "tr":
            self._cells, self._links = [], []
        elif tag == "td" and self._cells is not None:
            self._text = []
        elif tag == "a" and self._cells is not None:
            self._href, self._text = attrs.get("href") or "", []

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_select = False
        elif tag == "option":
            self._in_option = False
        elif tag == "th" and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "a" and self._href is not None:
            self._links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None
        elif tag == "td" and self._cells is not None:
            self._cells.append(" ".join("".join(self._text).split()))
        elif tag == "tr" and self._cells:
            self.rows.append((self._cells[0], self._links))
            self._cells = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        else:
            self._text.append(data)


def index_links(text: str, name: str = "the release index") -> list[TableLink]:
    """Every by-country table (yuan and dollars) the preliminary-release index links to, or a
    `DataFileError` when the page is not that index (a challenge page, a new layout)."""
    index = _Index()
    index.feed(text)
    year = index.selected_year or (index.years[0] if index.years else "")
    if index.headings[:2] != ["Title", "Month"] or not year.isdigit():
        raise DataFileError(f"{name} is not China Customs' preliminary-release index (a challenge page, or a new layout?)")
    links = []
    for title, cells in index.rows:
        currency = _TITLE_CURRENCY.search(title)
        if not (_BY_COUNTRY.search(title) and currency):
            continue
        for label, href in cells:
            word = label.lower().rstrip(".")
            if word not in MONTH_WORDS or not href:
                raise DataFileError(f"{name}: the link “{echo(label, 40)}” of “{echo(title, 80)}” is not a month")
            links.append(TableLink(Month(int(year), MONTH_WORDS[word]), "CNY" if currency[1].upper() in ("CNY", "RMB") else "USD", href))
    if not any(_BY_COUNTRY.search(title) for title, _cells in index.rows):
        raise DataFileError(f"{name} lists no by-country/region table (a new layout?)")
    return links


async def fetch_batches(reporters=None, since: str | None = None, *, base: str | None = None, known_urls=frozenset(),
                        session=None, min_interval: float = 2.0, backoff=(5, 15, 30), timeout: float = 60):
    """The live plug-in: the by-country tables of the preliminary release not fetched before
    (`known_urls`), from the month `since` on, as (name, rows). China's own office publishes only
    China's figures, so `reporters` is not asked. Polite: one request at a time, 2 s apart, the
    shared retries. All or nothing: when the index or any table is not what this module reads
    (a challenge page, a new layout) the run stops with a `SourceUnavailable` and yields nothing,
    so nothing is stored."""
    import aiohttp  # only a live run pays for these imports, not reading a saved page

    from tradebot.errors import SourceUnavailable
    from tradebot.sources import http

    async def fetch(response) -> str:
        if response.status != 200:
            raise SourceUnavailable(f"{response.url} answered {http.status_text(response)}, not a page of the release.")
        return (await response.read()).decode("utf-8", errors="replace")

    first = Month.parse(since) if since else None
    pacer = http.Pacer(min_interval)
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        index_url = (base or SITE) + INDEX_PATH
        try:
            links = index_links(await http.get(session, index_url, fetch, label="China Customs", pacer=pacer,
                                               backoff=backoff, timeout=timeout), index_url)
        except DataFileError as error:
            raise SourceUnavailable(f"{error.message}; nothing was stored.") from None
        wanted = [link for link in links if (first is None or link.month >= first)]
        fetched = []
        for link in wanted:
            page_url = _at(None, link.url)  # the figures' provenance is the site's page, wherever it was fetched from
            if page_url in known_urls:
                continue
            url = _at(base, link.url)
            text = await http.get(session, url, fetch, label="China Customs", pacer=pacer, backoff=backoff, timeout=timeout)
            name = f"China Customs {link.month} ({link.currency})"
            try:
                fetched.append((name, parse(text, name=name, source_url=page_url)))
            except DataFileError as error:
                raise SourceUnavailable(f"{url}: {error.message}; nothing was stored.") from None
    finally:
        if own:
            await session.close()
    for name, rows in fetched:
        yield name, rows


def _at(base: str | None, link: str) -> str:
    """A table's address; with `base`, the same path on that site (a mirror, a test server)."""
    if not base:
        return link.replace("http://", "https://", 1)
    return base + urlsplit(link).path
