"""IMF International Trade in Goods by partner country (IMTS, `IMF.STA:IMTS`): SDMX-CSV → figures.

`parse` reads the SDMX-CSV the 2.1 data endpoint returns (first column `DATAFLOW`) and the
SDMX-CSV 2.0 layout of the 3.0 endpoint (`STRUCTURE`, `STRUCTURE_ID`, `ACTION` first), by
column name (docs/DATA_SOURCES.md §1.8). Rules:

- `OBS_VALUE` is in full US dollars; `SCALE` (6) is presentational and never applied (§1.9).
- Key-only rows (empty `TIME_PERIOD` or `OBS_VALUE`, or `NaN`) carry metadata only: skipped.
- Partner `G001` is the world (`WLD`), `G998` the European Union (`EU27`); every other
  aggregate (`G…`, `GX…`, `TX…` followed by digits) is skipped: they overlap the countries.
  Three-letter codes are ISO alpha-3 even when they start with G or T (GTM, TUR).
- `XG_FOB_USD` → exports, `MG_CIF_USD` → imports, `TBG_USD` → balance; other indicators
  (`MG_FOB_USD` …) are skipped.
- Any duplicate observation (same reporter, partner, indicator and period twice) refuses the
  whole response, equal values or not: the IMF never sends one, so two copies mean a
  concatenated or corrupted body, and picking one silently could pick the wrong vintage.
- `note` is empty unless the IMF marks the value as its own estimate, projection or
  calculation, or as third-party data (`DERIVATION_TYPE` SE, SP, SC, FA, TPD); IMTS rows are
  usually `M` (mixed, from the authorities' reports), which needs no note.

Every problem is one `DataFileError` line that starts with the response's name, and the
whole response is refused: nothing from a bad body is returned.

`fetch` asks the 2.1 endpoint for CSV, one reporter at a time, at most one request per
`min_interval` seconds, retrying 429, 5xx and connection errors after the `backoff` delays;
anything that is not CSV (an HTML error page, XML) raises `SourceUnavailable`.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import aiohttp
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tradebot import sources
from tradebot.errors import DataFileError, SourceUnavailable, SourceUnreachable, TradebotError
from tradebot.sources import http
from tradebot.vocabulary import FIGURE_COLUMNS

log = logging.getLogger(__name__)

SOURCE = "IMF IMTS"
IMF_BASE = "https://api.imf.org/external/sdmx/2.1"
DATAFLOW_ID = "IMF.STA:IMTS"
ACCEPT = "application/vnd.sdmx.data+csv;version=2.0.0"

INDICATORS = {"XG_FOB_USD": "exports", "MG_CIF_USD": "imports", "TBG_USD": "balance"}
CODES = {"G001": "WLD", "G998": "EU27"}  # IMF aggregate → the bot's code; other aggregates are skipped
IMF_CODES = {code: imf for imf, code in CODES.items()}
DERIVATION_NOTES = {
    "SE": "IMF staff estimate", "SP": "IMF staff projection", "SC": "IMF staff calculation",
    "FA": "adjusted by the IMF with Fund records", "TPD": "IMF from third-party data",
}
DIMENSIONS = ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY", "TIME_PERIOD", "OBS_VALUE")
COLUMNS_READ = frozenset({*DIMENSIONS, "DATAFLOW", "STRUCTURE_ID", "ACTION", "UPDATE_DATE", "PUBLICATION_DATE", "DERIVATION_TYPE"})
FREQUENCIES = {"M": "monthly", "Q": "quarterly", "A": "annual"}
_CATEGORY = pa.dictionary(pa.int32(), pa.string())  # few distinct values: checked once each
# Arrow reads this much at a time: it reads ahead, so bigger blocks cost memory (64 MB: 2.4 GB)
# and were no faster
BLOCK_BYTES = 4 << 20
PART_ROWS = 100_000  # rows checked and handed to the store at a time
# Empty lines the IMF never writes, tolerated up to here (a pasted file's trailing lines); past it
# the file is refused at once instead of being read for minutes (a gzip of a gigabyte of
# newlines is 1 MB on disk)
MAX_BLANK_LINES = 1_000

_ISO3 = re.compile(r"[A-Z]{3}")
_AGGREGATE = re.compile(r"(?:G|GX|TX)\d[0-9A-Z_]*")
_DATAFLOW = re.compile(re.escape(DATAFLOW_ID) + r"(?:\(\d+(?:\.\d+)*\))?")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_DATE = re.compile(r"(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?:[T ].*)?")
_PERIODS = {
    "M": re.compile(r"(\d{4})-M(0[1-9]|1[0-2])"),
    "Q": re.compile(r"(\d{4})-Q([1-4])"),
    "A": re.compile(r"(\d{4})"),
}
_PERIOD_EXAMPLES = {"M": "2025-M10", "Q": "2025-Q1", "A": "2025"}
_START = re.compile(r"(\d{4})(?:-(?:M?(0[1-9]|1[0-2])|Q([1-4])))?")


class _Problem(ValueError):
    """A bad row: `DataFileError` with the response's name and the line."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


