"""Every partner's figure for one flow of a reporter, for one period: what a ranking lists and
what contributions to growth are computed from. One place decides which period and currency
such a table is read in, and which partners one sum may hold (a group or its members, never
both)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from tradebot import countries
from tradebot.figures import Figure, FigureBook, latest_period, newer
from tradebot.periods import Month, Period
from tradebot.store import Store, unpacked

# how one sum may list a table's partners (see `PartnerTable.listed`)
MEMBERS, BLOCS, CONTINENTS = "members", "blocs", "continents"


@dataclass
class PartnerTable:
    reporter: str
    flow: str
    period: Period
    currency: str
    amounts: dict[str, float]  # partner → its value for the period (the world not among them): what orders them
    books: dict[str, FigureBook]  # partner → its rows for the period and a year before (the world's too), as read
    store: Store = field(repr=False)

    @property
    def year_earlier(self) -> Period:
        return self.period.shift_years(-1)

    def value(self, partner: str, period: Period | None = None) -> Figure | None:
        return self._book(partner).value(self.flow, period or self.period)

    def growth(self, partner: str) -> Figure | None:
        return self._book(partner).growth(self.flow, self.period)

    @property
    def world(self) -> Figure | None:
        return self.value("WLD")

    def largest(self, grouping: str, count: int) -> list[str]:
        """The partners `listed`, largest amount first; the first `count` and the world are read in
        full, in one query."""
        order = sorted(self.listed(grouping), key=lambda code: abs(self.amounts[code]), reverse=True)
        self.read([*order[:count], "WLD"])
        return order

    def read(self, partners: list[str]) -> None:
        """Read the books of the partners not read yet, in one query."""
        if missing := [code for code in dict.fromkeys(partners) if code not in self.books]:
            self.books |= FigureBook.load_ends(self.store, self.reporter, missing, [self.period, self.year_earlier],
                                               self.currency, (self.flow, f"{self.flow}_yoy", *DERIVABLE[self.flow]))

    def _book(self, partner: str) -> FigureBook:
        if partner not in self.books:  # asked thousands of times by a sum over months: the usual case first
            self.read([partner])
        return self.books[partner]

    def listed(self, grouping: str = MEMBERS) -> list[str]:
        """The partners one sum lists, so that no trade is counted twice:

        - `MEMBERS`: countries; a group only when the table gives few of its members (a
          headline table with the EU and four members) and then its members count inside it;
        - `BLOCS`: the EU and ASEAN as groups wherever the table has them, their members inside
          them, and every other country on its own;
        - `CONTINENTS`: the continents the table gives (they partition the world).
        Residual lines ("other Asian countries", "country unknown") are never listed: the rest
        of the world holds them."""
        values = self.amounts
        if grouping == CONTINENTS:
            return [code for code in countries.CONTINENTS if code in values]
        groups = [group for group, members in countries.GROUP_MEMBERS.items() if group in values and (
            grouping == BLOCS or sum(member in values for member in members) < len(members) / 2)]
        inside = set().union(*(countries.GROUP_MEMBERS[group] for group in groups))
        return [code for code in values
                if code in groups or (code not in inside and not countries.by_code(code).is_group)]


# what a flow may be computed from for a partner that lacks it: exports and imports (LEVELS), with their growth
LEVELS = {flow: () if flow in ("exports", "imports") else ("exports", "imports")
          for flow in ("exports", "imports", "balance", "total_trade")}
DERIVABLE = {flow: tuple(name for level in levels for name in (level, f"{level}_yoy")) for flow, levels in LEVELS.items()}


def partner_table(store: Store, reporter: str, flow: str, currencies: list[str], period: Period | None = None,
                  year_earlier: bool = False) -> PartnerTable | None:
    """The table for `period` in the first of `currencies` that has it; without a period, the
    newest period with partner figures in any currency (the first listed on a tie). With
    `year_earlier`, only a period whose world total and partners also exist a year before
    counts (growth needs both)."""
    if period is not None:  # the first currency that has it
        return next((table for currency in currencies
                     if (table := _first_table(store, reporter, flow, currency, [period], year_earlier))), None)
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
        # partner figures usually come with the world total's newest period: try it first
        candidates = itertools.chain([newest_world] if newest_world else [], _partner_periods(store, reporter, flow, currency))
        table = _first_table(store, reporter, flow, currency, candidates, year_earlier)
        if table and (found is None or newer(table.period, found.period)):
            found = table
    return found


def _first_table(store: Store, reporter: str, flow: str, currency: str, candidates,
                 year_earlier: bool) -> PartnerTable | None:
    tried: set[Period] = set()
    for candidate in candidates:  # newest first
        if candidate in tried or not store.has_month(reporter, currency, candidate.end):
            continue  # nothing at all ends then in this currency: no need to look partner by partner
        tried.add(candidate)
        if year_earlier and not store.has_month(reporter, currency, candidate.shift_years(-1).end):
            continue
        amounts = None if year_earlier else _summarised(store, reporter, flow, currency, candidate)
        if amounts is not None:
            table = PartnerTable(reporter, flow, candidate, currency, amounts, {}, store)
        else:
            table = _read_in_full(store, reporter, flow, currency, candidate, year_earlier)
        if table.amounts and (not year_earlier or (table.world is not None and table.value("WLD", table.year_earlier) is not None)):
            return table
    return None


def _summarised(store: Store, reporter: str, flow: str, currency: str, period: Period) -> dict[str, float] | None:
    """Every partner's amount from the partner summaries (`Store.partner_groups`), when they
    decide it alone: no group stale, one figure a partner (one source, one release) and the
    world among them. None leaves it to the figures themselves (`_read_in_full`)."""
    values: dict[str, dict[str, float]] = {}
    for group in store.partner_groups(reporter, (flow, *LEVELS[flow]), currency, period):
        if group["stale"]:
            return None
        of_indicator = values.setdefault(group["indicator"], {})
        for code, amount in zip(group["partners"].split(" "), unpacked(group["amounts"]), strict=True):
            if code in of_indicator and code != "WLD":
                return None  # two sources or releases of it: the selection rules choose (the world's is read in full)
            of_indicator[code] = amount
    published, exports, imports = (values.get(name, {}) for name in (flow, "exports", "imports"))
    if "WLD" not in published and not (LEVELS[flow] and "WLD" in exports and "WLD" in imports):
        return None  # a world total summed from months, perhaps: the figures tell
    amounts = {code: amount for code, amount in published.items() if code != "WLD"}
    if LEVELS[flow]:  # what FigureBook.value computes for a partner without the flow: exports ∓ imports
        sign = -1 if flow == "balance" else 1
        amounts |= {code: amount + sign * imports[code] for code, amount in exports.items()
                    if code not in published and code in imports and code != "WLD"}
    return amounts


def _read_in_full(store: Store, reporter: str, flow: str, currency: str, period: Period, year_earlier: bool) -> PartnerTable:
    """The table from every partner's figures for the period and a year before it, a handful of
    rows a partner: the flow itself first; for the partners that lack it, read again with what it
    can be computed from, and month by month for a period the source did not publish as one run,
    not even for the world (a quarter summed from its months; a year it did publish is not read
    month by month for the partners that simply have no figure in it)."""
    indicators = (flow, f"{flow}_yoy")
    codes = [code for code in store.partners(reporter) if code != "WLD"]
    everyone = ["WLD", *codes]
    ends = [period, period.shift_years(-1)]
    table = PartnerTable(reporter, flow, period, currency, {},
                         FigureBook.load_ends(store, reporter, everyone, ends, currency, indicators), store)
    lacking = [code for code in everyone if not _complete(table, code, year_earlier)]
    if lacking and DERIVABLE[flow]:
        table.books |= FigureBook.load_ends(store, reporter, lacking, ends, currency, (*indicators, *DERIVABLE[flow]))
        lacking = [code for code in lacking if not _complete(table, code, year_earlier)]
    if "WLD" in lacking and not period.is_month:
        months = [Period.month(month) for window in ends for month in _months_of(window)]
        table.books |= FigureBook.load_ends(store, reporter, lacking, [*ends, *months], currency,
                                            (*indicators, *DERIVABLE[flow]))
    table.amounts = {code: figure.value for code in codes if (figure := table.value(code)) is not None
                     and (not year_earlier or table.value(code, table.year_earlier) is not None)}
    return table


def _complete(table: PartnerTable, code: str, year_earlier: bool) -> bool:
    return table.value(code) is not None and (not year_earlier or table.value(code, table.year_earlier) is not None)


def _months_of(period: Period) -> Iterator[Month]:
    month = period.start
    while month <= period.end:
        yield month
        month = month.plus(1)


def _partner_periods(store: Store, reporter: str, flow: str, currency: str) -> Iterator[Period]:
    """Periods partner figures exist for (a partner table, usually), newest first, those that
    at least three partners share (or all of them, when fewer) before the rest."""
    counts = dict(store.partner_periods(reporter, (flow, *LEVELS[flow]), currency))
    enough = min(3, max(counts.values(), default=0))
    yield from sorted(counts, key=lambda p: (counts[p] >= enough, p.end, -p.months), reverse=True)
