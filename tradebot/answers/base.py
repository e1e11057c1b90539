"""What every kind of answer shares: `Answer` and its `Line`s, `Shown` (the figures an answer
prints, so `figures` lists exactly what the text shows), finding a flow's figures in the
currencies the reporter publishes, and the words of titles and footers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tradebot import countries, formatting, releases, sources, wording
from tradebot.charts import ChartData
from tradebot.errors import TradebotError
from tradebot.figures import (
    Figure,
    FigureBook,
    latest_in_any,
    latest_period,
    newer,
)
from tradebot.periods import Month, Period
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words, growth_basis
from tradebot.wording import FLOW_NAMES, JAN_FEB_NOTE, NOT_STORED, balance_word, partner_words


@dataclass(frozen=True)
class Line:
    name: str
    value: str


UNREAD_QUERY_KEYS = ("intent", "reporter", "partner", "period")  # ★ the query object's keys, all null


@dataclass
class Answer:
    query: Query
    title: str = ""
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    footer: str = ""
    figures: list[Figure] = field(default_factory=list)
    error: TradebotError | None = None
    tone: str = "neutral"  # surplus | deficit | neutral: the embed colour
    chart: ChartData | None = None  # the series a chart answer draws; each front end renders it
    # what the next follow-up inherits: what the answer showed (its resolved period, so
    # "what about october?" after a January–February answer means October before it), the
    # question as asked when the store could not answer it (it still sets the subject), or
    # the earlier context when the text was not understood
    context: Query | None = None
    # False when the line itself could not be read: `query` then holds the conversation so
    # far for the front ends, but the JSON says nothing was understood rather than repeat it
    understood: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        if self.error:
            return self.error.message
        body = [self.title, *(f"{line.name}: {line.value}" for line in self.lines), *self.notes, self.footer]
        return "\n".join(part for part in body if part)

    def as_json(self) -> dict:
        return {
            "query": self.query.as_json() if self.understood else dict.fromkeys(UNREAD_QUERY_KEYS),
            "text": self.text,
            "figures": [figure.as_json() for figure in self.figures] if self.ok else [],
            "error": {"code": self.error.code, "message": self.error.message} if self.error else None,
        }


class Shown:
    """Collects the figures an answer prints, so `figures` lists exactly what the text shows."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self._seen: set[Figure] = set()  # a ranking shows hundreds: no scan of the list per figure

    def add(self, figure: Figure) -> Figure:
        if figure in self._seen:
            return figure
        if figure.revised_from:
            self.figures.append(figure.revised_from)
        self.figures.append(figure)
        self._seen.add(figure)
        return figure

    def money(self, figure: Figure | None, balance_words: bool = False, growth: Figure | None = None) -> str:
        """`$330.0 bn (+5.9% y/y)`, `surplus $245.2 bn (computed)`, `$169.2 bn (revised from $170.5 bn)`."""
        if figure is None:
            return NOT_STORED
        self.add(figure)
        text = formatting.money(figure.value, figure.unit)
        if figure.revised_from:
            text, earlier = formatting.money_pair(figure.value, figure.revised_from.value, figure.unit)
        if balance_words:
            text = f"{balance_word(figure.value)} {text}"
        marks = []
        if figure.derived:
            marks.append("computed")
        if figure.revised_from:
            marks.append(f"revised from {earlier}")
        if growth is not None:
            self.add(growth)
            basis = growth_basis(growth.unit)
            marks.append(f"{formatting.percent(growth.value)} y/y" + (", computed" if growth.derived else "")
                         + (f", measured in {currency_words(basis)}" if basis != figure.unit and figure.is_money else ""))
        return f"{text} ({'; '.join(marks)})" if marks else text


def currencies_of(store: Store, query: Query) -> list[str]:
    """Where to look: the currency asked for, else every currency the reporter publishes in, dollars first."""
    return [query.currency] if query.currency else store.currencies(query.reporter) or ["USD"]


