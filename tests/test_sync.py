"""sync: format detection, vintages, all-or-nothing imports and the new periods alerts need."""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys

import pytest

from tradebot.answers import ask
from tradebot.config import SEED_DIR
from tradebot.errors import DataFileError
from tradebot.periods import Period
from tradebot.sources import detect
from tradebot.store import Store
from tradebot.sync import sync_file

from conftest import PROJECT_DIR, TODAY, shared_data_dir, snapshot

SEED = SEED_DIR / "published_figures.csv"
HEADER = "reporter,partner,indicator,period,value,unit,published,source,source_url,note\n"


def _events(store) -> list[tuple]:
    return [tuple(row) for row in store.conn.execute("SELECT source, reporter, period_start, period_end FROM events ORDER BY 1, 2, 3, 4")]


def test_the_seed_load_recorded_one_event_per_source_reporter_and_period(store):
    events = _events(store)
    assert ("China Customs (GACC)", "CHN", "2025-11", "2025-11") in events
    assert ("US Census Bureau", "USA", "2025-01", "2025-11") in events
    assert len(events) == len(set(events))


def test_importing_the_same_file_twice_adds_nothing_the_second_time(store, tmp_path):
    before, events = snapshot(store), _events(store)
    report = sync_file(store, SEED).total
    assert (report.added, report.skipped, report.new_periods) == (0, report.read, [])
    assert snapshot(store) == before and _events(store) == events


def test_a_gzipped_file_is_detected_and_imported(store, tmp_path):
    path = tmp_path / "figures.csv.gz"
    path.write_bytes(gzip.compress(SEED.read_bytes()))
    assert detect(path).key == "published"
    assert sync_file(store, path).total.added == 0


def test_a_file_with_one_changed_value_adds_one_revision_and_no_event(store, tmp_path):
    rows = list(csv.DictReader(io.StringIO(SEED.read_text(encoding="utf-8"))))
    target = next(r for r in rows if (r["reporter"], r["partner"], r["indicator"], r["period"]) == ("CHN", "WLD", "balance", "2025-11"))
    target["value"], target["published"] = "111700000000", "2026-01-15"
    path = tmp_path / "revised.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = sync_file(store, path).total
    assert (report.added, report.revised, report.new_periods) == (1, 1, [])
    # the two vintages round to the same $111.7 bn: the answer shows enough decimals to tell them apart
    assert ask(store, "/surplus china period:2025-11", TODAY).title.startswith(
        "China — trade surplus, November 2025: $111.70 bn (revised from $111.68 bn")
    figures = [f for f in ask(store, "/surplus china period:2025-11", TODAY).figures if f.indicator == "balance"]
    assert [(f.value, f.published) for f in figures[:2]] == [(111_680_000_000, "2025-12"), (111_700_000_000, "2026-01-15")]


