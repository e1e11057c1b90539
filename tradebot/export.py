"""The figures behind an answer as CSV: every column of each stored row used, and the
figures tradebot computed marked as such, so a reader can take the numbers away and check them.

Cells come from source files and user-chosen names, and a spreadsheet runs a cell that starts
with `=`, `+`, `-` or `@` as a formula: such text cells are written with a leading `'` (OWASP's
rule for CSV injection). Numbers are written as numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tradebot.answers import Answer
from tradebot.errors import OutputUnwritable
from tradebot.store import FIGURE_COLUMNS, Store

COLUMNS = (*FIGURE_COLUMNS, "derived", "how")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(store: Store, answer: Answer, path: Path, append: bool = False) -> None:
    """Write the figures behind an answer (or a chart's plotted points) to `path`, or add them
    after the rows already there (`append`: the header is not repeated); a path that cannot be
    written is one sentence (`OutputUnwritable`)."""
    text = figures_csv(store, answer)
    try:
        if append:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text.split("\n", 1)[1])
            return
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise OutputUnwritable(f"Cannot write the CSV to {path}: {error.strerror or error}.") from None


def _cell(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def figures_csv(store: Store, answer: Answer) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for figure in answer.figures:
        row = None if figure.derived else store.figure_row(
            figure.reporter, figure.partner, figure.indicator, figure.period,
            figure.unit, figure.source, figure.published, figure.product,
        )
        if row is not None:
            writer.writerow({key: _cell(value) for key, value in {**dict(row), "derived": "false", "how": ""}.items()})
        else:  # computed here from stored figures: the same columns, no retrieval of its own
            writer.writerow({key: _cell(value) for key, value in {
                "reporter": figure.reporter, "partner": figure.partner, "indicator": figure.indicator,
                "period_start": str(figure.period.start), "period_end": str(figure.period.end),
                "value": figure.value, "unit": figure.unit, "source": figure.source, "published": figure.published,
                "retrieved_at": "", "source_url": "", "note": "", "product": figure.product, "derived": "true", "how": figure.how,
            }.items()})
    return out.getvalue()
