"""The real data: how long the first run takes to build the default store (data/seed: the seed
table, China Customs' bulletin, the Census country pages, the USITC tariff workbooks), how long
answers of each kind take on it in one warm process (parse → select → render), how long
what-drove-it answers take beside a ranking of the same partners (their peer: both read every
partner), and how long the question parser alone takes over the evaluation set.

    .venv/bin/python bench/answer_latency.py [N] [--json]

Prints total time, p50 and p99 over N mixed questions (default 1,000) and per kind; `--json`
(what bench/run.py uses) prints one JSON line instead. A benchmark, not a test: numbers depend
on the machine; the IMF-scale figures and their peers are bench/run.py's.
"""

from __future__ import annotations

import json
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


# the kinds of bench/run.py's IMF-scale table, and two the real data adds, asked of the real sources
KINDS = {
    "latest balance": ["surplus china", "us deficit with china", "/surplus china partner:germany", "japan exports to china 2005"],
    "bilateral month": ["china exports to us nov 2025", "/exports china partner:germany period:2026-05",
                        "/imports us partner:china period:2025-11", "china exports to vietnam may 2026"],
    "year to date": ["/surplus china period:ytd", "china exports ytd", "/imports china period:ytd"],
    "top partners": ["/partners china", "/partners china period:2026-07", "/partners china indicator:exports period:2025-06",
                     "/partners us indicator:imports", "top partners of china q3 2025"],
    "year on year": ["china exports y/y 2026-03", "/exports china partner:us period:2025-11", "china imports from japan y/y 2026-02"],
    "what drove it": ["/drivers china indicator:exports period:2026-07", "what drove china's trade in q3 2025",
                      "/drivers china indicator:imports period:ytd by:region"],
    "tariffs": ["/tariffs china", "/tariffs vietnam", "what does the us import from china in 2024"],
}


def main(count: int, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        store = open_store(Settings(db_path=Path(folder) / "bench.db"))  # the first run: migrate, then build from the seed
        build_seconds = time.perf_counter() - began
        figures = store.conn.execute("SELECT count(*) FROM figures").fetchone()[0]
        for question in QUESTIONS:  # warm caches (country index, SQLite pages)
            assert ask(store, question).ok, question
        timings = []
        started = time.perf_counter()
        for index in range(count):
            begin = time.perf_counter()
            ask(store, QUESTIONS[index % len(QUESTIONS)])
            timings.append(time.perf_counter() - begin)
        total = time.perf_counter() - started
        by_kind = {kind: _timed(store, questions, count // 5) for kind, questions in KINDS.items()}
        drivers = {question: (_timed(store, [question], count // 10), _timed(store, [peer], count // 10))
                   for question, peer in DRIVERS_AND_PEERS}
        parse_timings = time_parser(store)
        store.close()
    if as_json:
        print(json.dumps({"build_seconds": build_seconds, "figures": figures, "mixed": summary(timings),
                          "by_kind": {kind: summary(times) for kind, times in by_kind.items()},
                          "kinds": {kind: len(questions) for kind, questions in KINDS.items()},
                          "drivers_vs_ranking": {question: statistics.median(mine) / statistics.median(peer)
                                                 for question, (mine, peer) in drivers.items()},
                          "parser": summary(parse_timings)}))
        return
    print(f"first run: the store built from data/seed in {build_seconds:.1f} s ({figures:,} figures)")
    report(f"{count} answers", timings, total)
    for kind, times in by_kind.items():
        report(f"{kind} ({len(KINDS[kind])} questions, {len(times)} answers)", times, sum(times))
    for (question, peer), (mine, theirs) in zip(DRIVERS_AND_PEERS, drivers.values(), strict=True):
        ratio = statistics.median(mine) / statistics.median(theirs)
        report(f"{question!r} ({ratio:.2f}× the p50 of {peer!r})", mine, sum(mine))
    report(f"{len(parse_timings)} parses of the evaluation set and the blind split (follow-ups in their threads)",
           parse_timings, sum(parse_timings))


def summary(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {"count": len(timings), "p50_ms": statistics.median(timings) * 1000,
            "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000}


# a contributions answer and the ranking that reads the same partners' figures
DRIVERS_AND_PEERS = [
    ("/drivers china indicator:exports period:2026-07", "/partners china indicator:exports period:2026-07"),
    ("/drivers china indicator:imports period:ytd by:region", "/partners china indicator:imports period:2026-01..2026-07"),
    ("what drove china's trade in q3 2025", "top partners of china q3 2025"),
    ("/drivers us partner:china period:2024", "what does the us import from china in 2024"),
]


def _timed(store, questions: list[str], count: int) -> list[float]:
    """`count` answers (at least 20), the questions in turn; every one must be answered."""
    timings = []
    for index in range(max(count, 20)):
        question = questions[index % len(questions)]
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
    shown = summary(timings)
    print(f"{what} in {total * 1000:.0f} ms: p50 {shown['p50_ms']:.3f} ms, p99 {shown['p99_ms']:.3f} ms")


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    main(int(numbers[0]) if numbers else 1000, "--json" in sys.argv[1:])
