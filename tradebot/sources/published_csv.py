"""Published headline figures in the CSV format of `data/seed/published_figures.csv`.

Columns: reporter, partner, indicator, period (`YYYY-MM` or `YYYY-MM..YYYY-MM`), value
(full units), unit (an ISO currency code such as `USD`, `CNY` or `JPY`, or `percent`
(growth in dollars), `percent_cny` (growth in yuan) …), published (`YYYY-MM` or `YYYY-MM-DD`),
source, source_url, note. Every row is checked before any is returned, so a bad file
is refused whole with the line that is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tradebot import sources
from tradebot.errors import DataFileError
from tradebot.vocabulary import INDICATORS, is_unit

COLUMNS = ("reporter", "partner", "indicator", "period", "value", "unit", "published", "source", "source_url", "note")
_CODE = re.compile(r"[A-Z]{3}|EU27|ASEAN")
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:\.\.(\d{4})-(0[1-9]|1[0-2]))?")
_PUBLISHED = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


def recognise(head: str) -> bool:
    return head.lstrip().split("\n", 1)[0].replace(" ", "").startswith("reporter,partner,indicator,period")


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[dict]]:
    yield parse(sources.read_text(path, meter), name=path.name)


def read(path: Path, retrieved_at: str | None = None) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"{path.name} cannot be read: {error}") from None
    return parse(text, name=path.name, retrieved_at=retrieved_at)


def parse(text: str, *, name: str = "input", retrieved_at: str | None = None) -> list[dict]:
    """Rows for the `figures` table, or `DataFileError` naming the first bad line."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    try:
        # strict: an unclosed quote is an error, not the rest of the file swallowed into one cell
        return list(_rows(csv.DictReader(io.StringIO(text, newline=""), strict=True), name, retrieved_at))
    except csv.Error as error:
        raise DataFileError(f"{name} is not valid CSV: {error}") from None


def _rows(reader: csv.DictReader, name: str, retrieved_at: str) -> Iterable[dict]:
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise DataFileError(f"{name} is not a published-figures file: it lacks the columns {', '.join(missing)}.")
    for row in reader:
        line = reader.line_num
        if None in row:  # DictReader's key for fields past the header's
            raise DataFileError(f"{name} line {line}: {len(row[None])} more field(s) than the header has; "
                                "nothing was imported.")
        try:
            yield _figure(row, retrieved_at)
        except ValueError as problem:
            raise DataFileError(f"{name} line {line}: {problem}") from None


def _figure(row: dict, retrieved_at: str) -> dict:
    fields = {key: (value or "").strip() for key, value in row.items() if key}
    for key in ("reporter", "partner"):
        if not _CODE.fullmatch(fields[key]):
            raise ValueError(f"{key} “{fields[key]}” is not an ISO alpha-3 code, EU27 or ASEAN")
    if fields["indicator"] not in INDICATORS:
        raise ValueError(f"indicator “{fields['indicator']}” is not one of {', '.join(INDICATORS)}")
    period = _PERIOD.fullmatch(fields["period"])
    if not period:
        raise ValueError(f"period “{fields['period']}” is not YYYY-MM or YYYY-MM..YYYY-MM")
    start = f"{period.group(1)}-{period.group(2)}"
    end = f"{period.group(3)}-{period.group(4)}" if period.group(3) else start
    if end < start:
        raise ValueError(f"period “{fields['period']}” ends before it starts")
    if not sources.is_plain_number(fields["value"] or ""):
        raise ValueError(f"value “{fields['value']}” is not a number")
    value = float(fields["value"])
    if not math.isfinite(value):
        raise ValueError(f"value “{fields['value']}” is not a finite number")
    unit = fields["unit"]
    if not is_unit(unit):
        raise ValueError(f"unit “{unit}” is neither an ISO currency code (USD, CNY, JPY …) nor percent, percent_cny …")
    if unit.startswith("percent") != fields["indicator"].endswith("_yoy"):
        raise ValueError(f"unit {unit} does not fit indicator {fields['indicator']}")
    if not _PUBLISHED.fullmatch(fields["published"]):
        raise ValueError(f"published “{fields['published']}” is not YYYY-MM or YYYY-MM-DD")
    if len(fields["published"]) == len("2026-02-28") and not sources.is_date(fields["published"]):
        raise ValueError(f"published “{fields['published']}” is not a date")
    if not fields["source"]:
        raise ValueError("source is empty")
    return {
        "reporter": fields["reporter"], "partner": fields["partner"], "indicator": fields["indicator"],
        "period_start": start, "period_end": end, "value": value, "unit": unit,
        "source": fields["source"], "published": fields["published"], "retrieved_at": retrieved_at,
        "source_url": fields["source_url"], "note": fields["note"],
    }
