"""China Customs' monthly bulletin of trade by country/region (进出口商品国别总值表), as CSV.

The layout is the one in ../shared/data/gacc_bulletin (see its PROVENANCE section): a row per
item and month — the world total (总值), the continents each followed by their countries,
and the groups (ASEAN, the EU, APEC, RCEP, Belt and Road) — with, for total trade (`tt`),
exports (`ex`) and imports (`im`), the month's value, the year-to-date value and the
published year-to-date change on a year earlier in percent. Values are in CNY 10,000
(万元人民币); an empty cell is a figure the source does not give.

What this module does with it:
- every Chinese name becomes an ISO 3166 alpha-3 code or a group code (`countries.by_chinese_name`:
  pycountry's Chinese translations first, a short table for the rest); a name it cannot place
  refuses the file, with the name;
- values × 10,000 into yuan; the year-to-date y/y are published growth rates (`percent_cny`);
  a month's own y/y is not in the table: answers compute it and mark it computed;
- the file's own arithmetic is checked (total = exports + imports; in January month = year to
  date; a month never above its year to date; each continent = the sum of its members), and a
  file that does not add up is refused whole;
- the file gives no release dates: the figures carry the month after the period (the table
  comes out in its second half), and their note says so. No day is made up.

Year to date is stored as published, not as a sum of months: GACC revises earlier months into
it. Growth rates on a near-zero base (some small territories show millions of percent) are
kept as published and their note says so.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tradebot import countries, sources
from tradebot.errors import DataFileError, echo
from tradebot.periods import Month
from tradebot.vocabulary import growth_unit

SOURCE = "China Customs (GACC) monthly bulletin"
REPORTER = "CHN"
CURRENCY = "CNY"
SCALE = Decimal(10_000)  # 万元: the table's unit
FLOWS = {"tt": "total_trade", "ex": "exports", "im": "imports"}
COLUMNS = ("month", "position", "name", "level", "parent",
           *(f"{flow}_{part}" for flow in FLOWS for part in ("month", "ytd", "yoy")))
# The file carries its figures to four decimals of 10,000 yuan; its sums hold to 0.0015.
TOLERANCE = Decimal("0.01")
# continents are sums of their countries to within rounding (exactly from 2026-03; earlier months
# differ by up to a few 10,000 yuan, a ten-millionth of the continent)
CONTINENT_TOLERANCE = Decimal("1e-5")
NEAR_ZERO_BASE = 1000  # a published growth beyond ±1,000% is growth on next to nothing
# every figure carries it (70,000 of them): short
RELEASE_NOTE = "release month assumed (the month after the period; the bulletin gives no date)"
NEAR_ZERO_NOTE = "growth on a near-zero base"
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class _Bad(Exception):
    """A problem with the file, said in words for the one-line error."""


def recognise(head: str) -> bool:
    return head.lstrip().split("\n", 1)[0].replace(" ", "").startswith("month,position,name,level,parent,tt_month")


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[dict]]:
    yield parse(sources.read_text(path, meter), name=path.name, remark=remark)


def parse(text: str, *, name: str = "bulletin", retrieved_at: str | None = None,
          remark: Callable[[str], None] = lambda text: None) -> list[dict]:
    """Rows for the `figures` table, or one `DataFileError` naming the first problem."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise DataFileError(f"{name} is not a China Customs bulletin file: it lacks the columns {', '.join(missing)}.")
    items: dict[Month, list[_Item]] = {}
    try:
        for row in reader:
            item = _item(row, reader.line_num)
            items.setdefault(item.month, []).append(item)
        if not items:
            raise _Bad("it holds no rows")
        for month_items in items.values():
            _check_month(month_items)
    except _Bad as problem:
        raise DataFileError(f"{name}: {problem}") from None
    except csv.Error as error:
        raise DataFileError(f"{name} is not valid CSV: {error}") from None
    empty = sorted({item.name for month_items in items.values() for item in month_items if item.is_empty})
    if empty:
        remark(f"{len(empty)} items give no figure in some month (all cells empty, as published): {'、'.join(empty)}")
    return [row for month_items in items.values() for item in month_items for row in _rows(item, retrieved_at)]


@dataclass(frozen=True, eq=False)  # hashed by identity: a continent row keys its members
class _Item:
    line: int
    month: Month
    position: int
    name: str
    code: str
    parent: str  # the continent's Chinese name, where the file says (from 2026-04)
    values: dict[tuple[str, str], Decimal | None]  # (flow, month|ytd|yoy) → the cell

    @property
    def is_empty(self) -> bool:
        return all(value is None for value in self.values.values())

    def where(self) -> str:
        return f"line {self.line} ({echo(self.name, 40)}, {self.month})"


