"""The alert summary for a newly landed month, written the way a wire reporter would:
headline balance, exports and imports with their growth and its pace, the year to date
with the records the store can prove, and the partners that moved most.

Every number comes from the store through `FigureBook` (selection and derivation live
there) and is formatted by `formatting`; `Summary.figures` lists exactly the figures the
text shows. A claim the store cannot prove ("first time", "largest since") is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tradebot import countries, formatting
from tradebot.answers.base import Answer
from tradebot.contributions import Contribution, of_partners
from tradebot.errors import NoData
from tradebot.figures import Figure, FigureBook, latest_in_any, previous_period, year_to_date
from tradebot.partner_tables import BLOCS, partner_table
from tradebot.periods import NAME_OF_MONTH, Month, Period, PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import INDICATORS, currency_words
from tradebot.wording import JAN_FEB_NOTE, balance_word, country_name, source_footer, tone

# Round amounts a year-to-date balance can be said to be "above", in the figure's currency.
# In words, not `$1 tn`: every amount in figures in the text is a stored or derived figure, and
# a threshold is neither.
THRESHOLDS = (
    (3e12, "three trillion"), (2e12, "two trillion"), (1e12, "one trillion"), (5e11, "half a trillion"),
    (1e11, "one hundred billion"), (5e10, "fifty billion"), (1e10, "ten billion"), (5e9, "five billion"),
    (1e9, "one billion"), (5e8, "half a billion"), (1e8, "one hundred million"),
)
# A partner's move is news when it buys at least this share of the reporter's exports: tiny
# territories post growth of thousands of percent on next to nothing.
MIN_PARTNER_SHARE = 0.01
# "The largest since X" is news only when X lies a few months back: beating last month is not.
MIN_MONTHS_SINCE = 3
# "A record" needs a history long enough to mean something.
MIN_RECORD_MONTHS = 12
TOP_PARTNERS = 3
# Contributions are told when the partners a year apart hold at least this share of the total:
# China's dollar headline tables give one or two partners' levels, and their growth rates say more.
MIN_COVERAGE = 0.5
FLOWS = ("exports", "imports")
COMPUTED_FOOTER = "figures marked computed are derived by tradebot"
HOLDS = "in the figures tradebot holds"


@dataclass
class Summary:
    reporter: str
    period: Period
    title: str
    paragraphs: list[str]
    footer: str
    figures: list[Figure] = field(default_factory=list)  # every number the title and paragraphs show

    def answer(self) -> Answer:
        """The summary as an answer, so every front end renders it as it renders the others:
        its paragraphs are the notes, its colour the balance's sign."""
        balance = next((f for f in self.figures if f.indicator == "balance" and f.period == self.period), None)
        query = Query("balance", self.reporter, "WLD", PeriodSpec("fixed", self.period))
        return Answer(query=query, title=self.title, notes=list(self.paragraphs), footer=self.footer, figures=self.figures,
                      tone=tone("balance", balance.value if balance else None))


def summarize(store: Store, reporter: str, period: Period) -> Summary:
    """The summary of `reporter`'s figures for `period`; `NoData` when the store has none.

    A January or February that exists only inside a combined Jan–Feb release (China's
    practice) is summarised as that release, as answers do."""
    try:
        return _Writer(store, reporter, period).summary()
    except NoData:
        if not (period.is_month and period.end.month <= 2):
            raise
    try:
        return _Writer(store, reporter, Period.jan_feb(period.end.year)).summary()
    except NoData:
        raise NoData(_no_data_message(store, reporter, period)) from None


# --- the writer ---


