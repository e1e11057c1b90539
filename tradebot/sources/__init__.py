"""Data sources as plug-ins: one module each, one line each in `REGISTRY`.

A plug-in module provides

- `recognise(head: str) -> bool`: whether a file is of its kind, from the first 4,096
  characters of its text (gzip already undone);
- `batches(path: Path, remark: Callable[[str], None], meter: Meter | None) -> Iterator[list]`:
  the file's figures as lists of rows (dicts with `store.FIGURE_COLUMNS`, or tuples in that
  order), every row checked (a problem raises a one-line `DataFileError`, and the caller stores
  all batches in one transaction, so a bad file changes nothing); `remark` takes a sentence
  about what the file held but gave no figure for, which the import report prints; the file
  is opened with `open_bytes(path, meter)` or `read_text(path, meter)`, so a progress display
  can tell how much of it has been read;
- for a live source, `async fetch_batches(reporters, since, *, base, known_urls, **options)`,
  yielding `(name, rows or the TradebotError that kept them)` per response; `base` is the site
  at another address (None: its own), `known_urls` the pages already stored, which a source
  whose pages never change (China Customs' release) need not fetch again.

`recognise` is asked in registry order, so a narrower format comes before a broader one
(the Census page before any HTML table), and a module that is slow to import comes last.

The `Source` line says what answers need to know without importing the module (which may
pull in pandas): which `source` strings its figures carry, which reporters it is the
official statistics of, when it publishes, and how it values each flow.
"""

from __future__ import annotations

import gzip
import importlib
import io
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from tradebot.errors import DataFileError
from tradebot.progress import Progress, Step, unwatched
from tradebot.releases import ReleasePattern

# How flows are valued, as answers name it beside a figure ("exports, FOB").
FOB_CIF = {"exports": "FOB", "imports": "CIF", "balance": "exports FOB − imports CIF", "total_trade": "exports FOB + imports CIF"}
CENSUS_BASIS = {"exports": "FAS", "imports": "customs value", "balance": "exports FAS − imports at customs value",
                "total_trade": "exports FAS + imports at customs value"}


@dataclass(frozen=True)
class Source:
    key: str  # short name: `sync --source KEY` for a live source
    module: str  # the plug-in, imported only when a file of its kind is read or it is fetched
    label: str  # the format, as import reports name it
    publishers: tuple[str, ...] = ()  # the `source` strings its figures carry (empty: each row names its own)
    official_for: tuple[str, ...] = ()  # reporters whose own statistics office this is: ranked first
    release: ReleasePattern | None = None
    valuation: Mapping[str, str] = field(default_factory=lambda: FOB_CIF)
    live: bool = False
    magic: bytes = b""  # a binary format, told by its first bytes (a text format is told by `recognise`)
    # the key of the source whose figures these are a later, fuller release of: where both hold
    # a figure, answers give this one, and a different earlier value is what it was revised from
    later_release_of: str = ""

    def plugin(self) -> ModuleType:
        return importlib.import_module(self.module)


GACC_RELEASE = ReleasePattern(1, 7, 14, combined_jan_feb=True,
                              described="about the 7th–14th of the following month; January and February together in early March")

CENSUS_RELEASE = ReleasePattern(2, 1, 10, described="about 35 days after the month (FT-900)")

