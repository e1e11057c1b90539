"""Two figures side by side: two reporters, two partners of one reporter, or one series in two
periods."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import countries
from tradebot.answers.base import Answer, Line, Shown, currencies_of, locate, source_footer
from tradebot.errors import NoData
from tradebot.figures import (
    FigureBook,
    derived,
    latest_in_any,
    latest_period,
)
from tradebot.intents import answers_for
from tradebot.periods import PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words
from tradebot.wording import COMPUTED_NOTE, FLOW_NAMES, flow_phrase, partner_words


@answers_for("compare")
def comparison_answer(store: Store, query: Query, today: date) -> Answer:
    """Two reporters side by side for one period, two partners of one reporter, or one series
    across two periods."""
    if not query.compared:
        raise NoData("Compare with what? Name a second country or a period, for example “compare china and the us”.")
    indicator = query.indicator or "balance"
    reporter = countries.by_code(query.reporter)
    partner = countries.by_code(query.partner)
    # the second side: (reporter, partner, period or None for the first side's)
    second = (countries.by_code(query.compared_reporter or reporter.code),
              countries.by_code(query.compared_partner or partner.code), query.compared_period)
    # both sides in one currency: the first (dollars first) in which both have the figure
    first = other = None
    tried = []  # the currencies the first side has the figure in
    asked = query.period
    if second[2] and query.period.kind == "latest":
        asked = _as_long_as(store, query, indicator, currencies_of(store, query))
    for currency in currencies_of(store, query):
        located = locate(store, replace(query, intent=indicator, period=asked), currency) if asked else None
        if located is None:
            continue
        first, period = located, located[0]
        tried.append(currency)
        other_period = second[2] or period
        other_book = FigureBook.load(store, second[0].code, second[1].code, other_period, currency)
        other = other_book.value(indicator, other_period)
        if other is None and second[2] is None and query.period.kind != "fixed":
            # two countries at `latest`: the newest period the second has, when the first has it too
            theirs = latest_period(store, second[0].code, second[1].code, indicator, currency)
            mine = FigureBook.load(store, reporter.code, partner.code, theirs[0], currency) if theirs else None
            if mine is not None and mine.value(indicator, theirs[0]) is not None:
                period = other_period = theirs[0]
                first = (period, mine, mine.value(indicator, period), [])
                other_book, other = theirs[1], theirs[1].value(indicator, period)
        if other is not None:
            break
    if first is None:
        what = flow_phrase(reporter, indicator, partner)
        latest = latest_in_any(store, reporter.code, partner.code, indicator, currencies_of(store, query))
        if latest is None:
            raise NoData(f"The store has no figures for {what}.")
        asked = f" in {query.period.period.label}" if query.period.kind == "fixed" else ""
        raise NoData(f"No figure for {what}{asked} to compare; the latest is {latest[1].label}.")
    if other is None:
        whose = flow_phrase(second[0], indicator, second[1])
        in_currency = " in " + " or ".join(currency_words(currency) for currency in tried)
        raise NoData(f"The store has no figure for {whose} in {other_period.label}{in_currency} to compare with; "
                     "tradebot compares figures in one currency and never converts.")
    mine = first[2]
    shown = Shown()
    if second[2]:
        names = (f"{reporter.name}, {period.label}", f"{second[0].name}, {other_period.label}")
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{partner_words(indicator, partner)}, {period.label} against {other_period.label}"
    elif query.compared_partner:
        names = (partner.name, second[1].name)
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{partner_words(indicator, partner)} and {second[1].name}, {period.label}"
    else:
        names = (reporter.name, second[0].name)
        title = f"{reporter.name} and {second[0].name} — {FLOW_NAMES[indicator]}{partner_words(indicator, partner)}, {period.label}"
    difference = derived(f"{indicator}_difference", [mine, other], mine.value - other.value, "first − second", period=mine.period)
    lines = [
        Line(names[0], shown.money(mine, indicator == "balance", first[1].growth(indicator, period))),
        Line(names[1], shown.money(other, indicator == "balance", other_book.growth(indicator, other_period))),
        Line("Difference", ("+" if difference.value >= 0 else "−") + shown.money(difference)),
    ]
    notes = [COMPUTED_NOTE] if any(f.derived for f in shown.figures) else []
    return Answer(query=replace(query, period=PeriodSpec("fixed", period)), title=title, lines=lines, notes=notes,
                  footer=source_footer(mine, shown.figures), figures=shown.figures)


def _as_long_as(store: Store, query: Query, indicator: str, currencies: list[str]) -> PeriodSpec | None:
    """`/compare china other:2024-11` at `latest`: the newest period, in any currency, as long as
    the one compared with (a month beside a month, not China's January–February total beside
    November)."""
    months = query.compared_period.months
    found = []
    for currency in currencies:
        for series in dict.fromkeys([indicator, "exports"]):  # a balance is often derived from the flows
            periods = store.recent_periods(query.reporter, query.partner, series, limit=24, unit=currency)
            found += [period for period in periods if period.months == months][:1]
    return PeriodSpec("fixed", max(found, key=lambda period: period.end)) if found else None
