"""The terminal front end: the same answers as Discord, one per input line.

An answer with a chart (`/chart china`, “chart china exports”) has its PNG written to
`charts/` under the current directory, and says where (`shown`); `bot.py ask` uses the same."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tradebot import charts, terminal
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


PROMPT = "tradebot> "
HISTORY_LINES = 1000


def run(
    store: Store, as_json: bool = False, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, charts_dir: Path | None = None,
    csv_path: Path | None = None,
) -> int:
    """Answer line by line; like a Discord thread, each answered question is the context
    the next line's follow-up ("and imports?") inherits. With `csv_path`, the figures behind
    each answer are added there, answer after answer. At a terminal the prompt has line editing
    and history (the standard library's readline, kept in `history_path()`); Ctrl-C drops the
    line or the answer being worked out and gives a new prompt; Ctrl-D leaves."""
    interactive = stdin.isatty() and stdout.isatty() and not as_json
    context = None
    csv_started = False  # the first answer's figures replace the file, the next ones are added
    if interactive:
        print(BANNER, file=stdout)
        _start_history()
    while True:
        try:
            line = _read_line(interactive, stdin)
        except KeyboardInterrupt:  # Ctrl-C at the prompt: that line is dropped
            print(file=stdout, flush=True)
            continue
        if line is None:  # end of input (Ctrl-D)
            if interactive:
                print(file=stdout, flush=True)
                _save_history()
            return 0
        text = line.strip()
        if text.lower() in QUIT:
            if interactive:
                _save_history()
            return 0
        if not text:  # a blank line asks nothing, in --json too
            continue
        try:
            reply = shown(ask(store, text, context=context), charts_dir)
        except KeyboardInterrupt:  # Ctrl-C while answering: back to the prompt, the conversation as it was
            print("(interrupted)", file=stdout, flush=True)
            continue
        context = reply.context
        if as_json:
            print(json.dumps(reply.as_json(), ensure_ascii=False), file=stdout, flush=True)
        else:
            terminal.show(reply, stdout)
            print(file=stdout, flush=True)
        if csv_path and reply.ok and reply.figures:
            try:
                write_csv(store, reply, csv_path, append=csv_started)
                csv_started = True
            except TradebotError as error:  # the answer stands; say once per line why no file came of it
                print(f"error: {error.message}", file=sys.stderr, flush=True)


def _read_line(interactive: bool, stdin: TextIO) -> str | None:
    """The next line, None at the end of input; at a terminal through `input()`, which readline edits."""
    if interactive:
        try:
            return input(PROMPT)
        except EOFError:
            return None
    line = stdin.readline()
    return line or None


def history_path() -> Path:
    """Where the console keeps what was typed: `$XDG_DATA_HOME/tradebot/history` (~/.local/share by default)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tradebot" / "history"


def _start_history() -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no editing, the rest works
        return
    readline.set_history_length(HISTORY_LINES)
    try:
        readline.read_history_file(history_path())
    except OSError:
        pass  # no history yet, or unreadable: start without


def _save_history() -> None:
    try:
        import readline

        history_path().parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history_path())
    except (ImportError, OSError):
        pass  # history is a convenience: never an error on the way out


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
