"""Sources → store: import a file of any supported format, or fetch a live source.

Every file or response is one transaction: a bad one changes nothing. Each run reports
what it read, added, revised and skipped, and which (source, reporter, period) are new —
the input to alerts. `sync_file` and `sync_source` are what the CLI and the scheduler call.
"""

from __future__ import annotations

import gzip
import importlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tradebot import countries
from tradebot.config import Settings
from tradebot.errors import DataFileError, TradebotError
from tradebot.periods import Month, today_utc
from tradebot.sources import published_csv
from tradebot.store import ImportReport, Store

# The G20 economies (the EU and African Union aside, which IMF reports as aggregates) and ASEAN.
G20 = ("ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "FRA", "GBR", "IDN", "IND", "ITA", "JPN", "KOR", "MEX",
       "RUS", "SAU", "TUR", "USA", "ZAF")
ASEAN_MEMBERS = ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM")
DEFAULT_REPORTERS = tuple(dict.fromkeys(G20 + ASEAN_MEMBERS))
LIVE_SOURCES = ("imf",)
MONTHS_BACK = 24  # a live sync asks for two years: enough to catch the sources' revisions


@dataclass
class SyncReport:
    """What one sync did, input by input."""

    imports: list[tuple[str, ImportReport]] = field(default_factory=list)  # (what was read, its report)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> ImportReport:
        total = ImportReport()
        for _name, report in self.imports:
            total += report
        return total

    def lines(self) -> list[str]:
        out = [f"{name}: {report}" for name, report in self.imports]
        out += [f"failed: {failure}" for failure in self.failures]
        out += new_period_lines(self.total.new_periods)
        return out


def new_period_lines(new_periods: list[tuple[str, str, str]], show: int = 6) -> list[str]:
    """`new: IMF IMTS · Nicaragua: 2026-03, 2026-04`, a line per source and reporter."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, reporter, period in new_periods:
        grouped.setdefault((source, reporter), []).append(period)
    lines = []
    for (source, reporter), periods in grouped.items():
        shown = ", ".join(periods) if len(periods) <= show else f"{len(periods)} periods, {periods[0]} … {periods[-1]}"
        lines.append(f"new: {source} · {countries.by_code(reporter).name}: {shown}")
    return lines or ["new: nothing"]


# --- files ---


# format name → its source module, imported only when a file of that kind arrives (IMF pulls in pandas)
FORMATS = {
    "IMF IMTS CSV": "tradebot.sources.imf_imts",
    "China Customs table": "tradebot.sources.gacc",
    "published-figures CSV": "tradebot.sources.published_csv",
}


def detect(data: bytes, name: str) -> tuple[str, str]:
    """The format of a file's bytes (gzip or not) and its text."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DataFileError(f"{name} is a damaged gzip file: {error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"{name} is not UTF-8 text; tradebot reads CSV and HTML files.") from None
    return _kind(text[:4096], name), text


def _kind(head: str, name: str) -> str:
    head = head.lstrip()
    first_line = head.split("\n", 1)[0]
    if first_line.startswith(("DATAFLOW", "STRUCTURE")):
        return "IMF IMTS CSV"
    if first_line.replace(" ", "").startswith("reporter,partner,indicator,period"):
        return "published-figures CSV"
    if "<html" in head.lower() or "<table" in head.lower() or "<!doctype html" in head.lower():
        return "China Customs table"
    if not head:
        raise DataFileError(f"{name} is empty.")
    raise DataFileError(f"{name} is not a format tradebot reads: IMF IMTS SDMX-CSV, a China Customs table page or a published-figures CSV.")


def sync_file(store: Store, path: Path) -> SyncReport:
    """Import one file in one transaction. IMF IMTS files (the big ones) stream in parts;
    the others are small and read whole."""
    try:
        with _open_text(path) as handle:
            head = handle.read(4096)
    except OSError as error:
        raise DataFileError(f"{path} cannot be read: {error.strerror or error}") from None
    except (EOFError, UnicodeDecodeError):
        head = None  # let `detect` name the problem
    if head is not None and _kind(head, path.name) == "IMF IMTS CSV":
        return SyncReport(imports=[(f"{path.name} (IMF IMTS CSV)", store.add_figure_batches(_imf_parts(path)))])
    kind, text = detect(path.read_bytes(), path.name)
    rows = importlib.import_module(FORMATS[kind]).parse(text, name=path.name)
    return SyncReport(imports=[(f"{path.name} ({kind})", store.add_figures(rows))])


def _open_bytes(path: Path):
    """The file's bytes, gunzipped when it is gzip (told by its magic bytes, not its name)."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _open_text(path: Path):
    return io.TextIOWrapper(_open_bytes(path), encoding="utf-8-sig", newline="")


def _imf_parts(path: Path) -> Iterator[list[tuple]]:
    """The file's figure rows, read and checked a block at a time."""
    from tradebot.sources import imf_imts

    try:
        with _open_bytes(path) as stream:
            for records, _skipped in imf_imts.read_records(stream, name=path.name):
                yield records
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(f"{path.name} is a damaged file: {error}") from None


def load_seed(store: Store, seed_dir: Path) -> ImportReport:
    """Import every published-figures CSV in `seed_dir`, all files in one transaction:
    a bad row anywhere leaves the store as it was."""
    rows = [row for path in sorted(seed_dir.glob("*.csv")) for row in published_csv.read(path)]
    return store.add_figures(rows)


# --- live sources ---


async def sync_source(
    store: Store, source: str = "imf", reporters: tuple[str, ...] | None = None, since: str | None = None, **fetch_options
) -> SyncReport:
    """Fetch a live source and import each reporter's response as its own transaction, so
    one bad response costs only that reporter. A source that cannot be reached at all raises
    `SourceUnavailable`."""
    if source not in LIVE_SOURCES:
        raise DataFileError(f"“{source}” is not a live source; the live sources are {', '.join(LIVE_SOURCES)}.")
    from tradebot.sources import imf_imts

    reporters = reporters or DEFAULT_REPORTERS
    since = since or str(Month.of(today_utc()).plus(-MONTHS_BACK))
    report = SyncReport()
    async for reporter, url, text in imf_imts.fetch_each(reporters, start=since, **fetch_options):
        try:
            if isinstance(text, TradebotError):
                raise text
            first = imf_imts.start_month(since)  # the IMF's own period filter is not trusted
            rows = [row for row in imf_imts.parse(text, name=f"IMF IMTS {reporter}", source_url=url) if row["period_start"] >= first]
            report.imports.append((f"IMF IMTS {reporter}", store.add_figures(rows)))
        except TradebotError as error:
            report.failures.append(error.message)
    return report


def open_store(settings: Settings) -> Store:
    """The store, migrated, and filled from the seed on first use."""
    store = Store(settings.db_path)
    try:
        store.migrate()
        if store.is_empty():
            load_seed(store, settings.seed_dir)
    except BaseException:
        store.close()
        raise
    return store
