"""What the US collects at the border on a country's goods: duties, customs value and the
effective tariff rate (duties ÷ customs value, always computed), the same a year earlier, and
the chapters that pay the most; and what the US imports from a country, chapter by chapter —
from the USITC DataWeb figures by HS chapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import countries, formatting
from tradebot.answers.base import Answer, Line, Shown, source_footer
from tradebot.charts import Bars
from tradebot.errors import NoData
from tradebot.figures import Figure, derived, share, stored
from tradebot.intents import answers_for
from tradebot.periods import Period
from tradebot.query import Query
from tradebot.store import Store
from tradebot.wording import COMPUTED_NOTE, sentence_case

COLLECTOR = "USA"  # the only customs whose collections the store holds, by partner and chapter
TOP_CHAPTERS = 5
TOP_PRODUCTS = 10
READ = ("duties", "customs_value", "cif_value", "import_charges")
RATE_NOTE = ("The effective rate is the duties the US collected ÷ the customs value of the goods (imports for "
             "consumption), computed; it is not the statutory tariff rate, which differs by product and exemption.")
CUSTOMS_FROM_CIF = "customs value = CIF value − charges, insurance and freight"


class Collections:
    """A partner's duties and customs value for one period, chapter by chapter (newest vintages)."""

    def __init__(self, store: Store, partner: str, period: Period, chapters: tuple[str, ...] | None):
        newest: dict[tuple[str, str], object] = {}
        for row in store.product_rows(COLLECTOR, partner, READ, period):
            key = (row["indicator"], row["product"])
            if key not in newest or row["published"] > newest[key]["published"]:
                newest[key] = row
        self.period = period
        self.figures: dict[tuple[str, str], Figure] = {
            key: stored(row, COLLECTOR, partner, period, product=row["product"])
            for key, row in newest.items() if chapters is None or key[1] in chapters
        }
        self.chapters = sorted({chapter for _, chapter in self.figures})

    def duties(self, chapter: str) -> Figure | None:
        return self.figures.get(("duties", chapter))

    def customs_value(self, chapter: str) -> Figure | None:
        """As published, else CIF value − charges (computed): the 2024 and 2025 downloads have no customs sheet."""
        published = self.figures.get(("customs_value", chapter))
        if published is not None:
            return published
        cif, charges = self.figures.get(("cif_value", chapter)), self.figures.get(("import_charges", chapter))
        if cif is None or charges is None:
            return None
        return derived("customs_value", [cif, charges], cif.value - charges.value, CUSTOMS_FROM_CIF)

    def total(self, measure: str, product: str) -> Figure | None:
        """The sum over the chapters (computed: the file gives no country totals)."""
        parts = [figure for chapter in self.chapters if (figure := getattr(self, measure)(chapter)) is not None]
        if not parts:
            return None
        total = derived(measure, parts, sum(part.value for part in parts), f"sum of {len(parts)} HS chapters")
        return replace(total, product=product)

    def rate(self, product: str) -> tuple[Figure, Figure, Figure] | None:
        """(rate in percent, duties, customs value) over the chapters, or None without a customs value."""
        duties, customs = self.total("duties", product), self.total("customs_value", product)
        if duties is None or customs is None or customs.value <= 0:
            return None
        return rate_of(duties, customs), duties, customs


def rate_of(duties: Figure, customs: Figure) -> Figure:
    return derived("duty_rate", [duties, customs], round(duties.value / customs.value * 100, 1), "duties ÷ customs value",
                   period=duties.period, unit="percent")


