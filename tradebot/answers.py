"""Figures → `Answer`: plain data (title, fields, notes, footer and every figure shown) that
the console prints, `ask --json` serialises and the Discord cogs turn into an embed, so an
answer reads the same everywhere."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from tradebot import __version__, countries, formatting, releases, sources
from tradebot.errors import NoData, NotAvailable, TradebotError
from tradebot.figures import (
    Figure,
    FigureBook,
    derived,
    latest_in_any,
    latest_period,
    newer,
    percent_change,
    previous_period,
    released_words,
    share,
    year_to_date,
)
from tradebot.periods import Month, Period, PeriodSpec, today_utc
from tradebot.query import FIGURE_INTENTS, Query
from tradebot.questions import parse
from tradebot.store import Store
from tradebot.vocabulary import currency_words, growth_basis

FLOW_NAMES = {"balance": "trade balance", "exports": "exports", "imports": "imports", "total_trade": "total trade"}
# The other two flows shown under each headline, in order.
COMPANIONS = {"balance": ("exports", "imports"), "exports": ("imports", "balance"), "imports": ("exports", "balance"),
              "total_trade": ("exports", "imports")}
HELP_LINES = [
    ("A country's balance", "surplus china · /surplus china period:2025-11 · us deficit with china"),
    ("One flow, one partner", "china exports to the us nov 2025 · us imports from china in 2025"),
    ("Periods", "2025-11 · nov 2025 · 2025 · ytd · jan-nov 2025 · q3 2025 · last month · last year"),
    ("Measures", "y/y · m/m · share (china exports to the us share) · in yuan"),
    ("Follow-ups in a thread", "and imports? · what about october? · and japan? · compared with last year?"),
    ("The data", "about · is october out yet · when is the next release"),
]
NOT_YET = {
    "chart": "Charts are drawn by /chart (or `chart china exports` in the console); ask here for the figures.",
}
# The other side of a flow in the partner's own statistics
MIRROR_FLOW = {"exports": "imports", "imports": "exports", "balance": "balance", "total_trade": "total_trade"}
MIRROR_NOTE = (
    "Mirror figures differ: exports are valued free on board and imports with freight and insurance (CIF), "
    "goods routed through third places such as Hong Kong are attributed differently, and shipments are counted "
    "in different months."
)
NOT_STORED = "not in the store"
COMPUTED_NOTE = "“computed” marks a figure tradebot derived from published ones; the source did not publish it."
JAN_FEB_NOTE = "China Customs publishes January and February together, so this figure covers both months."


@dataclass(frozen=True)
class Line:
    name: str
    value: str


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
    # what the next follow-up inherits: what the answer showed (its resolved period, so
    # "what about october?" after a January–February answer means October before it), the
    # question as asked when the store could not answer it (it still sets the subject), or
    # the earlier context when the text was not understood
    context: Query | None = None

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
            "query": self.query.as_json(),
            "text": self.text,
            "figures": [figure.as_json() for figure in self.figures] if self.ok else [],
            "error": {"code": self.error.code, "message": self.error.message} if self.error else None,
        }


def ask(store: Store, text: str, today: date | None = None, context: Query | None = None) -> Answer:
    """Text in, answer out; a user's mistake becomes an answer with an error, never an exception.
    `context` is the conversation so far, which follow-ups inherit; the returned answer's
    `context` is the conversation after this line."""
    today = today or today_utc()
    try:
        query = parse(text, today, context, store.has_pair)
    except TradebotError as error:
        return Answer(query=context or Query(intent="balance", reporter=None), error=error, context=context)
    result = answer(store, query, today)
    result.context = next_context(query, result)
    return result


def next_context(asked: Query, result: Answer) -> Query:
    """What a follow-up to `asked` inherits: the figures the answer showed (its resolved
    period), else the question as asked (it still sets the subject)."""
    return result.query if result.ok and result.query.intent in FIGURE_INTENTS else asked


def answer(store: Store, query: Query, today: date | None = None) -> Answer:
    try:
        if query.intent == "about":
            return _about(store, query)
        if query.intent == "help":
            return Answer(query=query, title="What you can ask tradebot", lines=[Line(n, v) for n, v in HELP_LINES],
                          footer="Every figure comes with its source and release date.")
        if query.intent in NOT_YET:
            raise NotAvailable(NOT_YET[query.intent])
        if query.intent == "release":
            return _release(store, query, today or today_utc())
        if query.intent == "partners":
            return _partners(store, query)
        if query.intent == "compare":
            return _compare(store, query)
        if query.intent == "calendar":
            return _calendar(store, query, today or today_utc())
        return _answer(store, query)
    except TradebotError as error:
        return Answer(query=query, error=error)


# --- building an answer ---


class _Shown:
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
            text = f"{'deficit' if figure.value < 0 else 'surplus'} {text}"
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


def _answer(store: Store, query: Query) -> Answer:
    reporter = countries.by_code(query.reporter)
    partner = countries.by_code(query.partner)
    indicator = query.intent
    what = f"{_possessive(reporter.name)} {FLOW_NAMES[indicator]}" + _partner_words(indicator, partner)
    if not store.has_reporter(reporter.code):
        raise NoData(f"The store has no figures reported by {reporter.name}; it has figures from {_some_reporters(store)}.")

    located, notes = _locate_any(store, query)
    asked = query.period.period
    latest = None if located else latest_in_any(store, reporter.code, partner.code, indicator, _currencies(store, query))
    if located is None and asked is not None and not asked.is_month:
        # "since march 2025" runs to today; the figures end earlier: answer to the newest month there is
        if latest is not None and asked.start <= latest[1].end < asked.end:
            shorter = Period(asked.start, latest[1].end)
            located, notes = _locate_any(store, replace(query, period=PeriodSpec("fixed", shorter)))
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

    shown = _Shown()
    growth = book.growth(indicator, period)
    title = f"{reporter.name} — {_headline_words(indicator, headline, partner)}, {period.label}: "
    title += shown.money(headline, growth=growth)
    lines = [
        Line(_flow_label(other), shown.money(book.value(other, period), other == "balance", book.growth(other, period)))
        for other in COMPANIONS[indicator]
    ]
    months_so_far = year_to_date(period)
    if months_so_far:
        ytd_figure = book.value(indicator, months_so_far)
        value = shown.money(ytd_figure, indicator == "balance", book.growth(indicator, months_so_far))
        if ytd_figure is None:
            value += _missing_words(book.missing_months(indicator, months_so_far))
        lines.append(Line(f"Year to date, {months_so_far.label}", value))
    previous = previous_period(book, indicator, period)
    previous_name = "Previous month" if previous.months <= 2 and period.months <= 2 else "A year earlier"
    lines.append(Line(f"{previous_name}, {previous.label}", shown.money(book.value(indicator, previous), indicator == "balance")))
    if query.measure == "mom":
        lines.append(_month_on_month(shown, book, headline, previous))
    if query.threshold is not None:
        lines.append(_against_threshold(headline, query))
    if query.measure == "share":
        lines.append(_share_of_world(store, shown, headline, reporter, partner, query.currency or "USD"))
    mirror = _mirror(store, headline, partner, book.currency)
    if mirror:
        lines += [
            Line(f"{_possessive(partner.name)} own figure ({_flow_label(mirror.indicator).lower()}, {_valuation(mirror)}, {mirror.source})",
                 shown.money(mirror, mirror.indicator == "balance")),
            Line("Gap between the two", shown.money(_mirror_gap(headline, mirror))),
        ]
        notes.append(MIRROR_NOTE)

    if any(figure.derived for figure in shown.figures):
        notes.append(COMPUTED_NOTE)
    resolved = replace(query, period=PeriodSpec("fixed", period))
    return Answer(
        query=resolved, title=title, lines=lines, notes=notes,
        footer=_footer(headline, shown.figures), figures=shown.figures,
        tone=("deficit" if headline.value < 0 else "surplus") if indicator == "balance" else "neutral",
    )


def _growth_alone(store: Store, query: Query, indicator: str) -> Answer | None:
    """A published growth rate whose amount the store does not hold (wire copy often gives only
    "exports to the EU rose 14.8%"): an answer of its own, saying the amount is not there."""
    period = query.period.period
    for currency in _currencies(store, query):
        growth = FigureBook.load(store, query.reporter, query.partner, period, currency).published(f"{indicator}_yoy", period)
        if growth is None:
            continue
        reporter, partner = countries.by_code(query.reporter), countries.by_code(query.partner)
        shown = _Shown()
        shown.add(growth)
        basis = currency_words(growth_basis(growth.unit) or currency)
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{_partner_words(indicator, partner)}, {period.label}: "
        title += f"{formatting.percent(growth.value)} y/y (measured in {basis})"
        return Answer(
            query=replace(query, intent=indicator), title=title,
            lines=[Line("Amount", "the source published only the growth rate; the store has no amount for it")],
            footer=_footer(growth, shown.figures), figures=shown.figures,
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


def _some_reporters(store: Store, shown: int = 5) -> str:
    """The reporters the store holds, a few by name: with IMF data there are dozens."""
    names = [countries.by_code(code).name for code in store.reporters()]
    if len(names) > shown:
        return ", ".join(names[:shown]) + f" and {len(names) - shown} more (/calendar lists them)"
    return ", ".join(names) or "nothing yet"


def _valuation(figure: Figure) -> str:
    return sources.valuation(figure.source.split("; ")[0], figure.indicator)


def _next_release(figure: Figure) -> releases.NextRelease | None:
    """When the source of `figure` (the first of a computed figure's) usually publishes the next period."""
    return releases.next_release(sources.release(figure.source.split("; ")[0]), figure.period)


# --- rankings and comparisons ---


def _partners(store: Store, query: Query) -> Answer:
    """The reporter's partners ranked by one flow for one period, each with its share of the
    world total and its growth; the largest `RANKING_SHOWN` are listed and the rest of the
    world closes the list, so shares add to 100%. Groups and a table's remainders are never
    ranked beside countries (see `_rankable`). A fixed period is ranked in the first currency
    that has it, `latest` in the currency with the newest period (dollars on a tie)."""
    reporter = countries.by_code(query.reporter)
    flow = query.indicator or "total_trade"
    codes = [code for code in store.partners(reporter.code) if code != "WLD"]
    found = None
    currencies = _currencies(store, query)
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
        raise NoData(f"The store has no partner figures for {_possessive(reporter.name)} {FLOW_NAMES[flow]}{where}.")
    period, values, books, currency = found
    listed_groups, inside = _rankable(values)
    rankable = [code for code in values
                if code in listed_groups or (code not in inside and not countries.by_code(code).is_group)]
    everyone = sorted(rankable, key=lambda code: abs(values[code].value), reverse=True)
    ranked = everyone[:RANKING_SHOWN]
    world = FigureBook.load(store, reporter.code, "WLD", period, currency).value(flow, period)
    shown = _Shown()
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
                  footer=_footer(values[ranked[0]], shown.figures), figures=shown.figures)


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
        if not store.has_month(reporter, currency, str(candidate.end)):
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
        seen = {Period.parse(f"{start}..{end}") for name in needed
                for start, end in store.recent_periods(reporter, code, name, unit=currency)}
        for period in seen:
            counts[period] = counts.get(period, 0) + 1
    enough = min(3, max(counts.values(), default=0))
    yield from sorted(counts, key=lambda p: (counts[p] >= enough, p.end, -p.months), reverse=True)


