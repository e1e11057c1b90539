"""The SQLite store of trade figures: schema, migrations, writes and the reads answers need.

Reads use the plain `sqlite3` connection and only indexed lookups, so answering never
imports sqlite-utils (which imports pandas). Schema changes and imports go through
sqlite-utils, loaded only when something is written.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import operator
import re
import sqlite3
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from tradebot import countries, sources
from tradebot.errors import DataFileError, StoreUnwritable
from tradebot.periods import EARLIEST_YEAR, Month, Period, today_utc
from tradebot.progress import Progress, Step, unwatched
from tradebot.vocabulary import FIGURE_COLUMNS, ProductNames, is_currency

if TYPE_CHECKING:
    from sqlite_utils import Database

    from tradebot.config import Settings

T = TypeVar("T")

# One series = one number over its vintages; `published` tells the vintages apart.
# `product` comes after `source`: reads of all goods name every column before it, so the key
# still serves them as before; only product figures have more than one value there.
SERIES_KEY = ("reporter", "partner", "indicator", "period_end", "period_start", "unit", "source", "product")
# The primary key's column order is chosen so that its index serves every read:
# a series' vintages, the periods of a reporter/partner/indicator by end month, and the
# newest vintage (published is last, so ORDER BY published DESC walks the index).
FIGURES_PK = (*SERIES_KEY, "published")


# --- migrations -----------------------------------------------------------------------
# Each step runs once, in order, inside one transaction with the version bump;
# PRAGMA user_version records how many have run.


# The figures table's columns and key before products (migration 12): the steps before it
# must build what they built then, whatever the constants say now.
_V1_COLUMNS = ("reporter", "partner", "indicator", "period_start", "period_end", "value", "unit",
               "source", "published", "retrieved_at", "source_url", "note")
_V1_PK = ("reporter", "partner", "indicator", "period_end", "period_start", "unit", "source", "published")


def _v1_figures(db: Database) -> None:
    db.table("figures").create(
        {
            "reporter": str, "partner": str, "indicator": str,
            "period_start": str, "period_end": str,
            "value": float, "unit": str, "source": str, "published": str,
            "retrieved_at": str, "source_url": str, "note": str,
        },
        pk=_V1_PK,
        not_null=set(_V1_PK) | {"value"},
    )


def _v2_events(db: Database) -> None:
    """A source's period for a reporter, recorded the first time any sync sees it:
    what alerts announce (one row each, ever)."""
    db.table("events").create(
        {"id": int, "source": str, "reporter": str, "period_start": str, "period_end": str, "detected_at": str},
        pk="id",
        not_null={"source", "reporter", "period_start", "period_end", "detected_at"},
    )
    db.table("events").create_index(["source", "reporter", "period_start", "period_end"], unique=True)
    # periods already in the store are history, not news
    db.execute(
        """INSERT INTO events (source, reporter, period_start, period_end, detected_at)
           SELECT DISTINCT source, reporter, period_start, period_end, ? FROM figures""",
        [datetime.now(UTC).isoformat(timespec="seconds")],
    )


def _v3_alerts(db: Database) -> None:
    """Subscriptions per channel, the outbox of deliveries, and the context of alert threads."""
    # announce: the newest month a batch brought for its source and reporter; backfilled or
    # cumulative periods are recorded but not posted
    db.table("events").add_column("announce", int, not_null_default=0)
    db.table("events").create_index(["detected_at"])
    db.table("subscriptions").create(
        {"id": int, "guild_id": int, "channel_id": int, "reporter": str, "role_id": int,
         "created_by": int, "created_at": str, "active": int, "status_note": str},
        pk="id",
        not_null={"guild_id", "channel_id", "reporter", "created_by", "created_at", "active"},
        defaults={"active": 1, "status_note": ""},
    )
    db.table("subscriptions").create_index(["channel_id", "reporter"], unique=True)
    db.table("deliveries").create(
        {"id": int, "event_id": int, "subscription_id": int, "channel_id": int, "status": str, "attempts": int,
         "next_attempt_at": str, "message_id": int, "thread_id": int, "last_error": str, "created_at": str, "sent_at": str},
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("subscription_id", "subscriptions", "id")],
        not_null={"event_id", "subscription_id", "channel_id", "status", "attempts", "created_at"},
        defaults={"status": "pending", "attempts": 0},
    )
    db.table("deliveries").create_index(["event_id", "channel_id"], unique=True)
    db.table("deliveries").create_index(["status", "next_attempt_at"])
    db.table("conversations").create(
        {"thread_id": int, "reporter": str, "partner": str, "intent": str, "period": str, "updated_at": str},
        pk="thread_id",
        not_null={"reporter", "partner", "intent", "period", "updated_at"},
    )


def _v4_conversation_context(db: Database) -> None:
    """Follow-ups inherit everything a question said, not only country and period."""
    for column in ("currency", "measure", "other"):
        db.table("conversations").add_column(column, str)


def _v5_conversation_indicator(db: Database) -> None:
    db.table("conversations").add_column("indicator", str)


def _v6_figures_without_rowid(db: Database) -> None:
    """The primary key becomes the table itself (WITHOUT ROWID): one B-tree instead of a table
    plus its key index, so an import writes each figure once, not twice, and a read finds every
    column in the index it searched."""
    columns = ", ".join(_V1_COLUMNS)
    db.execute(f"""CREATE TABLE figures_by_key (
        reporter TEXT NOT NULL, partner TEXT NOT NULL, indicator TEXT NOT NULL,
        period_start TEXT NOT NULL, period_end TEXT NOT NULL, value REAL NOT NULL,
        unit TEXT NOT NULL, source TEXT NOT NULL, published TEXT NOT NULL,
        retrieved_at TEXT, source_url TEXT, note TEXT,
        PRIMARY KEY ({", ".join(_V1_PK)})) WITHOUT ROWID""")
    db.execute(f"INSERT INTO figures_by_key ({columns}) SELECT {columns} FROM figures")
    db.execute("DROP TABLE figures")
    db.execute("ALTER TABLE figures_by_key RENAME TO figures")


_COVERAGE = """SELECT reporter, source, count(*), max(period_end), max(published), max(retrieved_at)
                FROM figures {where} GROUP BY reporter, source"""


def _v7_coverage(db: Database) -> None:
    """What `/about` lists, per reporter and source, kept up to date by each import: counting ten
    million figures on every `/about` would hold the bot up for seconds."""
    db.execute("""CREATE TABLE coverage (
        reporter TEXT NOT NULL, source TEXT NOT NULL, figures INTEGER NOT NULL, last_month TEXT NOT NULL,
        last_published TEXT NOT NULL, last_retrieved TEXT, PRIMARY KEY (reporter, source))""")
    db.execute("INSERT INTO coverage " + _COVERAGE.format(where=""))


_REPORTER_MONTHS = "INSERT OR IGNORE INTO reporter_months SELECT DISTINCT reporter, unit, period_end FROM figures {where}"


def _v8_reporter_months(db: Database) -> None:
    """Which units (USD, CNY, JPY …) each reporter's figures come in, and the months they end
    in, kept by each import: an answer asks which currencies to look in, and a ranking whether
    a month exists in a currency at all, without scanning the reporter's figures."""
    db.execute("""CREATE TABLE reporter_months (reporter TEXT NOT NULL, unit TEXT NOT NULL, period_end TEXT NOT NULL,
                  PRIMARY KEY (reporter, unit, period_end)) WITHOUT ROWID""")
    db.execute(_REPORTER_MONTHS.format(where=""))


