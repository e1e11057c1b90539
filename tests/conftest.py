"""Fixtures: real SQLite files built from the bundled seed, and a fixed 'today'."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tradebot.config import SEED_DIR, Settings
from tradebot.store import Store
from tradebot.sync import open_store

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
    order = "reporter, partner, indicator, period_start, period_end, source, published"
    return [tuple(row) for row in store.conn.execute(f"SELECT * FROM figures ORDER BY {order}")]
