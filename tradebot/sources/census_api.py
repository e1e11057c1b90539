"""The US Census Bureau's international-trade API (DATA_SOURCES.md §2): US exports and general
imports with every partner, one request per flow and month, and a saved response as a file.

A response is "streamlined JSON": a header row, then rows of strings — `CTY_CODE`, `CTY_NAME`,
the month's value in full dollars (`ALL_VAL_MO` for exports, f.a.s.; `GEN_VAL_MO` for general
imports, customs value) and the `time` predicate. `CTY_CODE` `-` is the world total; the EU
(`0003`) and ASEAN (`0027`) are kept as the bot's groups, every other grouping (continents,
OECD, NATO …) is skipped, and a country is placed by its Census name
(`countries.us_trade_partner`; the West Bank and Gaza, one ISO code between them, are left out). The API states no
release date: a figure's `published` is the day it was read, and its note says so.

Since May 2026 every request needs a key (`CENSUS_API_KEY`); without one the source is off.
A 204 is a month not published yet (the new-month signal); a redirect is a key problem.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tradebot import countries, sources
from tradebot.errors import DataFileError, SourceUnavailable, echo
from tradebot.periods import Month, today_utc

log = logging.getLogger(__name__)

SOURCE = "US Census Bureau"
REPORTER = "USA"
API = "https://api.census.gov/data/timeseries/intltrade"
FLOWS = {"exports": ("exports/hs", "ALL_VAL_MO"), "imports": ("imports/hs", "GEN_VAL_MO")}
VALUE_FLOWS = {variable: flow for flow, (_endpoint, variable) in FLOWS.items()}
KEY_SIGNUP = "https://api.census.gov/data/key_signup.html"
NO_KEY = f"The Census API needs a key since May 2026: set CENSUS_API_KEY (free at {KEY_SIGNUP}); the Census source is off."
NOTE = "read date: the Census API states no release date; published is the day it was read ({read})"
GROUPS = {"-": "WLD", "0003": "EU27", "0027": "ASEAN"}

def recognise(head: str) -> bool:
    start = head.lstrip()
    return start.startswith("[[") and "CTY_CODE" in start[:200] and any(variable in start[:300] for variable in VALUE_FLOWS)


def batches(path: Path, remark: Callable[[str], None] = lambda text: None, meter: sources.Meter | None = None) -> Iterator[list[dict]]:
    """A saved response (one flow, one or more months)."""
    yield parse(sources.read_text(path, meter), name=path.name, remark=remark)


def parse(text: str, *, name: str = "response", source_url: str = "", retrieved_at: str | None = None,
          remark: Callable[[str], None] = lambda text: None) -> list[dict]:
    """Rows for the `figures` table from one response, every cell checked; a bad response is
    refused whole with a one-line `DataFileError` naming it."""
    retrieved_at = retrieved_at or datetime.now(UTC).isoformat(timespec="seconds")
    try:
        table = json.loads(text)
    except json.JSONDecodeError:
        raise DataFileError(f"{name} is not the Census API's JSON: it starts “{echo(text.strip()[:80], 80)}”.") from None
    if not (isinstance(table, list) and table and all(isinstance(row, list) for row in table)
            and all(isinstance(cell, str) for row in table for cell in row)):
        raise DataFileError(f"{name} is not the Census API's table: a list of rows of strings.")
    header = table[0]
    where = {column: header.index(column) for column in ("CTY_CODE", "CTY_NAME", "time", *VALUE_FLOWS) if column in header}
    variable = next((variable for variable in VALUE_FLOWS if variable in where), None)
    missing = [column for column in ("CTY_CODE", "CTY_NAME", "time") if column not in where] + ([] if variable else ["ALL_VAL_MO or GEN_VAL_MO"])
    if missing:
        raise DataFileError(f"{name} lacks the columns {', '.join(missing)}.")
    read_day = retrieved_at[:10]
    rows, seen, groupings, unplaced, left_out = [], set(), 0, [], []
    for number, cells in enumerate(table[1:], start=2):
        if len(cells) != len(header):
            raise DataFileError(f"{name} row {number} has {len(cells)} cells, the header {len(header)}.")
        code, country_name, period, value = (cells[where[column]] for column in ("CTY_CODE", "CTY_NAME", "time", variable))
        if _is_grouping(code):
            groupings += 1
            continue
        if country_name.strip().lower() in countries.US_TRADE_LEFT_OUT:  # the West Bank and Gaza would both be PSE
            left_out.append(country_name)
            continue
        partner = GROUPS.get(code) or countries.us_trade_partner(country_name)
        if partner is None:
            unplaced.append(country_name)
            continue
        if not sources.is_plain_number(value) or "." in value or value.startswith("-"):
            raise DataFileError(f"{name} row {number} ({echo(country_name, 40)}): the value “{echo(value, 20)}” is not a whole number of dollars.")
        try:
            month = Month.parse(period) if len(period) == 7 and period[4] == "-" else None
        except ValueError:
            month = None
        if month is None or not 1 <= month.month <= 12 or month >= Month.of(today_utc()):
            raise DataFileError(f"{name} row {number}: “{echo(period, 20)}” is not a month that has ended.")
        if (partner, month) in seen:
            raise DataFileError(f"{name} has {echo(country_name, 40)} twice for {month}.")
        seen.add((partner, month))
        rows.append({
            "reporter": REPORTER, "partner": partner, "indicator": VALUE_FLOWS[variable], "period_start": str(month),
            "period_end": str(month), "value": float(int(value)), "unit": "USD", "source": SOURCE, "published": read_day,
            "retrieved_at": retrieved_at, "source_url": source_url, "note": NOTE.format(read=read_day), "product": "",
        })
    if groupings:
        remark(f"skipped {groupings} groupings other than the EU and ASEAN")
    if left_out:
        remark("not stored: " + "; ".join(f"{n} ({countries.US_TRADE_LEFT_OUT[n.strip().lower()]})" for n in left_out))
    if unplaced:
        remark(f"skipped {len(unplaced)} partners tradebot cannot place: {', '.join(echo(n, 40) for n in unplaced[:5])}")
    return rows


def _is_grouping(code: str) -> bool:
    """1XXX North America, 0014 Pacific Rim, 0022 OECD …: every code but the world, the EU, ASEAN and a country's."""
    return code not in GROUPS and not (len(code) == 4 and code.isdigit() and not code.startswith("0"))


