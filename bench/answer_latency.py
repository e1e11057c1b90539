"""How long answers take in one warm process: parse → select → render, on the seeded store.

    .venv/bin/python bench/answer_latency.py [N]

Prints total time, p50 and p99 over N mixed questions (default 1,000). A benchmark, not a
test: numbers depend on the machine. Peers and an IMF-scale store come with bench issue 8.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tradebot.answers import ask  # noqa: E402
from tradebot.config import Settings  # noqa: E402
from tradebot.sync import open_store  # noqa: E402

QUESTIONS = [
    "surplus china", "/surplus china period:2025-11", "/exports china partner:us period:2025-11",
    "/exports china partner:asean period:Jan-Nov 2025", "/imports china period:2025-02", "/surplus china period:2024",
    "china exports to us nov 2025", "us deficit with china", "/surplus china period:ytd", "/exports china period:2025-07",
]


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Settings(db_path=Path(folder) / "bench.db"))
        for question in QUESTIONS:  # warm caches (country index, SQLite pages)
            assert ask(store, question).ok, question
        timings = []
        started = time.perf_counter()
        for index in range(count):
            begin = time.perf_counter()
            ask(store, QUESTIONS[index % len(QUESTIONS)])
            timings.append(time.perf_counter() - begin)
        total = time.perf_counter() - started
        store.close()
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"{count} answers in {total * 1000:.0f} ms: p50 {statistics.median(timings) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