def _compare(store: Store, query: Query) -> Answer:
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
    for currency in _currencies(store, query):
        located = _locate(store, replace(query, intent=indicator), currency)
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
        what = f"{_possessive(reporter.name)} {FLOW_NAMES[indicator]}" + _partner_words(indicator, partner)
        latest = latest_in_any(store, reporter.code, partner.code, indicator, _currencies(store, query))
        if latest is None:
            raise NoData(f"The store has no figures for {what}.")
        asked = f" in {query.period.period.label}" if query.period.kind == "fixed" else ""
        raise NoData(f"No figure for {what}{asked} to compare; the latest is {latest[1].label}.")
    if other is None:
        whose = (f"{_possessive(second[0].name)} {FLOW_NAMES[indicator]}" + _partner_words(indicator, second[1]))
        in_currency = " in " + " or ".join(currency_words(currency) for currency in tried)
        raise NoData(f"The store has no figure for {whose} in {other_period.label}{in_currency} to compare with; "
                     "tradebot compares figures in one currency and never converts.")
    mine = first[2]
    shown = _Shown()
    if second[2]:
        names = (f"{reporter.name}, {period.label}", f"{second[0].name}, {other_period.label}")
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{_partner_words(indicator, partner)}, {period.label} against {other_period.label}"
    elif query.compared_partner:
        names = (partner.name, second[1].name)
        title = f"{reporter.name} — {FLOW_NAMES[indicator]}{_partner_words(indicator, partner)} and {second[1].name}, {period.label}"
    else:
        names = (reporter.name, second[0].name)
        title = f"{reporter.name} and {second[0].name} — {FLOW_NAMES[indicator]}{_partner_words(indicator, partner)}, {period.label}"
    difference = derived(f"{indicator}_difference", [mine, other], mine.value - other.value, "first − second", period=mine.period)
    lines = [
        Line(names[0], shown.money(mine, indicator == "balance", first[1].growth(indicator, period))),
        Line(names[1], shown.money(other, indicator == "balance", other_book.growth(indicator, other_period))),
        Line("Difference", ("+" if difference.value >= 0 else "−") + shown.money(difference)),
    ]
    notes = [COMPUTED_NOTE] if any(f.derived for f in shown.figures) else []
    return Answer(query=replace(query, period=PeriodSpec("fixed", period)), title=title, lines=lines, notes=notes,
                  footer=_footer(mine, shown.figures), figures=shown.figures)


