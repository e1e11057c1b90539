"""The answer about one flow of one reporter (with the world or a partner): the headline, the
other two flows, the year to date, the previous period, and what the question added (m/m,
share of the world, a threshold, the partner's mirror figure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import countries, formatting
from tradebot.answers.base import Answer, Line, Shown, currencies_of, headline_words, locate_any, missing_words, source_footer
from tradebot.errors import NoData
from tradebot.figures import (
    Figure,
    FigureBook,
    derived,
    latest_in_any,
    percent_change,
    previous_period,
    share,
    year_to_date,
)
from tradebot.intents import answers_for
from tradebot.periods import Period, PeriodSpec
from tradebot.query import FIGURE_INTENTS, Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words, growth_basis
from tradebot.wording import (
    COMPUTED_NOTE,
    FLOW_NAMES,
    flow_label,
    flow_phrase,
    not_reporting,
    partner_words,
    possessive,
    tone,
    valuation,
    valuation_words,
)

# The other two flows shown under each headline, in order.
COMPANIONS = {"balance": ("exports", "imports"), "exports": ("imports", "balance"), "imports": ("exports", "balance"),
              "total_trade": ("exports", "imports")}
# The other side of a flow in the partner's own statistics
MIRROR_FLOW = {"exports": "imports", "imports": "exports", "balance": "balance", "total_trade": "total_trade"}
# why a flow and the partner's own record of it differ, after how each side values it
MIRROR_REASONS = ("goods routed through third places such as Hong Kong are attributed differently, and shipments are "
                  "counted in different months.")


@answers_for(*FIGURE_INTENTS)
def flow_answer(store: Store, query: Query, today: date) -> Answer:
    reporter = countries.by_code(query.reporter)
    partner = countries.by_code(query.partner)
    indicator = query.intent
    what = flow_phrase(reporter, indicator, partner)
    if not store.has_reporter(reporter.code):
        raise NoData(not_reporting(store, reporter.code))

    located, notes = locate_any(store, query)
    asked = query.period.period
    latest = None if located else latest_in_any(store, reporter.code, partner.code, indicator, currencies_of(store, query))
    if located is None and asked is not None and not asked.is_month:
        # "since march 2025" runs to today; the figures end earlier: answer to the newest month there is
        if latest is not None and asked.start <= latest[1].end < asked.end:
            shorter = Period(asked.start, latest[1].end)
            located, notes = locate_any(store, replace(query, period=PeriodSpec("fixed", shorter)))
            notes = [f"You asked for {asked.label}; the store's figures end in {latest[1].end.name}, so this is {shorter.label}.",
                     *notes]
    if located is None and query.period.kind == "fixed":
        growth_only = _growth_alone(store, query, indicator)
        if growth_only is not None:
            return growth_only
    if located is None:
        if latest is None:
            raise NoData(f"The store has no figures for {what}.")
        if query.period.kind != "fixed":
            raise NoData(f"No figure for {what} in {latest[1].label}.")
        raise NoData(f"No figure for {what} in {query.period.period.label}; the latest is {latest[1].label}.")
    period, book, headline, period_notes = located
    notes = period_notes + notes
    calendar = query.period.calendar
    if calendar is not None and calendar != period:
        notes.insert(0, f"Last month on the calendar is {calendar.label}; the newest month the store has for this is "
                        f"{period.label} (figures come out weeks to months after a month ends).")

    shown = Shown()
    growth = book.growth(indicator, period)
    title = f"{reporter.name} — {headline_words(indicator, headline, partner)}, {period.label}: "
    title += shown.money(headline, growth=growth)
    lines = [
        Line(flow_label(other), shown.money(book.value(other, period), other == "balance", book.growth(other, period)))
        for other in COMPANIONS[indicator]
    ]
    months_so_far = year_to_date(period)
    if months_so_far:
        ytd_figure = book.value(indicator, months_so_far)
        value = shown.money(ytd_figure, indicator == "balance", book.growth(indicator, months_so_far))
        if ytd_figure is None:
            value += missing_words(book.missing_months(indicator, months_so_far))
        lines.append(Line(f"Year to date, {months_so_far.label}", value))
    previous = previous_period(book, indicator, period)
    previous_name = "Previous month" if previous.months <= 2 and period.months <= 2 else "A year earlier"
    lines.append(Line(f"{previous_name}, {previous.label}", shown.money(book.value(indicator, previous), indicator == "balance")))
    if query.measure == "mom":
        lines.append(month_on_month(shown, book, headline, previous))
    if query.threshold is not None:
        lines.append(_against_threshold(headline, query))
    if query.measure == "share":
        lines.append(_share_of_world(store, shown, headline, reporter, partner, query.currency or "USD"))
    mirror = _mirror(store, headline, partner, book.currency)
    if mirror:
        lines += [
            Line(f"{possessive(partner.name)} own figure ({flow_label(mirror.indicator).lower()}, {valuation(mirror)}, {mirror.source})",
                 shown.money(mirror, mirror.indicator == "balance")),
            Line("Gap between the two", shown.money(_mirror_gap(headline, mirror))),
        ]
        notes.append(_mirror_note(headline, mirror))

    if any(figure.derived for figure in shown.figures):
        notes.append(COMPUTED_NOTE)
    resolved = replace(query, period=PeriodSpec("fixed", period))
    return Answer(
        query=resolved, title=title, lines=lines, notes=notes,
        footer=source_footer(headline, shown.figures), figures=shown.figures,
        tone=tone(indicator, headline.value),
    )


def _growth_alone(store: Store, query: Query, indicator: str) -> Answer | None:
    """A published growth rate whose amount the store does not hold (wire copy often gives only
    "exports to the EU rose 14.8%"): an answer of its own, saying the amount is not there."""
    period = query.period.period
    for currency in currencies_of(store, query):
        growth = FigureBook.load(store, query.reporter, query.partner, period, currency).published(f"{indicator}_yoy", period)
        if growth is None:
            continue
        reporter, partner = countries.by_code(query.reporter), countries.by_code(query.partner)
        shown = Shown()
        shown.add(growth)
        basis = currency_words(growth_basis(growth.unit) or currency)
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{partner_words(indicator, partner)}, {period.label}: "
        title += f"{formatting.percent(growth.value)} y/y (measured in {basis})"
        return Answer(
            query=replace(query, intent=indicator), title=title,
            lines=[Line("Amount", "the source published only the growth rate; the store has no amount for it")],
            footer=source_footer(growth, shown.figures), figures=shown.figures,
        )
    return None


def _mirror(store: Store, headline: Figure, partner: countries.Country, currency: str) -> Figure | None:
    """The partner's own statistics for the same flow seen from its side, when the store has them."""
    if partner.is_group or headline.partner == "WLD":
        return None
    book = FigureBook.load(store, partner.code, headline.reporter, headline.period, currency)
    return book.value(MIRROR_FLOW[headline.indicator], headline.period)


