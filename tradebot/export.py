"""The figures behind an answer as CSV: every column of each stored row used, and the
figures tradebot computed marked as such, so a reader can take the numbers away and check them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tradebot.answers import Answer
from tradebot.store import FIGURE_COLUMNS, Store

COLUMNS = (*FIGURE_COLUMNS, "derived", "how")


def write_csv(store: Store, answer: Answer, path: Path) -> None:
    """Write the figures behind an answer (or a chart's plotted points) to `path`."""
    path.write_text(figures_csv(store, answer), encoding="utf-8")


def figures_csv(store: Store, answer: Answer) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for figure in answer.figures:
        row = None if figure.derived else store.figure_row(
            figure.reporter, figure.partner, figure.indicator, figure.period,
            figure.unit, figure.source, figure.published,
        )
        if row is not None:
            writer.writerow({**dict(row), "derived": "false", "how": ""})
        else:  # computed here from stored figures: the same columns, no retrieval of its own
            writer.writerow({
                "reporter": figure.reporter, "partner": figure.partner, "indicator": figure.indicator,
                "period_start": str(figure.period.start), "period_end": str(figure.period.end),
                "value": figure.value, "unit": figure.unit, "source": figure.source, "published": figure.published,
                "retrieved_at": "", "source_url": "", "note": "", "derived": "true", "how": figure.how,
            })
    return out.getvalue()
