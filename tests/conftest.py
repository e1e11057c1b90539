"""Fixtures: real SQLite files built from the bundled seed, and a fixed 'today'."""

from __future__ import annotations

import csv
import io
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from tradebot.config import SEED_DIR, Settings
from tradebot.store import Store, open_store

# The seed's newest release is March 2026; the session's real today is later still.
TODAY = date(2026, 11, 29)
PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def seeded_db_template(tmp_path_factory) -> Path:
    """One seeded database file per session; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "tradebot.db"
    open_store(Settings(db_path=path)).close()
    return path


@pytest.fixture
def db_path(tmp_path, seeded_db_template) -> Path:
    path = tmp_path / "tradebot.db"
    shutil.copy(seeded_db_template, path)
    return path


@pytest.fixture
def empty_store(tmp_path) -> Store:
    """A migrated store with no figures: what an import test starts from."""
    store = Store(tmp_path / "empty.db")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def store(db_path) -> Store:
    store = open_store(Settings(db_path=db_path))
    yield store
    store.close()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of data/seed, for tests that break it."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def snapshot(store: Store) -> list[tuple]:
    """Every figure row, in a fixed order: equal snapshots mean an unchanged database."""
    # the table is its primary key (WITHOUT ROWID): a plain scan is already in one fixed order
    return [tuple(row) for row in store.conn.execute("SELECT * FROM figures")]


def meaning(query) -> dict:
    """A parsed query in the evaluation sets' words: the slots, the flow a ranking ranks and
    what a comparison sets beside the first figure (a country code or a period)."""
    got = {"intent": query.intent, "reporter": query.reporter, "partner": query.partner, "period": str(query.period),
           "currency": query.currency, "measure": query.measure}
    if query.intent == "partners":
        got["ranked"] = query.indicator or "total_trade"
    elif query.intent == "compare":
        got["other"] = query.compared
        got["indicator"] = query.indicator
    elif query.intent == "drivers":
        got["flow"] = query.indicator or "total_trade"
    if query.by:
        got["by"] = query.by
    if query.product:
        got["product"] = query.product
    return got


def shared_data_dir(kind: str) -> Path:
    """A folder of real source files: the copy in tests/fixtures/ when the repository carries one
    (small files, so a fresh clone runs their tests), else the shared data: TRADEBOT_SHARED_DATA
    (relative to the project), by default ../shared/data beside the checkout; a skip with the
    reason when absent."""
    copied = PROJECT_DIR / "tests" / "fixtures" / kind
    if copied.is_dir():
        return copied
    path = Path(os.environ.get("TRADEBOT_SHARED_DATA") or "../shared/data")
    path = path if path.is_absolute() else PROJECT_DIR / path
    if not path.is_dir():
        pytest.skip(f"the shared data directory {path} is absent: set TRADEBOT_SHARED_DATA to it")
    return path / kind


def stored_vintages(store: Store, figure) -> list[tuple]:
    """(value, published, source) of every stored vintage of a figure's series."""
    return [
        tuple(row)
        for row in store.conn.execute(
            "SELECT value, published, source FROM figures WHERE reporter=? AND partner=? AND indicator=?"
            " AND period_start=? AND period_end=? AND unit=?",
            (figure.reporter, figure.partner, figure.indicator, str(figure.period.start), str(figure.period.end), figure.unit),
        )
    ]


def forget(db_path: Path, where: str) -> None:
    """The store as it stood before the figures matching `where` landed (SQL over the columns
    `figures` and `events` share: source, reporter, period_start, period_end)."""
    store = Store(db_path)
    with store.conn:
        store.conn.execute(f"DELETE FROM figures WHERE {where}")
        store.conn.execute(f"DELETE FROM events WHERE {where}")
    store.close()


@pytest.fixture
def before_november(db_path) -> Path:
    """The seed as it stood before China's November 2025 release."""
    forget(db_path, "period_end >= '2025-11'")
    return db_path


@pytest.fixture
def november_release(tmp_path) -> Path:
    """China's November 2025 release: the seed's rows for periods ending in November 2025."""
    rows = list(csv.DictReader(io.StringIO(SEED_DIR.joinpath("published_figures.csv").read_text(encoding="utf-8"))))
    path = tmp_path / "november.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["period"].endswith("2025-11"))
    return path