def _mirror_gap(headline: Figure, mirror: Figure) -> Figure:
    # a balance seen from the other side has the opposite sign: compare sizes, not signs
    own, theirs = (abs(headline.value), abs(mirror.value)) if headline.indicator == "balance" else (headline.value, mirror.value)
    return derived(f"{headline.indicator}_mirror_gap", [headline, mirror], own - theirs, "own figure − partner's mirror figure",
                   period=headline.period)


def _against_threshold(headline: Figure, query: Query) -> Line:
    """"Did it top $1 trillion?": the headline's size against the amount asked (a surplus and a
    deficit are compared by size), said in words so that every amount shown is a figure."""
    label = "Above the amount asked"
    if query.threshold_currency and query.threshold_currency != headline.unit:
        return Line(label, f"cannot tell: the figure is in {currency_words(headline.unit)}, the amount asked in "
                           f"{currency_words(query.threshold_currency)}, and tradebot holds no rate between them")
    return Line(label, "yes" if abs(headline.value) > query.threshold else "no")


def month_on_month(shown: Shown, book: FigureBook, headline: Figure, previous: Period) -> Line:
    """The change from the previous month, computed from the two stored values."""
    base = book.value(headline.indicator, previous)
    label = f"Change from {previous.label}"
    comparable = base is not None and previous.months == headline.period.months
    change = percent_change(headline, base, f"{headline.indicator}_mom", f"computed from {previous.label}") if comparable else None
    if change is None:
        return Line(label, "not computable from the store (the previous month is missing or not comparable)")
    shown.add(base)
    shown.add(change)
    return Line(label, f"{formatting.percent(change.value)} (computed from {formatting.money(base.value, base.unit)})")


def _share_of_world(store: Store, shown: Shown, headline: Figure, reporter, partner, currency: str) -> Line:
    """The partner's share of the reporter's flow with the whole world, computed."""
    label = f"{possessive(partner.name)} share of {possessive(reporter.name)} {FLOW_NAMES[headline.indicator]}"
    if partner.code == "WLD" or headline.indicator == "balance":
        return Line(label, "name a partner and a flow, for example “china exports to the us share”")
    world = FigureBook.load(store, reporter.code, "WLD", headline.period, currency).value(headline.indicator, headline.period)
    portion = share(headline, world, f"{headline.indicator}_share") if world is not None else None
    if portion is None:
        return Line(label, f"not computable: the store has no world total for {headline.period.label}")
    shown.add(world)
    shown.add(portion)
    return Line(label, f"{portion.value:.1f}% of {formatting.money(world.value, world.unit)} (computed)")


def _mirror_note(headline: Figure, mirror: Figure) -> str:
    """`Mirror figures differ: China Customs (GACC) values exports free on board (FOB) and US
    Census Bureau values imports at customs value, …`: each side's own basis, never a stock one."""
    sides = [f"{figure.sources[0]} values {FLOW_NAMES[figure.indicator]} {valuation_words(figure)}"
             for figure in (headline, mirror) if valuation_words(figure)]
    return "Mirror figures differ: " + (" and ".join(sides) + "; " if sides else "") + MIRROR_REASONS
