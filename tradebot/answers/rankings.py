"""A reporter's partners ranked by one flow for one period."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from tradebot import countries, formatting
from tradebot.answers.base import Answer, Line, Shown, currencies_of, source_footer
from tradebot.errors import NoData
from tradebot.figures import (
    Figure,
    FigureBook,
    derived,
    latest_period,
    newer,
    share,
)
from tradebot.intents import answers_for
from tradebot.periods import Month, Period, PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words
from tradebot.wording import COMPUTED_NOTE, FLOW_NAMES, possessive


@answers_for("partners")
def ranking_answer(store: Store, query: Query, today: date) -> Answer:
    """The reporter's partners ranked by one flow for one period, each with its share of the
    world total and its growth; the largest `RANKING_SHOWN` are listed and the rest of the
    world closes the list, so shares add to 100%. Groups and a table's remainders are never
    ranked beside countries (see `_rankable`). A fixed period is ranked in the first currency
    that has it, `latest` in the currency with the newest period (dollars on a tie)."""
    reporter = countries.by_code(query.reporter)
    flow = query.indicator or "total_trade"
    codes = [code for code in store.partners(reporter.code) if code != "WLD"]
    found = None
    currencies = currencies_of(store, query)
    world_latest = {currency: latest_period(store, reporter.code, "WLD", flow, currency) for currency in currencies}
    if query.period.kind != "fixed":  # the currency whose world total is newest first: the others can rarely beat it
        # (a stable sort: dollars stay first on a tie)
        currencies.sort(key=lambda currency: world_latest[currency][0].end if world_latest[currency] else Month(1, 1), reverse=True)
    for currency in currencies:
        newest_world = world_latest[currency][0] if world_latest[currency] else None
        if found and (query.period.kind == "fixed" or (newest_world is not None and newest_world.end <= found[0].end)):
            break  # a fixed period takes the first currency that has it; an older world total cannot be newer
        ranking = _ranking_in(store, query, reporter.code, codes, flow, currency, newest_world)
        if ranking and (found is None or newer(ranking[0], found[0])):
            found = (*ranking, currency)
    if found is None:
        where = f" in {query.period.period.label}" if query.period.kind == "fixed" else ""
        raise NoData(f"The store has no partner figures for {possessive(reporter.name)} {FLOW_NAMES[flow]}{where}.")
    period, values, books, currency = found
    listed_groups, inside = _rankable(values)
    rankable = [code for code in values
                if code in listed_groups or (code not in inside and not countries.by_code(code).is_group)]
    everyone = sorted(rankable, key=lambda code: abs(values[code].value), reverse=True)
    ranked = everyone[:RANKING_SHOWN]
    world = FigureBook.load(store, reporter.code, "WLD", period, currency).value(flow, period)
    shown = Shown()
    lines = []
    for place, code in enumerate(ranked, start=1):
        figure = values[code]
        text = shown.money(figure, flow == "balance", books[code].growth(flow, period))
        portion = share(figure, world, f"{flow}_share") if world is not None and flow != "balance" else None
        if portion is not None:
            shown.add(portion)
            text += f" · {portion.value:.1f}% of the total (computed)"
        name = countries.by_code(code).name
        if code == reporter.code:  # China Customs lists China itself: goods that leave and come back
            name += " (its own trade with itself, as the source lists it)"
        lines.append(Line(f"{place}. {name}", text))
    notes = []
    if world is not None and world.value > 0 and flow != "balance":
        rest = derived(f"{flow}_rest_of_world", [world], world.value - sum(values[code].value for code in ranked),
                       "world − the partners listed")
        rest_share = share(rest, world, f"{flow}_rest_share")
        shown.add(world)
        more = len(everyone) - len(ranked)
        others = f"Everyone else ({more} more partners and the unallocated)" if more else "Everyone else"
        lines.append(Line(others, f"{shown.money(rest)} · {shown.add(rest_share).value:.1f}% (computed)"))
        lines.append(Line("World total", formatting.money(world.value, world.unit)))
    lists = ("groups (" + ", ".join(countries.by_code(g).name for g in listed_groups) + ") and the countries outside them"
             if listed_groups else "countries and territories")
    notes.append(f"{len(everyone)} partners ranked: {lists}; continents and groupings are not ranked beside their members"
                 + (", and a group's members count only inside the group." if listed_groups else "."))
    if currency != "USD":
        notes.append(f"Amounts in {currency} ({currency_words(currency)}), the currency of the newest partner figures; "
                     "tradebot never converts with a rate it does not hold.")
    if any(figure.derived for figure in shown.figures):
        notes.append(COMPUTED_NOTE)
    title = f"{reporter.name} — top partners by {FLOW_NAMES[flow]}, {period.label}"
    return Answer(query=replace(query, period=PeriodSpec("fixed", period), indicator=flow), title=title, lines=lines, notes=notes,
                  footer=source_footer(values[ranked[0]], shown.figures), figures=shown.figures)


RANKING_SHOWN = 15  # partners listed by name; an embed holds 25 fields


def _ranking_in(store: Store, query: Query, reporter: str, codes: list[str], flow: str, currency: str,
                world_latest: Period | None) -> tuple[Period, dict[str, Figure], dict[str, FigureBook]] | None:
    """The period to rank in `currency` (the asked one, else the newest with partner figures),
    each partner's figure for it and their books."""
    if query.period.kind == "fixed":
        candidates = [query.period.period]
    else:
        # partner figures usually come with the world total's newest period: try it before
        # surveying every partner's periods (hundreds of lookups at IMF scale)
        candidates = itertools.chain([world_latest] if world_latest else [], _ranking_periods(store, reporter, codes, flow, currency))
    for candidate in candidates:  # newest first
        if not store.has_month(reporter, currency, candidate.end):
            continue  # nothing at all ends then in this currency: no need to look partner by partner
        # the period and a year before it (for growth), a handful of rows per partner: the flow
        # itself first, and what it can be derived from only for the partners that lack it
        ends = [candidate, candidate.shift_years(-1)]
        books = FigureBook.load_ends(store, reporter, codes, ends, currency, (flow, f"{flow}_yoy"))
        values = {code: figure for code, book in books.items() if (figure := book.value(flow, candidate)) is not None}
        lacking = [code for code in codes if code not in values] if flow in ("balance", "total_trade") else []
        if lacking:
            books |= FigureBook.load_ends(store, reporter, lacking, ends, currency, _RANKING_INDICATORS[flow])
            values |= {code: figure for code in lacking if (figure := books[code].value(flow, candidate)) is not None}
        if values:
            return candidate, values, books
    return None