def _against_threshold(headline: Figure, query: Query) -> Line:
    """"Did it top $1 trillion?": the headline's size against the amount asked (a surplus and a
    deficit are compared by size), said in words so that every amount shown is a figure."""
    label = "Above the amount asked"
    if query.threshold_currency and query.threshold_currency != headline.unit:
        return Line(label, f"cannot tell: the figure is in {currency_words(headline.unit)}, the amount asked in "
                           f"{currency_words(query.threshold_currency)}, and tradebot holds no rate between them")
    return Line(label, "yes" if abs(headline.value) > query.threshold else "no")


def _month_on_month(shown: _Shown, book: FigureBook, headline: Figure, previous: Period) -> Line:
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


def _share_of_world(store: Store, shown: _Shown, headline: Figure, reporter, partner, currency: str) -> Line:
    """The partner's share of the reporter's flow with the whole world, computed."""
    label = f"{_possessive(partner.name)} share of {_possessive(reporter.name)} {FLOW_NAMES[headline.indicator]}"
    if partner.code == "WLD" or headline.indicator == "balance":
        return Line(label, "name a partner and a flow, for example “china exports to the us share”")
    world = FigureBook.load(store, reporter.code, "WLD", headline.period, currency).value(headline.indicator, headline.period)
    portion = share(headline, world, f"{headline.indicator}_share") if world is not None else None
    if portion is None:
        return Line(label, f"not computable: the store has no world total for {headline.period.label}")
    shown.add(world)
    shown.add(portion)
    return Line(label, f"{portion.value:.1f}% of {formatting.money(world.value, world.unit)} (computed)")