def _item(row: dict, line: int) -> _Item:
    month_text = (row.get("month") or "").strip()
    if not _MONTH.fullmatch(month_text):
        raise _Bad(f"line {line}: month “{echo(month_text, 20)}” is not YYYY-MM")
    name = (row.get("name") or "").strip()
    country = countries.by_chinese_name(name)
    if country is None:
        raise _Bad(f"line {line}: the partner “{echo(name, 40)}” is neither a country nor a group tradebot can place "
                   "(add it to countries.CHINESE_NAMES)")
    try:
        position = int(row.get("position") or "")
    except ValueError:
        raise _Bad(f"line {line}: position “{echo(row.get('position') or '', 20)}” is not a whole number") from None
    values = {}
    for flow in FLOWS:
        for part in ("month", "ytd", "yoy"):
            cell = (row.get(f"{flow}_{part}") or "").strip()
            if cell and not sources.is_plain_number(cell):
                raise _Bad(f"line {line} ({echo(name, 40)}): {flow}_{part} “{echo(cell, 20)}” is not a number")
            number = Decimal(cell) if cell else None
            if number is not None and not number.is_finite():
                raise _Bad(f"line {line} ({echo(name, 40)}): {flow}_{part} “{echo(cell, 20)}” is not a finite number")
            if number is not None and number < 0 and part != "yoy":
                raise _Bad(f"line {line} ({echo(name, 40)}): {flow}_{part} is negative ({cell})")
            values[(flow, part)] = number
    return _Item(line, Month.parse(month_text), position, name, country.code, (row.get("parent") or "").strip(), values)


def _check_month(items: list[_Item]) -> None:
    """The identities the published table satisfies; a copying error breaks one of them."""
    seen: dict[str, _Item] = {}
    for item in items:
        if item.code in seen:
            raise _Bad(f"{item.where()} and line {seen[item.code].line} ({echo(seen[item.code].name, 40)}) are both {item.code}")
        seen[item.code] = item
        for part in ("month", "ytd"):
            total, exports, imports = (item.values[(flow, part)] for flow in FLOWS)
            if None not in (total, exports, imports) and abs(total - exports - imports) > TOLERANCE:
                raise _Bad(f"{item.where()}: exports {exports} + imports {imports} ≠ total {total} ({part})")
        for flow in FLOWS:
            month, ytd = item.values[(flow, "month")], item.values[(flow, "ytd")]
            if month is None or ytd is None:
                continue
            if item.month.month == 1 and abs(month - ytd) > TOLERANCE:
                raise _Bad(f"{item.where()}: January's {FLOWS[flow]} for the month ({month}) and the year to date ({ytd}) differ")
            if month > ytd + TOLERANCE:
                raise _Bad(f"{item.where()}: {FLOWS[flow]} for the month ({month}) exceed the year to date ({ytd})")
    if "WLD" not in seen:
        raise _Bad(f"{items[0].month} has no world total (总值)")
    for continent, members in _continents(items).items():
        for flow in FLOWS:
            stated = continent.values[(flow, "month")]
            parts = [member.values[(flow, "month")] or Decimal(0) for member in members]
            if stated is not None and members and abs(stated - sum(parts)) > max(Decimal(1), stated * CONTINENT_TOLERANCE):
                raise _Bad(f"{continent.where()}: the continent's {FLOWS[flow]} ({stated}) are not the sum of its "
                           f"{len(members)} countries ({sum(parts)})")


def _continents(items: list[_Item]) -> dict[_Item, list[_Item]]:
    """Each continent row and its countries: named by `parent` where the file gives it (from
    2026-04), else by order — a continent row is followed by its countries, up to the next
    continent, "country unknown" or the first group."""
    by_position = sorted(items, key=lambda item: item.position)
    named = {item.name: item for item in by_position if item.code in countries.CONTINENTS}
    members: dict[_Item, list[_Item]] = {item: [] for item in named.values()}
    current = None
    for item in by_position:
        if item.code in countries.CONTINENTS:
            current = item
        elif item.parent:
            if item.parent not in named:
                raise _Bad(f"{item.where()}: its parent “{echo(item.parent, 20)}” is not a continent of the table")
            members[named[item.parent]].append(item)
        elif item.code == "UNKNOWN" or item.code in countries.GROUPS:
            current = None  # "country unknown" and the groups close the list of countries
        elif current is not None:
            members[current].append(item)
    return members


def _rows(item: _Item, retrieved_at: str) -> Iterator[dict]:
    first = Month(item.month.year, 1)
    common = {
        "reporter": REPORTER, "partner": item.code, "source": SOURCE, "published": str(item.month.plus(1)),
        "retrieved_at": retrieved_at, "source_url": "",
    }
    for flow, indicator in FLOWS.items():
        month, ytd, growth = (item.values[(flow, part)] for part in ("month", "ytd", "yoy"))
        if month is not None:
            yield {**common, "indicator": indicator, "period_start": str(item.month), "period_end": str(item.month),
                   "value": float(month * SCALE), "unit": CURRENCY, "note": RELEASE_NOTE}
        if ytd is not None and item.month.month > 1:  # January's year to date is the month itself
            yield {**common, "indicator": indicator, "period_start": str(first), "period_end": str(item.month),
                   "value": float(ytd * SCALE), "unit": CURRENCY, "note": RELEASE_NOTE}
        if growth is not None:
            note = RELEASE_NOTE + (f"; {NEAR_ZERO_NOTE}" if abs(growth) > NEAR_ZERO_BASE else "")
            yield {**common, "indicator": f"{indicator}_yoy", "period_start": str(first), "period_end": str(item.month),
                   "value": float(growth), "unit": growth_unit(CURRENCY), "note": note}