REGISTRY: tuple[Source, ...] = (
    Source("published", "tradebot.sources.published_csv", "published-figures CSV"),
    Source("gacc_bulletin", "tradebot.sources.gacc_bulletin", "China Customs monthly bulletin (国别总值表)",
           ("China Customs (GACC) monthly bulletin",), ("CHN",),
           ReleasePattern(1, 15, 31, described="the country table comes out in the second half of the following month"),
           later_release_of="gacc"),
    Source("census_pages", "tradebot.sources.census_pages", "US Census country page", ("US Census Bureau",), ("USA",),
           CENSUS_RELEASE, CENSUS_BASIS),
    Source("census", "tradebot.sources.census_api", "US Census API response", ("US Census Bureau",), ("USA",),
           CENSUS_RELEASE, CENSUS_BASIS, live=True),
    Source("gacc", "tradebot.sources.gacc", "China Customs table", ("China Customs (GACC)",), ("CHN",), GACC_RELEASE, live=True),
    Source("usitc", "tradebot.sources.usitc_dataweb", "USITC DataWeb workbook", ("USITC DataWeb",),
           valuation={"customs_value": "customs value", "cif_value": "CIF", "landed_value": "landed duty-paid"},
           magic=b"PK\x03\x04"),  # xlsx is a zip
    # last: its module imports pandas and Arrow, which recognising any other file must not cost (0.2-0.5 s)
    Source("imf", "tradebot.sources.imf_imts", "IMF IMTS CSV", ("IMF IMTS",), live=True,
           release=ReleasePattern(2, 1, 28, extra_months=2, described="no published calendar; usually 2–4 months after")),
)
LIVE = tuple(source.key for source in REGISTRY if source.live)
HEAD_CHARS = 4096  # what a plug-in sees to recognise its format
# A page, bulletin or published-figures file is read whole; the largest real one is under 1 MB.
# Bigger is not one of them (a gzip of a header and a gigabyte of newlines is 1 MB on disk).
MAX_TEXT_CHARS = 32 << 20


def recognise(head: str) -> Source | None:
    """The source whose format `head` (a file's first characters) is, if any."""
    return next((source for source in REGISTRY if not source.magic and source.plugin().recognise(head)), None)


def detect(path: Path) -> Source:
    """The source whose format the file is (gzipped or not), or a one-line `DataFileError`."""
    _identity(path)  # a FIFO or a device is refused before it is opened: opening one blocks
    with _read_errors(path):
        with open(path, "rb") as handle:
            first_bytes = handle.read(8)
        binary = next((source for source in REGISTRY if source.magic and first_bytes.startswith(source.magic)), None)
        if binary is not None:
            return binary
        with open_text(path) as handle:
            head = handle.read(HEAD_CHARS)
    if not head.strip():
        raise DataFileError(f"{path.name} is empty.")
    source = recognise(head)
    if source is None:
        raise DataFileError(f"{path.name} is not a format tradebot reads: {formats()}.")
    return source


class Meter:
    """How much of a file a plug-in has read, for a progress display: the position in the file
    on disk (for a gzip, in its compressed bytes), whatever the plug-in makes of them."""

    def __init__(self, total: int):
        self.total = total
        self._file: BinaryIO | None = None

    def watch(self, file: BinaryIO) -> None:
        self._file = file

    @property
    def done(self) -> int:
        if self._file is None:
            return 0
        try:
            return min(self._file.tell(), self.total)
        except (OSError, ValueError):  # closed: read to the end
            return self.total


def file_batches(path: Path, remark: Callable[[str], None] = lambda text: None, source: Source | None = None,
                 progress: Progress = unwatched) -> Iterator[list]:
    """A file's figures, batch by batch, through the plug-in that recognises it, telling
    `progress` how much of the file it has read after each — refused at the end if the file
    changed while it was read: a file truncated (or still being written) by another process
    reads as a shorter valid file, which the caller's transaction must not keep."""
    source = source or detect(path)
    before = _identity(path)
    meter, figures = Meter(before[2]), 0
    for batch in source.plugin().batches(path, remark, meter):
        figures += 0 if isinstance(batch, dict) else len(batch)  # product names come among the batches
        progress(Step(f"importing {path.name}", meter.done, meter.total, figures=figures))
        yield batch
    if _identity(path) != before:
        raise DataFileError(f"{path.name} changed while it was being read (another program is writing it?); "
                            "nothing was imported: run the import again once the file is complete.")


