"""What a person at a terminal sees: answers laid out in columns, and how far long work has got.

At a terminal an answer is a small table (names, then amounts right-aligned, then growth and
shares), its title in the answer's tone; colour unless `NO_COLOR` is set or the terminal is
dumb (rich reads both). Anywhere else (a pipe, a file, a log) an answer is its plain text, the
same as the `--json` `text`, so a script keeps reading `Name: value` lines, and progress is a
log line now and then instead of a bar.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from tradebot.progress import Progress, Step

if TYPE_CHECKING:
    from tradebot.answers import Answer

log = logging.getLogger("tradebot.progress")

TONE_STYLES = {"surplus": "bold green", "deficit": "bold red", "neutral": "bold"}
# a rise and a fall, as answers write them: `+5.9%`, `−28.6%`, `+16.7 points`
RISE = re.compile(r"\+\d[\d,.]*(?:%| points?)")
FALL = re.compile(r"−\d[\d,.]*(?:%| points?)")
LOG_EVERY_SECONDS = 10.0  # how often progress is logged where there is no bar


def at_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False


def show(answer: Answer, stream: TextIO = sys.stdout) -> None:
    """Print an answer: laid out at a terminal, its plain text anywhere else."""
    if not at_terminal(stream):
        print(answer.text, file=stream, flush=True)
        return
    from rich.console import Console  # only a terminal pays for rich's import

    Console(file=stream, highlight=False, soft_wrap=False).print(_laid_out(answer))


def _laid_out(answer: Answer):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if answer.error:
        return Text(answer.error.message, style="yellow")
    parts = [Text(answer.title, style=TONE_STYLES.get(answer.tone, "bold"))] if answer.title else []
    if answer.lines:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", max_width=48)  # a long name ("Everyone else (221 more …)") wraps, not the figures
        table.add_column(justify="right", no_wrap=True)
        table.add_column()
        table.add_column(style="dim")
        for line in answer.lines:
            amount, detail, more = _columns(line.value)
            table.add_row(f"{line.name}:", amount, _growth_coloured(detail), more)
        parts.append(table)
    parts += [Text(note, style="dim") for note in answer.notes]
    if answer.footer:
        parts.append(Text(answer.footer, style="dim italic"))
    return Group(*parts)


def _columns(value: str) -> tuple[str, str, str]:
    """`CNY 285.8 bn (+11.1% y/y, computed) · 10.5% of the total` → the amount, what follows
    it, and the further parts after a `·`."""
    first, _, more = value.partition(" · ")
    amount, paren, detail = first.partition(" (")
    return amount, paren.lstrip() + detail, more


def _growth_coloured(text: str):
    from rich.text import Text

    shown = Text(text)
    shown.highlight_regex(RISE, "green")
    shown.highlight_regex(FALL, "red")
    return shown


# --- progress ---


@contextmanager
def progress_shown(stream: TextIO = sys.stderr) -> Iterator[Progress]:
    """A `Progress` to hand to long work: a bar on `stream` at a terminal (logging records
    shown on it meanwhile: a retry as the bar's status), else a log line every
    `LOG_EVERY_SECONDS`. The bar goes when the work ends; the work's report stays."""
    if not at_terminal(stream):
        yield progress_logged()
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[amount]}"),
              TimeRemainingColumn(), TextColumn("[dim]{task.fields[status]}"),
              console=Console(file=stream), transient=True, redirect_stdout=False, redirect_stderr=False)
    tasks: dict[str, int] = {}
    root = logging.getLogger()
    kept, kept_level = root.handlers[:], root.level

    def report(step: Step) -> None:
        if not tasks:  # the bar appears with the first step: work that has none (a store already built) draws nothing
            bar.start()
            root.handlers[:] = [_BarHandler(bar, tasks)]
            root.setLevel(min(kept_level, logging.INFO))  # a retry is INFO: on the bar it is a status, not a line
        if step.task not in tasks:
            tasks[step.task] = bar.add_task(step.task, total=step.total or None, amount="", status="")
        bar.update(tasks[step.task], completed=step.done, total=step.total or None, amount=_amount(step), status="")

    try:
        yield report
    finally:
        if tasks:
            bar.stop()
            root.handlers[:] = kept
            root.setLevel(kept_level)


class _BarHandler(logging.Handler):
    """While a bar is shown: a warning or worse printed above it, anything less (a retry) as
    the newest task's status, so a bar is never torn by a log line."""

    def __init__(self, bar, tasks: dict[str, int]):
        super().__init__(logging.INFO)
        self.bar, self.tasks = bar, tasks

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if record.levelno >= logging.WARNING:
            self.bar.console.print(f"{record.levelname.lower()}: {message}", markup=False, highlight=False)
        elif self.tasks:
            self.bar.update(list(self.tasks.values())[-1], status=message[:120])


def progress_logged() -> Progress:
    """Progress as a log line every `LOG_EVERY_SECONDS` of each task (quick work logs nothing)."""
    last: dict[str, float] = {}

    def report(step: Step) -> None:
        now = time.monotonic()
        if now - last.setdefault(step.task, now) >= LOG_EVERY_SECONDS:
            last[step.task] = now
            share = f" ({step.done / step.total:.0%})" if step.total else ""
            log.info("%s: %s%s", step.task, _amount(step), share)
    return report


def _amount(step: Step) -> str:
    """`1.2 GB of 6.0 GB, 2,016,000 figures`, `5 of 29 reporters, 1,240 figures`."""
    if step.unit == "bytes":
        from rich.filesize import decimal

        done, total = decimal(step.done), decimal(step.total)
    else:
        done, total = f"{step.done:,}", f"{step.total:,} {step.unit}"
    return f"{done} of {total}, {step.figures:,} figures" if step.total else f"{done}, {step.figures:,} figures"