def _period(store: Store, query: Query, partner: countries.Country) -> tuple[Period, list[Period]]:
    """The period asked for among those stored for the partner (newest first), or `NoData` naming them."""
    what = "US duty figures" if query.intent == "tariffs" else "US import figures by product"
    periods = store.recent_periods(COLLECTOR, partner.code, "duties", limit=24)
    if not periods:
        raise NoData(f"The store has no {what} for goods from {partner.name}; they come from USITC DataWeb "
                     "downloads (`sync --file`), which tradebot ships for 2023, 2024 and Jan–Aug 2025.")
    if query.period.kind != "fixed":
        return periods[0], periods
    if query.period.period not in periods:
        held = ", ".join(p.label for p in periods)
        raise NoData(f"The store has no {what} for {query.period.period.label}; it holds {held} (USITC DataWeb).")
    return query.period.period, periods


@answers_for("tariffs")
def tariff_answer(store: Store, query: Query, today: date) -> Answer:
    partner = countries.by_code(query.partner)
    chapters = tuple(query.product.split(",")) if query.product else None
    period, periods = _period(store, query, partner)
    names = store.product_names()
    if query.compared_partner:
        return _side_by_side(store, query, partner, countries.by_code(query.compared_partner), period, chapters, names)
    what = _products_words(chapters, names)
    current = Collections(store, partner.code, period, chapters)
    found = current.rate(query.product or "")
    if found is None:
        raise NoData(f"The store has no duties or customs value of US imports from {partner.name}{what} for {period.label}.")
    rate, duties, customs = found
    shown = Shown()
    shown.add(rate)
    lines = [Line("Duties collected", shown.money(duties)), Line("Customs value", shown.money(customs))]
    earlier = _year_earlier(periods, period)
    if earlier is not None:
        before = Collections(store, partner.code, earlier, chapters).rate(query.product or "")
        if before is not None:
            shown.add(before[0])
            change = derived("duty_rate_change", [rate, before[0]], round(rate.value - before[0].value, 1),
                             "rate − rate a year earlier", period=period, unit="points")
            shown.add(change)
            same = earlier.months == period.months
            label = earlier.label if same else f"{earlier.label} (whole year; the store has no {_same_months(period)})"
            lines.append(Line(label, f"{before[0].value:.1f}% (computed); change {formatting.points(change.value)} "
                                     "points (computed)"))
    if chapters is None or len(chapters) > 1:
        lines += _top_chapters(current, names, shown)
    title = (f"United States — duties on goods from {partner.name}{what}, {period.label}: "
             f"{rate.value:.1f}% of customs value (computed)")
    notes = [RATE_NOTE]
    if chapters:
        notes.append("Chapters: " + "; ".join(f"{code} {sentence_case(names.get(code, ''))}".strip() for code in chapters) + ".")
    notes.append(COMPUTED_NOTE)
    return Answer(query=query, title=title, lines=lines, notes=notes, footer=source_footer(rate, shown.figures),
                  figures=shown.figures, tone="neutral")


def _side_by_side(store: Store, query: Query, first: countries.Country, second: countries.Country, period: Period,
                  chapters: tuple[str, ...] | None, names: dict[str, str]) -> Answer:
    """Two countries' goods at the US border in one period: each one's rate, duties and customs value."""
    what = _products_words(chapters, names)
    shown, rates = Shown(), []
    lines = []
    for country in (first, second):
        found = Collections(store, country.code, period, chapters).rate(query.product or "")
        if found is None:
            raise NoData(f"The store has no duties or customs value of US imports from {country.name}{what} for {period.label}.")
        rate, duties, customs = found
        shown.add(rate)
        rates.append(rate)
        lines.append(Line(country.name, f"{rate.value:.1f}% (computed) · duties {shown.money(duties)} on {shown.money(customs)}"))
    gap = derived("duty_rate_gap", rates, round(rates[0].value - rates[1].value, 1), "first rate − second rate",
                  period=period, unit="points")
    shown.add(gap)
    lines.append(Line("Difference", f"{formatting.points(gap.value)} points (computed)"))
    title = f"United States — duties on goods from {first.name} and {second.name}{what}, {period.label}"
    return Answer(query=query, title=title, lines=lines, notes=[RATE_NOTE, COMPUTED_NOTE],
                  footer=source_footer(rates[0], shown.figures), figures=shown.figures)


