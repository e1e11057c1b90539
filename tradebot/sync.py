"""Sources → store. For now the bundled seed: loaded when the database is missing or empty."""

from __future__ import annotations

from pathlib import Path

from tradebot.config import Settings
from tradebot.sources import published_csv
from tradebot.store import ImportReport, Store


def load_seed(store: Store, seed_dir: Path) -> ImportReport:
    """Import every published-figures CSV in `seed_dir`, all files in one transaction:
    a bad row anywhere leaves the store as it was."""
    rows = [row for path in sorted(seed_dir.glob("*.csv")) for row in published_csv.read(path)]
    return store.add_figures(rows)


def open_store(settings: Settings) -> Store:
    """The store, migrated, and filled from the seed on first use."""
    store = Store(settings.db_path)
    try:
        store.migrate()
        if store.is_empty():
            load_seed(store, settings.seed_dir)
    except BaseException:
        store.close()
        raise
    return store
