"""Every partner's figure for one flow of a reporter, for one period: what a ranking lists and
what contributions to growth are computed from. One place decides which period and currency
such a table is read in, and which partners one sum may hold (a group or its members, never
both)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

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
    by_month: bool = False  # values are sums of runs of months: books hold the months too

    @property
    def ends(self) -> list[Period]:
        """The periods whose end months a book is read for."""
        ends = [self.period, self.year_earlier]
        return [*ends, *(Period.month(month) for window in ends for month in _months_of(window))] if self.by_month else ends

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
            self.books |= FigureBook.load_ends(self.store, self.reporter, missing, self.ends, self.currency,
                                               (self.flow, f"{self.flow}_yoy", *DERIVABLE[self.flow]))

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
        summary = _summary(store, reporter, flow, currency, candidate)
        if summary is not None:
            earlier = _summary(store, reporter, flow, currency, candidate.shift_years(-1)) if year_earlier else None
            if not _may_have_table(summary, year_earlier, earlier):
                continue
        if summary is None or year_earlier:  # contributions need every partner's figures, both years
            table = _read_in_full(store, reporter, flow, currency, candidate, year_earlier)
        else:
            table = _summarised(store, reporter, flow, currency, candidate, summary)
        if table.amounts and (not year_earlier or (table.world is not None and table.value("WLD", table.year_earlier) is not None)):
            return table
    return None


class Summary(NamedTuple):
    """What the partner summaries say of one period (`_summary`)."""

    amounts: dict[str, float]  # partner → its amount, the world's among them when it has the period
    several: list[str]  # partners (not the world) with two figures for a run: the selection rules choose
    by_month: bool  # amounts are sums of runs of months: books must hold the months too


def _may_have_table(summary: Summary, year_earlier: bool, earlier: Summary | None) -> bool:
    """Whether the summaries leave a table possible: some partner has the period (not only a
    headline world total) and, with `year_earlier`, the world has it and the year before
    (`earlier`, the summary then; None, stale, cannot say)."""
    if not (summary.amounts.keys() - {"WLD"} or summary.several):
        return False
    return not year_earlier or ("WLD" in summary.amounts and (earlier is None or "WLD" in earlier.amounts))


def _summary(store: Store, reporter: str, flow: str, currency: str, period: Period) -> Summary | None:
    """Every partner's amount from the partner summaries (`Store.partner_groups`); None when a
    group is stale (`_read_in_full` then reads the figures). Amounts are what `FigureBook.value`
    gives: the flow as published, else exports ∓ imports, else, when not even the world has the
    period as one run, the sum of the runs of months inside it."""
    runs: dict[tuple[str, Period], dict[str, float]] = {}  # (indicator, run of months) → partner → amount
    several: dict[str, None] = {}  # partners with more than one figure for a run, in order
    for group in store.partner_groups(reporter, (flow, *LEVELS[flow]), currency, period):
        if group["stale"]:
            return None
        run = Period(Month.parse(group["period_start"]), Month.parse(group["period_end"]))
        of_run = runs.setdefault((group["indicator"], run), {})
        for code, amount in zip(group["partners"].split(" "), unpacked(group["amounts"]), strict=True):
            if code in of_run:
                several[code] = None
            of_run[code] = amount

    def one_run(code: str, run: Period) -> float | None:  # FigureBook.value(flow, run, allow_sum=False)
        published = runs.get((flow, run), {}).get(code)
        if published is not None or not LEVELS[flow]:
            return published
        exports, imports = (runs.get((level, run), {}).get(code) for level in LEVELS[flow])
        if exports is None or imports is None:
            return None
        return exports - imports if flow == "balance" else exports + imports

    # the world's amount only says whether it has the period (its figures are read in full anyway)
    codes = dict.fromkeys(code for of_run in runs.values() for code in of_run if code not in several or code == "WLD")
    amounts = {code: one_run(code, period) for code in codes}
    summed = amounts.get("WLD") is None and not period.is_month
    if summed:  # a quarter the source publishes only as months: as `_read_in_full` does, every partner summed
        ends_by_start: dict[Month, set[Month]] = {}
        for _, run in runs:
            ends_by_start.setdefault(run.start, set()).add(run.end)
        amounts = {code: amount if amount is not None else _sum_of_runs(one_run, code, period, ends_by_start)
                   for code, amount in amounts.items()}
    return Summary({code: amount for code, amount in amounts.items() if amount is not None},
                   [code for code in several if code != "WLD"], summed)


def _summarised(store: Store, reporter: str, flow: str, currency: str, period: Period, summary: Summary) -> PartnerTable:
    """The table ordered by the summary, no book read yet but those of the partners it cannot
    decide alone (two figures for a run), whose amounts the selection rules give."""
    table = PartnerTable(reporter, flow, period, currency, {code: amount for code, amount in summary.amounts.items()
                                                            if code != "WLD"}, {}, store, summary.by_month)
    if summary.several:
        table.read(summary.several)
        table.amounts |= {code: figure.value for code in summary.several if (figure := table.value(code)) is not None}
    return table


def _sum_of_runs(one_run, code: str, period: Period, ends_by_start: dict[Month, set[Month]]) -> float | None:
    """`FigureBook._parts` over the summaries: from each month the longest run that fits (never
    the period itself), else the single month; None when a month has nothing."""
    parts: list[float] = []
    month = period.start
    while month <= period.end:
        last = period.end if month != period.start else period.end.plus(-1)
        ends = sorted((end for end in ends_by_start.get(month, ()) if end <= last and end != month), reverse=True)
        for end in [*ends, month]:
            if (amount := one_run(code, Period(month, end))) is not None:
                parts.append(amount)
                month = end.plus(1)
                break
        else:
            return None
    return sum(parts)


def _read_in_full(store: Store, reporter: str, flow: str, currency: str, period: Period, year_earlier: bool) -> PartnerTable:
    """The table from every partner's figures for the period and a year before it, a handful of
    rows a partner: the flow itself first; for the partners that lack it, read again with what it
    can be computed from, and month by month for a period the source did not publish as one run,
    not even for the world (a quarter summed from its months; a year it did publish is not read
    month by month for the partners that simply have no figure in it)."""
    indicators = (flow, f"{flow}_yoy")
    codes = [code for code in store.partners(reporter) if code != "WLD"]
    everyone = ["WLD", *codes]
    table = PartnerTable(reporter, flow, period, currency, {}, {}, store)
    table.books = FigureBook.load_ends(store, reporter, everyone, table.ends, currency, indicators)
    lacking = [code for code in everyone if not _complete(table, code, year_earlier)]
    if lacking and DERIVABLE[flow]:
        table.books |= FigureBook.load_ends(store, reporter, lacking, table.ends, currency, (*indicators, *DERIVABLE[flow]))
        lacking = [code for code in lacking if not _complete(table, code, year_earlier)]
    if "WLD" in lacking and not period.is_month:
        table.by_month = True
        table.books |= FigureBook.load_ends(store, reporter, lacking, table.ends, currency, (*indicators, *DERIVABLE[flow]))
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