def test_a_new_period_is_reported_once(store, tmp_path):
    path = tmp_path / "march.csv"
    path.write_text(HEADER + "CHN,WLD,balance,2026-03,1000000000,USD,2026-04-14,China Customs (GACC),,\n", encoding="utf-8")
    first = sync_file(store, path)
    assert first.total.new_periods == [("China Customs (GACC)", "CHN", Period.parse("2026-03"))]
    assert "new: China Customs (GACC) · China: 2026-03" in first.lines()
    again = sync_file(store, path)
    assert again.total.new_periods == [] and again.lines()[-1] == "new: nothing"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"just some words\n", "is not a format tradebot reads"),
        (b"\x1f\x8b\x08\x00broken", "is a damaged gzip file"),
        (b"\xff\xfe\x00b\x00a\x00d", "is not UTF-8 text"),
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1e9,USD,2026-04,China Customs (GACC),,\nCHN,WLD,balance,2026-04,lots,USD,2026-05,X,,\n",
         "line 3: value “lots” is not a number"),
        # issue 16: a figure for 9999-12 was stored and outranked every real month (and alert) for ever
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1e9,USD,2026-04,China Customs (GACC),,\nCHN,WLD,exports,9999-12,1e9,USD,2026-05,X,,\n",
         "a figure of CHN (exports) is for 9999-12, a month that has not happened yet; nothing was imported"),
        # issue 16: accepted before, shown as positive or as `$inf tn` (and `Infinity` in ask --json)
        (HEADER.encode() + b"CHN,WLD,exports,2026-03,-3e11,USD,2026-04,China Customs (GACC),,\n",
         "the exports figure of CHN for 2026-03 is a negative amount (-300000000000.0)"),
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1e308,USD,2026-04,China Customs (GACC),,\n",
         "the balance figure of CHN for 2026-03 is implausibly large (1e+308)"),
        (HEADER.encode() + b"CHN,WLD,balance,1900-03,1e9,USD,2026-04,China Customs (GACC),,\n",
         "a figure of CHN (balance) is for 1900-03, before 1948"),
        # issue 16: Python's float() reads these; no statistics office writes them
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1_000,USD,2026-04,China Customs (GACC),,\n",
         "value “1_000” is not a number"),
        (HEADER.encode() + "CHN,WLD,balance,2026-03,１０,USD,2026-04,China Customs (GACC),,\n".encode(),
         "value “１０” is not a number"),
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,nan,USD,2026-04,China Customs (GACC),,\n",
         "value “nan” is not a number"),
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1e9,USD,2026-02-30,China Customs (GACC),,\n",
         "published “2026-02-30” is not a date"),
        (HEADER.encode() + b"CHN,WLD,balance,2026-03,1e9,USD,2026-04,China Customs (GACC),,,extra\n",
         "line 2: 1 more field(s) than the header has"),
        (HEADER.encode() + b'CHN,WLD,balance,2026-03,1e9,USD,2026-04,"China Customs,,\nCHN,WLD,exports,2026-03,1e9,USD,2026-04,X,,\n',
         "is not valid CSV: unexpected end of data"),
        # issue 16: an ISO-shaped code the country table lacks was stored, then every answer naming it crashed
        (HEADER.encode() + b"GTM,ANT,exports,2026-03,1e9,USD,2026-04,IMF IMTS,,\n",
         "“ANT” is not a country or group tradebot knows"),
    ],
)
def test_a_bad_file_is_one_line_and_changes_nothing(store, tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    before, events = snapshot(store), _events(store)
    with pytest.raises(DataFileError) as caught:
        sync_file(store, path)
    assert message in caught.value.message and "\n" not in caught.value.message
    assert snapshot(store) == before and _events(store) == events


def test_a_missing_file_is_one_line(store, tmp_path):
    with pytest.raises(DataFileError, match="cannot be read"):
        sync_file(store, tmp_path / "nope.csv")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_opening_it(store, tmp_path):
    """Issue 16: a FIFO hung the import (the file was opened three times, each open waits for a writer)."""
    fifo = tmp_path / "figures.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError) as caught:
        sync_file(store, fifo)
    assert caught.value.message == "figures.csv is a pipe, socket or device, not a file: tradebot imports saved files."
    with pytest.raises(DataFileError, match="is a directory, not a file"):
        sync_file(store, tmp_path)


def test_a_file_truncated_while_it_is_read_is_refused_whole(store, tmp_path, monkeypatch):
    """Issue 16: another program truncating an IMF file at a line boundary mid-import left a shorter
    valid file, and 604,673 of 1,008,000 rows were committed with exit code 0. Here the other
    program cuts the file after the import has recognised it, as the reader starts (when it
    strikes later, Arrow may already have read ahead past the cut); what is left is valid SDMX-CSV,
    and the import must still store nothing."""
    from tradebot.sources import imf_imts

    data = gzip.decompress((PROJECT_DIR / "tests/fixtures/imf_imts/imf_imts_nic_g001.csv.gz").read_bytes())
    path = tmp_path / "nic.csv"
    path.write_bytes(data)
    reading = imf_imts.batches

    def batches_while_another_program_truncates(path, remark, meter):
        with open(path, "r+b") as other:
            other.truncate(data.index(b"\n", len(data) // 2) + 1)  # at a line boundary: what is left is valid
        yield from reading(path, remark, meter)

    monkeypatch.setattr(imf_imts, "batches", batches_while_another_program_truncates)
    before, events = snapshot(store), _events(store)
    with pytest.raises(DataFileError) as caught:
        sync_file(store, path)
    assert caught.value.message.startswith("nic.csv changed while it was being read")
    assert snapshot(store) == before and _events(store) == events


def test_a_page_or_bulletin_that_unpacks_to_more_than_32_mb_is_refused(store, tmp_path):
    """Issue 16: whole-file formats were read into memory whatever their size (1 MB of gzip can be 1 GB)."""
    path = tmp_path / "huge.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(HEADER.encode())
        for _ in range(40):
            handle.write(b"\n" * (1 << 20))
    with pytest.raises(DataFileError, match="huge.csv.gz holds more than 32 MB of text"):
        sync_file(store, path)


def _sync_cli(*args, db) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), "sync", *args],
        capture_output=True, text=True, cwd=PROJECT_DIR, env={**os.environ, "TRADEBOT_DB": str(db)}, timeout=60,
    )


def test_sync_cli_prints_what_it_did(db_path, tmp_path):
    path = tmp_path / "march.csv"
    path.write_text(HEADER + "CHN,WLD,exports,2026-03,300000000000,USD,2026-04-14,China Customs (GACC),,\n", encoding="utf-8")
    result = _sync_cli("--file", str(path), db=db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "march.csv (published-figures CSV): read 1, added 1 (0 revisions), skipped 0 unchanged",
        "new: China Customs (GACC) · China: 2026-03",
    ]
    # then what a subscribed channel would get for the new month
    assert lines[2:4] == ["", "China, March 2026: exports of $300.0 bn"]
    broken = tmp_path / "broken.csv"
    broken.write_text("nonsense", encoding="utf-8")
    result = _sync_cli("--file", str(broken), db=db_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip().startswith("error: broken.csv is not a format tradebot reads")


def test_importing_the_march_2026_customs_table_summarises_march_and_about_says_so(db_path):
    """Issue 15: after this import the sync's summary said there was no March figure while `ask`
    answered it, and /about still said Jan–Feb 2026."""
    table = shared_data_dir("gacc") / "release_section4_by_country_mar2026_cny.html"
    result = _sync_cli("--file", str(table), db=db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "new: China Customs (GACC) · China: 2026-01..2026-03, 2026-03"
    assert lines[3] == "China, March 2026: trade surplus of CNY 354.8 bn (computed)"
    assert "no summary" not in result.stdout
    store = Store(db_path)
    try:
        about = ask(store, "about", TODAY)
        asked = ask(store, "china surplus march 2026", TODAY)
    finally:
        store.close()
    customs = next(line.value for line in about.lines if line.value.startswith("China Customs (GACC):"))
    assert "to March 2026, last release 8 April 2026" in customs
    assert asked.title.startswith("China — trade surplus, March 2026: CNY 354.8 bn")
