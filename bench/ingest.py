"""Import benchmarks, each run as its own child process by bench/run.py (so each has its own
peak memory, address-space cap and time limit). Every mode prints one JSON line.

    ingest.py sync    CSV DB   the real `tradebot.sync.sync_file` into a fresh, migrated store
    ingest.py peer    CSV DB   pandas.read_csv (chunked) + DataFrame.to_sql into a plain table
    ingest.py chunked CSV DB   the real `imf_imts.parse` + `Store.add_figures`, one transaction per
                               chunk of rows: how run.py builds the N-row store when `sync_file`
                               cannot take the whole file
    ingest.py profile CSV DB   `sync_file` under cProfile, plus a phase split of `add_figures`'
                               SQL (writes bench/out/profile_ingest.txt)

The store is fresh: `Store(db).migrate()` and nothing else. `bot.py sync --file` goes through
`open_store`, which would first load data/seed into an empty store; the benchmark leaves the
seed out so the store, the peers and the questions all hold exactly the generated rows.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT_DIR, emit, remove_db, self_peak_mb, set_memory_limit  # noqa: E402


def fresh_store(db: Path):
    from tradebot.store import Store

    remove_db(db)
    store = Store(db)
    store.migrate()
    return store


def count(db: Path, table: str = "figures") -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def run_sync(csv: Path, db: Path) -> dict:
    from tradebot.sync import sync_file

    store = fresh_store(db)
    started = time.perf_counter()
    report = sync_file(store, csv)
    seconds = time.perf_counter() - started
    closing = time.perf_counter()
    store.close()  # the WAL checkpoint, outside the timed import
    total = report.total
    return {"mode": "sync", "seconds": seconds, "close_seconds": time.perf_counter() - closing, "read": total.read,
            "added": total.added, "stored": count(db), "peak_mb": self_peak_mb()}


PEER_COLUMNS = ["COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "TIME_PERIOD", "OBS_VALUE", "UPDATE_DATE"]
PEER_INDICATORS = {"XG_FOB_USD": "exports", "MG_CIF_USD": "imports", "TBG_USD": "balance"}


def run_peer(csv: Path, db: Path, chunk_rows: int) -> dict:
    """What a pandas user would write: read the CSV in chunks (only the columns needed), shape
    each chunk into the same fields the bot stores, and append it with to_sql."""
    import pandas as pd

    remove_db(db)
    conn = sqlite3.connect(db)
    started = time.perf_counter()
    rows = 0
    for chunk in pd.read_csv(csv, usecols=PEER_COLUMNS, dtype=str, keep_default_na=False, chunksize=chunk_rows):
        chunk = chunk[(chunk["TIME_PERIOD"] != "") & chunk["INDICATOR"].isin(list(PEER_INDICATORS))]
        period = chunk["TIME_PERIOD"].str.replace("-M", "-", regex=False)
        frame = pd.DataFrame({
            "reporter": chunk["COUNTRY"],
            "partner": chunk["COUNTERPART_COUNTRY"].replace({"G001": "WLD", "G998": "EU27"}),
            "indicator": chunk["INDICATOR"].map(PEER_INDICATORS),
            "period_start": period,
            "period_end": period,
            "value": chunk["OBS_VALUE"].astype(float),
            "unit": "USD",
            "source": "IMF IMTS",
            "published": chunk["UPDATE_DATE"].str.slice(0, 10),
        })
        frame.to_sql("figures", conn, if_exists="append", index=False)
        rows += len(frame)
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    return {"mode": "peer", "seconds": seconds, "read": rows, "stored": count(db), "peak_mb": self_peak_mb()}


def chunks(csv: Path, rows: int):
    """The file as SDMX-CSV texts of at most `rows` records each, every one with the header."""
    with open(csv, encoding="utf-8") as source:
        header = source.readline()
        lines: list[str] = []
        for line in source:
            lines.append(line)
            if len(lines) >= rows:
                yield header + "".join(lines)
                lines = []
        if lines:
            yield header + "".join(lines)


def run_chunked(csv: Path, db: Path, chunk_rows: int) -> dict:
    from tradebot.sources import imf_imts

    store = fresh_store(db)
    started = time.perf_counter()
    read = added = 0
    for number, text in enumerate(chunks(csv, chunk_rows)):
        report = store.add_figures(imf_imts.parse(text, name=f"{csv.name} chunk {number}"))
        read += report.read
        added += report.added
        print(f"  chunk {number}: {read:,} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    store.close()
    return {"mode": "chunked", "seconds": seconds, "read": read, "added": added, "stored": count(db),
            "chunk_rows": chunk_rows, "peak_mb": self_peak_mb()}


class _TimedConnection:
    """A stand-in for Store.conn that adds up the time of each kind of SQL statement. The rows
    handed to executemany may be a stream that parses as SQLite pulls it: the time spent
    producing them is counted apart from the time SQLite spends storing them."""

    KINDS = ((r"^INSERT INTO figures .* VALUES", "insert first-seen reporters' rows into figures (256 a statement)"),
             (r"^INSERT INTO temp\.incoming", "stage rows of reporters already stored"),
             (r"^UPDATE incoming", "classify staged rows against stored vintages (UPDATE … EXISTS)"),
             (r"^INSERT INTO figures .* SELECT", "copy new staged rows into figures"),
             (r"^INSERT OR REPLACE INTO coverage", "refresh /about's coverage, per reporter"),
             (r"^SELECT 1 FROM events", "find which periods are new events"),
             (r"^SELECT 1 FROM figures WHERE reporter", "is the reporter first seen? (one seek each)"),
             (r"^COMMIT", "commit"))

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.producing = 0.0  # inside the rows' iterator: reading and parsing the file
        self.produced = 0

    def _add(self, kind: str, seconds: float) -> None:
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds
        self.calls[kind] = self.calls.get(kind, 0) + 1

    def _kind(self, sql: str) -> str:
        text = " ".join(sql.split())
        return next((label for pattern, label in self.KINDS if re.search(pattern, text)), None) or f"`{text[:60]}…`"

    def execute(self, sql, *args):
        started = time.perf_counter()
        try:
            return self._conn.execute(sql, *args)
        finally:
            self._add(self._kind(sql), time.perf_counter() - started)

    def executemany(self, sql, rows):
        clock = time.perf_counter
        producing = 0.0
        count = 0

        def timed_rows():
            nonlocal producing, count
            iterator = iter(rows)
            while True:
                begin = clock()
                try:
                    row = next(iterator)
                except StopIteration:
                    producing += clock() - begin
                    return
                producing += clock() - begin
                count += 1
                yield row

        started = clock()
        try:
            return self._conn.executemany(sql, timed_rows())
        finally:
            total = clock() - started
            self.producing += producing
            self.produced += count
            self._add(self._kind(sql) + " — SQLite's part of executemany", total - producing)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def run_profile(csv: Path, db: Path, top: int = 25) -> dict:
    """Passes over the same file: the parse alone, timed and under cProfile, then the real
    `sync_file` without the profiler but with `Store.conn` replaced by `_TimedConnection`, for
    a phase split: SQL time by statement, and the rest (the parse, and Python in the store)."""
    from tradebot.sources.imf_imts import batches as imf_batches
    from tradebot.sync import sync_file

    out = io.StringIO()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    parsed = sum(len(part) for part in imf_batches(csv))
    profiler.disable()
    profiled_seconds = time.perf_counter() - started
    begin = time.perf_counter()
    sum(len(part) for part in imf_batches(csv))
    parse_seconds = time.perf_counter() - begin
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"cProfile of parsing {csv.name} ({parsed:,} rows) — {profiled_seconds:.1f} s under the profiler, "
              f"{parse_seconds:.1f} s without\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    cumulative = _top(stats, "cumulative", top)
    own = _top(stats, "tottime", top)

    phases: dict[str, float] = {}
    rows = 0
    try:
        store = fresh_store(db)
        timed = _TimedConnection(store.conn)
        store.conn = timed
        begin = time.perf_counter()
        report = sync_file(store, csv)
        total = time.perf_counter() - begin
        rows = report.total.read
        for what, seconds in sorted(timed.seconds.items(), key=lambda item: -item[1]):
            phases[f"SQL: {what} ({timed.calls[what]:,} calls)"] = seconds
        phases["the rest: reading and checking the file (Arrow, pandas), Python in the store"] = total - sum(timed.seconds.values())
        store.conn = timed._conn
        store.close()
    except Exception as error:  # the import path is being changed by others: keep the profile anyway
        phases[f"(phase split failed: {type(error).__name__}: {error})"] = 0.0
    total = sum(phases.values()) or 1.0
    out.write("\nPhase split (second pass, no profiler):\n")
    for name, seconds in phases.items():
        out.write(f"  {seconds:8.2f} s  {seconds / total * 100:5.1f}%  {name}\n")
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "profile_ingest.txt").write_text(out.getvalue(), encoding="utf-8")
    return {"mode": "profile", "rows": rows, "profiled_seconds": profiled_seconds, "parse_seconds": parse_seconds,
            "sync_seconds": total if rows else None, "phases": phases,
            "cumulative": cumulative, "tottime": own, "peak_mb": self_peak_mb()}


def _top(stats: pstats.Stats, key: str, top: int) -> list[dict]:
    entries = []
    for (filename, line, name), (_primitive, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        entries.append({"function": _label(filename, line, name), "calls": ncalls, "tottime": tottime, "cumtime": cumtime})
    field = "cumtime" if key == "cumulative" else "tottime"
    return sorted(entries, key=lambda entry: -entry[field])[:top]


def _label(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name
    path = Path(filename)
    parts = path.parts
    for anchor in ("tradebot", "pandas", "sqlite_utils", "discord", "cogs"):
        if anchor in parts:
            return f"{'/'.join(parts[parts.index(anchor):])}:{line}({name})"
    return f"{path.name}:{line}({name})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("sync", "peer", "chunked", "profile"))
    parser.add_argument("csv", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--memory-limit-gb", type=float, default=None)
    args = parser.parse_args()
    set_memory_limit(args.memory_limit_gb)
    try:
        if args.mode == "sync":
            result = run_sync(args.csv, args.db)
        elif args.mode == "peer":
            result = run_peer(args.csv, args.db, args.chunk_rows)
        elif args.mode == "chunked":
            result = run_chunked(args.csv, args.db, args.chunk_rows)
        else:
            result = run_profile(args.csv, args.db)
    except MemoryError:
        emit({"mode": args.mode, "error": "MemoryError", "peak_mb": self_peak_mb()})
        sys.exit(3)
    emit(result)


if __name__ == "__main__":
    main()