class _Writer:
    """One summary: the reporter's world figures over its whole stored history (records
    need it), the figures shown so far, and one method per part of the story."""

    def __init__(self, store: Store, reporter: str, period: Period):
        self.store, self.reporter, self.period = store, reporter, period
        self.name = country_name(reporter)
        first = _first_month(store, reporter, period.end)
        if first is None:
            raise NoData(_no_data_message(store, reporter, period))
        self.first = first  # where "the figures tradebot holds" begin, for any partner
        # the currency the release is in: dollars when the store has them for the period, else the first that does
        self.currency = next((currency for currency in store.currencies(reporter)
                              if _has_world_figures(FigureBook.load(store, reporter, "WLD", period, currency), period)), "USD")
        self.world = FigureBook.load(store, reporter, "WLD", Period(min(first, period.start), period.end), self.currency)
        self.figures: list[Figure] = []

    def summary(self) -> Summary:
        balance = self.world.value("balance", self.period)
        flows = {flow: (self.world.value(flow, self.period), self.world.growth(flow, self.period)) for flow in FLOWS}
        moves = _partner_moves(self.store, self.reporter, self.period, self.currency, flows["exports"][0])
        headline = _headline(balance, flows, moves)
        if headline is None:
            raise NoData(_no_data_message(self.store, self.reporter, self.period))

        title = f"{self.name}, {_span(self.period)}: {self._headline_words(headline)}"
        partners = self._contributions_paragraph() or self._partners_paragraph(moves)
        parts = [self._balance_paragraph(balance), self._flows_paragraph(flows), self._year_paragraph(balance), partners]
        paragraphs = [part for part in parts if part]
        if self.period.is_jan_feb:
            note = JAN_FEB_NOTE if self.reporter == "CHN" else "These figures cover January and February together."
            paragraphs[0] += " " + note
        return Summary(self.reporter, self.period, title, paragraphs, _footer(headline, self.figures), self.figures)

    # --- numbers, recorded as they are shown ---

    def _show(self, figure: Figure) -> None:
        if figure not in self.figures:
            self.figures.append(figure)

    def money(self, figure: Figure) -> str:
        """`$111.7 bn`, `$897.0 mn (computed)`: the size only; the words carry the sign."""
        self._show(figure)
        return formatting.money(figure.value, figure.unit) + _mark(figure)

    def size(self, growth: Figure) -> str:
        """`5.9%`: a growth rate without its sign (the verb carries it), exactly as
        `formatting.percent` rounds it, so the shown number matches the figure."""
        self._show(growth)
        return _unsigned(growth)

    def moved(self, growth: Figure) -> str:
        """`rose 5.9%`, `fell 28.6% (computed)`."""
        verb = {1: "rose", -1: "fell", 0: "were flat at"}[_direction(growth)]
        return f"{verb} {self.size(growth)}{_mark(growth)}"

    # --- the parts ---

    def _headline_words(self, headline: Figure) -> str:
        if headline.partner != "WLD":
            return f"exports to {_the(country_name(headline.partner))} {self.moved(headline)}"
        if headline.indicator == "balance":
            return f"trade {balance_word(headline.value)} of {self.money(headline)}"
        if headline.is_money:
            return f"{headline.indicator} of {self.money(headline)}"
        return f"{headline.indicator.removesuffix('_yoy')} {self.moved(headline)} year on year"

    def _balance_paragraph(self, balance: Figure | None) -> str:
        """`China posted a trade surplus of $111.7 bn in November 2025, up from $90.1 bn in October.`"""
        if balance is None:
            return ""
        text = f"{_sentence_start(_the(self.name))} posted a trade {balance_word(balance.value)} of {self.money(balance)} in {_span(self.period)}"
        previous = previous_period(self.world, "balance", self.period)
        when = f"in {_short(previous)}"
        if previous.months != self.period.months:
            # a two-month Jan–Feb figure set against one month says nothing: compare with a year earlier
            previous, when = self.period.shift_years(-1), "a year earlier"
        before = self.world.value("balance", previous)
        if before is not None:
            text += self._balance_change(balance, before, when)
        return text + "."

    def _balance_change(self, now: Figure, before: Figure, when: str) -> str:
        if (now.value < 0) != (before.value < 0):
            return f", after a {balance_word(before.value)} of {self.money(before)} {when}"
        shown_now, shown_before = formatting.money(now.value, now.unit), formatting.money(before.value, before.unit)
        if shown_now == shown_before:
            return f", the same as {when}"
        wider = abs(now.value) > abs(before.value)
        if now.value < 0:  # a deficit widens or narrows; "up" would be ambiguous
            return f", {'widening' if wider else 'narrowing'} from {self.money(before)} {when}"
        return f", {'up' if wider else 'down'} from {self.money(before)} {when}"

    def _flows_paragraph(self, flows: dict[str, tuple[Figure | None, Figure | None]]) -> str:
        """`Exports rose 5.9% year on year to $330.0 bn, reversing October's 1.1% fall. Imports …`"""
        previous = {flow: previous_period(self.world, flow, self.period) for flow in flows}
        sentences = [self._flow_sentence(flow, amount, growth, previous[flow]) for flow, (amount, growth) in flows.items()]
        return " ".join(sentence for sentence in sentences if sentence)

    def _flow_sentence(self, flow: str, amount: Figure | None, growth: Figure | None, previous: Period) -> str:
        if growth is None:
            return f"{flow.capitalize()} were {self.money(amount)}." if amount else ""
        text = f"{flow.capitalize()} {self.moved(growth)} year on year"
        if amount:
            text += f"{', at' if _direction(growth) == 0 else ' to'} {self.money(amount)}"
        before = self.world.growth(flow, previous)
        if before is not None:
            text += self._pace(growth, before, previous)
        return text + "."

    def _pace(self, now: Figure, before: Figure, previous: Period) -> str:
        """How this growth rate compares with the previous period's, judged on the rounded
        numbers the reader sees: reversing, accelerating, slowing, deepening or easing."""
        direction, earlier = _direction(now), _direction(before)
        if direction == 0 or earlier == 0:
            return ""  # a flat period has no pace to compare
        when = _short(previous)
        size, mark = self.size(before), _mark(before)
        if direction != earlier:
            return f", reversing {when}’s {size} {'fall' if earlier < 0 else 'rise'}{mark}"
        now_size, before_size = (float(_unsigned(rate).rstrip("%")) for rate in (now, before))
        if now_size == before_size:
            return f", matching {when}’s {size} {'rise' if direction > 0 else 'fall'}{mark}"
        stronger = now_size > before_size
        if direction > 0:
            return f", {'accelerating' if stronger else 'slowing'} from {size}{mark} in {when}"
        return f", {'deepening' if stronger else 'easing'} from a {size}{mark} fall in {when}"

    def _year_paragraph(self, balance: Figure | None) -> str:
        """The year to date and the records the store can prove."""
        sentences = []
        months_so_far = year_to_date(self.period)
        ytd = self.world.value("balance", months_so_far) if months_so_far else None
        if ytd is not None:
            sentences.append(
                f"From January to {NAME_OF_MONTH[self.period.end.month]}, the trade {balance_word(ytd.value)} "
                f"reached {self.money(ytd)}{self._threshold_claim(ytd)}."
            )
        if balance is not None and self.period.is_month:
            record = self._record_claim(balance)
            if record:
                month = NAME_OF_MONTH[self.period.end.month]
                sentences.append(f"{month}’s {balance_word(balance.value)} was {record}.")
        return " ".join(sentences)

    def _threshold_claim(self, ytd: Figure) -> str:
        """`, above one trillion dollars` — the value proves that much — and `for the first
        time …` only when every earlier year the store covers has the same months, below it."""
        amount, words = next(((amount, words) for amount, words in THRESHOLDS if abs(ytd.value) >= amount), (0, ""))
        if not amount:
            return ""
        claim = f", above {words} {'dollars' if ytd.unit == 'USD' else currency_words(ytd.unit)}"
        if self._first_above(ytd, amount):
            claim += f" for the first time {HOLDS} (since {self.first.year})"
        return claim

    def _first_above(self, ytd: Figure, amount: float) -> bool:
        sign = 1 if ytd.value > 0 else -1
        earlier_years = range(self.first.year, ytd.period.end.year)
        if not earlier_years:
            return False  # nothing earlier to be the first against
        for year in earlier_years:
            earlier = self.world.value("balance", ytd.period.shift_years(year - ytd.period.end.year))
            if earlier is None or sign * earlier.value >= amount:
                return False  # a missing year could have been above: unprovable
        return True

    def _record_claim(self, balance: Figure) -> str:
        """`the largest since June 2025` when every month back to June is stored, June's was
        larger and those between smaller; `a record …` when larger than every month back to
        the first the store holds. A missing month anywhere on the way proves nothing."""
        sign = 1 if balance.value > 0 else -1
        largest = "largest" if sign > 0 else "widest"
        month = self.period.end.plus(-1)
        while month >= self.first:
            earlier = self.world.value("balance", Period.month(month))
            if earlier is None:
                return ""
            if sign * earlier.value >= sign * balance.value:
                if sign * earlier.value == sign * balance.value or _months(month, self.period.end) < MIN_MONTHS_SINCE:
                    return ""
                return f"the {largest} since {month.name}"
            month = month.plus(-1)
        if _months(self.first, self.period.end) < MIN_RECORD_MONTHS:
            return ""
        return f"a record {HOLDS} (since {self.first.name})"

    def _contributions_paragraph(self) -> str:
        """`By partner (points of export growth, computed): exports to the United States fell
        18.3% (computed), taking 2.7 points off; ASEAN added 2.4, the European Union 1.3 …` — from
        every partner's exports and their year-earlier figures in the summary's currency; nothing
        when the store does not have them (China's preliminary dollar tables give partners' growth
        rates only: the growth sentence tells those)."""
        table = partner_table(self.store, self.reporter, "exports", [self.currency], self.period, year_earlier=True)
        split = of_partners(table, BLOCS) if table is not None else None
        if split is None or split.coverage < MIN_COVERAGE:
            return ""  # a headline table's one or two partners a year apart: their growth rates say more
        # China Customs lists China itself (goods that leave and come back): no partner a story names
        rising, falling = split.movers(TOP_PARTNERS + 1, TOP_PARTNERS, at_least=0.05)
        up = [part for part in rising if part.key != self.reporter][:TOP_PARTNERS]
        down = [part for part in falling if part.key != self.reporter][:TOP_PARTNERS - 1]
        if not up and not down:
            return ""
        falls = []
        for number, part in enumerate(down):
            self._show(part.now)
            whose = "exports" if number == 0 else "those"
            falls.append(f"{whose} to {_the(country_name(part.key))} {self.moved(part.growth('exports'))}, "
                         f"taking {self._points(part, number == 0)} off")
        rises = [f"{_the(country_name(part.key))} {'added ' if number == 0 else ''}{self._points(part, number == 0)}"
                 for number, part in enumerate(up)]
        clauses = [", and ".join(falls), _listed(rises)]
        if up and down and up[0].amount.value > -down[0].amount.value:
            clauses.reverse()  # the larger contribution leads
        return f"By partner (points of export growth, computed): {'; '.join(clause for clause in clauses if clause)}."

    def _points(self, part: Contribution, unit: bool) -> str:
        """`2.4 points` (the first of a list), `1.3` (the rest)."""
        self._show(part.amount)
        number = _unsigned_number(part.amount.value)
        return f"{number} point{'' if number == '1.0' else 's'}" if unit else number

    def _partners_paragraph(self, moves: list[Figure]) -> str:
        """`By partner, exports to Australia rose 35.8%, those to the United States fell 28.6% …`"""
        if not moves:
            return ""
        clauses = [f"{'exports' if i == 0 else 'those'} to {_the(country_name(g.partner))} {self.moved(g)}" for i, g in enumerate(moves)]
        if len(clauses) == 1:
            joined = clauses[0]
        elif len(clauses) == 2:
            joined = f"{clauses[0]}, while {clauses[1]}"
        else:
            joined = f"{', '.join(clauses[:-1])} and {clauses[-1]}"
        return f"By partner, {joined}."


