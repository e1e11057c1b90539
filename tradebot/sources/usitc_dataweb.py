"""USITC DataWeb workbooks (xlsx): US imports for consumption by country × HS chapter → figures.

A workbook is what DataWeb's "Download" saves for a query with countries and 2-digit HTS
chapters broken out: a `Query Parameters` sheet (the download date, the trade flow, the years
and months asked for), then one sheet per measure, each row `Data Type, Country, [Year,] HTS
Number, Description, value` and a last `Total:` row. Rules:

- reporter USA; partner the country, mapped to ISO alpha-3 (DataWeb's own names, such as
  "Korea, South" or "Myanmar (Burma)", through `countries.us_trade_partner`);
  Gaza Strip and West Bank (one ISO code between them, which would hold two values) and
  Kosovo (no ISO code) are left out, and the import says so.
- product = the 2-digit chapter; its description is kept once (`ProductNames`), as published.
- indicator by sheet: `customs_value`, `dutiable_value`, `landed_value`, `duties`,
  `import_charges`, `cif_value`; whole US dollars.
- the period from the value column's header (`January_2025_to_august_2025` → 2025-01..2025-08)
  or, in a yearly workbook, from its `Year` column (2023 → 2023-01..2023-12).
- `published` is the download date: DataWeb states no release date (the figures are Census's,
  revised as Census revises), and the note says so.

Checked, and the file refused whole otherwise: every sheet holds the same countries and chapters
for the same period; each sheet's rows add up to its `Total:` row; landed duty-paid value = CIF
value + duties, and where the customs value sheet is present, customs value = landed duty-paid
value − duties − charges, for every row, to the dollar (rounding: $2).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from tradebot import countries, sources
from tradebot.errors import DataFileError, echo
from tradebot.periods import MONTH_WORDS, Month, Period, today_utc
from tradebot.vocabulary import ProductNames

SOURCE = "USITC DataWeb"
REPORTER = "USA"
SOURCE_URL = "https://dataweb.usitc.gov/"
PARAMETERS = "Query Parameters"
MEASURES = {
    "Customs Value": "customs_value", "Dutiable Value": "dutiable_value", "Landed Duty-Paid Value": "landed_value",
    "Calculated Duties": "duties", "Import Charges": "import_charges", "CIF Import Value": "cif_value",
}
NEEDED = ("Calculated Duties", "Import Charges", "CIF Import Value", "Landed Duty-Paid Value")  # for the checks and the rate
TOLERANCE = 2.0  # dollars: each value is rounded to the dollar
NOTE = "read date: when DataWeb was queried"  # it gives no release date; short: 170,000 rows carry it

_SPAN = re.compile(r"([a-z]+)_(\d{4})_to_([a-z]+)_(\d{4})", re.IGNORECASE)
_CHAPTER = re.compile(r"\d{2}")


class _Bad(Exception):
    pass


def batches(path: Path, remark: Callable[[str], None] = lambda text: None,
            meter: sources.Meter | None = None) -> Iterator[list[tuple] | ProductNames]:
    try:
        with sources.open_bytes(path, meter) as file:
            workbook = CalamineWorkbook.from_filelike(file)
        sheets = {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}
    except (CalamineError, OSError, ValueError) as error:
        raise DataFileError(f"{path.name} is not a workbook tradebot can read: {' '.join(str(error).split())[:200]}") from None
    try:
        rows, names, left_out = _figures(sheets, datetime.now(UTC).isoformat(timespec="seconds"))
    except _Bad as problem:
        raise DataFileError(f"{path.name}: {problem}; nothing was imported.") from None
    remark(f"skipped {sum(name in MEASURES for name in sheets)} “Total:” rows, one a sheet (checked: each is its sheet's sum)")
    if left_out:
        remark("not stored: " + "; ".join(f"{name} ({countries.US_TRADE_LEFT_OUT[name.lower()]})" for name in sorted(left_out)))
    yield ProductNames(names, source=SOURCE)
    yield rows


def _figures(sheets: dict[str, list[list]], retrieved_at: str) -> tuple[list[tuple], dict[str, str], set[str]]:
    if PARAMETERS not in sheets:
        raise _Bad("it is not a USITC DataWeb download (no “Query Parameters” sheet)")
    parameters = {str(row[0]).strip(): row[1] for row in sheets[PARAMETERS] if len(row) > 1}
    if str(parameters.get("Trade Flow", "")).strip() != "Imports For Consumption":
        raise _Bad(f"its trade flow is “{echo(str(parameters.get('Trade Flow', '')), 40)}”; tradebot reads Imports For Consumption")
    if str(parameters.get("Commodity Aggregation Level", "")).strip() != "2":
        raise _Bad("its products are not 2-digit HTS chapters (Commodity Aggregation Level is not 2)")
    downloaded = parameters.get("Download Date")
    if not isinstance(downloaded, datetime | date):
        raise _Bad("its Query Parameters give no Download Date")
    day = (downloaded.date() if isinstance(downloaded, datetime) else downloaded).isoformat()
    missing = [name for name in NEEDED if name not in sheets]
    if missing:
        raise _Bad(f"it lacks the sheets {', '.join(missing)}")

    period = _query_period(parameters)
    tables: dict[str, dict[tuple[str, str], float]] = {}
    names: dict[str, str] = {}
    left_out: set[str] = set()
    for sheet, indicator in MEASURES.items():
        if sheet not in sheets:
            continue
        sheet_period, values = _sheet(sheet, sheets[sheet], names, left_out)
        if sheet_period is not None and sheet_period != period:
            raise _Bad(f"the sheet “{sheet}” is for {sheet_period}, but the query was for {period}")
        if tables and values.keys() != next(iter(tables.values())).keys():
            raise _Bad(f"the sheet “{sheet}” does not hold the same countries and chapters as the others")
        tables[indicator] = values
    if Month.of(today_utc()) <= period.end:
        raise _Bad(f"its period ({period}) is not over yet")
    _check(tables)

    start, end = str(period.start), str(period.end)
    rows = [  # tuples in FIGURE_COLUMNS order: the store's fastest hand-over
        (REPORTER, partner, indicator, start, end, value, "USD", SOURCE, day, retrieved_at, SOURCE_URL, NOTE, chapter)
        for indicator, values in tables.items() for (partner, chapter), value in values.items()
    ]
    return rows, names, left_out


def _query_period(parameters: dict) -> Period:
    """The months the query asked for: `Years` 2025 with `Start Month` 01 and `End Month` 08, or a whole year."""
    year = str(parameters.get("Years", "")).strip()
    first, last = (str(parameters.get(key) or default).strip() for key, default in (("Start Month", "1"), ("End Month", "12")))
    if not re.fullmatch(r"\d{4}", year) or not (first.isdigit() and last.isdigit() and 1 <= int(first) <= int(last) <= 12):
        raise _Bad(f"its Query Parameters ask for “{echo(year, 20)}”, months {echo(first, 4)}–{echo(last, 4)}: "
                   "tradebot reads one year, or months of one year")
    return Period(Month(int(year), int(first)), Month(int(year), int(last)))


def _sheet(sheet: str, rows: list[list], names: dict[str, str], left_out: set[str]) -> tuple[Period | None, dict[tuple[str, str], float]]:
    """One measure: the period it names (in its value column's header or a Year column; None
    when it names none) and its value per (partner, chapter); its Total: row checked."""
    if not rows:
        raise _Bad(f"the sheet “{sheet}” is empty")
    header = [str(cell).strip() for cell in rows[0]]
    try:
        country, chapter, description = header.index("Country"), header.index("HTS Number"), header.index("Description")
    except ValueError:
        raise _Bad(f"the sheet “{sheet}” lacks the columns Country, HTS Number and Description") from None
    year = header.index("Year") if "Year" in header else None
    span = _span(header[-1], sheet) if _SPAN.fullmatch(header[-1]) else None
    values: dict[tuple[str, str], float] = {}
    total, every = None, 0.0  # the Total: row, and the sum of every other row (the left-out ones too)
    years: set[int] = set()
    for line, row in enumerate(rows[1:], start=2):
        if str(row[0]).strip().startswith("Total"):
            total = _number(row[-1], sheet, line)
            continue
        value = _number(row[-1], sheet, line)
        every += value
        name = str(row[country]).strip()
        if name.lower() in countries.US_TRADE_LEFT_OUT:
            left_out.add(name)
            continue
        partner = countries.us_trade_partner(name)
        if partner is None:
            raise _Bad(f"the sheet “{sheet}” line {line}: “{echo(name, 40)}” is not a country tradebot can place")
        code = str(row[chapter]).strip()
        if not _CHAPTER.fullmatch(code):
            raise _Bad(f"the sheet “{sheet}” line {line}: “{echo(code, 20)}” is not a 2-digit HTS chapter")
        if (partner, code) in values:
            raise _Bad(f"the sheet “{sheet}” line {line}: {name}, chapter {code} appears twice")
        values[(partner, code)] = value
        names.setdefault(code, " ".join(str(row[description]).split()))
        if year is not None:
            years.add(_year(row[year], sheet, line))
    if total is None:
        raise _Bad(f"the sheet “{sheet}” has no Total: row (a cut copy?)")
    if len(years) > 1:
        raise _Bad(f"the sheet “{sheet}” holds more than one year ({', '.join(map(str, sorted(years)))})")
    if abs(every - total) > TOLERANCE:
        raise _Bad(f"the rows of “{sheet}” add up to {every:,.0f}, but its Total: row says {total:,.0f}")
    if span is None and years:
        (only,) = years
        span = Period(Month(only, 1), Month(only, 12))
    return span, values


def _check(tables: dict[str, dict[tuple[str, str], float]]) -> None:
    """The identities between the measures, row by row: a copying error breaks one of them."""
    landed, cif, duties, charges = (tables[key] for key in ("landed_value", "cif_value", "duties", "import_charges"))
    customs = tables.get("customs_value")
    for key, value in landed.items():
        if abs(value - cif[key] - duties[key]) > TOLERANCE:
            raise _Bad(f"for {key[0]}, chapter {key[1]}: landed duty-paid value {value:,.0f} ≠ CIF value {cif[key]:,.0f} "
                       f"+ duties {duties[key]:,.0f}")
        if customs is not None and abs(customs[key] - (value - duties[key] - charges[key])) > TOLERANCE:
            raise _Bad(f"for {key[0]}, chapter {key[1]}: customs value {customs[key]:,.0f} ≠ landed duty-paid value "
                       f"{value:,.0f} − duties {duties[key]:,.0f} − charges {charges[key]:,.0f}")


def _span(label: str, sheet: str) -> Period:
    """`January_2025_to_august_2025` → 2025-01..2025-08."""
    match = _SPAN.fullmatch(label)
    months = (MONTH_WORDS.get(match[1].lower()), MONTH_WORDS.get(match[3].lower()))
    if None in months:
        raise _Bad(f"the sheet “{sheet}” names its period “{echo(label, 40)}”, not like January_2025_to_august_2025")
    period = Period(Month(int(match[2]), months[0]), Month(int(match[4]), months[1]))
    if period.end < period.start:
        raise _Bad(f"the sheet “{sheet}” has a period that ends before it starts ({echo(label, 40)})")
    return period


def _number(cell, sheet: str, line: int) -> float:
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        raise _Bad(f"the sheet “{sheet}” line {line}: “{echo(str(cell), 20)}” is not a number")
    if isinstance(cell, str):  # the Total: row is text with commas
        text = cell.replace(",", "").strip()
        if not sources.is_plain_number(text):
            raise _Bad(f"the sheet “{sheet}” line {line}: “{echo(cell, 20)}” is not a number")
        cell = float(text)
    if not math.isfinite(cell) or cell < 0:  # NaN, infinite or negative: no value of goods is
        raise _Bad(f"the sheet “{sheet}” line {line}: {cell!r} is not an amount of money")
    return float(cell)


def _year(cell, sheet: str, line: int) -> int:
    text = str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise _Bad(f"the sheet “{sheet}” line {line}: “{echo(text, 10)}” is not a year")
    return int(text)
