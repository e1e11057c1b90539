"""Answers about the store itself rather than one figure: its sources and coverage (`about`),
whether a month is out (`release`), when the next is due (`calendar`), and what to ask (`help`)."""

from __future__ import annotations

from datetime import date

from tradebot import __version__, countries, formatting, releases, sources
from tradebot.answers.base import Answer, Line, date_window, headline_of, next_release
from tradebot.errors import NoData
from tradebot.intents import TABLE, answers_for
from tradebot.periods import Month, Period
from tradebot.query import Query
from tradebot.store import Store

# the help answer: a line per kind of question (from the intent table), then these
HELP_EXTRA = [
    ("Periods", "2025-11 · nov 2025 · 2025 · ytd · jan-nov 2025 · q3 2025 · last month · last year"),
    ("Measures", "y/y · m/m · share (china exports to the us share) · in yuan"),
    ("Follow-ups in a thread", "and imports? · what about october? · and japan? · compared with last year?"),
]


@answers_for("help")
def help_answer(store: Store, query: Query, today: date) -> Answer:
    lines = [Line(*intent.help) for intent in TABLE.values() if intent.help] + [Line(*line) for line in HELP_EXTRA]
    return Answer(query=query, title="What you can ask tradebot", lines=lines,
                  footer="Every figure comes with its source and release date.")


@answers_for("release")
def release_answer(store: Store, query: Query, today: date) -> Answer:
    """"Is October out yet?": whether the store has the period, and if not what is due when."""
    reporters = [query.reporter] if query.reporter else store.reporters()
    asked = query.period.period
    lines = []
    for reporter in reporters:
        name = countries.by_code(reporter).name
        headline = headline_of(store, reporter)
        if headline is None:
            lines.append(Line(name, "no world totals in the store"))
            continue
        if asked is None or headline.period.end >= asked.end:
            what = headline.period.label if asked is None else asked.label
            lines.append(Line(name, f"yes: {what} is out (newest in the store: {headline.period.label}, "
                                    f"{formatting.released(headline.published, headline.note)})"))
            continue
        upcoming = next_release(headline)
        due = ""
        if upcoming and upcoming.overdue(today):  # the usual window is past: say so, not "usually" a date gone by
            due = f"; {upcoming.period.label} was due {date_window(upcoming.earliest, upcoming.latest)} and is not in the store yet"
        elif upcoming:
            due = f"; the next release is usually {date_window(upcoming.earliest, upcoming.latest)}"
        lines.append(Line(name, f"not in the store yet: the newest is {headline.period.label}{due}"))
    title = f"Is {asked.label if asked else 'the latest month'} out?"
    return Answer(query=query, title=title, lines=lines, footer="From the figures in tradebot's store and each source's usual release pattern")


@answers_for("about")
def about_answer(store: Store, query: Query, today: date) -> Answer:
    """Sources and coverage: per reporter and source, how many figures, the newest period and release."""
    lines = []
    coverage = store.coverage()
    for row in coverage:
        released = formatting.release_date(row["last_published"])
        newest = Period.month(Month.parse(row["last_month"])).label
        lines.append(Line(countries.by_code(row["reporter"]).name,
                          f"{row['source']}: {row['figures']:,} figures, to {newest}, last release {released}"))
    retrieved = max((row["last_retrieved"] or "" for row in coverage), default="")
    return Answer(
        query=query,
        title=f"tradebot {__version__}: trade figures with their sources",
        lines=lines or [Line("Store", "empty: no figures yet")],
        notes=[
            "Every number comes from this store with its source and release date; “computed” marks figures tradebot derived.",
            "Commands: /surplus, /exports, /imports, /partners, /compare, /chart, /tariffs, /ask, /alerts, /calendar and /about.",
        ],
        footer=f"Data retrieved {formatting.release_date(retrieved[:10]) if retrieved else 'never'} · tradebot {__version__}",
    )


def _other_releases(store: Store, reporter: str, shown: str, today: date, patterns: dict[str, str]) -> list[Line]:
    """The reporter's other sources with a release pattern (China Customs' preliminary release
    beside its bulletin): each one's newest month in the store and its next window."""
    lines = []
    for row in store.coverage():
        pattern = sources.release(row["source"])
        if row["reporter"] != reporter or row["source"] == shown or pattern is None:
            continue
        upcoming = releases.next_release(pattern, Period.month(Month.parse(row["last_month"])))
        patterns[row["source"]] = pattern.described
        text = (f"latest {Period.month(Month.parse(row['last_month'])).label}; next {upcoming.period.label}, "
                f"usually {date_window(upcoming.earliest, upcoming.latest)}")
        lines.append(Line(f"{countries.by_code(reporter).name} · {row['source']}",
                          text + (" — due already but not in the store yet" if upcoming.overdue(today) else "")))
    return lines


@answers_for("calendar")
def calendar_answer(store: Store, query: Query, today: date) -> Answer:
    """Per reporter: the newest period in the store and when its source usually publishes the next."""
    reporters = [query.reporter] if query.reporter else store.reporters()
    lines, patterns = [], {}
    for reporter in reporters:
        name = countries.by_code(reporter).name
        headline = headline_of(store, reporter)
        if headline is None:
            if query.reporter:
                raise NoData(f"The store has no world totals for {name}, so there is no release to expect.")
            continue
        text = f"latest {headline.period.label} ({headline.source}, {formatting.released(headline.published, headline.note)})"
        upcoming = next_release(headline)
        if upcoming:
            patterns[headline.source] = upcoming.pattern.described
            text += f"; next {upcoming.period.label}, usually {date_window(upcoming.earliest, upcoming.latest)}"
            if upcoming.overdue(today):
                text += " — due already but not in the store yet"
        lines.append(Line(name, text))
        lines += _other_releases(store, reporter, headline.source, today, patterns)
    title = "Release calendar" + (f" — {countries.by_code(query.reporter).name}" if query.reporter else "")
    return Answer(
        query=query, title=title, lines=lines or [Line("Store", "empty: no figures yet")],
        notes=[f"{source}: {described}." for source, described in patterns.items()],
        footer=f"Expected dates follow each source's usual pattern, not an announced date · as of {formatting.release_date(today.isoformat())}",
    )
