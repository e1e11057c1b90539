"""What drove a change: the partners (or regions, or for US imports the products) whose change
on a year earlier made a flow's growth, in percentage points of it (`tradebot.contributions`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import countries, formatting
from tradebot.answers.base import Answer, Line, Shown, currencies_of, source_footer
from tradebot.answers.tariffs import COLLECTOR, Collections, chapter_label
from tradebot.charts import Bars
from tradebot.contributions import Breakdown, Contribution, of_partners
from tradebot.contributions import breakdown as contributions_of
from tradebot.errors import NoData, NotAvailable
from tradebot.figures import Figure
from tradebot.intents import answers_for
from tradebot.partner_tables import BLOCS, CONTINENTS, PartnerTable, partner_table
from tradebot.periods import Month, Period, PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words
from tradebot.wording import COMPUTED_NOTE, FLOW_NAMES, balance_word, partner_name, possessive, source_names

SHOWN_EACH_WAY = 5  # the largest contributions listed on each side; an embed holds 25 fields
DEFAULT_FLOW = "total_trade"
CONTRIBUTION_NOTE = ("Contribution: a {part}'s change on a year earlier ÷ the total a year earlier, in percentage points "
                     "(computed); the points listed and everyone else's add up to the total's growth.")
BALANCE_NOTE = ("Each partner's change in the balance on a year earlier (computed); the changes listed and everyone "
                "else's add up to the change in the total.")
GROUPING_NOTES = {
    BLOCS: "The EU and ASEAN are counted as blocs, their members inside them; continents and other groupings are not "
           "counted beside countries (ask “by region” for continents).",
    CONTINENTS: "By continent, as the source groups its partners; the EU and ASEAN are inside Europe and Asia.",
}


@answers_for("drivers")
def drivers_answer(store: Store, query: Query, today: date) -> Answer:
    if query.by == "product" or query.partner != "WLD":
        return _by_product(store, query)
    reporter = countries.by_code(query.reporter)
    flow = query.indicator or DEFAULT_FLOW
    grouping = CONTINENTS if query.by == "region" else BLOCS
    table = _table(store, query, flow)
    split = of_partners(table, grouping)
    if split is None or not split.parts:
        what = "continents" if grouping == CONTINENTS else "partners"
        raise NoData(f"The store has no figures by {what} for {possessive(reporter.name)} {FLOW_NAMES[flow]} in "
                     f"{table.period.label} and a year earlier.")
    names = {code: partner_name(code, reporter.code) for code in table.amounts}
    others = "Everyone else ({} more partners and the unallocated)" if grouping == BLOCS else "Unallocated"
    what = f"drove {FLOW_NAMES[flow]}" if flow != "balance" else "moved the trade balance"
    title = f"{reporter.name} — what {what}, {table.period.label}"
    notes = [GROUPING_NOTES[grouping]]
    notes += _published_growth_note(table, split)
    if table.currency != "USD":
        notes.append(f"Amounts in {table.currency} ({currency_words(table.currency)}): the store's partner figures for "
                     f"this period and a year earlier are in {currency_words(table.currency)}; tradebot never converts with a "
                     "rate it does not hold.")
    answered = replace(query, period=PeriodSpec("fixed", table.period), indicator=flow)
    return _answer(answered, split, title, names, others, notes, f"{possessive(reporter.name)} {FLOW_NAMES[flow]}")


def _table(store: Store, query: Query, flow: str) -> PartnerTable:
    """The partner table a year apart for the period asked (year to date: January to the newest
    month), or `NoData` naming the newest that exists."""
    currencies = currencies_of(store, query)

    def newest() -> PartnerTable | None:
        return partner_table(store, query.reporter, flow, currencies, None, year_earlier=True)

    period = query.period.period if query.period.kind == "fixed" else None
    latest = newest() if period is None else None
    if query.period.kind == "ytd" and latest is not None:
        period = Period(Month(latest.period.end.year, 1), latest.period.end)
    table = latest if period is None else partner_table(store, query.reporter, flow, currencies, period, year_earlier=True)
    if table is not None:
        return table
    if latest is None:
        latest = newest()
    name = possessive(countries.by_code(query.reporter).name)
    where = f" for {period.label} and a year earlier" if period else " for a period and the same months a year earlier"
    if latest is not None:
        held = f"; the newest it can compare is {latest.period.label}"
    else:  # partner figures without their year-earlier figures (or without a world total) explain nothing
        alone = partner_table(store, query.reporter, flow, currencies, None)
        held = f"; it has partner figures for {alone.period.label} only" if alone is not None else ""
    raise NoData(f"The store has no partner and world figures of {name} {FLOW_NAMES[flow]}{where}{held}.")


def _published_growth_note(table: PartnerTable, split: Breakdown) -> list[str]:
    """When the source's own growth rate for the total differs from the one its stored levels
    give (it revises the year-earlier figures), the difference is said, not allocated."""
    published = table.growth("WLD")
    if published is None or published.derived or split.flow == "balance":
        return []
    gap = published.value - split.growth.value
    if abs(round(gap, 1)) < 0.1:
        return []
    source = source_names([published])[0]
    return [f"{source} publishes {formatting.percent(published.value)} for the total; the stored levels give "
            f"{formatting.percent(split.growth.value)}: the {abs(gap):.1f}-point difference (the source's revision of the "
            "year-earlier figures) is not allocated to partners."]


def _by_product(store: Store, query: Query) -> Answer:
    """US imports from one partner, chapter by chapter, as contributions to their growth."""
    if query.reporter != COLLECTOR or (query.indicator or "imports") != "imports":
        raise NotAvailable("What drove a change by product is answered for US imports from one country (USITC DataWeb, by "
                           "HS chapter): try “which products drove us imports from china in 2024”.")
    if query.partner == "WLD":
        raise NotAvailable("By product, name the country the goods come from: “which products drove us imports from "
                           "china in 2024”.")
    partner = countries.by_code(query.partner)
    stored = store.recent_periods(COLLECTOR, partner.code, "duties", limit=24)
    comparable = [period for period in stored if period.shift_years(-1) in stored]
    held = ", ".join(f"{period.label} against {period.shift_years(-1).label}" for period in comparable) or "none"
    if query.period.kind == "fixed":
        if query.period.period not in comparable:
            raise NoData(f"The store has no US imports from {partner.name} by product for {query.period.period.label} and "
                         f"the same months a year earlier; it can compare {held} (USITC DataWeb).")
        period = query.period.period
    elif comparable:
        period = comparable[0]
    else:
        raise NoData(f"The store has no US imports from {partner.name} by product for two periods a year apart "
                     "(USITC DataWeb downloads, `sync --file`).")
    now, before = Collections(store, partner.code, period, None), Collections(store, partner.code, period.shift_years(-1), None)
    parts = {chapter: (value, earlier) for chapter in now.chapters
             if (value := now.customs_value(chapter)) is not None and (earlier := before.customs_value(chapter)) is not None}
    total, total_earlier = now.total("customs_value", ""), before.total("customs_value", "")
    split = contributions_of("imports", period, total, total_earlier, parts) if total and total_earlier else None
    if split is None:
        raise NoData(f"The store has no customs value of US imports from {partner.name} for {period.label}.")
    names = store.product_names()
    labels = {chapter: chapter_label(chapter, names) for chapter in now.chapters}
    title = f"United States — what drove imports from {partner.name}, by product, {period.label}"
    notes = ["Imports for consumption at customs value, by HS chapter; the total is the sum of the chapters (computed)."]
    answered = replace(query, period=PeriodSpec("fixed", period), indicator="imports", by="product")
    return _answer(answered, split, title, labels, "Every other chapter ({} more)", notes,
                   f"US imports from {partner.name}", part="chapter")


def _answer(query: Query, split: Breakdown, title: str, names: dict[str, str], others_label: str, notes: list[str],
            chart_title: str, part: str = "partner") -> Answer:
    """The total and its change in the title, the largest contributions each way, everyone
    else's and the total as lines, and when asked (`Query.drawn`) a bar chart of the same figures."""
    shown = Shown()
    total_words = _total_words(split, shown)
    lines = []
    # a part whose points round to 0.0 neither added nor took anything the reader can see
    up, down = split.movers(SHOWN_EACH_WAY, SHOWN_EACH_WAY, at_least=0.05 if split.in_points else 0.0)
    for mover in (*up, *down):
        lines.append(Line(names.get(mover.key, mover.key), f"{_amount(mover.amount, shown)} · {_level(mover, split, shown)}"))
    others_label = others_label.format(len(split.parts) - len(up) - len(down))
    lines.append(Line(others_label, _amount(split.others, shown)))
    lines.append(Line("Total", _total_line(split, shown)))
    notes = [CONTRIBUTION_NOTE.format(part=part) if split.in_points else BALANCE_NOTE, *notes, COMPUTED_NOTE]
    footer = source_footer(split.total, shown.figures)
    bars = tuple((names.get(mover.key, mover.key)[:40], mover.amount) for mover in (*up, *down)) + (
        (others_label.split(" (")[0], split.others),)
    chart = Bars(reporter=query.reporter, partner=query.partner, indicator=f"{split.flow}_contribution",
                 currency=split.total.unit, period=split.period, bars=bars,
                 title=f"{chart_title}, {split.period.label}: what drove the change",
                 caption=f"{footer}. Contributions computed by tradebot.",
                 marker=("total", split.growth))
    return Answer(query=query, title=f"{title}: {total_words}", lines=lines, notes=notes, footer=footer,
                  figures=shown.figures, chart=chart if query.drawn else None)