# --- parsing ----------------------------------------------------------------------------


def parse(text: str, *, name: str = "response", retrieved_at: str | None = None, source_url: str = "") -> list[dict]:
    """Rows for the `figures` table (keys `store.FIGURE_COLUMNS`), or one-line `DataFileError`.
    A header-only body is a data set with no observations yet: `[]`."""
    rows, skipped = parse_counted(text, name=name, retrieved_at=retrieved_at, source_url=source_url)
    if skipped:
        log.info("%s: %d observations; skipped %s", name, len(rows), ", ".join(f"{n} {why}" for why, n in skipped.items()))
    return rows


def parse_counted(
    text: str, *, name: str = "response", retrieved_at: str | None = None, source_url: str = ""
) -> tuple[list[dict], Counter]:
    """`parse`, plus how many rows were skipped and why (`key-only`, `aggregate`, `indicator`, `deleted`)."""
    records, skipped = parse_records(text, name=name, retrieved_at=retrieved_at, source_url=source_url)
    return [dict(zip(FIGURE_COLUMNS, record, strict=True)) for record in records], skipped


def parse_records(
    text: str, *, name: str = "response", retrieved_at: str | None = None, source_url: str = ""
) -> tuple[list[tuple], Counter]:
    """`parse_counted` with rows as tuples in `FIGURE_COLUMNS` order, which is what the store
    takes fastest."""
    records: list[tuple] = []
    skipped: Counter = Counter()
    for part, part_skipped in read_records(io.BytesIO(text.encode("utf-8")), name=name, retrieved_at=retrieved_at,
                                           source_url=source_url):
        records += part
        skipped += part_skipped
    return records, skipped