def _v9_conversation_as_json(db: Database) -> None:
    """A conversation's context becomes one JSON value (`Query.as_context`), so a new thing a
    follow-up inherits needs no migration. Old rows keep their meaning: `Query.from_context`
    reads the single `other` column they had."""
    db.execute("""CREATE TABLE conversations_json (thread_id INTEGER PRIMARY KEY, query TEXT NOT NULL,
                  updated_at TEXT NOT NULL)""")
    db.execute("""INSERT INTO conversations_json SELECT thread_id, json_object('intent', intent, 'reporter', reporter,
                  'partner', partner, 'period', period, 'currency', currency, 'measure', measure, 'other', other,
                  'indicator', indicator), updated_at FROM conversations""")
    db.execute("DROP TABLE conversations")
    db.execute("ALTER TABLE conversations_json RENAME TO conversations")


def _v10_subscription_target_kind(db: Database) -> None:
    """Where a subscription's alerts go: a Discord channel (every existing row) or another
    kind of target that has a sender (`tradebot.delivery.Sender`), such as a webhook."""
    db.execute("ALTER TABLE subscriptions ADD COLUMN target_kind TEXT NOT NULL DEFAULT 'discord'")


def _v11_delivery_claims(db: Database) -> None:
    """A delivery records when its last attempt began (a resend looks for the alert from then
    on, however many messages came after it) and whether its follow-up thread is still to open
    (a crash between the post and the thread is finished on restart)."""
    db.execute("ALTER TABLE deliveries ADD COLUMN attempted_at TEXT")
    db.execute("ALTER TABLE deliveries ADD COLUMN thread_pending INTEGER NOT NULL DEFAULT 0")


def _v12_products(db: Database) -> None:
    """Figures gain a product (an HS chapter; empty for all goods, which every existing figure
    is), in the key so two chapters of one partner are two series; and the chapters' names, as
    the files that bring them describe them, are kept once."""
    old_columns = ", ".join(_V1_COLUMNS)
    db.execute(f"""CREATE TABLE figures_by_product (
        reporter TEXT NOT NULL, partner TEXT NOT NULL, indicator TEXT NOT NULL,
        period_start TEXT NOT NULL, period_end TEXT NOT NULL, value REAL NOT NULL,
        unit TEXT NOT NULL, source TEXT NOT NULL, published TEXT NOT NULL,
        retrieved_at TEXT, source_url TEXT, note TEXT, product TEXT NOT NULL DEFAULT '',
        PRIMARY KEY ({", ".join(FIGURES_PK)})) WITHOUT ROWID""")
    db.execute(f"INSERT INTO figures_by_product ({old_columns}) SELECT {old_columns} FROM figures")
    db.execute("DROP TABLE figures")
    db.execute("ALTER TABLE figures_by_product RENAME TO figures")
    db.execute("CREATE TABLE products (code TEXT PRIMARY KEY, description TEXT NOT NULL, source TEXT NOT NULL)")


