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

import asyncio
import csv
import errno
import gzip
import io
import json
import logging
import random
import re
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import numpy as np
import pandas as pd

from tradebot import __version__
from tradebot.errors import DataFileError, SourceUnavailable, SourceUnreachable
from tradebot.store import FIGURE_COLUMNS

log = logging.getLogger(__name__)

SOURCE = "IMF IMTS"
IMF_BASE = "https://api.imf.org/external/sdmx/2.1"
DATAFLOW_ID = "IMF.STA:IMTS"
ACCEPT = "application/vnd.sdmx.data+csv;version=2.0.0"
USER_AGENT = f"tradebot/{__version__} (+https://github.com/; trade-figures Discord bot)"
HEADERS = {"Accept": ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
MAX_RETRY_AFTER = 300.0  # a longer wait asked by a 429/503 is given up on at once

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
_QUOTED = re.compile(r'"[^"]*"')  # a doubled quote inside a field splits it in two such runs: still blanked
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
    text: str, *, name: str = "response", retrieved_at: str | None = None, source_url: str = "", first_line: int = 1
) -> tuple[list[tuple], Counter]:
    """`parse_counted` with rows as tuples in `FIGURE_COLUMNS` order, which is what the store
    takes fastest. `first_line` is the file line of `text`'s header, for a file read in parts."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    frame, lines = _frame(text, name, first_line - 1)
    try:
        return _figures(frame, lines, name, retrieved_at, source_url)
    except _Problem as problem:
        raise DataFileError(f"{name} line {problem.line}: {problem}") from None


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


def _frame(text: str, name: str, offset: int = 0) -> tuple[pd.DataFrame, list[int]]:
    """The body as a frame of strings, and the file line each frame row starts on."""
    text = text.removeprefix("\ufeff")
    head = text.lstrip()[:2000]
    if not head:
        raise DataFileError(f"{name} is empty: not even an SDMX-CSV header.")
    if head.startswith("<"):
        kind = "an HTML page" if "<html" in head.lower() or "<!doctype html" in head.lower() else "XML"
        raise DataFileError(f"{name} is {kind}, not SDMX-CSV.")
    if head.startswith(("{", "[")):
        raise DataFileError(f"{name} is JSON, not SDMX-CSV{_json_message(text)}.")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, usecols=_wanted)
    except pd.errors.ParserError as error:
        raise DataFileError(f"{name} is truncated or malformed: {_parser_problem(str(error))}.") from None
    except (pd.errors.EmptyDataError, csv.Error, ValueError) as error:
        raise DataFileError(f"{name} cannot be read as CSV: {' '.join(str(error).split())}.") from None
    frame.columns = [_column_name(column) for column in frame.columns]
    missing = [column for column in DIMENSIONS if column not in frame.columns]
    if "DATAFLOW" not in frame.columns and "STRUCTURE_ID" not in frame.columns:
        missing.insert(0, "DATAFLOW (or STRUCTURE_ID)")
    if "UPDATE_DATE" not in frame.columns and "PUBLICATION_DATE" not in frame.columns:
        missing.append("UPDATE_DATE (or PUBLICATION_DATE)")
    if missing:
        raise DataFileError(f"{name} is not IMF IMTS SDMX-CSV: it lacks the columns {', '.join(missing)}.")
    # pandas pads a short row and, reading only some columns, shifts a long one: count every
    # record's fields. Quoted fields are blanked first (they may hold commas, never newlines
    # in SDMX-CSV), then commas are counted line by line, at C speed.
    records = [line for line in _QUOTED.sub("", text).split("\n")]
    width = records[0].count(",") + 1
    lines = []
    for number, record in enumerate(records[1:], start=2):
        if not record.strip():
            continue
        if '"' in record:
            raise DataFileError(f"{name} is truncated or malformed: a quoted field opened on line {number + offset} never closes.")
        fields = record.count(",") + 1
        if fields != width:
            raise DataFileError(f"{name} is truncated or malformed: line {number + offset} has {fields} fields, the header {width}.")
        lines.append(number + offset)
    if len(lines) != len(frame):  # cannot happen unless pandas and this count disagree on records
        raise DataFileError(f"{name} is malformed: {len(frame)} rows read but {len(lines)} records counted.")
    return frame, lines


def _column_name(column: object) -> str:
    # the 3.0 layout may name its first column `STRUCTURE[;]` (the sub-value separator)
    return re.sub(r"\[.*\]$", "", str(column).strip())


def _wanted(column: object) -> bool:
    return _column_name(column) in COLUMNS_READ


def _parser_problem(message: str) -> str:
    message = " ".join(message.split())
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message):
        return f"line {match[2]} has {match[3]} fields, the header {match[1]}"
    if match := re.search(r"EOF inside string starting at row (\d+)", message):
        return f"a quoted field opened on line {int(match[1]) + 1} never closes"
    return message.removeprefix("Error tokenizing data. C error: ")


def _json_message(text: str) -> str:
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        return ""
    return f" (it says “{' '.join(str(message).split())[:200]}”)" if message else ""


def _figures(frame: pd.DataFrame, lines: list[int], name: str, retrieved_at: str, source_url: str) -> tuple[list[dict], Counter]:
    """Checks and mapping column by column (a million rows is a second, not a minute); a
    problem names the first line it occurs on. Per-value work (codes, periods, dates) runs
    once per distinct value."""
    skipped: Counter = Counter()
    if frame.empty:
        return [], skipped
    line_of = pd.Series(lines, index=frame.index)

    def column(label: str) -> pd.Series:
        return frame[label] if label in frame.columns else pd.Series("", index=frame.index, dtype=object)

    def first_line(mask: pd.Series) -> int:
        return int(line_of[mask].iloc[0])

    flow_column = "STRUCTURE_ID" if "STRUCTURE_ID" in frame.columns else "DATAFLOW"
    flow = column(flow_column)
    bad = ~flow.isin([value for value in flow.unique() if _DATAFLOW.fullmatch(value)])
    if bad.any():
        raise _Problem(first_line(bad), f"{flow_column} “{flow[bad].iloc[0]}” is not {DATAFLOW_ID}; this is not an IMTS response")
    deleted = column("ACTION").str.upper() == "D"  # SDMX-CSV 2.0: delete this observation
    period, value = column("TIME_PERIOD"), column("OBS_VALUE")
    key_only = ~deleted & ((period == "") | (value == "") | (value.str.lower() == "nan"))
    live = ~deleted & ~key_only
    freq = column("FREQUENCY")
    bad = live & ~freq.isin(FREQUENCIES)
    if bad.any():
        raise _Problem(first_line(bad), f"FREQUENCY “{freq[bad].iloc[0]}” is not M, Q or A")
    numbers = pd.to_numeric(value.where(live, "0"), errors="coerce")
    bad = live & ~np.isfinite(numbers)
    if bad.any():
        raise _Problem(first_line(bad), f"OBS_VALUE “{value[bad].iloc[0][:40]}” is not a number")
    indicator = column("INDICATOR")
    other_indicator = live & ~indicator.isin(INDICATORS)
    live &= ~other_indicator
    reporter = _mapped(column("COUNTRY"), live, line_of, lambda code, line: _code(code, "COUNTRY", line))
    partner = _mapped(column("COUNTERPART_COUNTRY"), live, line_of, lambda code, line: _code(code, "COUNTERPART_COUNTRY", line))
    aggregate = live & (reporter.isna() | partner.isna())
    live &= ~aggregate
    span = _mapped(freq + "|" + period, live, line_of, lambda key, line: "..".join(_span(*key.split("|", 1), line)))
    published = _mapped(column("UPDATE_DATE") + "|" + column("PUBLICATION_DATE"), live, line_of,
                        lambda key, line: _date(*key.split("|", 1), line))
    skipped.update({"deleted": int(deleted.sum()), "key-only": int(key_only.sum()),
                    "indicator": int(other_indicator.sum()), "aggregate": int(aggregate.sum())})
    rows = pd.DataFrame({
        "reporter": reporter[live], "partner": partner[live], "indicator": indicator[live].map(INDICATORS),
        "period_start": span[live].str[:7], "period_end": span[live].str[-7:], "value": numbers[live].astype(float),
    })
    duplicated = rows.duplicated(subset=["reporter", "partner", "indicator", "period_start", "period_end"], keep="first")
    if duplicated.any():
        _duplicate(rows, duplicated, line_of, indicator, period)
    rows["unit"], rows["source"], rows["published"] = "USD", SOURCE, published[live]
    rows["retrieved_at"], rows["source_url"] = retrieved_at, source_url
    rows["note"] = column("DERIVATION_TYPE")[live].map(DERIVATION_NOTES).fillna("")
    # plain tuples in the store's column order: the fastest hand-over to SQLite
    records = list(zip(*(rows[name].tolist() for name in FIGURE_COLUMNS), strict=True))
    return records, Counter({why: n for why, n in skipped.items() if n})


def _mapped(values: pd.Series, rows: pd.Series, line_of: pd.Series, convert) -> pd.Series:
    """`convert(value, line)` once per distinct value among `rows`, spread back over them."""
    wanted = values[rows]
    firsts = line_of[rows].groupby(wanted, sort=False).first()
    table = {value: convert(value, int(line)) for value, line in firsts.items()}
    return values.map(table).where(rows)


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
    if not match:
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


class _Pacer:
    """At most one request per `interval` seconds: the next starts `interval` after the last ended."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last: float | None = None

    async def wait(self) -> None:
        if self.last is not None:
            delay = self.last + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    def done(self) -> None:
        self.last = time.monotonic()


