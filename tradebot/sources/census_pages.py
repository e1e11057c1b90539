"""US Census "Trade in Goods with <country>" pages (census.gov/foreign-trade/balance/cNNNN.html),
as the Markdown copies in ../shared/data/census_pages hold them.

One page is one partner: a header with the partner's name and Census code and when the page
was fetched, then a table of months with exports, imports and the balance in millions of US
dollars (Census basis, not seasonally adjusted), rows in any order. The page states no
release dates: a figure's `published` is the day the page was fetched, and its note says
so — a later fetch of revised figures is a later vintage ("revised from").

Checked: exports − imports = balance (to rounding), the Deficit/Surplus word against the sign,
one row per month, a partner tradebot can place. A bad page is refused whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tradebot import countries, sources
from tradebot.errors import DataFileError, TradebotError, echo
from tradebot.periods import MONTH_WORDS, Month

SOURCE = "US Census Bureau"
REPORTER = "USA"
MILLION = Decimal(1_000_000)
TOLERANCE = Decimal("0.2")  # millions: each figure is rounded to 0.1
FETCHED_NOTE = "read date: published is when the page was fetched ({fetched}), not the release date"

COLUMNS = ("Year", "Month", "Export", "Import", "Balance", "Type")  # the page's table; Type is Deficit/Surplus
_PARTNER = re.compile(r"^\s*-\s*\*\*Partner\*\*\s*:\s*(.+?)\s*\((\d{4})\)\s*$", re.MULTILINE)
_FETCHED = re.compile(r"^\s*-\s*\*\*Fetched\*\*\s*:\s*(\d{4}-\d{2}-\d{2})(T[\d:]+Z?)?\s*$", re.MULTILINE)
_URL = re.compile(r"^\s*-\s*\*\*Source URL\*\*\s*:\s*(\S+)\s*$", re.MULTILINE)
_HEADER = re.compile(r"^\|\s*Year\s*\|\s*Month\s*\|\s*Export[^|]*\|\s*Import[^|]*\|\s*Balance[^|]*\|", re.IGNORECASE | re.MULTILINE)


class _Bad(Exception):
    pass


def recognise(head: str) -> bool:
    return head.lstrip().startswith("#") and "census.gov/foreign-trade/balance" in head


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[dict]]:
    yield parse(sources.read_text(path, meter), name=path.name)


def parse(text: str, *, name: str = "page", retrieved_at: str | None = None) -> list[dict]:
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    try:
        return _figures(text, retrieved_at)
    except _Bad as problem:
        raise DataFileError(f"{name}: {problem}") from None


def _figures(text: str, retrieved_at: str) -> list[dict]:
    partner_line, fetched, url = _PARTNER.search(text), _FETCHED.search(text), _URL.search(text)
    if not partner_line:
        raise _Bad("the page names no partner (a “- **Partner**: Name (code)” line)")
    if not fetched:
        raise _Bad("the page does not say when it was fetched (a “- **Fetched**: YYYY-MM-DD…” line)")
    if not sources.is_date(fetched.group(1)):
        raise _Bad(f"the fetch date “{fetched.group(1)}” is not a date")
    try:
        partner = countries.resolve(partner_line.group(1))
    except TradebotError:
        raise _Bad(f"the partner “{echo(partner_line.group(1), 40)}” is not a country tradebot knows") from None
    if not _HEADER.search(text):
        raise _Bad("the page has no table headed Year | Month | Export | Import | Balance")
    common = {
        "reporter": REPORTER, "partner": partner.code, "source": SOURCE, "published": fetched.group(1),
        "retrieved_at": retrieved_at, "source_url": url.group(1) if url else "",
        "note": FETCHED_NOTE.format(fetched=fetched.group(0).split(":", 1)[1].strip()),
    }
    rows, seen = [], set()
    for line_number, line in enumerate(text.splitlines(), start=1):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else []
        if len(cells) < 5 or not (cells[0].isascii() and cells[0].isdigit()):
            continue  # the header, the ruler and prose
        if len(cells) > len(COLUMNS):
            raise _Bad(f"line {line_number}: {len(cells)} cells, but the table has {len(COLUMNS)} columns")
        month = _month(cells[0], cells[1], line_number)
        if month in seen:
            raise _Bad(f"line {line_number}: {month} appears twice")
        seen.add(month)
        exports, imports, balance = (_million(cell, line_number) for cell in cells[2:5])
        if abs(exports - imports - balance) > TOLERANCE:
            raise _Bad(f"line {line_number}: exports {exports} − imports {imports} ≠ balance {balance} for {month}")
        word = cells[5].lower() if len(cells) > 5 else ""
        if word in ("deficit", "surplus") and (word == "deficit") != (balance < 0):
            raise _Bad(f"line {line_number}: a balance of {balance} is called a {word}")
        if Month.parse(fetched.group(1)[:7]) <= month:
            raise _Bad(f"line {line_number}: {month} is not over when the page was fetched ({fetched.group(1)})")
        for indicator, value in (("exports", exports), ("imports", imports), ("balance", balance)):
            rows.append({**common, "indicator": indicator, "period_start": str(month), "period_end": str(month),
                         "value": float(value * MILLION), "unit": "USD"})
    if not rows:
        raise _Bad("the table has no months")
    return rows


def _month(year: str, name: str, line: int) -> Month:
    number = MONTH_WORDS.get(name.strip().lower().rstrip("."))
    if number is None:
        raise _Bad(f"line {line}: “{echo(name, 20)}” is not a month")
    return Month(int(year), number)


def _million(cell: str, line: int) -> Decimal:
    number = cell.replace(",", "").replace("\u2212", "-")
    if not sources.is_plain_number(number):  # Decimal() also takes 1_000, full-width digits and NaN
        raise _Bad(f"line {line}: “{echo(cell, 20)}” is not a number")
    return Decimal(number)