def _headline(balance: Figure | None, flows: dict[str, tuple[Figure | None, Figure | None]], moves: list[Figure]) -> Figure | None:
    """What the title leads with: the world balance, else the first world flow amount or
    growth the store has, else the partner that moved most; None when there is nothing."""
    world = [figure for pair in flows.values() for figure in pair if figure]
    return balance or next(iter(world), None) or next(iter(moves), None)


# --- reads ---


def _first_month(store: Store, reporter: str, until: Month) -> Month | None:
    """The earliest month of any figure the store holds for `reporter` (any partner, indicator
    or currency) up to `until`: where "the figures tradebot holds" begin. Reads every row of
    the reporter once, along the index; a summary is written once per release."""
    starts = [
        row["period_start"]
        for partner in store.partners(reporter)
        for row in store.series_rows(reporter, partner, INDICATORS, None, until)
    ]
    return Month.parse(min(starts)) if starts else None


def _has_world_figures(book: FigureBook, period: Period) -> bool:
    return any(book.value(flow, period) for flow in ("balance", *FLOWS))


def _partner_moves(store: Store, reporter: str, period: Period, currency: str, world_exports: Figure | None) -> list[Figure]:
    """Exports growth to each partner (countries, and the EU or ASEAN; not continents or other
    groupings) in `period`, published else computed: the largest moves either way, largest
    first, among partners taking at least `MIN_PARTNER_SHARE` of exports when the world total
    says how much that is."""
    moves = []
    for partner in store.partners(reporter):
        if partner == "WLD" or (countries.by_code(partner).is_group and partner not in countries.GROUP_MEMBERS):
            continue
        book = FigureBook.load(store, reporter, partner, period, currency)
        growth = book.growth("exports", period)
        if growth is None:
            continue
        exports = book.value("exports", period)
        if world_exports is not None and exports is not None and exports.value < MIN_PARTNER_SHARE * world_exports.value:
            continue
        moves.append(growth)
    return sorted(moves, key=lambda g: (-abs(g.value), g.partner))[:TOP_PARTNERS]