_PARTNER_GROUP = ("reporter = OLD.reporter AND indicator = OLD.indicator AND unit = OLD.unit AND period_end = OLD.period_end "
                  "AND period_start = OLD.period_start AND source = OLD.source")
# a figure's group in a partner summary, from a row in FIGURE_COLUMNS order: reporter, indicator, unit, end, start, source
_GROUP_OF = operator.itemgetter(0, 2, 6, 4, 3, 7)
# the first columns of FIGURE_COLUMNS, which is all a summary reads of a stored row
_SUMMARISED = "SELECT reporter, partner, indicator, period_start, period_end, value, unit, source FROM figures WHERE product = ''"


class PartnerSummaries:
    """Partner summaries being gathered from figures (rows in FIGURE_COLUMNS order): per group,
    the partners' codes and their values, packed as doubles (exact, and nothing to format)."""

    def __init__(self) -> None:
        self.groups: dict[tuple, tuple[list[str], array]] = {}

    def add(self, rows: Iterable[Sequence]) -> None:
        groups, intern = self.groups, sys.intern  # a parser's rows may each hold their own copy of a code
        for row in rows:
            group = groups.get(key := _GROUP_OF(row))
            if group is None:
                group = groups[key] = ([], array("d"))
            group[0].append(intern(row[1]))
            group[1].append(row[5])

    def store(self, conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT OR REPLACE INTO partner_values VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                         ((*key, len(codes), " ".join(codes), _packed(values)) for key, (codes, values) in self.groups.items()))


def _packed(values: array) -> bytes:
    return _little_endian(values).tobytes()


def unpacked(data: bytes) -> array:
    """The values of a partner summary (see `PartnerSummaries`)."""
    values = array("d")
    values.frombytes(data)
    return _little_endian(values)


def _little_endian(values: array) -> array:
    """Summaries are stored little-endian, whichever machine wrote them: a copy swapped on a big-endian one."""
    if sys.byteorder == "little":
        return values
    swapped = array("d", values)
    swapped.byteswap()
    return swapped


def _v13_partner_values(db: Database) -> None:
    """Every partner's value of one indicator for one period (per reporter, unit and source) in one
    row: what a ranking orders, read with one seek instead of one per partner, and which periods
    have partner figures at all, without surveying every partner. Each import rewrites the groups
    of the reporters and sources it added to; a figure changed or deleted by other means marks its
    group stale, and a ranking then reads that group's figures themselves."""
    db.execute("""CREATE TABLE partner_values (
        reporter TEXT NOT NULL, indicator TEXT NOT NULL, unit TEXT NOT NULL, period_end TEXT NOT NULL,
        period_start TEXT NOT NULL, source TEXT NOT NULL, stale INTEGER NOT NULL, figures INTEGER NOT NULL,
        partners TEXT NOT NULL, amounts BLOB NOT NULL,
        PRIMARY KEY (reporter, indicator, unit, period_end, period_start, source)) WITHOUT ROWID""")
    summaries = PartnerSummaries()
    summaries.add(db.execute(_SUMMARISED))
    summaries.store(db.conn)
    for event in ("DELETE", "UPDATE"):
        db.execute(f"""CREATE TRIGGER partner_values_stale_on_{event.lower()} AFTER {event} ON figures
                       BEGIN UPDATE partner_values SET stale = 1 WHERE {_PARTNER_GROUP}; END""")


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_figures, _v2_events, _v3_alerts, _v4_conversation_context, _v5_conversation_indicator, _v6_figures_without_rowid,
    _v7_coverage, _v8_reporter_months, _v9_conversation_as_json, _v10_subscription_target_kind,
    _v11_delivery_claims, _v12_products, _v13_partner_values,
]
SCHEMA_VERSION = len(MIGRATIONS)


class NewPeriod(NamedTuple):
    """A period a source published for a reporter that no earlier import brought."""

    source: str
    reporter: str
    period: Period


def announceable(period: Period) -> bool:
    """A release alerts announce: one month, or China's January–February (not a year to date)."""
    return period.is_month or period.is_jan_feb


@dataclass
class ImportReport:
    read: int = 0
    added: int = 0
    revised: int = 0
    skipped: int = 0
    conflicts: int = 0  # same release date, another value: the stored one is kept
    # (source, reporter, period) seen for the first time, and those of them alerts announce
    new_periods: list[NewPeriod] = field(default_factory=list)
    announced: list[NewPeriod] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"read {self.read:,}, added {self.added:,} ({self.revised:,} revisions), skipped {self.skipped:,} unchanged"
        if self.conflicts:
            text += f"; {self.conflicts:,} differ from a stored value with the same release date (kept the stored one)"
        return text

    def __iadd__(self, other: ImportReport) -> ImportReport:
        self.read += other.read
        self.added += other.added
        self.revised += other.revised
        self.skipped += other.skipped
        self.conflicts += other.conflicts
        self.new_periods += other.new_periods
        self.announced += other.announced
        return self