def _rankable(values: dict[str, Figure]) -> tuple[list[str], set[str]]:
    """Which groups a ranking lists, and the members it leaves out for them. A table that
    lists most of a group's members (China Customs' bulletin lists every EU member) ranks the
    members; a headline table that gives the EU but few of its members ranks the EU, and the
    members it does give are counted inside it. Never both in one sum."""
    listed, inside = [], set()
    for group, members in countries.GROUP_MEMBERS.items():
        if group in values and sum(member in values for member in members) < len(members) / 2:
            listed.append(group)
            inside |= members
    return listed, inside


# what a ranking by each flow reads: the flow, the flows it may be derived from, their growth
_RANKING_INDICATORS = {
    flow: tuple(name for base in ([flow] if flow in ("exports", "imports") else [flow, "exports", "imports"])
                for name in (base, f"{base}_yoy"))
    for flow in ("exports", "imports", "balance", "total_trade")
}


def _ranking_periods(store: Store, reporter: str, partners: list[str], flow: str, currency: str) -> Iterator[Period]:
    """Periods partner figures exist for (a partner table, usually), newest first, those that
    at least three partners share (or all of them, when fewer) before the rest. A generator:
    the survey runs only if a caller gets this far."""
    needed = [flow] if flow not in ("balance", "total_trade") else [flow, "exports", "imports"]
    counts: dict[Period, int] = {}
    for code in partners:
        seen = {period for name in needed for period in store.recent_periods(reporter, code, name, unit=currency)}
        for period in seen:
            counts[period] = counts.get(period, 0) + 1
    enough = min(3, max(counts.values(), default=0))
    yield from sorted(counts, key=lambda p: (counts[p] >= enough, p.end, -p.months), reverse=True)
