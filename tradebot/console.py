"""The terminal front end: the same answers as Discord, one per input line.

A line that asks for a chart (`/chart china`, “chart china exports”) writes the PNG to
`charts/` under the current directory and prints its path and caption; every other line
is answered by `tradebot.answers`."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from tradebot import charts
from tradebot.answers import Answer, ask
from tradebot.errors import BadPeriod, NotUnderstood, TradebotError, echo
from tradebot.export import write_csv
from tradebot.periods import PeriodSpec, today_utc
from tradebot.query import Query
from tradebot.questions import command_query, parse, split_options
from tradebot.store import Store

BANNER = """tradebot console: the same answers as the Discord bot, from the local store.
Type a command such as `/surplus china partner:us period:2025-11` or a question such as
`china exports to us nov 2025`, then follow-ups such as `and imports?` or `what about october?`.
`/chart china` or `chart china exports` writes a PNG chart to ./charts/.
`help` shows examples; `quit` or Ctrl-D leaves."""
QUIT = {"quit", "exit", "q", ":q"}
CHARTS_DIR = Path("charts")
CHART_OPTIONS = ("country", "partner", "indicator", "months")
_CHART_COMMAND = re.compile(r"/chart(?:\s+|$)", re.IGNORECASE)
_OPTION = re.compile(r"(?<!\S)([a-z_]+):")


def run(
    store: Store, as_json: bool = False, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, charts_dir: Path | None = None,
    csv_path: Path | None = None,
) -> int:
    """Answer line by line; like a Discord thread, each answered question is the context
    the next line's follow-up ("and imports?") inherits. With `csv_path`, the figures behind
    each answer are written there (the latest answer's, like Discord's CSV button)."""
    interactive = stdin.isatty() and not as_json
    context = None
    if interactive:
        print(BANNER, file=stdout)
    while True:
        if interactive:
            print("tradebot> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if text.lower() in QUIT:
            return 0
        if not text and not as_json:
            continue
        reply = chart_line(store, text, context=context, charts_dir=charts_dir)
        if reply is None:
            reply = ask(store, text, context=context)
        context = reply.context
        if as_json:
            print(json.dumps(reply.as_json(), ensure_ascii=False), file=stdout, flush=True)
        else:
            print(reply.text + "\n", file=stdout, flush=True)
        if csv_path and reply.ok and reply.figures:
            write_csv(store, reply, csv_path)


# --- charts ---


def chart_line(
    store: Store, text: str, today: date | None = None, context: Query | None = None, charts_dir: Path | None = None
) -> Answer | None:
    """Draw the chart a line asks for and write it to `charts_dir` (default ./charts); None
    when the line is not about a chart, so the caller answers it as a question."""
    today = today or today_utc()
    cleaned = " ".join(text.split())
    indicator = months = None
    try:
        if _CHART_COMMAND.match(cleaned):
            query, indicator, months = _chart_command(cleaned, today)
        else:
            try:
                query = parse(cleaned, today, context, store.has_pair)
            except TradebotError:
                return None  # answers.ask gives the same error as for any line
            if query.intent != "chart":
                return None
    except TradebotError as error:
        asked = context or Query(intent="chart", reporter=None)
        return Answer(query=replace(asked, intent="chart"), error=error, context=context)
    if indicator:
        query = replace(query, indicator=indicator)  # a follow-up keeps the flow drawn
    try:
        data = charts.for_query(store, query, indicator, months)
        png = charts.render(data)
    except TradebotError as error:
        return Answer(query=query, error=error, context=query)
    path = _chart_path(charts_dir or CHARTS_DIR, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    resolved = replace(query, period=PeriodSpec("fixed", data.window))
    # an answer like any other, so printing, --json and --csv need nothing of their own
    return Answer(query=resolved, title=f"Chart written to {path}", footer=data.caption, figures=data.figures, context=query)


def _chart_command(text: str, today: date) -> tuple[Query, str | None, int | None]:
    """`/chart china partner:us indicator:exports months:36` → the query and the two chart options."""
    options = split_options(_CHART_COMMAND.sub("", text, count=1), "chart", CHART_OPTIONS)
    if "country" not in options:
        raise NotUnderstood("/chart needs a country, for example `/chart china` or `/chart china indicator:exports months:36`.")
    months = options.get("months")
    # isdecimal, not isdigit: "²" is a digit that int() cannot read
    if months is not None and not months.isdecimal():
        raise BadPeriod(f"months is a whole number from {charts.MIN_MONTHS} to {charts.MAX_MONTHS}; not “{echo(months)}”.")
    indicator = options.get("indicator", "").lower().replace(" ", "_") or None
    query = command_query("chart", options["country"], options.get("partner"), None, today=today)
    return query, indicator, int(months) if months else None


def _chart_path(directory: Path, data: charts.ChartData) -> Path:
    """`charts/CHN-balance-20261129-101500.png`; a second chart in the same second gets `-2`."""
    stem = f"{data.reporter}-{data.indicator}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.png"
    number = 2
    while path.exists():
        path = directory / f"{stem}-{number}.png"
        number += 1
    return path