def _identity(path: Path) -> tuple[int, int, int, int]:
    """What tells one version of a regular file from another, or a one-line `DataFileError`."""
    with _read_errors(path):
        status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        kind = "a directory" if stat.S_ISDIR(status.st_mode) else "a pipe, socket or device"
        raise DataFileError(f"{path.name} is {kind}, not a file: tradebot imports saved files.")
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def formats() -> str:
    """The formats tradebot reads, for a message: "IMF IMTS CSV, …, or a US Census country page"."""
    labels = [source.label for source in REGISTRY]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def by_key(key: str) -> Source | None:
    return next((source for source in REGISTRY if source.key == key), None)


@cache
def publisher(name: str) -> Source | None:
    """The source whose figures carry `name` as their `source`; IMF re-publications by any name."""
    found = next((source for source in REGISTRY if name in source.publishers), None)
    if found is None and name.upper().startswith("IMF"):
        return by_key("imf")
    return found


@cache  # asked for every vintage an answer weighs; the registry never changes
def releases(name: str) -> tuple[str, int]:
    """Which series of releases figures of this `source` belong to, and how late a release
    they are in it: China Customs' preliminary release is (its name, 0), its bulletin (the same
    name, 1); any other source is a series of its own."""
    found = publisher(name)
    if found is not None and found.later_release_of:
        first = by_key(found.later_release_of)
        return first.publishers[0], 1
    return name, 0


def official(reporter: str, name: str) -> bool:
    found = publisher(name)
    return found is not None and reporter in found.official_for


def rank(reporter: str, name: str) -> int:
    """0 for the reporter's own statistics office, 2 for the IMF (which republishes them later,
    revised), 1 for anything else."""
    if official(reporter, name):
        return 0
    found = publisher(name)
    return 2 if found is not None and found.key == "imf" else 1


def valuation(name: str, indicator: str) -> str:
    found = publisher(name)
    return (found.valuation if found else FOB_CIF).get(indicator, "")


def release(name: str) -> ReleasePattern | None:
    found = publisher(name)
    return found.release if found else None


# --- reading files: what every plug-in needs ---

# A number as files write one: ASCII digits, a point, an exponent. Python's float() and Decimal()
# also take `1_000`, full-width `１０` and `nan`, which no statistics office writes.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII: \d is 0-9 only


def is_plain_number(text: str) -> bool:
    return PLAIN_NUMBER.fullmatch(text) is not None


def is_date(text: str) -> bool:
    """Whether `YYYY-MM-DD` is a day of the calendar: 2026-02-30 has the shape of one."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == len("2026-02-28")  # fromisoformat also takes 20260228


def open_bytes(path: Path, meter: Meter | None = None) -> BinaryIO:
    """The file's bytes, gunzipped when it is gzip (told by its magic bytes, not its name)."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    stream = gzip.open(path, "rb") if gzipped else open(path, "rb")
    if meter is not None:
        meter.watch(stream.fileobj if gzipped else stream)  # the file on disk under the gzip
    return stream


def open_text(path: Path, meter: Meter | None = None):
    return io.TextIOWrapper(open_bytes(path, meter), encoding="utf-8-sig", newline="")


def read_text(path: Path, meter: Meter | None = None) -> str:
    """A whole (small) file as text, universal newlines, or a one-line `DataFileError`; at most
    `MAX_TEXT_CHARS`, so memory stays bounded whatever a gzip unpacks to."""
    with _read_errors(path):
        with open_text(path, meter) as handle:
            text = handle.read(MAX_TEXT_CHARS + 1)
    if len(text) > MAX_TEXT_CHARS:
        raise DataFileError(f"{path.name} holds more than {MAX_TEXT_CHARS >> 20} MB of text; no page, bulletin or "
                            "published-figures file is near that size, so it was not imported.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@contextmanager
def _read_errors(path: Path):
    """A damaged gzip, an unreadable file or bytes that are not UTF-8, as one line naming the file."""
    try:
        yield
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataFileError(f"{path.name} is a damaged gzip file: {error}") from None
    except OSError as error:
        raise DataFileError(f"{path.name} cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"{path.name} is not UTF-8 text (byte {error.start}); tradebot reads CSV, HTML and Markdown files.") from None
