"""A chart is an answer like the others: its title, the newest value, the caption (source,
release, how two-month points and computed values are drawn) and every figure drawn, with
the series itself in `Answer.chart`. Each front end draws the PNG from it: the console writes
a file, Discord attaches it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tradebot import charts
from tradebot.answers.base import Answer, Line
from tradebot.intents import answers_for
from tradebot.periods import PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.wording import tone


@answers_for("chart")
def chart_answer(store: Store, query: Query, today: date) -> Answer:
    data = charts.for_query(store, query, months=query.months)
    latest = data.latest
    # what was drawn, so a CSV of the chart or a follow-up means these months and this flow
    drawn = replace(query, period=PeriodSpec("fixed", data.window), indicator=data.indicator, currency=data.currency)
    return Answer(query=drawn, title=data.title, lines=[Line("Latest", data.latest_text)] if latest else [],
                  footer=data.caption, figures=data.figures, tone=tone(data.indicator, latest.value if latest else None), chart=data)