def _release(store: Store, query: Query, today: date) -> Answer:
    """"Is October out yet?": whether the store has the period, and if not what is due when."""
    reporters = [query.reporter] if query.reporter else store.reporters()
    asked = query.period.period
    lines = []
    for reporter in reporters:
        name = countries.by_code(reporter).name
        headline = _headline_of(store, reporter)
        if headline is None:
            lines.append(Line(name, "no world totals in the store"))
            continue
        if asked is None or headline.period.end >= asked.end:
            what = headline.period.label if asked is None else asked.label
            lines.append(Line(name, f"yes: {what} is out (newest in the store: {headline.period.label}, "
                                    f"{formatting.released(headline.published, headline.note)})"))
            continue
        upcoming = _next_release(headline)
        due = f"; the next release is usually {_date_window(upcoming.earliest, upcoming.latest)}" if upcoming else ""
        lines.append(Line(name, f"not in the store yet: the newest is {headline.period.label}{due}"))
    title = f"Is {asked.label if asked else 'the latest month'} out?"
    return Answer(query=query, title=title, lines=lines, footer="From the figures in tradebot's store and each source's usual release pattern")


def _currencies(store: Store, query: Query) -> list[str]:
    """Where to look: the currency asked for, else every currency the reporter publishes in, dollars first."""
    return [query.currency] if query.currency else store.currencies(query.reporter) or ["USD"]


