"""Which figure answers a question: selection among sources and vintages, and derivation.

Rules (DESIGN.md §3): the reporter's own official source before other compilers and the
IMF; the newest vintage of that source, with the first release kept for "revised from";
published growth rates before computed ones; a published cumulative figure before a sum
of months; exports − imports when no balance is published. Anything derived is marked
`derived=True` with `how` saying what was done, and nothing is returned that the stored
rows cannot back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from tradebot import formatting, sources
from tradebot.periods import Month, Period
from tradebot.store import Store
from tradebot.vocabulary import DOLLAR_GROWTH, INDICATORS, READ_DATE_MARKS, RELEASE_MONTH_ASSUMED, growth_unit, is_currency

SOURCE_SEPARATOR = "; "  # between the sources of a figure computed from several


@dataclass(frozen=True)
class Figure:
    reporter: str
    partner: str
    indicator: str
    period: Period
    value: float
    unit: str
    source: str
    published: str
    derived: bool = False
    how: str = ""  # for derived figures: what was computed from what
    source_url: str = ""
    note: str = ""
    revised_from: Figure | None = None  # the first release, when the newest vintage differs
    product: str = ""  # an HS chapter (or chapters, "61,62"); empty for all goods

    @property
    def is_money(self) -> bool:
        return is_currency(self.unit)

    @property
    def sources(self) -> list[str]:
        """Its source, or a computed figure's parts' sources, first part's first."""
        return self.source.split(SOURCE_SEPARATOR)

    def as_json(self) -> dict:
        value = self.value
        if self.is_money and float(value).is_integer():
            value = int(value)
        shown = {
            "reporter": self.reporter, "partner": self.partner, "indicator": self.indicator,
            "period": str(self.period), "value": value, "unit": self.unit, "source": self.source,
            "published": self.published, "derived": self.derived,
        }
        return {**shown, "product": self.product} if self.product else shown  # DESIGN.md §4


def derived(indicator: str, parts: list[Figure], value: float, how: str, period: Period | None = None,
            unit: str | None = None) -> Figure:
    """A figure tradebot computed from stored ones: it names their sources, carries the newest
    of their release dates and says how it was made. By default it spans the parts' months
    and has the first part's unit."""
    first = parts[0]
    return Figure(
        reporter=first.reporter, partner=first.partner, indicator=indicator,
        period=period or Period(min(p.period.start for p in parts), max(p.period.end for p in parts)),
        value=value, unit=unit or first.unit, source=SOURCE_SEPARATOR.join(dict.fromkeys(part.source for part in parts)),
        published=max(part.published for part in parts), derived=True, how=how,
        # what the parts all say of themselves (such as "release month assumed") holds for the result;
        # else what the newest says of its date, which the result carries ("read date: …" is no release)
        note=first.note if all(part.note == first.note for part in parts) else _date_note(parts),
        product=first.product if all(part.product == first.product for part in parts) else "",
    )


def percent_change(current: Figure, base: Figure, indicator: str, how: str) -> Figure | None:
    """The change from `base` to `current` in percent (one decimal), for the current period;
    None when it means nothing: no base, or a sign change (surplus to deficit)."""
    if base.value == 0 or (current.value < 0) != (base.value < 0):
        return None
    change = round((current.value / base.value - 1) * 100, 1)
    return derived(indicator, [current, base], change, how, period=current.period, unit=growth_unit(current.unit))


def share(part: Figure, whole: Figure, indicator: str) -> Figure | None:
    """`part` as a percentage of `whole` (one decimal), for the part's period."""
    if whole.value <= 0:
        return None
    return derived(indicator, [part, whole], round(part.value / whole.value * 100, 1), "part ÷ whole",
                   period=part.period, unit="percent")