def _refuse_implausible(batch: list[Sequence], newest_allowed: str) -> None:
    """What no source publishes refuses the whole file, whichever plug-in read it: a period
    after the current month (an IMF `9999-M12`: stored, it would outrank every real month and
    alert for ever) or before 1948, a value that is not a finite number or beyond any economy
    (`1e308` showed as `$inf tn` and `Infinity` in `ask --json`, which is not JSON), a negative
    amount of exports, imports or total trade (a balance may be negative; a flow may not)."""
    if not batch:
        return
    latest = max(map(_PERIOD_END, batch))
    if latest > newest_allowed:
        row = next(row for row in batch if row[4] == latest)
        raise DataFileError(f"a figure of {row[0]} ({row[2]}) is for {latest}, a month that has not happened yet; "
                            "nothing was imported.")
    earliest = min(map(_PERIOD_START, batch))
    if earliest < f"{EARLIEST_YEAR}-01":
        row = next(row for row in batch if row[3] == earliest)
        raise DataFileError(f"a figure of {row[0]} ({row[2]}) is for {earliest}, before {EARLIEST_YEAR}; nothing was imported.")
    for code in set(map(_REPORTER, batch)) | set(map(_PARTNER, batch)):
        if not countries.is_known(code):  # every answer names its countries: one it cannot name fails later
            raise DataFileError(f"“{code}” is not a country or group tradebot knows (ISO 3166 alpha-3, or a group "
                                "such as EU27 or ASEAN); nothing was imported.")
    if _values_plausible(batch):
        return
    for row in batch:  # find the row to name
        value = row[5]
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            what = "not a finite number"
        elif abs(value) > MAX_PLAUSIBLE:
            what = "implausibly large"
        elif value < 0 and row[2] in _FLOWS:
            what = "a negative amount"
        else:
            continue
        raise DataFileError(f"the {row[2]} figure of {row[0]} for {row[3]} is {what} ({value!r}); nothing was imported.")


def _values_plausible(batch: list[Sequence]) -> bool:
    """The common case in C-speed passes: a NaN or an infinity makes the sum non-finite, a huge
    value shows in min/max, and only a batch with a negative value is looked at row by row."""
    values = list(map(_VALUE, batch))
    try:
        if not math.isfinite(sum(values)) or min(values) < -MAX_PLAUSIBLE or max(values) > MAX_PLAUSIBLE:
            return False
    except TypeError:  # a value that is not a number
        return False
    return min(values) >= 0 or all(row[5] >= 0 for row in batch if row[2] in _FLOWS)


_FLOWS = frozenset({"exports", "imports", "total_trade"})
# world trade is about 3e13 US dollars a year; in yen or won a hundred times that is still far below
MAX_PLAUSIBLE = 1e17


_COLUMNS_BEFORE_PRODUCT = operator.itemgetter(*FIGURE_COLUMNS[:-1])


def _IN_COLUMN_ORDER(row: dict) -> tuple:  # noqa: N802 (it stands where an itemgetter stood)
    """A plug-in's dict as a tuple in FIGURE_COLUMNS order; a figure of all goods needs no `product`."""
    return (*_COLUMNS_BEFORE_PRODUCT(row), row.get("product", ""))
_REPORTER, _PARTNER, _PERIOD_START, _PERIOD_END, _VALUE = map(operator.itemgetter, (0, 1, 3, 4, 5))
_REPORTER_SOURCE = operator.itemgetter(0, 7)
_SOURCE_PERIOD = operator.itemgetter(7, 0, 3, 4)  # (source, reporter, period_start, period_end): an event
MMAP_BYTES = 4 << 30  # address space only: pages are mapped as they are read
IMPORT_BATCH_ROWS = 100_000  # rows taken from an import's stream at a time
_ROWS_PER_STATEMENT = 256  # 256 × 13 parameters, well under SQLite's limit of 32,766
_UNWRITABLE = re.compile(r"readonly|read-only|disk is full|disk I/O|database is locked|unable to open", re.IGNORECASE)