def locate_any(store: Store, query: Query) -> tuple[tuple[Period, FigureBook, Figure, list[str]] | None, list[str]]:
    """`locate` over the currencies the figures exist in, and a note on the currency chosen.

    A fixed period is answered in the first currency that has it (dollars first). `latest`
    and `ytd` mean the newest period in any currency: when that is in yuan and an older
    dollar figure exists, the answer is the newest, and the note says where the dollar one is."""
    found = []
    for currency in currencies_of(store, query):
        located = locate(store, query, currency)
        if located:
            found.append((currency, located))
            if query.period.kind == "fixed":
                break
    if not found:
        return None, []
    currency, located = found[0]
    for other, candidate in found[1:]:
        if newer(candidate[0], located[0]):
            currency, located = other, candidate
    if currency == "USD":
        return located, []
    words = currency_words(currency)
    if query.currency:
        return located, [f"Amounts in {currency} ({words}), as asked; growth is measured in {words} unless it says otherwise."]
    dollars = next((candidate[0] for other, candidate in found if other == "USD"), None)
    if dollars:
        return located, [f"Amounts in {currency} ({words}): the newest figure the store has is in {words}; "
                         f"the latest in US dollars is for {dollars.label} (add “in dollars”)."]
    in_dollars = latest_period(store, query.reporter, query.partner, query.intent, "USD") if query.intent in FLOW_NAMES else None
    if in_dollars:
        return located, [f"Amounts in {currency} ({words}): the store has no figure in US dollars for {located[0].label} "
                         f"(the latest in dollars is for {in_dollars[0].label}); tradebot never converts with a rate it does not hold."]
    return located, [f"The store has this only in {words}: amounts are in {currency} and growth is measured in {words} "
                     "unless it says otherwise; tradebot never converts with a rate it does not hold."]


def locate(store: Store, query: Query, currency: str) -> tuple[Period, FigureBook, Figure, list[str]] | None:
    """The period the query means in `currency`, its figures and the headline, or None."""
    reporter, partner, indicator = query.reporter, query.partner, query.intent
    if query.period.kind == "fixed":
        period = query.period.period
        book = FigureBook.load(store, reporter, partner, period, currency)
    else:
        latest = latest_period(store, reporter, partner, indicator, currency)
        if latest is None:
            return None
        period, book = latest
        if query.period.kind == "ytd" and Period(Month(period.end.year, 1), period.end) != period:
            period = Period(Month(period.end.year, 1), period.end)
            book = FigureBook.load(store, reporter, partner, period, currency)
    notes = []
    headline = book.value(indicator, period)
    if headline is None and period.is_month and period.end.month <= 2:
        jan_feb = Period.jan_feb(period.end.year)
        combined = FigureBook.load(store, reporter, partner, jan_feb, currency)
        if combined.value(indicator, jan_feb):
            notes.append(f"You asked for {period.label}: {JAN_FEB_NOTE}")
            period, book, headline = jan_feb, combined, combined.value(indicator, jan_feb)
    if headline is None:
        return None
    if period.is_jan_feb and not notes and reporter == "CHN":
        notes.append(JAN_FEB_NOTE)
    return period, book, headline, notes


def source_footer(headline: Figure, figures: list[Figure]) -> str:
    """The sources with their releases, and whether the growth rates shown were computed."""
    # growth rates, not every figure that is not money: a ranking's shares are percentages too
    growth = [figure for figure in figures if figure.indicator.endswith(("_yoy", "_mom"))]
    parts = [wording.source_footer(headline, figures)]
    if growth:
        parts.append("some growth rates computed" if any(g.derived for g in growth) else "growth rates as published")
    return " · ".join(parts)


def headline_words(indicator: str, figure: Figure, partner: countries.Country) -> str:
    if indicator == "balance":
        return f"trade {balance_word(figure.value)}" + partner_words(indicator, partner)
    return FLOW_NAMES[indicator] + partner_words(indicator, partner)


def missing_words(months: list[Month]) -> str:
    if not months:
        return ""
    names = ", ".join(month.name for month in months[:4]) + (" …" if len(months) > 4 else "")
    return f" (no figure for {names})"


def next_release(figure: Figure) -> releases.NextRelease | None:
    """When the source of `figure` (the first of a computed figure's) usually publishes the next period."""
    return releases.next_release(sources.release(figure.sources[0]), figure.period)


def headline_of(store: Store, reporter: str) -> Figure | None:
    """A reporter's newest world balance (else exports), in whichever currency is newest: what
    "latest" means for it."""
    for indicator in ("balance", "exports", "imports"):
        found = latest_in_any(store, reporter, "WLD", indicator, store.currencies(reporter) or ["USD"])
        if found:
            return found[2].value(indicator, found[1])
    return None


def date_window(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {formatting.release_date(first.isoformat()[:7])}"
    return f"{formatting.release_date(first.isoformat())} – {formatting.release_date(last.isoformat())}"
