"""Figures → `Answer`: plain data (title, fields, notes, footer and every figure shown) that
the console prints, `ask --json` serialises and the Discord cogs turn into an embed, so an
answer reads the same everywhere.

One module per kind of answer, each registering its handler in the intent table
(`tradebot.intents`): `flows` (a flow of one reporter and partner), `rankings`, `comparisons`
`store_info` (what the store holds: sources, releases, help), `charted` (a chart's
series) and `drivers` (contributions to growth); `base` has what they share."""

from __future__ import annotations

from datetime import date

from tradebot import intents
from tradebot.answers import charted, comparisons, drivers, flows, rankings, store_info, tariffs  # noqa: F401  (they register their handlers)
from tradebot.answers.base import Answer, Line
from tradebot.errors import BadPeriod, TradebotError
from tradebot.periods import today_utc
from tradebot.query import FIGURE_INTENTS, Query
from tradebot.questions import command_query, parse
from tradebot.store import Store
from tradebot.wording import JAN_FEB_NOTE

__all__ = ["JAN_FEB_NOTE", "Answer", "Line", "answer", "answer_asked", "ask", "command", "next_context", "not_understood",
           "understand"]


def ask(store: Store, text: str, today: date | None = None, context: Query | None = None) -> Answer:
    """Text in, answer out; a user's mistake becomes an answer with an error, never an exception.
    `context` is the conversation so far, which follow-ups inherit; the returned answer's
    `context` is the conversation after this line."""
    today = today or today_utc()
    try:
        query = understand(store, text, today, context)
    except TradebotError as error:
        return not_understood(error, context)
    return answer_asked(store, query, today)


def understand(store: Store, text: str, today: date | None = None, context: Query | None = None) -> Query:
    """`ask`'s first half, for a front end that decides something between reading a question and
    answering it (whether the asker may have an expensive answer now); raises `TradebotError`."""
    return parse(text, today or today_utc(), context, store.has_pair)


def not_understood(error: TradebotError, context: Query | None) -> Answer:
    """The answer to a line that could not be read: the error, and the conversation unchanged."""
    return Answer(query=context or Query(intent="balance", reporter=None), error=error, context=context, understood=False)


def answer_asked(store: Store, query: Query, today: date | None = None) -> Answer:
    """`ask`'s second half: the answer to an understood line, with the conversation after it."""
    result = answer(store, query, today)
    result.context = next_context(query, result)
    return result


def command(store: Store, intent: str, today: date | None = None, **options: str | int | None) -> Answer:
    """A slash command's options in (`country`, `partner`, `period`, …), its answer out; a
    mistake in an option is an answer with an error, as in `ask`."""
    today = today or today_utc()
    try:
        query = command_query(intent, today=today, **options)
    except TradebotError as error:
        return Answer(query=Query(intent=intent, reporter=None), error=error)
    return answer(store, query, today)


def next_context(asked: Query, result: Answer) -> Query:
    """What a follow-up to `asked` inherits: the figures the answer showed (its resolved
    period), else the question as asked (it still sets the subject)."""
    return result.query if result.ok and result.query.intent in FIGURE_INTENTS else asked


# The longest period one answer covers: past it a ranking reads every partner's every month
# (1948-01..2026-04 cost 184 ms on the seed store, 700 ms on a million figures), for a total
# nobody reads. Ten years is a decade's sum, or a chart's whole window.
MAX_PERIOD_MONTHS = 120


def answer(store: Store, query: Query, today: date | None = None) -> Answer:
    """The answer to a parsed query, by the handler its intent has in the table."""
    try:
        asked = query.period.period if query.period.kind == "fixed" else None
        if asked is not None and asked.months > MAX_PERIOD_MONTHS:
            raise BadPeriod(f"{asked.label} is {asked.months:,} months; one answer covers at most {MAX_PERIOD_MONTHS // 12} "
                            "years. Ask for a year (2025) or part of one (Jan–Nov 2025).")
        return intents.TABLE[query.intent].answer(store, query, today or today_utc())
    except TradebotError as error:
        return Answer(query=query, error=error)