def _no_data_message(store: Store, reporter: str, period: Period) -> str:
    message = f"The store has no figures for {country_name(reporter)} in {period.label}"
    latest = latest_in_any(store, reporter, "WLD", "balance", store.currencies(reporter)) if store.has_reporter(reporter) else None
    return message + (f"; the latest is {latest[1].label}." if latest else ".")


# --- words ---


def _footer(headline: Figure, figures: list[Figure]) -> str:
    """Sources (the headline's first) and the headline's release date."""
    parts = [source_footer(headline, figures)]
    if any(figure.derived for figure in figures):
        parts.append(COMPUTED_FOOTER)
    return " · ".join(parts)


def _mark(figure: Figure) -> str:
    return " (computed)" if figure.derived else ""


def _unsigned_number(value: float) -> str:
    return formatting.points(value).lstrip("+" + formatting.MINUS)


def _listed(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}" if items else ""


def _unsigned(growth: Figure) -> str:
    return _unsigned_number(growth.value) + "%"


def _direction(growth: Figure) -> int:
    """The sign the reader sees: 0 when the rate rounds to 0.0%."""
    shown = formatting.percent(growth.value)
    return 0 if shown == "0.0%" else (-1 if shown.startswith(formatting.MINUS) else 1)


def _months(first: Month, last: Month) -> int:
    """How many months `last` lies after `first`."""
    return (last.year - first.year) * 12 + last.month - first.month


def _span(period: Period) -> str:
    """`November 2025`, `January–February 2026`, `November 2024–February 2025`: full names for prose."""
    if period.is_month:
        return period.end.name
    if period.start.year == period.end.year:
        return f"{NAME_OF_MONTH[period.start.month]}–{period.end.name}"
    return f"{period.start.name}–{period.end.name}"


def _short(period: Period) -> str:
    """The previous period as a story names it: `October`, `January–February`, or with its year
    when it is not a month or a Jan–Feb release (`January–November 2024`)."""
    if period.is_month:
        return NAME_OF_MONTH[period.end.month]
    if period.is_jan_feb:
        return "January–February"
    return _span(period)


def _the(name: str) -> str:
    """Names that take an article in running text: `the United States`, `the European Union`."""
    if name.startswith(("United ", "European ")) or name.endswith(("Federation", "Republic", "Islands")) or name in (
        "Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives",
    ):
        return f"the {name}"
    return name


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]