def read_records(
    stream: BinaryIO, *, name: str, retrieved_at: str | None = None, source_url: str = ""
) -> Iterator[tuple[list[tuple], Counter]]:
    """A response or file as parts of about `PART_ROWS` rows each, so ten million rows never sit in
    memory at once: each part's rows (tuples in `FIGURE_COLUMNS` order) and what it skipped.
    A problem in any part raises `DataFileError`; a caller storing parts as they come must
    store them in one transaction."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    for frame, lines in _frames(stream, name, BLOCK_BYTES, PART_ROWS):
        try:
            yield _figures(frame, lines, name, retrieved_at, source_url)
        except _Problem as problem:
            raise DataFileError(f"{name} line {problem.line}: {problem}") from None


def recognise(head: str) -> bool:
    return head.lstrip().startswith(("DATAFLOW", "STRUCTURE"))


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[tuple]]:
    """A saved response or bulk file (gzipped or not), a part at a time, read and checked as it
    goes; what it skipped (aggregates, other indicators, key-only rows) is remarked at the end."""
    skipped: Counter = Counter()
    try:
        with sources.open_bytes(path, meter) as stream:
            for records, part_skipped in read_records(stream, name=path.name):
                skipped += part_skipped
                yield records
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(f"{path.name} is a damaged file: {error}") from None
    if skipped:
        remark("skipped " + ", ".join(f"{count:,} {why}" for why, count in skipped.items()))


def read(path: Path, retrieved_at: str | None = None) -> list[dict]:
    """A saved response, gzipped or plain (told apart by the gzip magic bytes, not the name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataFileError(f"{path.name} cannot be read: {error.strerror or error}") from None
    return parse(_text(data, path.name, DataFileError), name=path.name, retrieved_at=retrieved_at)


def _text(data: bytes, name: str, error: type[Exception]) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as problem:
            raise error(f"{name} is a damaged gzip file: {problem}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(f"{name} is not UTF-8 text (byte {problem.start}).") from None


def _frames(stream: BinaryIO, name: str, block_bytes: int, part_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The body as frames of the columns tradebot reads (categorical but for OBS_VALUE), in parts
    of about `part_rows` rows, and the file line of each row.

    Arrow's CSV reader does the reading, at C++ speed and a block at a time; it refuses a row
    with more or fewer fields than the header, which `on_invalid_row` turns into our message."""
    head = stream.read(4096)
    stream.seek(0)
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff").lstrip()
    if not text:
        raise DataFileError(f"{name} is empty: not even an SDMX-CSV header.")
    if text.startswith("<"):
        kind = "an HTML page" if "<html" in text[:2000].lower() or "<!doctype html" in text[:2000].lower() else "XML"
        raise DataFileError(f"{name} is {kind}, not SDMX-CSV.")
    if text.startswith(("{", "[")):
        raise DataFileError(f"{name} is JSON, not SDMX-CSV{_json_message(stream.read().decode('utf-8', errors='replace'))}.")
    header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]))
    names = {_column_name(column): column for column in header if _column_name(column) in COLUMNS_READ}
    missing = [column for column in DIMENSIONS if column not in names]
    if "DATAFLOW" not in names and "STRUCTURE_ID" not in names:
        missing.insert(0, "DATAFLOW (or STRUCTURE_ID)")
    if "UPDATE_DATE" not in names and "PUBLICATION_DATE" not in names:
        missing.append("UPDATE_DATE (or PUBLICATION_DATE)")
    if missing:
        raise DataFileError(f"{name} is not IMF IMTS SDMX-CSV: it lacks the columns {', '.join(missing)}.")
    if len(head) < 4096 and not text.partition("\n")[2].strip():
        return  # a header and no rows: a data set with no observations yet (Arrow would call it empty)

    problems: list[str] = []
    blank_lines: list[int] = []  # whitespace-only lines: skipped, but the lines after them keep their numbers
    blank_count = 0

    def on_invalid_row(row) -> str:
        nonlocal blank_count
        if not row.text.strip():
            blank_count += 1
            if blank_count > MAX_BLANK_LINES:
                problems.append(_too_many_blank_lines(name))
                return "error"  # not an exception: one raised inside Arrow's reading can abort the process
            blank_lines.append(row.number)
            return "skip"
        if row.text.count('"') % 2:
            problems.append(f"{name} is truncated or malformed: a quoted field opened on line {row.number} never closes.")
        else:
            problems.append(f"{name} is truncated or malformed: line {row.number} has {row.actual_columns} fields, "
                            f"the header {row.expected_columns}.")
        return "error"

    tail = _Tail(stream)
    try:
        reader = pacsv.open_csv(
            tail,
            read_options=pacsv.ReadOptions(block_size=block_bytes, use_threads=False),  # row numbers need one thread
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(names.values()),
                column_types={column: pa.string() if label == "OBS_VALUE" else _CATEGORY for label, column in names.items()},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
        next_line, batches, lines = 2, [], []

        def part() -> tuple[pd.DataFrame, np.ndarray]:
            nonlocal blank_count, batches, lines
            frame, frame_lines = _frame(batches, lines)
            blank_count += sum(batch.num_rows for batch in batches) - len(frame)  # rows of empty fields
            if blank_count + tail.empty_lines > MAX_BLANK_LINES:
                raise DataFileError(_too_many_blank_lines(name))
            batches, lines = [], []
            return frame, frame_lines

        for batch in reader:
            numbers = np.arange(next_line, next_line + batch.num_rows)
            for skipped_line in blank_lines:  # rare: shift the rows after each skipped line
                numbers[numbers >= skipped_line] += 1
            blank_lines.clear()
            next_line = int(numbers[-1]) + 1 if len(numbers) else next_line
            batches.append(batch)
            lines.append(numbers)
            if sum(batch.num_rows for batch in batches) >= part_rows:
                yield part()
        if batches or tail.empty_lines > MAX_BLANK_LINES:
            yield part()
        # Arrow ends a quoted field at the end of the file; SDMX-CSV never does
        if tail.last_line().count(b'"') % 2:
            raise DataFileError(f"{name} is truncated or malformed: a quoted field opened on line {next_line - 1} never closes.")
    except pa.ArrowInvalid as error:
        if tail.empty_lines > MAX_BLANK_LINES:
            raise DataFileError(_too_many_blank_lines(name)) from None
        if problems:
            raise DataFileError(problems[0]) from None
        if "invalid UTF8" in str(error):
            raise DataFileError(f"{name} is not UTF-8 text.") from None
        raise DataFileError(f"{name} cannot be read as CSV: {' '.join(str(error).split())}.") from None


def _too_many_blank_lines(name: str) -> str:
    return f"{name} is not an SDMX-CSV response: it has more than {MAX_BLANK_LINES:,} empty lines (the IMF writes none)."


class _Tail:
    """A binary stream that remembers the end of what has been read from it, and refuses a run of
    empty lines before Arrow parses it (Arrow takes each as a row: 4 MB of newlines cost it 2 s
    and 1 GB)."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.tail = stream, b""
        self.closed = False  # Arrow checks it before reading
        self.empty_lines = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.empty_lines += data.count(b"\n\n") + data.count(b"\n\r\n")  # at least half of them: enough to tell
        if self.empty_lines > MAX_BLANK_LINES:
            return b""  # the end, to Arrow: an exception raised inside its reading can abort the process
        self.tail = (self.tail + data)[-65536:] if len(data) < 65536 else data[-65536:]
        return data

    def last_line(self) -> bytes:
        return self.tail.rstrip(b"\r\n").rpartition(b"\n")[2]


def _frame(batches: list[pa.RecordBatch], lines: list[np.ndarray]) -> tuple[pd.DataFrame, np.ndarray]:
    """Arrow's blocks as one frame (categories unified across them), and each row's line."""
    frame = pa.Table.from_batches(batches).to_pandas()
    frame.columns = [_column_name(column) for column in frame.columns]
    numbers = np.concatenate(lines)
    # an empty line is a row of empty fields to Arrow (so lines keep their numbers): drop it
    empty = (frame == "").all(axis=1).to_numpy()
    return (frame[~empty], numbers[~empty]) if empty.any() else (frame, numbers)


def _column_name(column: object) -> str:
    # the 3.0 layout may name its first column `STRUCTURE[;]` (the sub-value separator)
    return re.sub(r"\[.*\]$", "", str(column).strip())


def _json_message(text: str) -> str:
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        return ""
    return f" (it says “{' '.join(str(message).split())[:200]}”)" if message else ""


def _figures(frame: pd.DataFrame, lines: np.ndarray, name: str, retrieved_at: str, source_url: str) -> tuple[list[tuple], Counter]:
    """Checks and mapping column by column (a million rows is a second, not a minute); a
    problem names the first line it occurs on. Every column but OBS_VALUE is categorical, so
    per-value work (codes, periods, dates) runs once per distinct value."""
    skipped: Counter = Counter()
    if frame.empty:
        return [], skipped
    line_of = pd.Series(lines, index=frame.index)

    def column(label: str) -> pd.Series:
        return frame[label] if label in frame.columns else pd.Series("", index=frame.index, dtype="category")

    def first_line(mask: pd.Series) -> int:
        return int(line_of[mask].iloc[0])

    flow_column = "STRUCTURE_ID" if "STRUCTURE_ID" in frame.columns else "DATAFLOW"
    flow = column(flow_column)
    bad = ~flow.isin([value for value in flow.unique() if _DATAFLOW.fullmatch(value)])
    if bad.any():
        raise _Problem(first_line(bad), f"{flow_column} “{flow[bad].iloc[0]}” is not {DATAFLOW_ID}; this is not an IMTS response")
    deleted = column("ACTION").isin(["D", "d"])  # SDMX-CSV 2.0: delete this observation
    period, value = column("TIME_PERIOD"), column("OBS_VALUE")
    key_only = ~deleted & ((period == "") | (value == "") | (value.str.lower() == "nan"))
    live = ~deleted & ~key_only
    freq = column("FREQUENCY")
    bad = live & ~freq.isin(FREQUENCIES)
    if bad.any():
        raise _Problem(first_line(bad), f"FREQUENCY “{freq[bad].iloc[0]}” is not M, Q or A")
    numbers = pd.to_numeric(value.where(live, "0"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = live & ~np.isfinite(numbers)
    if bad.any():
        raise _Problem(first_line(bad), f"OBS_VALUE “{value[bad].iloc[0][:40]}” is not a number")
    indicator = column("INDICATOR")
    other_indicator = live & ~indicator.isin(INDICATORS)
    live &= ~other_indicator
    reporter = _mapped([column("COUNTRY")], live, line_of, lambda code, line: _code(code, "COUNTRY", line))
    partner = _mapped([column("COUNTERPART_COUNTRY")], live, line_of, lambda code, line: _code(code, "COUNTERPART_COUNTRY", line))
    aggregate = live & (reporter.isna() | partner.isna())
    live &= ~aggregate
    start = _mapped([freq, period], live, line_of, lambda *key: _span(*key)[0])
    end = _mapped([freq, period], live, line_of, lambda *key: _span(*key)[1])
    published = _mapped([column("UPDATE_DATE"), column("PUBLICATION_DATE")], live, line_of, _date)
    skipped.update({"deleted": int(deleted.sum()), "key-only": int(key_only.sum()),
                    "indicator": int(other_indicator.sum()), "aggregate": int(aggregate.sum())})
    rows = pd.DataFrame({
        "reporter": reporter[live], "partner": partner[live], "indicator": indicator[live].map(INDICATORS),
        "period_start": start[live], "period_end": end[live],
        "value": numbers[live.to_numpy()],
    })
    duplicated = rows.duplicated(subset=["reporter", "partner", "indicator", "period_start", "period_end"], keep="first")
    if duplicated.any():
        _duplicate(rows, duplicated, line_of, indicator, period)
    published, note = published[live].tolist(), column("DERIVATION_TYPE")[live].map(DERIVATION_NOTES).fillna("").tolist()
    # plain tuples in the store's column order: the fastest hand-over to SQLite
    records = list(zip(
        rows["reporter"].tolist(), rows["partner"].tolist(), rows["indicator"].tolist(),
        rows["period_start"].tolist(), rows["period_end"].tolist(), rows["value"].tolist(),
        itertools.repeat("USD"), itertools.repeat(SOURCE), published, itertools.repeat(retrieved_at),
        itertools.repeat(source_url), note, itertools.repeat(""),  # product: all goods
    ))
    return records, Counter({why: n for why, n in skipped.items() if n})


def _mapped(columns: list[pd.Series], rows: pd.Series, line_of: pd.Series, convert) -> pd.Series:
    """`convert(*values, line)` once per distinct combination of the columns' values among
    `rows`, spread back over them (missing elsewhere)."""
    codes = np.zeros(len(rows), dtype=np.int64)
    for values in columns:
        values = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
        codes = codes * len(values.cat.categories) + values.cat.codes.to_numpy()
    codes = pd.Series(codes, index=rows.index)
    wanted = codes[rows]
    first_rows = pd.Series(np.flatnonzero(rows.to_numpy()), index=wanted.index).groupby(wanted.to_numpy(), sort=False).first()
    table = {code: convert(*(values.iat[row] for values in columns), int(line_of.iat[row])) for code, row in first_rows.items()}
    return codes.map(table).where(rows)


def _duplicate(rows: pd.DataFrame, duplicated: pd.Series, line_of: pd.Series, indicator: pd.Series, period: pd.Series) -> None:
    """Name the first duplicated observation and the line of its first copy."""
    index = duplicated[duplicated].index[0]
    key = ["reporter", "partner", "indicator", "period_start", "period_end"]
    same = (rows[key] == rows.loc[index, key]).all(axis=1)
    first = same[same].index[0]
    first_value, number = rows.loc[first, "value"], rows.loc[index, "value"]
    how = "the same value twice" if first_value == number else f"two values, {first_value:,.2f} and {number:,.2f}"
    raise _Problem(int(line_of[index]), f"duplicate observation {rows.loc[index, 'reporter']}→{rows.loc[index, 'partner']} "
                                        f"{indicator[index]} {period[index]} (also on line {int(line_of[first])}) with {how}")


def _code(code: str, column: str, line: int) -> str | None:
    """An IMF area code → the bot's code; None for an aggregate that is skipped."""
    if code in CODES:
        return CODES[code]
    if _ISO3.fullmatch(code):
        return code
    if _AGGREGATE.fullmatch(code):
        return None
    raise _Problem(line, f"{column} “{code}” is neither an ISO alpha-3 code nor an IMF aggregate (G…, GX…, TX…)")


def _span(freq: str, period: str, line: int) -> tuple[str, str]:
    """`2025-M10` → 2025-10..2025-10, `2025-Q1` → 2025-01..2025-03, `2025` → 2025-01..2025-12."""
    match = _PERIODS[freq].fullmatch(period)
    if not match:
        raise _Problem(line, f"TIME_PERIOD “{period}” is not a {FREQUENCIES[freq]} period like {_PERIOD_EXAMPLES[freq]}")
    year = match[1]
    if freq == "M":
        return f"{year}-{match[2]}", f"{year}-{match[2]}"
    if freq == "Q":
        first = 3 * int(match[2]) - 2
        return f"{year}-{first:02d}", f"{year}-{first + 2:02d}"
    return f"{year}-01", f"{year}-12"


def _date(update: str, publication: str, line: int) -> str:
    """UPDATE_DATE's date part (`2026-08-05T23:36:59.603105500Z` → 2026-08-05), else PUBLICATION_DATE's."""
    stamp, label = (update, "UPDATE_DATE") if update else (publication, "PUBLICATION_DATE")
    if not stamp:
        raise _Problem(line, "has neither UPDATE_DATE nor PUBLICATION_DATE, so the vintage is unknown")
    match = _DATE.fullmatch(stamp)
    if not match or not sources.is_date(match[1]):
        raise _Problem(line, f"{label} “{stamp[:40]}” is not a date")
    return match[1]


# --- fetching ---------------------------------------------------------------------------


def series_url(reporter: str, start: str, base: str = IMF_BASE) -> str:
    """The 2.1 data URL for one reporter's exports, imports and balance with every partner,
    monthly, from `start` (`2024`, `2024-01`, `2024-M01` or `2024-Q1`).

    Key order is COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY; an empty position is
    every code on the 2.1 endpoint (on 3.0 it would need `*`). Codes are upper-cased, since
    the IMF answers lower case with an empty data set rather than an error."""
    code = reporter.strip().upper()
    code = IMF_CODES.get(code, code)
    if not re.fullmatch(r"[A-Z]{3}|(?:G|GX|TX)\d[0-9A-Z_]*", code):
        raise ValueError(f"reporter “{reporter}” is not an ISO alpha-3 code or an IMF aggregate")
    if not _START.fullmatch(start.strip()):
        raise ValueError(f"start “{start}” is not a period like 2024, 2024-01, 2024-M01 or 2024-Q1")
    return f"{base.rstrip('/')}/data/IMF.STA,IMTS/{code}.{'+'.join(INDICATORS)}..M?startPeriod={start.strip()}"


def start_month(start: str) -> str:
    """`2024` → 2024-01, `2024-M03`/`2024-03` → 2024-03, `2024-Q2` → 2024-04."""
    match = _START.fullmatch(start.strip())
    if not match:
        raise ValueError(f"start “{start}” is not a period like 2024, 2024-01, 2024-M01 or 2024-Q1")
    month = int(match[2]) if match[2] else 3 * int(match[3]) - 2 if match[3] else 1
    return f"{match[1]}-{month:02d}"


async def fetch_each(
    reporters: Sequence[str],
    *,
    start: str,
    base: str | None = None,  # None: IMF_BASE
    session: aiohttp.ClientSession | None = None,
    min_interval: float = 1.0,
    backoff: Sequence[float] = (2, 5, 10),
    timeout: float = 120,
) -> AsyncIterator[tuple[str, str, str | SourceUnavailable]]:
    """(reporter, url, csv_text or the error) per reporter, as each arrives, so one bad series
    costs only itself. A header-only body (no data yet) is returned like any other. When the
    host cannot be reached at all, `SourceUnreachable` ends the run: the rest would fail too."""
    urls = [(reporter, series_url(reporter, start, base or IMF_BASE)) for reporter in reporters]
    own = session is None
    if own and urls:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    pacer = http.Pacer(min_interval)
    try:
        for reporter, url in urls:
            try:
                yield reporter, url, await _get_csv(session, url, pacer, backoff, timeout)
            except SourceUnreachable:
                raise
            except SourceUnavailable as error:
                yield reporter, url, error
    finally:
        if own and urls:
            await session.close()


async def fetch_batches(reporters: Sequence[str], since: str, known_urls=frozenset(),
                        **options) -> AsyncIterator[tuple[str, list[dict] | TradebotError]]:
    """The live plug-in: (name, rows or the error that kept them) per reporter, keeping only
    periods from `since` on (the IMF's own period filter is not trusted; DATA_SOURCES §1.7).
    Every series is fetched again whatever `known_urls` holds: the IMF revises. Options as for
    `fetch_each`."""
    first = start_month(since)
    async for reporter, url, text in fetch_each(reporters, start=since, **options):
        name = f"IMF IMTS {reporter}"
        if isinstance(text, TradebotError):
            yield name, text
            continue
        try:
            yield name, [row for row in parse(text, name=name, source_url=url) if row["period_start"] >= first]
        except TradebotError as error:
            yield name, error


async def fetch(reporters: Sequence[str], *, start: str, **options) -> list[tuple[str, str, str]]:
    """(reporter, url, csv_text) per reporter, in order; raises `SourceUnavailable` for the
    first reporter that cannot be had after `len(backoff) + 1` tries or answers with something
    that is not CSV. Options as for `fetch_each`."""
    responses = []
    async for reporter, url, text in fetch_each(reporters, start=start, **options):
        if isinstance(text, SourceUnavailable):
            raise text
        responses.append((reporter, url, text))
    return responses


async def fetch_rows(reporters: Sequence[str], *, start: str, **kwargs) -> list[dict]:
    """`fetch`, then `parse` each response, keeping only periods from `start` on (the IMF's
    own period filter is not trusted; DATA_SOURCES §1.7). All rows share one `retrieved_at`."""
    retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
    first = start_month(start)
    rows = []
    for reporter, url, text in await fetch(reporters, start=start, **kwargs):
        parsed = parse(text, name=f"IMF IMTS {reporter}", retrieved_at=retrieved_at, source_url=url)
        rows += [row for row in parsed if row["period_start"] >= first]
    return rows


async def _get_csv(session: aiohttp.ClientSession, url: str, pacer: http.Pacer, backoff: Sequence[float], timeout: float) -> str:
    async def read(response: aiohttp.ClientResponse) -> str:
        if 200 <= response.status < 300 and response.status != 204:
            return await _csv_body(response, url)
        detail = _json_message((await response.read())[:4000].decode("utf-8", "replace"))
        raise SourceUnavailable(f"{url} answered {http.status_text(response)}{detail}, not data.")

    return await http.get(session, url, read, label="IMF IMTS", pacer=pacer, backoff=backoff, timeout=timeout,
                          headers={"Accept": ACCEPT, "Accept-Encoding": "gzip"})


async def _csv_body(response: aiohttp.ClientResponse, url: str) -> str:
    content_type = response.headers.get("Content-Type", "")
    where = f"{url} (redirected to {response.url})" if response.history else url
    lowered = content_type.lower()
    if "csv" not in lowered:
        kind = "an HTML page" if "html" in lowered else "XML" if "xml" in lowered else "JSON" if "json" in lowered else ""
        if kind:
            raise SourceUnavailable(f"{where} answered with {kind}, not CSV ({content_type}).")
        raise SourceUnavailable(f"{where} answered with Content-Type “{content_type or 'none'}”, not CSV.")
    data = await response.read()  # a cut-off or damaged gzip stream is a ClientPayloadError: retried
    text = _text(data, where, SourceUnavailable)
    if text.lstrip()[:1] == "<":
        raise SourceUnavailable(f"{where} answered with an HTML page, not CSV (despite {content_type}).")
    return text


