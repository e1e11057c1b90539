"""How long answers take in one warm process: parse → select → render, on the seeded store,
how long what-drove-it answers take beside a ranking of the same partners (their peer: both read
every partner), and how long the question parser alone takes over the evaluation set.

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
from tradebot.store import open_store  # noqa: E402

QUESTIONS = [
    "surplus china", "/surplus china period:2025-11", "/exports china partner:us period:2025-11",
    "/exports china partner:asean period:Jan-Nov 2025", "/imports china period:2025-02", "/surplus china period:2024",
    "china exports to us nov 2025", "us deficit with china", "/surplus china period:ytd", "/exports china period:2025-07",
    # from China Customs' bulletin (yuan, every partner) and the Census country pages
    "/surplus china partner:germany", "china exports to vietnam may 2026", "/partners china", "/partners china period:2026-07",
    "/imports us partner:china period:2025-11", "japan exports to china 2005",
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
        report(f"{count} answers", timings, total)
        for question, peer in DRIVERS_AND_PEERS:
            drivers, ranking = _timed(store, question, count // 10), _timed(store, peer, count // 10)
            ratio = statistics.median(drivers) / statistics.median(ranking)
            report(f"{question!r} ({ratio:.2f}× the p50 of {peer!r})", drivers, sum(drivers))
        parse_timings = time_parser(store)
        store.close()
    report(f"{len(parse_timings)} parses of the evaluation set and the blind split (follow-ups in their threads)",
           parse_timings, sum(parse_timings))


# a contributions answer and the ranking that reads the same partners' figures
DRIVERS_AND_PEERS = [
    ("/drivers china indicator:exports period:2026-07", "/partners china indicator:exports period:2026-07"),
    ("/drivers china indicator:imports period:ytd by:region", "/partners china indicator:imports period:2026-01..2026-07"),
    ("what drove china's trade in q3 2025", "top partners of china q3 2025"),
    ("/drivers us partner:china period:2024", "what does the us import from china in 2024"),
]


def _timed(store, question: str, count: int) -> list[float]:
    timings = []
    for _ in range(max(count, 20)):
        begin = time.perf_counter()
        assert ask(store, question).ok, question
        timings.append(time.perf_counter() - begin)
    return timings


def time_parser(store) -> list[float]:
    """The parser alone, three rounds over every line of both sets: a conversation's lines with
    the line before as their context, and the store's `has_pair` as a follow-up uses it."""
    import yaml

    from tradebot.errors import TradebotError
    from tradebot.periods import today_utc
    from tradebot.questions import parse

    tests = Path(__file__).resolve().parent.parent / "tests" / "questions"
    items = yaml.safe_load((tests / "eval.yaml").read_text(encoding="utf-8"))
    chains = [[step["q"] for step in item.get("chain", [item])] for item in items]
    for path in sorted((tests / "blind").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        chains += [[step["q"]] for step in data["questions"]] + [[step["q"] for step in chain] for chain in data["conversations"]]
    timings = []
    today = today_utc()
    for _round in range(3):
        for chain in chains:
            context = None
            for question in chain:
                begin = time.perf_counter()
                try:
                    context = parse(question, today, context, store.has_pair)
                except TradebotError:
                    pass
                timings.append(time.perf_counter() - begin)
    return timings


def report(what: str, timings: list[float], total: float) -> None:
    timings = sorted(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"{what} in {total * 1000:.0f} ms: p50 {statistics.median(timings) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
