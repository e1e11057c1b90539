"""Sources → store: import a file of any supported format, or fetch a live source.

Every file or response is one transaction: a bad one changes nothing. Each run reports
what it read, added, revised and skipped, and which (source, reporter, period) are new —
the input to alerts. `sync_file` and `sync_source` are what the CLI and the scheduler call.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from tradebot import countries, sources, terminal
from tradebot.config import Settings
from tradebot.errors import DataFileError, TradebotError
from tradebot.periods import Month, today_utc
from tradebot.progress import Progress, Step, unwatched
from tradebot.store import ImportReport, NewPeriod, Store, inline

log = logging.getLogger("tradebot")

# The G20 economies (the EU and African Union aside, which IMF reports as aggregates) and ASEAN.
G20 = ("ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "FRA", "GBR", "IDN", "IND", "ITA", "JPN", "KOR", "MEX",
       "RUS", "SAU", "TUR", "USA", "ZAF")
ASEAN_MEMBERS = ("BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "VNM")
DEFAULT_REPORTERS = tuple(dict.fromkeys(G20 + ASEAN_MEMBERS))
MONTHS_BACK = 24  # a live sync asks for two years: enough to catch the sources' revisions


@dataclass
class SyncReport:
    """What one sync did, input by input."""

    imports: list[tuple[str, ImportReport]] = field(default_factory=list)  # (what was read, its report)
    failures: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # what the plug-ins said of their input (rows without figures …)

    @property
    def total(self) -> ImportReport:
        total = ImportReport()
        for _name, report in self.imports:
            total += report
        return total

    def lines(self) -> list[str]:
        out = [f"{name}: {report}" for name, report in self.imports]
        out += [f"note: {remark}" for remark in self.remarks]
        out += [f"failed: {failure}" for failure in self.failures]
        out += new_period_lines(self.total.new_periods)
        return out


def new_period_lines(new_periods: list[NewPeriod], show: int = 6) -> list[str]:
    """`new: IMF IMTS · Nicaragua: 2026-03, 2026-04`, a line per source and reporter."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, reporter, period in new_periods:
        grouped.setdefault((source, reporter), []).append(str(period))
    lines = []
    for (source, reporter), periods in grouped.items():
        shown = ", ".join(periods) if len(periods) <= show else f"{len(periods)} periods, {periods[0]} … {periods[-1]}"
        lines.append(f"new: {source} · {countries.by_code(reporter).name}: {shown}")
    return lines or ["new: nothing"]


# --- files ---


def sync_file(store: Store, path: Path, progress: Progress = unwatched) -> SyncReport:
    """Import one file, of any registered format, in one transaction: the plug-in hands over its
    figures a batch at a time (an IMF file of millions of rows never sits in memory whole)."""
    source = sources.detect(path)
    remarks: list[str] = []
    report = store.add_figure_batches(sources.file_batches(path, remarks.append, source, progress))
    return SyncReport(imports=[(f"{path.name} ({source.label})", report)], remarks=remarks)


# --- live sources ---


async def sync_source(
    store: Store, source: str = "imf", reporters: tuple[str, ...] | None = None, since: str | None = None,
    run: Callable = inline, progress: Progress = unwatched, **fetch_options
) -> SyncReport:
    """Fetch a live source and import each response as its own transaction, so one bad
    response costs only itself. A source that cannot be reached at all raises
    `SourceUnavailable`. `run` is where the imports run (the bot's writer thread)."""
    found = sources.by_key(source)
    if found is None or not found.live:
        raise DataFileError(f"“{source}” is not a live source; the live sources are {', '.join(sources.LIVE)}.")
    # a statistics office publishes its own country's figures; the IMF, every reporter's
    per_reporter = not found.official_for
    reporters = reporters or (DEFAULT_REPORTERS if per_reporter else found.official_for)
    since = since or str(Month.of(today_utc()).plus(-MONTHS_BACK))
    known_urls = await run(store.source_urls, found.publishers)
    report = SyncReport()
    task, figures = f"fetching {found.publishers[0] if found.publishers else found.key}", 0
    total, unit = (len(reporters), "reporters") if per_reporter else (0, "pages")
    progress(Step(task, 0, total, unit))
    async for name, rows in found.plugin().fetch_batches(reporters, since, known_urls=known_urls, **fetch_options):
        try:
            if isinstance(rows, TradebotError):
                raise rows
            report.imports.append((name, await run(store.add_figures, rows)))
            figures += len(rows)
        except TradebotError as error:
            report.failures.append(error.message)
        progress(Step(task, len(report.imports) + len(report.failures), total, unit, figures))
    return report


def live_options(settings: Settings, source: str) -> dict:
    """What a live source is fetched with from the settings: its address when it is elsewhere
    (`TRADEBOT_<SOURCE>_URL`), and the Census API's key."""
    options: dict = {"base": settings.source_urls.get(source)}
    if source == "census":
        options["key"] = settings.census_api_key
    return options


# When each live source is polled, in words, for the default schedules (config.py)
POLLED = {
    "imf": ("IMF IMTS", "imf_sync_cron", "daily at 06:15 UTC (the IMF has no release calendar)"),
    "gacc": ("China Customs", "gacc_sync_cron", "every 30 minutes 01:00–09:30 UTC on the 7th–14th (its release window), daily otherwise"),
    "census": ("US Census API", "census_sync_cron",
               "every 20 minutes 12:40–15:40 UTC on the 1st–10th (after the 8:30 ET FT-900 release), daily otherwise"),
}


def live_jobs(settings: Settings, fetch: Callable[..., Awaitable[object]]) -> dict[str, tuple[str, Callable]]:
    """The scheduler's sync jobs: source → (its crontabs, `fetch(source)`); the Census only
    with a key."""
    return {source: (getattr(settings, setting), functools.partial(fetch, source))
            for source, (_label, setting, _words) in POLLED.items() if source != "census" or settings.census_api_key}


async def sync_live(store: Store, settings: Settings, source: str, run: Callable = inline, **fetch_options) -> SyncReport:
    """What a scheduled sync does, in the bot or a sync process: fetch the source with the
    settings' reporters and options, on `run` (a writer thread), and log its report."""
    reporters = (settings.imf_reporters or None) if source == "imf" else None
    options = {**live_options(settings, source), **fetch_options}
    report = await sync_source(store, source, reporters, run=run, progress=terminal.progress_logged(), **options)
    for line in report.lines():
        log.info("sync %s: %s", source, line)
    return report


def live_sources(settings: Settings) -> list[tuple[str, str]]:
    """(source, when it is polled) for /about; a source that cannot run says why."""
    out = []
    for key, (label, setting, words) in POLLED.items():
        crontab = getattr(settings, setting)
        if key == "census" and not settings.census_api_key:
            out.append((label, "off: it needs a key since May 2026 (CENSUS_API_KEY)"))
            continue
        default = Settings.__dataclass_fields__[setting].default
        out.append((label, words if crontab == default else f"on the crontab `{crontab}` (UTC)"))
    return out