class FigureBook:
    """Every stored vintage of one reporter/partner pair over a window of months,
    and the rules that pick or derive a figure from them. Pure Python after one query."""

    def __init__(self, reporter: str, partner: str, rows, currency: str = "USD"):
        self.reporter = reporter
        self.partner = partner
        self.currency = currency
        # keyed by the stored strings: parsing every row into a Period would cost more than the query
        self._vintages: dict[tuple[str, str, str], list] = defaultdict(list)
        self._ends_by_start: dict[str, set[str]] = defaultdict(set)  # which runs exist, for summing
        # a book never changes once built, and an answer asks for the same figure several times
        # (a growth rate needs the value its line already showed)
        self._values: dict[tuple[str, Period, bool], Figure | None] = {}
        # a book in another currency also keeps growth measured in dollars: a published dollar rate
        # outranks one tradebot would compute from yuan levels
        units = {currency, growth_unit(currency), DOLLAR_GROWTH}
        for row in rows:
            if row["unit"] in units:
                self._vintages[(row["indicator"], row["period_start"], row["period_end"])].append(row)
                self._ends_by_start[row["period_start"]].add(row["period_end"])

    @classmethod
    def load(cls, store: Store, reporter: str, partner: str, period: Period, currency: str = "USD") -> FigureBook:
        """The rows an answer about `period` can need: from January of the year before it
        starts (year-on-year bases, year to date, the previous month) to its end."""
        first = Month(period.start.year - 1, 1)
        rows = store.series_rows(reporter, partner, INDICATORS, first, period.end)
        return cls(reporter, partner, rows, currency)

    @classmethod
    def load_ends(cls, store: Store, reporter: str, partners: list[str], periods: list[Period], currency: str = "USD",
                  indicators: tuple[str, ...] = INDICATORS) -> dict[str, FigureBook]:
        """One book per partner holding only the rows that end in the months of `periods`: enough
        for those periods' values and growth, without a window of months around them. What a
        ranking over many partners needs: one query for all of them, a few rows a partner."""
        rows = defaultdict(list)
        for row in store.rows_ending(reporter, partners, indicators, sorted({p.end for p in periods})):
            rows[row["partner"]].append(row)
        return {partner: cls(reporter, partner, rows[partner], currency) for partner in partners}

    # --- selection ---

    def published(self, indicator: str, period: Period, unit: str | None = None) -> Figure | None:
        """The newest vintage from the best source, as published, in the book's currency (or,
        for a growth rate, measured in it; `unit` asks for another basis)."""
        vintages = self._vintages.get((indicator, str(period.start), str(period.end)))
        if not vintages:
            return None
        unit = unit or (growth_unit(self.currency) if indicator.endswith("_yoy") else self.currency)
        if any(row["unit"] != unit for row in vintages):
            vintages = [row for row in vintages if row["unit"] == unit]
            if not vintages:
                return None
        if len(vintages) == 1:  # the usual case: one source, one release
            return self._figure(vintages[0], period)
        best_rank = min(sources.rank(self.reporter, row["source"]) for row in vintages)
        best = min(sources.releases(row["source"])[0] for row in vintages if sources.rank(self.reporter, row["source"]) == best_rank)
        # one series of releases, oldest first: a later release (China Customs' bulletin after its
        # preliminary figures) comes after an earlier one whatever their dates say (the bulletin's is only a month)
        ordered = sorted((row for row in vintages if sources.releases(row["source"])[0] == best),
                         key=lambda row: (sources.releases(row["source"])[1], row["published"]))
        newest = self._figure(ordered[-1], period)
        if _revised(ordered[0], ordered[-1]):
            return replace(newest, revised_from=self._figure(ordered[0], period))
        return newest

    def _figure(self, row, period: Period) -> Figure:
        return stored(row, self.reporter, self.partner, period)

    # --- derivation ---

    def value(self, indicator: str, period: Period, allow_sum: bool = True) -> Figure | None:
        """A money figure: published, else exports ∓ imports, else (for a cumulative
        period) the sum of its months. None when the store cannot back it."""
        key = (indicator, period, allow_sum)
        if key not in self._values:
            self._values[key] = self._value(indicator, period, allow_sum)
        return self._values[key]

    def _value(self, indicator: str, period: Period, allow_sum: bool) -> Figure | None:
        figure = self.published(indicator, period)
        if figure:
            return figure
        if indicator in ("balance", "total_trade"):
            exports = self.value("exports", period, allow_sum=False)
            imports = self.value("imports", period, allow_sum=False)
            if exports and imports:
                if indicator == "balance":
                    return derived(indicator, [exports, imports], exports.value - imports.value, "exports − imports")
                return derived(indicator, [exports, imports], exports.value + imports.value, "exports + imports")
        if allow_sum and not period.is_month:
            parts, missing = self._parts(indicator, period)
            if not missing:
                return derived(indicator, parts, sum(part.value for part in parts), "sum of " + ", ".join(p.period.label for p in parts))
        return None

    def missing_months(self, indicator: str, period: Period) -> list[Month]:
        """The months that keep `period` from being summed."""
        return self._parts(indicator, period)[1]

    def _parts(self, indicator: str, period: Period) -> tuple[list[Figure], list[Month]]:
        """Split a cumulative period into figures the store has, longest first at each step:
        a published cumulative run such as Jan–Jun (or China's combined Jan–Feb), then
        single months. Returns the parts and the months nothing covers."""
        parts: list[Figure] = []
        missing: list[Month] = []
        month = period.start
        while month <= period.end:
            for end in self._part_ends(month, period):
                figure = self.value(indicator, Period(month, end), allow_sum=False)
                if figure:
                    parts.append(figure)
                    month = end.plus(1)
                    break
            else:
                missing.append(month)
                month = month.plus(1)
        return parts, missing

    def _part_ends(self, start: Month, period: Period) -> list[Month]:
        """End months of stored runs that begin at `start` and fit inside `period` (never
        `period` itself), longest first; the single month always comes last."""
        last = str(period.end if start != period.start else period.end.plus(-1))
        ends = sorted((end for end in self._ends_by_start.get(str(start), ()) if end <= last), reverse=True)
        runs = [Month.parse(end) for end in ends if end != str(start)]
        return [*runs, start]

    def growth(self, indicator: str, period: Period) -> Figure | None:
        """Year-on-year change in percent: as published (measured in the book's currency, else in
        dollars), else computed from the two values."""
        published = self.published(f"{indicator}_yoy", period)
        if published is None and self.currency != "USD":
            published = self.published(f"{indicator}_yoy", period, unit=DOLLAR_GROWTH)
        if published:
            return published
        current = self.value(indicator, period)
        base = self.value(indicator, period.shift_years(-1))
        if not current or not base:
            return None
        return percent_change(current, base, f"{indicator}_yoy", f"computed from {period.label} and {base.period.label}")