# --- live ---


def series_url(flow: str, month: Month, base: str | None = None) -> str:
    """The request for one flow and month, without the key (as stored, logged and shown)."""
    endpoint, variable = FLOWS[flow]
    return f"{base or API}/{endpoint}?get=CTY_CODE,CTY_NAME,{variable}&time={month}"


async def fetch_batches(reporters=None, since: str | None = None, *, base: str | None = None, known_urls=frozenset(),
                        key: str | None = None, session=None, min_interval: float = 1.0, backoff=(2, 5, 10), timeout: float = 90):
    """The live plug-in: each month from `since` to the last that has ended, both flows in one
    batch, as (name, rows). Months already stored are asked again only when they are the two
    newest (Census revises the previous month). A 204 ends the run quietly: that month, and so
    every later one, is not out yet."""
    import aiohttp

    from tradebot.sources import http

    if not key:
        raise SourceUnavailable(NO_KEY)
    last = Month.of(today_utc()).plus(-1)
    months, month = [], Month.parse(since) if since else last.plus(-2)
    while month <= last:
        months.append(month)
        month = month.plus(1)
    stored = [month for month in months if all(series_url(flow, month) in known_urls for flow in FLOWS)]
    settled = set(stored[:-2])  # stored and older than the newest two: not asked again
    pacer = http.Pacer(min_interval)
    own = session is None
    session = session or aiohttp.ClientSession()

    async def read(response):
        if response.status == 204:
            return None
        if 300 <= response.status < 400:
            raise SourceUnavailable(f"the Census API refused the key (HTTP {response.status} to "
                                    f"{response.headers.get('Location', 'a key page')}): check CENSUS_API_KEY ({KEY_SIGNUP}).")
        body = (await response.read()).decode("utf-8", errors="replace")
        if response.status != 200:
            raise SourceUnavailable(f"the Census API answered {http.status_text(response)}: {echo(' '.join(body.split()), 120)}")
        return body

    try:
        for month in months:
            if month in settled:
                continue
            rows, name = [], f"US Census {month}"
            for flow in FLOWS:
                shown = series_url(flow, month)
                try:
                    body = await http.get(session, f"{series_url(flow, month, base)}&key={key}", read, label="US Census",
                                          shown=shown, pacer=pacer, backoff=backoff, timeout=timeout, allow_redirects=False)
                except SourceUnavailable as error:
                    raise type(error)(error.message.replace(key, "[redacted]")) from None
                if body is None:
                    log.info("US Census: %s is not published yet (HTTP 204)", month)
                    return
                try:
                    rows += parse(body, name=f"{name} {flow}", source_url=shown)
                except DataFileError as error:
                    raise SourceUnavailable(f"{error.message}; nothing of {month} was stored.") from None
            yield name, rows
    finally:
        if own:
            await session.close()
