"""End to end through Discord's protocol: the real bot (`bot.build_bot`) connected to the fake
Discord of tests/fakediscord.py over real sockets, on the N-observation store.

    end_to_end.py CSV DB [--interactions 500] [--in-flight 50]

Slash commands (/surplus for a reporter's latest balance, /exports with a partner and a
month), sent in waves of `--in-flight` at once. Each latency runs from just before the fake
sends the INTERACTION_CREATE gateway event (`fake.slash(...)`) to the moment the fake's REST
handler receives the bot's interaction callback (observed by wrapping the fake's
`_r_callback`; `wait_response` would poll the whole request list on every change). Every
callback is then checked in the fake's request log: status 200, a type-4 reply with an
embed, not an error. With `--bot-process` (what run.py uses) the bot runs in a process of its
own (bench/bot_process.py), so the fake's work runs on the other core and the numbers are the
bot's; without it the bot and the fake share one event loop, as in the tests, and the fake's
own work is inside the numbers. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH.parent / "tests"))
sys.path.insert(0, str(BENCH))

from common import emit, self_peak_mb, summary_ms, write_listing  # noqa: E402


def commands(meta: dict, count: int, seed: int = 50) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    out = []
    for number in range(count):
        reporter = rng.choice(meta["reporters"])
        if number % 2 == 0:
            out.append(("surplus", {"country": reporter}))
        else:
            partner = rng.choice([p for p in meta["partners"][reporter] if p != "G001"])
            out.append(("exports", {"country": reporter, "partner": partner, "period": rng.choice(meta["months"][24:])}))
    return out


@contextlib.asynccontextmanager
async def bot_in_process(fake, db: Path):
    """The bot on this process's event loop, beside the fake."""
    from bot_process import bench_settings

    import bot as entry

    client = entry.build_bot(bench_settings(db, fake.token), guild_ready_timeout=0.1)
    async with fake.run_bot(client, timeout=120):
        yield {}


@contextlib.asynccontextmanager
async def bot_in_its_own_process(fake, db: Path, profile: Path | None = None):
    """The bot in a child process (bench/bot_process.py, under cProfile with `profile`); ready
    once it has identified and synced its commands. Yields a dict that gets the child's peak RSS
    when it is stopped."""
    child = await asyncio.create_subprocess_exec(sys.executable, str(BENCH / "bot_process.py"), fake.base_url,
                                                 fake.token, str(db), *([str(profile)] if profile else []),
                                                 stdin=asyncio.subprocess.DEVNULL)
    clock_ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:  # the child's user + system time so far (/proc/PID/stat fields 14 and 15)
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / clock_ticks

    info: dict = {"cpu_seconds": cpu_seconds, "signal": child.send_signal}
    try:
        deadline = time.perf_counter() + 120
        while not (fake.ready.is_set() and fake.commands):
            if child.returncode is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"the bot process was not ready (exit code {child.returncode})")
            await asyncio.sleep(0.05)
        yield info
    finally:
        with contextlib.suppress(OSError, ValueError):
            status = Path(f"/proc/{child.pid}/status").read_text()
            info["bot_peak_mb"] = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 15)
            except TimeoutError:
                child.kill()
                await child.wait()