def _locate_any(store: Store, query: Query) -> tuple[tuple[Period, FigureBook, Figure, list[str]] | None, list[str]]:
    """`_locate` over the currencies the figures exist in, and a note on the currency chosen.

    A fixed period is answered in the first currency that has it (dollars first). `latest`
    and `ytd` mean the newest period in any currency: when that is in yuan and an older
    dollar figure exists, the answer is the newest, and the note says where the dollar one is."""
    found = []
    for currency in _currencies(store, query):
        located = _locate(store, query, currency)
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


def _locate(store: Store, query: Query, currency: str) -> tuple[Period, FigureBook, Figure, list[str]] | None:
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


def _headline_of(store: Store, reporter: str) -> Figure | None:
    """A reporter's newest world balance (else exports), in whichever currency is newest: what
    "latest" means for it."""
    for indicator in ("balance", "exports", "imports"):
        found = latest_in_any(store, reporter, "WLD", indicator, store.currencies(reporter) or ["USD"])
        if found:
            return found[2].value(indicator, found[1])
    return None


def _about(store: Store, query: Query) -> Answer:
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
            "Commands: /surplus, /exports, /imports, /partners, /compare, /chart, /ask, /alerts, /calendar and /about.",
        ],
        footer=f"Data retrieved {formatting.release_date(retrieved[:10]) if retrieved else 'never'} · tradebot {__version__}",
    )


def _calendar(store: Store, query: Query, today: date) -> Answer:
    """Per reporter: the newest period in the store and when its source usually publishes the next."""
    reporters = [query.reporter] if query.reporter else store.reporters()
    lines, patterns = [], {}
    for reporter in reporters:
        name = countries.by_code(reporter).name
        headline = _headline_of(store, reporter)
        if headline is None:
            if query.reporter:
                raise NoData(f"The store has no world totals for {name}, so there is no release to expect.")
            continue
        text = f"latest {headline.period.label} ({headline.source}, {formatting.released(headline.published, headline.note)})"
        upcoming = _next_release(headline)
        if upcoming:
            patterns[headline.source] = upcoming.pattern.described
            text += f"; next {upcoming.period.label}, usually {_date_window(upcoming.earliest, upcoming.latest)}"
            if upcoming.overdue(today):
                text += " — due already but not in the store yet"
        lines.append(Line(name, text))
    title = "Release calendar" + (f" — {countries.by_code(query.reporter).name}" if query.reporter else "")
    return Answer(
        query=query, title=title, lines=lines or [Line("Store", "empty: no figures yet")],
        notes=[f"{source}: {described}." for source, described in patterns.items()],
        footer=f"Expected dates follow each source's usual pattern, not an announced date · as of {formatting.release_date(today.isoformat())}",
    )


def _date_window(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {formatting.release_date(first.isoformat()[:7])}"
    return f"{formatting.release_date(first.isoformat())} – {formatting.release_date(last.isoformat())}"


def _missing_words(months: list[Month]) -> str:
    if not months:
        return ""
    names = ", ".join(month.name for month in months[:4]) + (" …" if len(months) > 4 else "")
    return f" (no figure for {names})"


def _footer(headline: Figure, figures: list[Figure]) -> str:
    sources = list(dict.fromkeys(source for figure in figures for source in figure.source.split("; ")))
    growth = [figure for figure in figures if not figure.is_money]
    parts = [f"Source: {', '.join(sources)}", released_words(headline, figures)]
    if growth:
        parts.append("some growth rates computed" if any(g.derived for g in growth) else "growth rates as published")
    return " · ".join(parts)


def _possessive(name: str) -> str:
    return f"{name}’" if name.endswith("s") else f"{name}’s"


def _partner_words(indicator: str, partner: countries.Country) -> str:
    if partner.code == "WLD":
        return ""
    return {"exports": " to ", "imports": " from "}.get(indicator, " with ") + partner.name


def _headline_words(indicator: str, figure: Figure, partner: countries.Country) -> str:
    if indicator == "balance":
        word = "trade deficit" if figure.value < 0 else "trade surplus"
        return word + _partner_words(indicator, partner)
    return FLOW_NAMES[indicator] + _partner_words(indicator, partner)


def _flow_label(indicator: str) -> str:
    return {"balance": "Balance", "exports": "Exports", "imports": "Imports", "total_trade": "Total trade"}[indicator]