def year_to_date(period: Period) -> Period | None:
    """January to a single month, when that is more than the month itself."""
    if period.is_month and period.end.month > 1:
        return Period(Month(period.end.year, 1), period.end)
    return None


def previous_period(book: FigureBook, indicator: str, period: Period) -> Period:
    """What a period is compared with: the month before (China's Jan–Feb standing in for
    February, December for a Jan–Feb figure), or the same run a year earlier."""
    if period.is_jan_feb:
        return Period.month(Month(period.start.year - 1, 12))
    if period.is_month:
        before = period.start.plus(-1)
        if before.month <= 2 and not book.value(indicator, Period.month(before)):
            return Period.jan_feb(before.year)
        return Period.month(before)
    return period.shift_years(-1)


def latest_period(
    store: Store, reporter: str, partner: str, indicator: str, currency: str = "USD"
) -> tuple[Period, FigureBook] | None:
    """The newest period that has `indicator` in `currency` (published or derivable): the
    latest end month, and for the same end month a single month before a cumulative figure.
    Walks back a page of periods at a time, so figures in another currency cannot hide it."""
    needed = [indicator, "exports", "imports"] if indicator in ("balance", "total_trade") else [indicator]
    page, tried = 8, set()
    for offset in range(0, page * 16, page):
        candidates = {
            period
            for name in needed
            for period in store.recent_periods(reporter, partner, name, limit=page, offset=offset, unit=currency)
        } - tried
        if not candidates:
            return None
        for period in sorted(candidates, key=lambda p: (p.end, -p.months), reverse=True):  # the order `newer` is
            book = FigureBook.load(store, reporter, partner, period, currency)
            if book.value(indicator, period, allow_sum=False):
                return period, book
        tried |= candidates
    return None


def newer(period: Period, than: Period) -> bool:
    """What `latest` prefers: the later end month, and for the same end a single month before a run."""
    return (period.end, -period.months) > (than.end, -than.months)


def latest_in_any(store: Store, reporter: str, partner: str, indicator: str,
                  currencies: list[str]) -> tuple[str, Period, FigureBook] | None:
    """`latest_period` over several currencies: the newest period in any of them (the first
    currency listed, US dollars, when two end in the same month)."""
    best = None
    for currency in currencies:
        found = latest_period(store, reporter, partner, indicator, currency)
        if found and (best is None or newer(found[0], best[1])):
            best = (currency, *found)
    return best


def stored(row, reporter: str, partner: str, period: Period, product: str = "") -> Figure:
    """A stored vintage (a `figures` row: indicator, value, unit, source, published, source_url, note) as a Figure."""
    return Figure(
        reporter=reporter, partner=partner, indicator=row["indicator"], period=period,
        value=row["value"], unit=row["unit"], source=row["source"], published=row["published"],
        source_url=row["source_url"] or "", note=row["note"] or "", product=product,
    )


def _revised(earlier, later) -> bool:
    """Whether the later vintage changed the value. Within one source, any difference. From an
    earlier release to a later, fuller one (China Customs' preliminary table in CNY 100 million to
    its bulletin in CNY 10,000), only a difference beyond the earlier one's rounding: 543.13 bn
    becoming 543.134 bn is the same figure with more digits."""
    if earlier["value"] == later["value"]:
        return False
    if earlier["source"] == later["source"] or not float(earlier["value"]).is_integer():
        return True
    step = 1
    while step < 10**9 and int(earlier["value"]) % (step * 10) == 0:
        step *= 10
    return abs(later["value"] - earlier["value"]) > step / 2


def _date_note(parts: list[Figure]) -> str:
    """The newest part's note when it says its date is not a release date, else nothing."""
    newest = max(parts, key=lambda part: part.published)
    return newest.note if any(mark in newest.note for mark in (*READ_DATE_MARKS, RELEASE_MONTH_ASSUMED)) else ""


def released_words(headline: Figure, shown: list[Figure]) -> str:
    """`released December 2025` for an answer's footer, read from the notes of the figures
    released with the headline (a computed headline has no note of its own)."""
    notes = " ".join(figure.note for figure in [headline, *shown] if figure.published == headline.published)
    return formatting.released(headline.published, notes)
