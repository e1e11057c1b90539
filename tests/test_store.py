"""The store: migrations, the seed, vintages, all-or-nothing imports, indexed reads."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest

from tradebot.answers import ask
from tradebot.config import SEED_DIR, Settings
from tradebot.errors import DataFileError, StoreUnwritable
from tradebot.periods import Period
from tradebot.sources import detect, published_csv
from tradebot.store import FIGURE_COLUMNS, FIGURES_PK, SCHEMA_VERSION, Store, load_seed, open_store
from tradebot.vocabulary import ProductNames

from conftest import PROJECT_DIR, TODAY, snapshot


def seed_rows(suffix: str | None = None) -> list[dict]:
    """Every figure of every seed file (or of those ending in `suffix`), read through the plug-in
    that recognises it, as dicts with FIGURE_COLUMNS."""
    paths = sorted(path for path in SEED_DIR.iterdir() if path.suffix != ".md" and (suffix is None or path.suffix == suffix))
    return [dict(row) if isinstance(row, dict) else dict(zip(FIGURE_COLUMNS, row, strict=True))
            for path in paths for batch in detect(path).plugin().batches(path) if not isinstance(batch, ProductNames)
            for row in batch]


SEED_ROWS = len(seed_rows())


def test_a_missing_database_is_created_migrated_and_seeded(tmp_path):
    path = tmp_path / "new" / "tradebot.db"
    store = open_store(Settings(db_path=path))
    assert path.exists()
    assert store.version == SCHEMA_VERSION
    assert store.conn.execute("SELECT count(*) FROM figures").fetchone()[0] == SEED_ROWS
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_migrations_are_tracked_and_run_once(tmp_path):
    store = Store(tmp_path / "t.db")
    assert store.version == 0
    assert store.migrate() == SCHEMA_VERSION
    assert store.migrate() == 0
    pk = [row["name"] for row in sorted(store.conn.execute("PRAGMA table_info(figures)"), key=lambda r: r["pk"]) if row["pk"]]
    assert tuple(pk) == FIGURES_PK


def test_a_store_from_before_the_key_became_the_table_keeps_every_figure(tmp_path, monkeypatch):
    """Schema 5 stored figures in a rowid table with a key index; 6 makes the key the table
    (WITHOUT ROWID) and 7 adds the coverage /about reads. Nothing may be lost on the way."""
    import tradebot.store as store_module

    old = Store(tmp_path / "old.db")
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 5)
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:5])
    old.migrate()
    rows = seed_rows(".csv")  # the seed of that time: no products
    columns = FIGURE_COLUMNS[:-1]  # the table had no products then
    with old.conn:  # as the code of that time stored them: plain rows in the table
        old.conn.executemany(f"INSERT INTO figures ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             [[row[column] for column in columns] for row in rows])
    before = snapshot(old)
    old.close()
    monkeypatch.undo()
    store = Store(tmp_path / "old.db")
    assert store.migrate() == SCHEMA_VERSION - 5
    after = snapshot(store)
    assert {row[-1] for row in after} == {""}  # every old figure is of all goods
    # a rowid table scans in insertion order, the keyed table in key order: compare as sets of rows
    assert sorted(map(repr, (row[:-1] for row in after))) == sorted(map(repr, before)) and len(before) > 400
    assert "WITHOUT ROWID" in store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'figures'").fetchone()[0]
    assert sum(row["figures"] for row in store.coverage()) == len(before)
    assert ask(store, "surplus china", TODAY).ok


def test_subscriptions_from_before_target_kinds_are_discord_channels(tmp_path, monkeypatch):
    """Schema 10 gives a subscription a target kind; every earlier one is a Discord channel."""
    import tradebot.store as store_module
    from tradebot import alerts

    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:9])
    old = Store(tmp_path / "old.db")
    old.migrate()
    with old.conn:
        old.conn.execute("""INSERT INTO subscriptions (guild_id, channel_id, reporter, created_by, created_at, active, status_note)
                            VALUES (1, 2, 'CHN', 3, '2026-11-01T00:00:00+00:00', 1, '')""")
    old.close()
    monkeypatch.undo()
    store = Store(tmp_path / "old.db")
    assert store.migrate() == len(store_module.MIGRATIONS) - 9
    [subscription] = alerts.guild_subscriptions(store, 1)
    assert (subscription.channel_id, subscription.reporter, subscription.target_kind) == (2, "CHN", alerts.DISCORD)
    store.close()


def test_thread_contexts_from_before_the_typed_query_keep_their_meaning(tmp_path, monkeypatch):
    """Schema 8 kept a context in columns, with one `other` for a compared country, a compared
    period or the flow ranked; 9 keeps the whole query as one JSON value. A thread that was
    comparing China with Japan, across two periods, or ranking by exports goes on doing so."""
    import tradebot.store as store_module
    from tradebot import conversations

    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:8])
    old = Store(tmp_path / "old.db")
    old.migrate()
    with old.conn:
        old.conn.executemany(
            """INSERT INTO conversations (thread_id, intent, reporter, partner, period, currency, measure, other, indicator,
               updated_at) VALUES (?, ?, ?, ?, ?, NULL, 'level', ?, ?, '2026-11-01T00:00:00+00:00')""",
            [(1, "compare", "CHN", "WLD", "2025-11", "JPN", "exports"), (2, "compare", "USA", "CHN", "2025-11", "2024-11", None),
             (3, "partners", "CHN", "WLD", "2025-01..2025-12", "exports", None), (4, "balance", "CHN", "USA", "latest", None, None)])
    old.close()
    monkeypatch.undo()
    store = Store(tmp_path / "old.db")
    assert store.migrate() == len(store_module.MIGRATIONS) - 8
    first, second, third, fourth = (conversations.load(store, thread) for thread in (1, 2, 3, 4))
    assert (first.compared_reporter, first.indicator, str(first.period)) == ("JPN", "exports", "2025-11")
    assert (second.compared_period, second.compared_reporter) == (Period.parse("2024-11"), None)
    assert (third.intent, third.indicator, str(third.period)) == ("partners", "exports", "2025-01..2025-12")
    assert (fourth.intent, fourth.partner, str(fourth.period)) == ("balance", "USA", "latest")
    # and they are saved back in the new form
    conversations.save(store, 1, replace(first, compared_partner="KOR", compared_reporter=None))
    assert conversations.load(store, 1).compared_partner == "KOR"


def test_an_empty_database_is_filled_from_the_seed(tmp_path):
    path = tmp_path / "t.db"
    empty = Store(path)
    empty.migrate()
    empty.close()
    store = open_store(Settings(db_path=path))
    assert not store.is_empty()


def test_reloading_the_seed_changes_nothing(store):
    before = snapshot(store)
    report = load_seed(store, SEED_DIR)
    assert (report.read, report.added, report.skipped) == (SEED_ROWS, 0, SEED_ROWS)
    assert snapshot(store) == before


def _row(**changes) -> dict:
    row = {
        "reporter": "CHN", "partner": "WLD", "indicator": "balance", "period_start": "2025-11",
        "period_end": "2025-11", "value": 111680000000.0, "unit": "USD", "source": "China Customs (GACC)",
        "published": "2025-12", "retrieved_at": "2026-11-29T00:00:00+00:00", "source_url": "", "note": "",
    }
    return {**row, **changes}


def test_an_unchanged_value_with_a_later_release_date_adds_no_vintage(store):
    report = store.add_figures([_row(published="2026-01")])
    assert (report.added, report.skipped) == (0, 1)


def test_a_changed_value_is_kept_as_a_new_vintage_and_answers_say_revised(store):
    report = store.add_figures([_row(value=112_000_000_000.0, published="2026-01")])
    assert (report.added, report.revised) == (1, 1)
    vintages = store.conn.execute(
        "SELECT value, published FROM figures WHERE reporter='CHN' AND partner='WLD' AND indicator='balance'"
        " AND period_start='2025-11' AND period_end='2025-11' ORDER BY published"
    ).fetchall()
    assert [tuple(v) for v in vintages] == [(111680000000.0, "2025-12"), (112000000000.0, "2026-01")]
    answer = ask(store, "/surplus china period:2025-11", TODAY)
    assert answer.title.startswith("China — trade surplus, November 2025: $112.0 bn (revised from $111.7 bn")
    assert {(f.value, f.published) for f in answer.figures if f.indicator == "balance" and str(f.period) == "2025-11"} == {
        (111680000000.0, "2025-12"), (112000000000.0, "2026-01")}


def test_an_empty_batch_from_a_plug_in_is_skipped_not_a_crash(store):
    """A plug-in may hand over an empty batch (a response with no rows); the plausibility check
    took the max of nothing."""
    report = store.add_figure_batches(iter([[], [tuple(_row(partner="JPN", value=1.0).values())], []]))
    assert (report.read, report.added) == (1, 1)


def test_a_failing_import_leaves_the_database_exactly_as_it_was(store):
    before = snapshot(store)
    good = _row(partner="JPN", value=1.0)
    broken = _row(partner="KOR", unit=None)  # violates NOT NULL after the good row went in
    with pytest.raises(sqlite3.IntegrityError):
        store.add_figures([good, broken])
    assert snapshot(store) == before
    # and the store still takes the next import
    assert store.add_figures([good]).added == 1


def _break_seed(seed_dir, line: int, column: str, value: str) -> None:
    path = seed_dir / "published_figures.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    rows[line - 2][column] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("value", "abc", "line 2: value “abc” is not a number"),
        ("value", "inf", "line 2: value “inf” is not a number"),
        ("period", "2025-13", "line 2: period “2025-13” is not YYYY-MM"),
        ("period", "2025-11..2025-01", "line 2: period “2025-11..2025-01” ends before it starts"),
        ("indicator", "surplus", "line 2: indicator “surplus” is not one of"),
        ("reporter", "China", "line 2: reporter “China” is not an ISO alpha-3 code"),
        ("unit", "percent", "line 2: unit percent does not fit indicator"),
        ("published", "Dec 2025", "line 2: published “Dec 2025” is not YYYY-MM or YYYY-MM-DD"),
        ("source", "", "line 2: source is empty"),
    ],
)
def test_a_malformed_seed_row_is_one_clear_sentence_and_writes_nothing(store, seed_copy, column, value, words):
    _break_seed(seed_copy, 2, column, value)
    before = snapshot(store)
    with pytest.raises(DataFileError) as caught:
        load_seed(store, seed_copy)
    assert words in caught.value.message
    assert "\n" not in caught.value.message
    assert snapshot(store) == before


def test_a_malformed_seed_on_first_use_leaves_an_empty_store_that_loads_once_fixed(tmp_path, seed_copy):
    _break_seed(seed_copy, 300, "value", "12,5")
    settings = Settings(db_path=tmp_path / "t.db", seed_dir=seed_copy)
    with pytest.raises(DataFileError, match="line 300"):
        open_store(settings)
    broken = Store(settings.db_path)
    assert broken.is_empty()
    broken.close()
    store = open_store(Settings(db_path=settings.db_path))  # the real seed
    assert not store.is_empty()


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="is not a published-figures file"):
        published_csv.read(path)


QUESTIONS = [
    "/about",
    "/calendar",
    "/partners china",
    "surplus china",
    "/surplus china partner:us period:2025-11",
    "/exports china partner:asean period:Jan-Nov 2025",
    "/imports china period:2025-02",
    "/surplus china period:2025",
    "/exports china period:ytd",
    "us deficit with china",
    "/surplus china period:2019-05",
    "surplus japan",
]


def test_answers_only_use_indexed_lookups(store):
    """Every statement answering runs is a SEARCH on an index, never a SCAN of figures."""
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    for question in QUESTIONS:
        ask(store, question, TODAY)
    store.conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(reads) >= len(QUESTIONS)
    for statement in reads:
        plan = " | ".join(row["detail"] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {statement}"))
        assert "SCAN figures" not in plan, (statement, plan)
        if "FROM figures" in statement:
            assert "USING INDEX" in plan or "USING PRIMARY KEY" in plan or "USING COVERING INDEX" in plan, (statement, plan)


def test_answering_never_imports_pandas(db_path):
    code = (
        "import sys\n"
        "from tradebot.config import Settings\n"
        "from tradebot.store import open_store\n"
        "from tradebot.answers import ask\n"
        f"store = open_store(Settings(db_path={str(db_path)!r}))\n"
        "for q in ['surplus china', '/exports china partner:us period:2025-11', 'nonsense words']:\n"
        "    ask(store, q)\n"
        "print('pandas' in sys.modules, 'sqlite_utils' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR, check=True)
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("fault", ["read-only", "disk full"])
def test_a_store_that_refuses_writes_gives_one_sentence_keeps_its_data_and_still_answers(store, fault):
    before = snapshot(store)
    answer_before = ask(store, "surplus china", today=TODAY).text
    if fault == "read-only":
        # the tests run as root, which file permissions do not stop: SQLite's own read-only switch
        # refuses writes with the same error (SQLITE_READONLY) as a read-only file
        store.conn.execute("PRAGMA query_only = ON")
    else:
        # no page may be added: SQLite fails with SQLITE_FULL, as on a full disk
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
    # 8,000 rows over 10 partners × 800 months (1950-01 … 2016-08): no month in the future
    rows = [_row(partner=code, value=float(n)) for n, code in enumerate(("JPN", "KOR", "DEU", "FRA", "ITA", "ESP", "GBR",
                                                                          "CAN", "MEX", "BRA") * 800)]
    rows = [dict(row, period_start=f"{1950 + n // 10 // 12}-{n // 10 % 12 + 1:02d}",
                 period_end=f"{1950 + n // 10 // 12}-{n // 10 % 12 + 1:02d}") for n, row in enumerate(rows)]
    with pytest.raises(StoreUnwritable) as refused:
        store.add_figures(rows)
    message = refused.value.message
    assert "cannot be written" in message and "nothing was imported" in message and "\n" not in message
    assert snapshot(store) == before
    assert ask(store, "surplus china", today=TODAY).text == answer_before
    store.conn.execute("PRAGMA query_only = OFF")
    store.conn.execute("PRAGMA max_page_count = 4294967294")
    assert store.add_figures(rows).added == len(rows)


def test_each_import_keeps_the_coverage_about_lists_equal_to_a_count_of_the_figures(store):
    recount = """SELECT reporter, source, count(*), max(period_end), max(published), max(retrieved_at)
                 FROM figures GROUP BY reporter, source ORDER BY reporter, source"""
    assert [tuple(row) for row in store.coverage()] == [tuple(row) for row in store.conn.execute(recount)]
    report = store.add_figures([_row(partner="JPN", value=1.0), _row(reporter="NIC", partner="WLD", value=2.0, published="2026-01")])
    assert report.added == 2
    assert [tuple(row) for row in store.coverage()] == [tuple(row) for row in store.conn.execute(recount)]
    assert ("NIC", "China Customs (GACC)", 1, "2025-11", "2026-01", "2026-11-29T00:00:00+00:00") in map(tuple, store.coverage())


def test_a_reporters_partners_are_remembered_only_until_the_store_changes(store, db_path):
    before = store.partners("JPN")  # Japan's 2001–2019 history: China and the world only
    assert "NIC" not in before and "GTM" not in before
    store.add_figures([_row(reporter="JPN", partner="NIC", value=5.0)])  # this connection writes
    assert store.partners("JPN") == sorted([*before, "NIC"])
    other = Store(db_path)  # another process's sync, say
    other.add_figures([_row(reporter="JPN", partner="GTM", value=6.0)])
    other.close()
    assert store.partners("JPN") == sorted([*before, "GTM", "NIC"])


def test_the_seed_is_history_and_announces_nothing(store):
    """A channel subscribed in the second the seed was built got the seed's newest months as news."""
    assert store.conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    assert store.conn.execute("SELECT count(*) FROM events WHERE announce = 1").fetchone()[0] == 0