def _batches(rows: Iterable[dict | Sequence], size: int) -> Iterator[list[Sequence]]:
    """Rows in lists of `size`, as tuples in FIGURE_COLUMNS order (a row is a dict with every
    column, or already such a tuple)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield [_IN_COLUMN_ORDER(row) for row in batch] if isinstance(batch[0], dict) else batch


class StoreThread:
    """One thread that runs store calls in order, so the event loop never waits on SQLite (an
    answer's reads, an import's minutes, a busy database's timeout) and a connection is used by
    one thread at a time. `await thread(function, *args)` runs `function(*args)` there."""

    def __init__(self, name: str):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tradebot-{name}")

    async def __call__(self, function: Callable[..., T], /, *args, **kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(function, *args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


async def inline(function: Callable[..., T], /, *args, **kwargs) -> T:
    """A `StoreThread`'s stand-in where no loop must be kept free (the CLI, tests): run it here."""
    return function(*args, **kwargs)


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # a bot runs a connection's calls on one thread of its own (`StoreThread`), never the
        # event loop's: the connection is made on one thread and used on another
        self.conn = sqlite3.connect(str(path), check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 5000")
        # pages read through a memory map, not a read() each: at ten million figures an answer's
        # seeks touch pages all over a 1 GB file (rankings 20-40% faster, measured)
        self.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        self._partners: dict[str, list[str]] = {}
        self._partners_version: tuple[int, int] | None = None

    def close(self) -> None:
        self.conn.close()

    # --- schema ---

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> int:
        """Bring the schema up to date; return how many steps ran."""
        start = self.version
        if start >= SCHEMA_VERSION:
            return 0
        db = self._db()
        if str(self.path) != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for a sync
        for number, step in enumerate(MIGRATIONS[start:], start=start + 1):
            with db.atomic():
                step(db)
                self.conn.execute(f"PRAGMA user_version = {number}")
        return SCHEMA_VERSION - start

    def _db(self) -> Database:
        from sqlite_utils import Database  # imports pandas: keep it off the answer path

        return Database(self.conn)

    # --- writes ---

    def add_figures(self, rows: Iterable[dict | Sequence]) -> ImportReport:
        """`add_figure_batches` for rows (dicts, or tuples in FIGURE_COLUMNS order)."""
        return self.add_figure_batches(_batches(rows, IMPORT_BATCH_ROWS))

    def add_figure_batches(self, batches: Iterable[list[Sequence]]) -> ImportReport:
        """Store figures, given as lists of tuples in FIGURE_COLUMNS order, as vintages, all or nothing.

        A row whose value equals the newest stored vintage of its series adds nothing;
        a changed value is stored beside the old one (a revision). Any error rolls the
        whole batch back, so the database is exactly as before.

        Rows of a reporter the store holds nothing of from that source (a first import, the
        bulk of a big file) cannot be revisions: they go straight into `figures`. The others
        are staged and compared with the stored vintages.
        """
        db = self._db()
        report = ImportReport()
        columns = ", ".join(FIGURE_COLUMNS)
        same_series = " AND ".join(f"f.{c} = i.{c}" for c in SERIES_KEY)
        first_seen: dict[tuple[str, str], bool] = {}  # (reporter, source) → the store held none of it before
        added_periods: set[tuple[str, str, str, str]] = set()  # (source, reporter, start, end) of new series
        direct = 0
        summaries = PartnerSummaries()
        newest_allowed = str(Month.of(today_utc()))
        # a big import rewrites much of the primary-key index: give it room in memory
        self.conn.execute("PRAGMA cache_size = -262144")  # 256 MB, released with the connection
        try:
            with db.atomic():
                self.conn.execute(f"CREATE TEMP TABLE incoming AS SELECT {columns} FROM figures WHERE 0")
                try:
                    for batch in batches:
                        if isinstance(batch, ProductNames):  # what the file calls its products, kept once
                            self.conn.executemany("INSERT OR REPLACE INTO products VALUES (?, ?, ?)",
                                                  [(code, name, batch.source) for code, name in batch.items()])
                            continue
                        if batch and isinstance(batch[0], dict):  # a plug-in's rows as dicts
                            batch = [_IN_COLUMN_ORDER(row) for row in batch]
                        elif batch and len(batch[0]) == len(FIGURE_COLUMNS) - 1:  # tuples of all goods, without product
                            batch = [(*row, "") for row in batch]
                        report.read += len(batch)
                        _refuse_implausible(batch, newest_allowed)
                        pairs = set(map(_REPORTER_SOURCE, batch))
                        # coverage holds a row for every (reporter, source) stored: one seek, not a scan of the reporter
                        for pair in pairs - first_seen.keys():
                            first_seen[pair] = not self.conn.execute(
                                "SELECT 1 FROM coverage WHERE reporter = ? AND source = ?", pair).fetchone()
                        if all(first_seen[pair] for pair in pairs):
                            new, old = batch, []
                        else:
                            new = [row for row in batch if first_seen[_REPORTER_SOURCE(row)]]
                            old = [row for row in batch if not first_seen[_REPORTER_SOURCE(row)]]
                        self._insert("figures", new)
                        summaries.add(row for row in new if not row[12])  # a first-seen pair: all its groups are here
                        self._insert("temp.incoming", old)
                        direct += len(new)
                        added_periods.update(map(_SOURCE_PERIOD, new))
                    self.conn.execute("ALTER TABLE incoming ADD COLUMN status TEXT")
                    self.conn.execute(
                        f"""UPDATE incoming AS i SET status = CASE
                            WHEN EXISTS (SELECT 1 FROM figures f WHERE {same_series} AND f.published = i.published AND f.value = i.value)
                                THEN 'same vintage'
                            WHEN EXISTS (SELECT 1 FROM figures f WHERE {same_series} AND f.published = i.published)
                                THEN 'conflict'
                            WHEN (SELECT f.value FROM figures f WHERE {same_series}
                                  ORDER BY f.published DESC LIMIT 1) = i.value THEN 'unchanged'
                            WHEN EXISTS (SELECT 1 FROM figures f WHERE {same_series}) THEN 'revised'
                            ELSE 'new' END"""
                    )
                    counts = dict(self.conn.execute("SELECT status, count(*) FROM incoming GROUP BY status").fetchall())
                    # the temp table has no index, which keeps loading a million rows into it cheap; the
                    # sources refuse a file that repeats a figure, and the key would refuse it here too
                    staged = self.conn.execute(
                        f"INSERT INTO figures ({columns}) SELECT {columns} FROM incoming WHERE status IN ('new', 'revised')"
                    ).rowcount
                    added_periods.update(self.conn.execute(
                        "SELECT DISTINCT source, reporter, period_start, period_end FROM incoming WHERE status = 'new'"))
                    report.new_periods, report.announced = self._record_events(added_periods)
                    for reporter, source in first_seen:  # each pair the import held: a scan of that reporter's rows
                        self.conn.execute("INSERT OR REPLACE INTO coverage " + _COVERAGE.format(where="WHERE reporter = ? AND source = ?"),
                                          (reporter, source))
                    for reporter in {reporter for reporter, _source in first_seen}:
                        self.conn.execute(_REPORTER_MONTHS.format(where="WHERE reporter = ?"), (reporter,))
                    # a pair that held figures before is summarised again from all of them (a scan of its rows)
                    for pair in self.conn.execute(
                            "SELECT DISTINCT reporter, source FROM incoming WHERE status IN ('new', 'revised')").fetchall():
                        summaries.add(self.conn.execute(_SUMMARISED + " AND reporter = ? AND source = ?", tuple(pair)))
                    summaries.store(self.conn)
                finally:
                    self.conn.execute("DROP TABLE IF EXISTS temp.incoming")
        except sqlite3.IntegrityError as error:
            if "UNIQUE" not in str(error):
                raise  # a NULL where the sources never give one: a bug, not bad data
            raise DataFileError("The data holds the same figure (reporter, partner, indicator, period and release date) twice; "
                                "nothing was imported.") from None
        except sqlite3.OperationalError as error:
            if _UNWRITABLE.search(str(error)):
                raise StoreUnwritable(f"The database {self.path} cannot be written ({error}); nothing was imported.") from None
            raise
        report.revised = counts.get("revised", 0)
        report.added = direct + staged
        report.conflicts = counts.get("conflict", 0)
        report.skipped = report.read - report.added - report.conflicts
        return report

    def _insert(self, table: str, rows: list[Sequence]) -> None:
        """Rows in FIGURE_COLUMNS order, bound many to a statement: SQLite steps once per
        `_ROWS_PER_STATEMENT` rows, not once per row, which halves the time of a big import."""
        full = len(rows) - len(rows) % _ROWS_PER_STATEMENT
        one = "(" + ", ".join("?" * len(FIGURE_COLUMNS)) + ")"
        insert = f"INSERT INTO {table} ({', '.join(FIGURE_COLUMNS)}) VALUES "
        if full:
            values = list(itertools.chain.from_iterable(rows[:full]))
            width = _ROWS_PER_STATEMENT * len(FIGURE_COLUMNS)
            self.conn.executemany(insert + ", ".join([one] * _ROWS_PER_STATEMENT),
                                  (values[start:start + width] for start in range(0, len(values), width)))
        self.conn.executemany(insert + one, rows[full:])

    def _record_events(self, periods: set[tuple[str, str, str, str]]) -> tuple[list[NewPeriod], list[NewPeriod]]:
        """Of the (source, reporter, start, end) an import added, those no earlier sync has seen."""
        fresh = [
            period for period in sorted(periods, key=lambda p: (p[0], p[1], p[3], p[2]))
            if not self.conn.execute(
                "SELECT 1 FROM events WHERE source = ? AND reporter = ? AND period_start = ? AND period_end = ?", period
            ).fetchone()
        ]
        detected_at = datetime.now(UTC).isoformat(timespec="seconds")
        announced = self._newsworthy(fresh)
        self.conn.executemany(
            "INSERT INTO events (source, reporter, period_start, period_end, detected_at, announce) VALUES (?, ?, ?, ?, ?, ?)",
            [(*row, detected_at, int(tuple(row) in announced)) for row in fresh],
        )
        def named(source: str, reporter: str, start: str, end: str) -> NewPeriod:
            return NewPeriod(source, reporter, Period.parse(f"{start}..{end}"))

        return [named(*row) for row in fresh], [named(*row) for row in fresh if tuple(row) in announced]

    def _newsworthy(self, fresh: list[tuple]) -> set[tuple]:
        """Per source and reporter, the newest single month (or China's Jan–Feb) of a batch, when
        it is newer than every such period seen before: one alert per release, not one per
        backfilled month, cumulative table or year."""
        newest: dict[tuple[str, str], tuple] = {}
        for row in fresh:
            source, reporter, start, end = row
            if announceable(Period.parse(f"{start}..{end}")):
                if (source, reporter) not in newest or end > newest[(source, reporter)][3]:
                    newest[(source, reporter)] = tuple(row)
        announced = set()
        for (source, reporter), row in newest.items():
            ends = self.conn.execute(
                "SELECT period_start, period_end FROM events WHERE source = ? AND reporter = ? ORDER BY period_end DESC",
                (source, reporter))
            seen = next((end for start, end in ends if announceable(Period.parse(f"{start}..{end}"))), None)
            if seen is None or row[3] > seen:
                announced.add(row)
        return announced

    # --- reads (each one indexed; see FIGURES_PK) ---

    def source_urls(self, sources: Sequence[str]) -> frozenset[str]:
        """The pages and responses figures of these sources were read from."""
        marks = ", ".join("?" for _ in sources)
        return frozenset(row[0] for row in self.conn.execute(
            f"SELECT DISTINCT source_url FROM figures WHERE source IN ({marks}) AND source_url != ''", tuple(sources)))

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM figures LIMIT 1").fetchone() is None

    def series_rows(
        self, reporter: str, partner: str, indicators: Sequence[str], first_end: Month | None, last_end: Month
    ) -> list[sqlite3.Row]:
        """Every vintage of the pair's indicators whose period ends in [first_end, last_end]
        (from the first stored when `first_end` is None)."""
        marks = ", ".join("?" for _ in indicators)
        return self.conn.execute(
            f"""SELECT indicator, period_start, period_end, value, unit, source, published, source_url, note
                FROM figures WHERE reporter = ? AND partner = ? AND indicator IN ({marks})
                  AND period_end BETWEEN ? AND ?""",
            (reporter, partner, *indicators, str(first_end) if first_end else "0000-01", str(last_end)),
        ).fetchall()

    def rows_ending(self, reporter: str, partners: Sequence[str], indicators: Sequence[str], ends: Sequence[Month]) -> list[sqlite3.Row]:
        """Every vintage of the partners' indicators whose period ends in one of `ends`: one
        query, which SQLite answers with a primary-key seek per combination."""
        def marks(values: Sequence) -> str:
            return ", ".join("?" for _ in values)

        return self.conn.execute(
            f"""SELECT partner, indicator, period_start, period_end, value, unit, source, published, source_url, note
                FROM figures WHERE reporter = ? AND partner IN ({marks(partners)}) AND indicator IN ({marks(indicators)})
                  AND period_end IN ({marks(ends)})""",
            (reporter, *partners, *indicators, *map(str, ends)),
        ).fetchall()

    def recent_periods(self, reporter: str, partner: str, indicator: str, limit: int = 8, offset: int = 0,
                       unit: str | None = None) -> list[Period]:
        """The newest periods of a series (in `unit`, when given), newest end first."""
        rows = self.conn.execute(
            f"""SELECT DISTINCT period_start, period_end FROM figures
               WHERE reporter = ? AND partner = ? AND indicator = ? {"AND unit = ?" if unit else ""}
               ORDER BY period_end DESC, period_start DESC LIMIT ? OFFSET ?""",
            (reporter, partner, indicator, *([unit] if unit else []), limit, offset),
        ).fetchall()
        return [Period(Month.parse(start), Month.parse(end)) for start, end in rows]

    def currencies(self, reporter: str) -> list[str]:
        """The currencies of a reporter's money figures, US dollars first, then alphabetically."""
        units = [row[0] for row in self.conn.execute("SELECT DISTINCT unit FROM reporter_months WHERE reporter = ?", (reporter,))]
        return sorted((unit for unit in units if is_currency(unit)), key=lambda unit: (unit != "USD", unit))

    def partner_groups(self, reporter: str, indicators: Sequence[str], unit: str, period: Period) -> list[sqlite3.Row]:
        """Each source's partner values of the indicators for `period` and every run of months
        inside it (see migration 13): period_start, period_end, indicator, source, stale, figures
        (how many rows), partners ("CODE CODE …") and amounts (their values in that order, `unpacked`)."""
        marks = ", ".join("?" for _ in indicators)
        return self.conn.execute(
            f"""SELECT period_start, period_end, indicator, source, stale, figures, partners, amounts FROM partner_values
                WHERE reporter = ? AND indicator IN ({marks}) AND unit = ? AND period_end BETWEEN ? AND ?
                AND period_start >= ?""",
            (reporter, *indicators, unit, str(period.start), str(period.end), str(period.start))).fetchall()

    def partner_periods(self, reporter: str, indicators: Sequence[str], unit: str) -> list[tuple[Period, int]]:
        """The periods any partner has one of the indicators for, in `unit`, newest end first, each
        with the most figures one indicator and source has for it (the world's among them)."""
        marks = ", ".join("?" for _ in indicators)
        rows = self.conn.execute(
            f"""SELECT period_start, period_end, max(figures) FROM partner_values
                WHERE reporter = ? AND indicator IN ({marks}) AND unit = ?
                GROUP BY period_end, period_start ORDER BY period_end DESC, period_start DESC""",
            (reporter, *indicators, unit)).fetchall()
        return [(Period(Month.parse(start), Month.parse(end)), count) for start, end, count in rows]

    def has_month(self, reporter: str, unit: str, period_end: Month) -> bool:
        """Whether any figure of the reporter in `unit` ends in `period_end` (one seek)."""
        return self.conn.execute("SELECT 1 FROM reporter_months WHERE reporter = ? AND unit = ? AND period_end = ?",
                                 (reporter, unit, str(period_end))).fetchone() is not None

    def figure_row(self, reporter: str, partner: str, indicator: str, period: Period, unit: str,
                   source: str, published: str, product: str = "") -> sqlite3.Row | None:
        """One stored vintage, every column: what a CSV export shows for a published figure."""
        return self.conn.execute(
            """SELECT * FROM figures WHERE reporter = ? AND partner = ? AND indicator = ? AND period_end = ?
               AND period_start = ? AND unit = ? AND source = ? AND product = ? AND published = ?""",
            (reporter, partner, indicator, str(period.end), str(period.start), unit, source, product, published),
        ).fetchone()

    def product_rows(self, reporter: str, partner: str, indicators: Sequence[str], period: Period) -> list[sqlite3.Row]:
        """Every vintage of the pair's product figures (each HS chapter) for exactly `period`."""
        marks = ", ".join("?" for _ in indicators)
        return self.conn.execute(
            f"""SELECT indicator, product, period_start, period_end, value, unit, source, published, source_url, note
                FROM figures WHERE reporter = ? AND partner = ? AND indicator IN ({marks})
                  AND period_end = ? AND period_start = ? AND product != ''""",
            (reporter, partner, *indicators, str(period.end), str(period.start)),
        ).fetchall()

    def product_names(self) -> dict[str, str]:
        """HS chapter → its description, as the files that brought it publish it."""
        return dict(self.conn.execute("SELECT code, description FROM products ORDER BY code").fetchall())

    def has_reporter(self, reporter: str) -> bool:
        return self.conn.execute("SELECT 1 FROM figures WHERE reporter = ? LIMIT 1", (reporter,)).fetchone() is not None

    def has_pair(self, reporter: str, partner: str) -> bool:
        """Whether any figure has this reporter and partner (one seek in the primary key)."""
        sql = "SELECT 1 FROM figures WHERE reporter = ? AND partner = ? LIMIT 1"
        return self.conn.execute(sql, (reporter, partner)).fetchone() is not None

    def reporters(self) -> list[str]:
        """Distinct reporters by hopping along the index (one seek each), not a scan."""
        return [
            row[0]
            for row in self.conn.execute(
                """WITH RECURSIVE hop(code) AS (
                       SELECT min(reporter) FROM figures
                       UNION ALL
                       SELECT (SELECT min(reporter) FROM figures WHERE reporter > hop.code)
                       FROM hop WHERE hop.code IS NOT NULL)
                   SELECT code FROM hop WHERE code IS NOT NULL"""
            )
        ]

    def partners(self, reporter: str) -> list[str]:
        """A reporter's distinct partners, remembered until the store changes: every ranking
        asks, and hopping along the index costs a seek per partner (0.75 ms at 10M figures)."""
        version = (self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes)
        if version != self._partners_version:
            self._partners, self._partners_version = {}, version
        if reporter not in self._partners:
            self._partners[reporter] = self._partners_of(reporter)
        return self._partners[reporter]

    def _partners_of(self, reporter: str) -> list[str]:
        """Hopping along the index like `reporters`."""
        return [
            row[0]
            for row in self.conn.execute(
                """WITH RECURSIVE hop(code) AS (
                       SELECT min(partner) FROM figures WHERE reporter = :reporter
                       UNION ALL
                       SELECT (SELECT min(partner) FROM figures WHERE reporter = :reporter AND partner > hop.code)
                       FROM hop WHERE hop.code IS NOT NULL)
                   SELECT code FROM hop WHERE code IS NOT NULL""",
                {"reporter": reporter},
            )
        ]

    def coverage(self) -> list[sqlite3.Row]:
        """Per reporter and source: how many figures, the newest period, release and retrieval
        (a small table each import keeps current)."""
        return self.conn.execute("SELECT * FROM coverage ORDER BY reporter, source").fetchall()


def load_seed(store: Store, seed_dir: Path, progress: Progress = unwatched) -> ImportReport:
    """Import every file in `seed_dir` (README.md aside), each through the plug-in that
    recognises it, all in one transaction: a bad row anywhere leaves the store as it was."""
    try:
        paths = sorted(path for path in seed_dir.iterdir() if path.is_file() and path.suffix.lower() != ".md")
    except OSError as error:
        raise DataFileError(f"The seed folder {seed_dir} cannot be read ({_reason(error)}): it holds the bundled data; "
                            "set TRADEBOT_SEED_DIR to it (default data/seed in the project).") from None
    report = store.add_figure_batches(_seed_batches(paths, f"building the store from {seed_dir.name}/", progress))
    # the seed is history, not news: its newest months are never announced. (Announced, they were
    # delivered to a channel subscribed in the same second as the seed was built.)
    with store.conn:
        store.conn.executemany(
            "UPDATE events SET announce = 0 WHERE source = ? AND reporter = ? AND period_start = ? AND period_end = ?",
            [(new.source, new.reporter, str(new.period.start), str(new.period.end)) for new in report.announced])
    report.announced = []
    return report


def _seed_batches(paths: list[Path], task: str, progress: Progress) -> Iterator[list]:
    """The seed files' batches one after another, their progress told as one task's."""
    total = sum(path.stat().st_size for path in paths)
    done = figures = 0
    for path in paths:
        def told(step: Step, done: int = done, figures: int = figures) -> None:  # what the files before this one held
            progress(Step(task, done + step.done, total, figures=figures + step.figures))

        for batch in sources.file_batches(path, progress=told):
            figures += 0 if isinstance(batch, dict) else len(batch)  # product names come among the batches
            yield batch
        done += path.stat().st_size


def open_store(settings: Settings, progress: Progress = unwatched) -> Store:
    """The store at `settings.db_path`, migrated, and filled from `settings.seed_dir` on first
    use (an empty database)."""
    try:
        store = Store(settings.db_path)
    except (OSError, sqlite3.Error) as error:  # a folder that cannot be made, a path SQLite cannot open
        raise StoreUnwritable(f"The database {settings.db_path} cannot be opened ({_reason(error)}): "
                              "set TRADEBOT_DB to a file in a folder you can write.") from None
    try:
        store.migrate()
        if store.is_empty():
            load_seed(store, settings.seed_dir, progress)
    except sqlite3.DatabaseError as error:  # not a database, a damaged one, or locked past busy_timeout
        store.close()
        raise StoreUnwritable(f"The database {settings.db_path} cannot be used ({_reason(error)}): "
                              "if it is not tradebot's, point TRADEBOT_DB elsewhere.") from None
    except BaseException:
        store.close()
        raise
    return store


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)