@answers_for("products")
def product_imports_answer(store: Store, query: Query, today: date) -> Answer:
    """What the US imports from a country, by HS chapter: the largest at customs value, with shares."""
    partner = countries.by_code(query.partner)
    period, _ = _period(store, query, partner)
    names = store.product_names()
    current = Collections(store, partner.code, period, tuple(query.product.split(",")) if query.product else None)
    total = current.total("customs_value", query.product or "")
    if total is None or total.value <= 0:
        raise NoData(f"The store has no customs value of US imports from {partner.name} for {period.label}.")
    shown = Shown()
    ranked = sorted((figure for chapter in current.chapters if (figure := current.customs_value(chapter)) is not None),
                    key=lambda figure: -figure.value)[:TOP_PRODUCTS]
    lines = []
    for number, value in enumerate(ranked, start=1):
        part = share(value, total, "share")
        shown.add(part)
        lines.append(Line(f"{number}. {chapter_label(value.product, names)}",
                          f"{shown.money(value)} · {part.value:.1f}% of the total (computed)"))
    title = f"United States — imports from {partner.name} by product, {period.label}: {shown.money(total)}"
    notes = ["Imports for consumption at customs value (the value of the goods, without duties, freight or insurance), "
             "by HS chapter.", COMPUTED_NOTE]
    footer = source_footer(total, shown.figures)
    computed = " Hatched: computed (CIF value − charges)." if any(value.derived for value in ranked) else ""
    bars = Bars(
        reporter=COLLECTOR, partner=partner.code, indicator="customs_value", currency="USD", period=period,
        bars=tuple((chapter_label(value.product, names, 40), value) for value in ranked),
        title=f"US imports from {partner.name} by product, {period.label}", caption=f"{footer}.{computed}")
    return Answer(query=query, title=title, lines=lines, notes=notes, footer=footer, figures=shown.figures, chart=bars)


def _top_chapters(current: Collections, names: dict[str, str], shown: Shown) -> list[Line]:
    """The chapters that paid the most duty, with their own rates."""
    ranked = sorted((figure for chapter in current.chapters if (figure := current.duties(chapter)) is not None),
                    key=lambda figure: -figure.value)[:TOP_CHAPTERS]
    entries = []
    for number, duties in enumerate(ranked, start=1):
        customs = current.customs_value(duties.product)
        rate = ""
        if customs is not None and customs.value > 0:
            rate = f" · {shown.add(rate_of(duties, customs)).value:.1f}% (computed)"
        entries.append(Line(f"{number}. {chapter_label(duties.product, names)}",
                            f"{shown.money(duties)} in duties{rate}"))
    return entries


def _year_earlier(periods: list[Period], period: Period) -> Period | None:
    """The same months a year earlier when stored, else the newest whole year before the period."""
    same = Period(period.start.plus(-12), period.end.plus(-12))
    if same in periods:
        return same
    years = [p for p in periods if p.months == 12 and p.start.month == 1 and p.end < period.start]
    return max(years, key=lambda p: p.end, default=None)


def _same_months(period: Period) -> str:
    return Period(period.start.plus(-12), period.end.plus(-12)).label


def _products_words(chapters: tuple[str, ...] | None, names: dict[str, str]) -> str:
    if not chapters:
        return ""
    if len(chapters) == 1:
        return f" ({_short(sentence_case(names.get(chapters[0], ''))) or 'chapter ' + chapters[0]})"
    return f" (HS chapters {', '.join(chapters)})"


def _short(description: str, limit: int = 60) -> str:
    """A chapter's description up to its first semicolon, and at most `limit` characters."""
    first = description.split(";")[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip(" ,") + "…"


def chapter_label(code: str, names: dict[str, str], limit: int = 60) -> str:
    """`85 Electrical machinery and equipment and parts thereof`: how a chapter is named in a line."""
    return f"{code} {_short(sentence_case(names.get(code, '')), limit)}".strip()