def _total_words(split: Breakdown, shown: Shown) -> str:
    """`CNY 2.71 tn, +17.5% y/y (computed)`; for a balance `surplus CNY 766.0 bn, up CNY 60.4 bn …`."""
    total = shown.money(split.total, split.flow == "balance")
    if split.in_points:
        return f"{total}, {formatting.percent(shown.add(split.growth).value)} y/y (computed)"
    change = shown.add(split.growth)
    return f"{total}, {formatting.signed_money(change.value, change.unit)} on a year earlier (computed)"


def _total_line(split: Breakdown, shown: Shown) -> str:
    earlier = shown.money(split.total_earlier, split.flow == "balance")
    if split.in_points:
        return f"{formatting.percent(split.growth.value)} (computed): the sum of the points · a year earlier {earlier}"
    return f"{formatting.signed_money(split.growth.value, split.growth.unit)} (computed): the sum of the changes · a year earlier {earlier}"


def _amount(figure: Figure, shown: Shown) -> str:
    shown.add(figure)
    if figure.is_money:
        return f"{formatting.signed_money(figure.value, figure.unit)} (computed)"
    return f"{formatting.points(figure.value)} points (computed)"


def _level(part: Contribution, split: Breakdown, shown: Shown) -> str:
    """The part's own amount and growth: `CNY 420.0 bn (+25.1% y/y, computed)`."""
    if not split.in_points:
        return f"now {balance_word(part.now.value)} {shown.money(part.now)}"
    return shown.money(part.now, growth=part.growth(split.flow))

