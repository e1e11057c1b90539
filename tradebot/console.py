"""The terminal front end: the same answers as Discord, one per input line.

An answer with a chart (`/chart china`, “chart china exports”) has its PNG written to
`charts/` under the current directory, and says where (`shown`); `bot.py ask` uses the same."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tradebot import charts
from tradebot.answers import Answer, ask
from tradebot.errors import OutputUnwritable, TradebotError
from tradebot.export import write_csv
from tradebot.store import Store

BANNER = """tradebot console: the same answers as the Discord bot, from the local store.
Type a command such as `/surplus china partner:us period:2025-11` or a question such as
`china exports to us nov 2025`, then follow-ups such as `and imports?` or `what about october?`.
`/chart china` or `chart china exports` writes a PNG chart to ./charts/.
`help` shows examples; `quit` or Ctrl-D leaves."""
QUIT = {"quit", "exit", "q", ":q"}
CHARTS_DIR = Path("charts")


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
        reply = shown(ask(store, text, context=context), charts_dir)
        context = reply.context
        if as_json:
            print(json.dumps(reply.as_json(), ensure_ascii=False), file=stdout, flush=True)
        else:
            print(reply.text + "\n", file=stdout, flush=True)
        if csv_path and reply.ok and reply.figures:
            try:
                write_csv(store, reply, csv_path)
            except TradebotError as error:  # the answer stands; say once per line why no file came of it
                print(f"error: {error.message}", file=sys.stderr, flush=True)


# --- charts ---


def shown(answer: Answer, charts_dir: Path | None = None) -> Answer:
    """The answer as the terminal shows it: a chart's PNG written to `charts_dir` (default
    ./charts) and its path the first note, so printing, --json and --csv need nothing more."""
    if answer.chart is None:
        return answer
    png = charts.render(answer.chart)
    directory = charts_dir or CHARTS_DIR
    try:
        path = _chart_path(directory, answer.chart)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    except OSError as error:
        return replace(answer, error=OutputUnwritable(f"Cannot write the chart under {directory}: {error.strerror or error}."))
    return replace(answer, notes=[f"Chart written to {path}", *answer.notes])


def _chart_path(directory: Path, data: charts.ChartData) -> Path:
    """`charts/CHN-balance-20261129-101500.png`; a second chart in the same second gets `-2`."""
    stem = f"{data.reporter}-{data.indicator}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.png"
    number = 2
    while path.exists():
        path = directory / f"{stem}-{number}.png"
        number += 1
    return path