async def run(db: Path, meta: dict, interactions: int, in_flight: int, warmup: int, separate: bool = False,
              profile: Path | None = None) -> dict:
    from fakediscord import FakeDiscord

    logging.getLogger("discord").setLevel(logging.WARNING)
    plan = commands(meta, warmup + interactions)
    async with FakeDiscord() as fake:
        received: dict[int, float] = {}
        arrived: dict[int, asyncio.Future] = {}
        original = fake._r_callback

        async def observed(rec, iid, token):
            received.setdefault(int(iid), time.perf_counter())
            try:
                return await original(rec, iid, token)
            finally:
                future = arrived.get(int(iid))
                if future is not None and not future.done():
                    future.set_result(None)

        fake._r_callback = observed
        started_bot = time.perf_counter()
        bot = bot_in_its_own_process(fake, db, profile) if separate else bot_in_process(fake, db)
        async with bot as bot_info:
            ready_seconds = time.perf_counter() - started_bot

            async def one(name: str, options: dict) -> tuple[float, int]:
                loop = asyncio.get_running_loop()
                begin = time.perf_counter()
                # the id is only known once slash() returns, so register by id right after;
                # a callback that came first is still in `received`
                interaction = await fake.slash(name, options)
                future = arrived.setdefault(interaction.id, loop.create_future())
                if interaction.id not in received:
                    await asyncio.wait_for(future, 30)
                return received[interaction.id] - begin, interaction.id

            async def wave(items):
                return await asyncio.gather(*(one(name, options) for name, options in items))

            for start in range(0, warmup, in_flight):
                await wave(plan[start:min(warmup, start + in_flight)])
            latencies, ids = [], []
            cpu_before = bot_info["cpu_seconds"]() if "cpu_seconds" in bot_info else None
            if profile and separate:
                bot_info["signal"](signal.SIGUSR1)  # bot_process.py starts profiling
            began = time.perf_counter()
            for start in range(warmup, warmup + interactions, in_flight):
                for seconds, iid in await wave(plan[start:min(warmup + interactions, start + in_flight)]):
                    latencies.append(seconds)
                    ids.append(iid)
            elapsed = time.perf_counter() - began
            bot_cpu = bot_info["cpu_seconds"]() - cpu_before if cpu_before is not None else None
            if profile and separate:
                raw = profile.with_suffix(".prof")
                raw.unlink(missing_ok=True)
                bot_info["signal"](signal.SIGUSR2)  # … and writes what it profiled
                for _ in range(100):
                    if raw.exists():
                        break
                    await asyncio.sleep(0.1)
            await asyncio.sleep(0.2)
            callbacks = {int(r.path.split("/")[2]): r for r in fake.requests if r.method == "POST" and r.path.endswith("/callback")}
            bad = []
            for iid in ids:
                request = callbacks.get(iid)
                if request is None or request.status != 200 or request.json.get("type") != 4 \
                        or not request.json.get("data", {}).get("embeds") or request.json["data"].get("flags", 0) & 64:
                    bad.append(json.dumps(request.json if request else None)[:300])
    return {"interactions": len(latencies), "in_flight": in_flight, **summary_ms(latencies), "errors": len(bad),
            "error_examples": bad[:3], "throughput_per_s": len(latencies) / elapsed, "ready_seconds": ready_seconds,
            "bot_process": separate, "peak_mb": bot_info.get("bot_peak_mb", self_peak_mb()),
            # the bot's own CPU per command while timed: with N in flight a command waits behind the others,
            # so p99 is about N × this
            **({"bot_cpu_ms_per_command": bot_cpu * 1000 / len(latencies)} if bot_cpu is not None else {}),
            **({"profile_by_package": by_package(profile.with_suffix(".prof"))} if profile and separate else {})}


def by_package(raw: Path) -> dict[str, float]:
    """Own time of a cProfile run by where the code lives: a site-packages package (discord,
    aiohttp, …), this repository's top folder (tradebot, cogs), the standard library's module,
    or a built-in (select.epoll's poll is the loop waiting: idle)."""
    import pstats

    seconds: dict[str, float] = {}
    for (file, _line, name), (_calls, _primitive, own, _cumulative, _callers) in pstats.Stats(str(raw)).stats.items():
        if "site-packages/" in file:
            where = file.split("site-packages/")[1].split("/")[0]
        elif file.startswith(str(BENCH.parent)):
            where = Path(file).relative_to(BENCH.parent).parts[0]
        elif file == "~":
            where = "idle (waiting in epoll)" if "poll" in name else "built-ins"
        else:
            where = "standard library: " + Path(file).stem
        seconds[where] = seconds.get(where, 0.0) + own
    return dict(sorted(seconds.items(), key=lambda item: -item[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--interactions", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--bot-process", action="store_true", help="run the bot in a process of its own")
    parser.add_argument("--profile", type=Path, help="write a cProfile listing here (diagnostic): of the bot's process "
                        "with --bot-process, else of the whole run")
    args = parser.parse_args()
    meta = json.loads(Path(str(args.csv) + ".json").read_text(encoding="utf-8"))
    if not args.profile or args.bot_process:
        emit(asyncio.run(run(args.db, meta, args.interactions, args.in_flight, args.warmup, args.bot_process, args.profile)))
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    result = asyncio.run(run(args.db, meta, args.interactions, args.in_flight, args.warmup, args.bot_process))
    profiler.disable()
    write_listing(profiler, args.profile)
    emit(result)


if __name__ == "__main__":
    main()
