"""A reporter's partners ranked by one flow for one period."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import countries, formatting
from tradebot.answers.base import Answer, Line, Shown, currencies_of, source_footer
from tradebot.errors import NoData
from tradebot.figures import derived, share
from tradebot.intents import answers_for
from tradebot.partner_tables import MEMBERS, partner_table
from tradebot.periods import PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.vocabulary import currency_words
from tradebot.wording import COMPUTED_NOTE, FLOW_NAMES, partner_name, possessive


@answers_for("partners")
def ranking_answer(store: Store, query: Query, today: date) -> Answer:
    """The reporter's partners ranked by one flow for one period, each with its share of the
    world total and its growth; the largest `RANKING_SHOWN` are listed and the rest of the
    world closes the list, so shares add to 100%. Groups and a table's remainders are never
    ranked beside countries (`PartnerTable.listed`). A fixed period is ranked in the first currency
    that has it, `latest` in the currency with the newest period (dollars on a tie)."""
    reporter = countries.by_code(query.reporter)
    flow = query.indicator or "total_trade"
    fixed = query.period.period if query.period.kind == "fixed" else None
    table = partner_table(store, reporter.code, flow, currencies_of(store, query), fixed)
    if table is None:
        where = f" in {fixed.label}" if fixed else ""
        raise NoData(f"The store has no partner figures for {possessive(reporter.name)} {FLOW_NAMES[flow]}{where}.")
    period, currency = table.period, table.currency
    everyone = table.largest(MEMBERS, RANKING_SHOWN)
    listed_groups = [code for code in everyone if countries.by_code(code).is_group]
    ranked = everyone[:RANKING_SHOWN]
    values = {code: table.value(code) for code in ranked}
    world = table.world
    shown = Shown()
    lines = []
    for place, code in enumerate(ranked, start=1):
        figure = values[code]
        text = shown.money(figure, flow == "balance", table.growth(code))
        portion = share(figure, world, f"{flow}_share") if world is not None and flow != "balance" else None
        if portion is not None:
            shown.add(portion)
            text += f" · {portion.value:.1f}% of the total (computed)"
        lines.append(Line(f"{place}. {partner_name(code, reporter.code)}", text))
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

