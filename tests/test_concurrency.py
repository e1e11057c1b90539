"""A sync writing while people ask: WAL lets readers go on, and an import is seen whole or not at all."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from dataclasses import replace

import pycountry

import bot as entry
from tradebot.answers import ask
from tradebot.config import Settings
from tradebot.store import Store, open_store

from conftest import TODAY
from fakediscord import FakeDiscord

MONTHS = [f"{year}-{month:02d}" for year in range(1990, 2026) for month in range(1, 13)]  # 432
PARTNERS = [country.alpha_3 for country in pycountry.countries][:100]
OLD_BALANCE, NEW_BALANCE = 111_680_000_000.0, 112_000_000_000.0


def _row(reporter: str, partner: str, indicator: str, month: str, value: float, source: str = "IMF IMTS",
         published: str = "2026-08-05") -> tuple:
    return (reporter, partner, indicator, month, month, value, "USD", source, published, "2026-11-29T00:00:00+00:00", "", "")


def _big_import() -> list[tuple]:
    """About 130,000 figures for Brazil first, and last a revision of China's November 2025
    surplus: a reader that could see half an import would see Brazil without the revision."""
    rows = [_row("BRA", partner, indicator, month, 1e9 + n)
            for n, (partner, indicator, month) in enumerate(
                (p, i, m) for p in ["WLD", *PARTNERS] for i in ("exports", "imports", "balance") for m in MONTHS)]
    rows.append(_row("CHN", "WLD", "balance", "2025-11", NEW_BALANCE, source="China Customs (GACC)", published="2026-01"))
    return rows


def test_answers_go_on_during_a_large_import_and_see_it_whole_or_not_at_all(db_path):
    open_store(Settings(db_path=db_path)).close()
    rows = _big_import()
    seen: list[tuple[bool, float]] = []  # per read: (Brazil visible, China's surplus)
    seen_started: list[float] = []  # when each of those reads began
    spans: list[tuple[float, float]] = []  # when each read started and ended
    slowest = 0.0
    errors: list[str] = []
    finished = threading.Event()

    def read() -> None:
        nonlocal slowest
        reader = Store(db_path)
        try:
            while not finished.is_set() or len(seen) < 5:
                started = time.perf_counter()
                reader.conn.execute("BEGIN")  # both answers from one snapshot of the database
                brazil = ask(reader, "surplus brazil", TODAY)
                china = ask(reader, "/surplus china period:2025-11", TODAY)
                reader.conn.execute("COMMIT")
                slowest = max(slowest, time.perf_counter() - started)
                spans.append((started, time.perf_counter()))
                if not china.ok:
                    errors.append(china.text)
                    continue
                # the headline is the first figure that is not an earlier vintage of another one
                earlier = {id(f.revised_from) for f in china.figures if f.revised_from}
                headline = next(f for f in china.figures if id(f) not in earlier)
                seen.append((brazil.ok, headline.value))
                seen_started.append(started)
                if brazil.ok is False and "no figures reported by Brazil" not in brazil.text:
                    errors.append(brazil.text)
        except Exception as error:  # noqa: BLE001 - any exception in the reader fails the test below
            errors.append(repr(error))
        finally:
            reader.close()

    reader_thread = threading.Thread(target=read)
    reader_thread.start()
    writer = Store(db_path)
    try:
        import_started = time.perf_counter()
        report = writer.add_figures(rows)
        import_ended = time.perf_counter()
    finally:
        writer.close()
        finished.set()
        reader_thread.join(timeout=60)
    assert report.added == len(rows) and report.revised == 1
    assert not errors, errors[:3]
    assert seen and set(seen) <= {(False, OLD_BALANCE), (True, NEW_BALANCE)}, sorted(set(seen))
    # every read that began after the import committed sees all of it (one that began before may not)
    after = [state for state, started in zip(seen, seen_started, strict=True) if started > import_ended]
    assert set(after) <= {(True, NEW_BALANCE)}
    final = Store(db_path)
    try:
        assert ask(final, "surplus brazil", TODAY).ok
        assert ask(final, "/surplus china period:2025-11", TODAY).title.startswith("China — trade surplus, November 2025: $112.0 bn")
    finally:
        final.close()
    during = sum(import_started < start and end < import_ended for start, end in spans)
    assert during >= 3, "the reader did not get answers while the import ran"
    # readers are never made to wait for the writer in WAL mode: a generous bound, not a timing test
    assert slowest < 5, f"an answer pair took {slowest:.2f} s during the import"
    print(f"\n{len(seen)} answer pairs during an import of {len(rows):,} figures; slowest {slowest * 1000:.1f} ms")


def test_the_event_loop_never_waits_for_an_import_or_a_busy_writer(db_path):
    """Issue 16: store writes ran on the event loop with a 5 s busy timeout, so an import froze
    every command. Now an import runs on the writer thread while slash commands, /ask in a
    thread (whose context save waits behind the import) and the loop's own timers go on: a probe
    that wakes every 5 ms measures how late the loop is, through the real client and the fake Discord."""
    rows = _big_import()

    async def main():
        async with FakeDiscord() as fake:
            settings = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600)
            client = entry.build_bot(settings, guild_ready_timeout=0.1)
            async with fake.run_bot(client):
                first = await fake.slash("ask", {"question": "surplus china"})
                await fake.wait_response(first)
                thread = await fake.wait_request(lambda r: r.method == "POST" and r.path.endswith("/threads"))
                thread_id = int(thread.response["id"])
                lags, running = [], True

                async def probe():
                    loop = asyncio.get_running_loop()
                    while running:
                        start = loop.time()
                        await asyncio.sleep(0.005)
                        lags.append(loop.time() - start - 0.005)

                prober = asyncio.create_task(probe())
                importing = asyncio.create_task(client.writes(client.writer.add_figures, rows))
                await asyncio.sleep(0.05)  # the import has the write lock
                answered = []  # per reply: whether the import had finished by then
                for country in ("china", "us", "china", "us", "china"):
                    interaction = await fake.slash("surplus", {"country": country})
                    await fake.wait_response(interaction, timeout=3)
                    answered.append(importing.done())
                follow = await fake.slash("ask", {"question": "and exports?"}, channel_id=thread_id)
                follow_reply = await fake.wait_response(follow, timeout=3)
                answered.append(importing.done())
                report = await importing
                running = False
                await prober
                return answered, lags, follow_reply.json["data"]["embeds"][0]["title"], report.added

    answered, lags, follow_title, added = asyncio.run(main())
    print(f"replies before the import ended: {answered.count(False)} of {len(answered)}; loop lag over {len(lags)} probes: "
          f"median {statistics.median(lags) * 1000:.1f} ms, max {max(lags) * 1000:.1f} ms")
    assert added == len(rows)
    assert not all(answered)  # at least the first answers came while the import was still running
    assert follow_title.startswith("China — exports")
    lags.sort()
    p99 = lags[int(len(lags) * 0.99) - 1]
    assert p99 < 0.05, f"event-loop lag p99 {p99 * 1000:.0f} ms, median {statistics.median(lags) * 1000:.1f} ms"