async def fetch_each(
    reporters: Sequence[str],
    *,
    start: str,
    base: str = IMF_BASE,
    session: aiohttp.ClientSession | None = None,
    min_interval: float = 1.0,
    backoff: Sequence[float] = (2, 5, 10),
    timeout: float = 120,
) -> AsyncIterator[tuple[str, str, str | SourceUnavailable]]:
    """(reporter, url, csv_text or the error) per reporter, as each arrives, so one bad series
    costs only itself. A header-only body (no data yet) is returned like any other. When the
    host cannot be reached at all, `SourceUnreachable` ends the run: the rest would fail too."""
    urls = [(reporter, series_url(reporter, start, base)) for reporter in reporters]
    own = session is None
    if own and urls:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    pacer = _Pacer(min_interval)
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


async def _get_csv(session: aiohttp.ClientSession, url: str, pacer: _Pacer, backoff: Sequence[float], timeout: float) -> str:
    tries = len(backoff) + 1
    host = urlsplit(url).netloc
    for attempt in range(tries):
        wait: float | None = None
        unreachable = False
        await pacer.wait()
        try:
            async with session.get(url, headers=HEADERS, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                status = response.status
                if status == 429 or status >= 500:
                    problem = _status(response)
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is not None and wait > MAX_RETRY_AFTER:
                        raise SourceUnavailable(f"{url} answered {problem} and asked to wait {wait:.0f} s; try again later.")
                elif 200 <= status < 300 and status != 204:
                    return await _csv_body(response, url)
                else:
                    detail = _json_message((await response.read())[:4000].decode("utf-8", "replace"))
                    raise SourceUnavailable(f"{url} answered {_status(response)}{detail}, not data.")
        except aiohttp.ClientSSLError as error:
            raise SourceUnavailable(f"{url}: the TLS connection failed: {_one_line(error)}") from None
        except aiohttp.ClientConnectorError as error:
            unreachable, problem = True, _connect_reason(error)
        except (aiohttp.TooManyRedirects, aiohttp.InvalidURL) as error:
            raise SourceUnavailable(f"{url}: {type(error).__name__}: {_one_line(error)}") from None
        except (aiohttp.ClientError, TimeoutError) as error:
            problem = f"timed out after {timeout:g} s" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {_one_line(error)}"
        finally:
            pacer.done()
        if attempt + 1 < tries:
            delay = wait if wait is not None else backoff[attempt] * random.uniform(1.0, 1.2)  # with jitter
            log.warning("IMF IMTS %s: %s; retrying in %.1f s (%d/%d)", url, problem, delay, attempt + 1, tries - 1)
            await asyncio.sleep(delay)
    tried = f"{tries} tries" if tries > 1 else "1 try"
    if unreachable:
        raise SourceUnreachable(f"Could not reach {host}: {problem} ({tried}, {url}).")
    raise SourceUnavailable(f"{url} failed: {problem} ({tried}).")


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


def _status(response: aiohttp.ClientResponse) -> str:
    return f"HTTP {response.status} {response.reason or ''}".strip()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _connect_reason(error: aiohttp.ClientConnectorError) -> str:
    os_error = error.os_error
    if isinstance(os_error, OSError) and os_error.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
        return {errno.ECONNREFUSED: "connection refused", errno.EHOSTUNREACH: "no route to host",
                errno.ENETUNREACH: "network unreachable"}[os_error.errno]
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed ({_one_line(os_error.strerror or os_error)})"
    return _one_line(getattr(os_error, "strerror", None) or error)


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:300]
