"""Every partner's figure for one flow of a reporter, for one period: what a ranking lists and
what contributions to growth are computed from. One place decides which period and currency
such a table is read in, and which partners one sum may hold (a group or its members, never
both)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from tradebot import countries
from tradebot.figures import Figure, FigureBook, latest_period, newer
from tradebot.periods import Month, Period
from tradebot.store import Store

# how one sum may list a table's partners (see `PartnerTable.listed`)
MEMBERS, BLOCS, CONTINENTS = "members", "blocs", "continents"


@dataclass
class PartnerTable:
    reporter: str
    flow: str
    period: Period
    currency: str
    values: dict[str, Figure]  # partner → its figure for the period (the world not among them)
    books: dict[str, FigureBook]  # partner → its rows for the period and a year before (the world's too)

    @property
    def year_earlier(self) -> Period:
        return self.period.shift_years(-1)

    def value(self, partner: str, period: Period | None = None) -> Figure | None:
        book = self.books.get(partner)
        return book.value(self.flow, period or self.period) if book else None

    def growth(self, partner: str) -> Figure | None:
        book = self.books.get(partner)
        return book.growth(self.flow, self.period) if book else None

    @property
    def world(self) -> Figure | None:
        return self.value("WLD")

    def listed(self, grouping: str = MEMBERS) -> list[str]:
        """The partners one sum lists, so that no trade is counted twice:

        - `MEMBERS`: countries; a group only when the table gives few of its members (a
          headline table with the EU and four members) and then its members count inside it;
        - `BLOCS`: the EU and ASEAN as groups wherever the table has them, their members inside
          them, and every other country on its own;
        - `CONTINENTS`: the continents the table gives (they partition the world).
        Residual lines ("other Asian countries", "country unknown") are never listed: the rest
        of the world holds them."""
        values = self.values
        if grouping == CONTINENTS:
            return [code for code in countries.CONTINENTS if code in values]
        groups = [group for group, members in countries.GROUP_MEMBERS.items() if group in values and (
            grouping == BLOCS or sum(member in values for member in members) < len(members) / 2)]
        inside = set().union(*(countries.GROUP_MEMBERS[group] for group in groups))
        return [code for code in values
                if code in groups or (code not in inside and not countries.by_code(code).is_group)]


# what a flow may be computed from for a partner that lacks it: exports and imports, with their growth
DERIVABLE = {flow: () if flow in ("exports", "imports") else ("exports", "exports_yoy", "imports", "imports_yoy")
             for flow in ("exports", "imports", "balance", "total_trade")}


def partner_table(store: Store, reporter: str, flow: str, currencies: list[str], period: Period | None = None,
                  year_earlier: bool = False) -> PartnerTable | None:
    """The table for `period` in the first of `currencies` that has it; without a period, the
    newest period with partner figures in any currency (the first listed on a tie). With
    `year_earlier`, only a period whose world total and partners also exist a year before
    counts (growth needs both)."""
    codes = [code for code in store.partners(reporter) if code != "WLD"]
    if period is not None:  # the first currency that has it
        return next((table for currency in currencies
                     if (table := _first_table(store, reporter, codes, flow, currency, [period], year_earlier))), None)
    world_latest = {currency: latest_period(store, reporter, "WLD", flow, currency) for currency in currencies}
    # the currency whose world total is newest first: the others can rarely beat it (a stable sort:
    # the first currency stays first on a tie)
    currencies = sorted(currencies, key=lambda currency: world_latest[currency][0].end if world_latest[currency]
                        else Month(1, 1), reverse=True)
    found: PartnerTable | None = None
    for currency in currencies:
        newest_world = world_latest[currency][0] if world_latest[currency] else None
        if found and newest_world is not None and newest_world.end <= found.period.end:
            break  # an older world total cannot be newer
        # partner figures usually come with the world total's newest period: try it before
        # surveying every partner's periods (hundreds of lookups at IMF scale)
        candidates = itertools.chain([newest_world] if newest_world else [], _partner_periods(store, reporter, codes, flow, currency))
        table = _first_table(store, reporter, codes, flow, currency, candidates, year_earlier)
        if table and (found is None or newer(table.period, found.period)):
            found = table
    return found


def _first_table(store: Store, reporter: str, codes: list[str], flow: str, currency: str, candidates,
                 year_earlier: bool) -> PartnerTable | None:
    indicators = (flow, f"{flow}_yoy")
    everyone = ["WLD", *codes]
    tried: set[Period] = set()
    for candidate in candidates:  # newest first
        if candidate in tried or not store.has_month(reporter, currency, candidate.end):
            continue  # nothing at all ends then in this currency: no need to look partner by partner
        tried.add(candidate)
        earlier = candidate.shift_years(-1)
        if year_earlier and not store.has_month(reporter, currency, earlier.end):
            continue
        # the period and a year before it, a handful of rows per partner: the flow itself first; for
        # the partners that lack it, read again with what it can be computed from, and month by month
        # for a period the source did not publish as one run, not even for the world (a quarter summed
        # from its months; a year it did publish is not read month by month for the partners that
        # simply have no figure in it)
        ends = [candidate, earlier]
        table = PartnerTable(reporter, flow, candidate, currency, {},
                             FigureBook.load_ends(store, reporter, everyone, ends, currency, indicators))
        lacking = [code for code in everyone if not _complete(table, code, year_earlier)]
        if lacking and DERIVABLE[flow]:
            table.books |= FigureBook.load_ends(store, reporter, lacking, ends, currency, (*indicators, *DERIVABLE[flow]))
            lacking = [code for code in lacking if not _complete(table, code, year_earlier)]
        if "WLD" in lacking and not candidate.is_month:
            months = [Period.month(month) for window in ends for month in _months_of(window)]
            table.books |= FigureBook.load_ends(store, reporter, lacking, [*ends, *months], currency,
                                                (*indicators, *DERIVABLE[flow]))
        table.values = {code: figure for code in codes if (figure := table.value(code)) is not None
                        and (not year_earlier or table.value(code, earlier) is not None)}
        if table.values and (not year_earlier or (table.world is not None and table.value("WLD", earlier) is not None)):
            return table
    return None


def _complete(table: PartnerTable, code: str, year_earlier: bool) -> bool:
    return table.value(code) is not None and (not year_earlier or table.value(code, table.year_earlier) is not None)


def _months_of(period: Period) -> Iterator[Month]:
    month = period.start
    while month <= period.end:
        yield month
        month = month.plus(1)


def _partner_periods(store: Store, reporter: str, partners: list[str], flow: str, currency: str) -> Iterator[Period]:
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
