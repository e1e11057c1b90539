"""The real bot (`bot.build_bot`) in a process of its own, connected to a fake Discord that runs
in another: what end_to_end.py starts so that its latencies are the bot's work, not the fake's.

    bot_process.py BASE_URL TOKEN DB [PROFILE]

BASE_URL is the fake's `http://127.0.0.1:PORT`; the gateway is the same port (as in
tests/fakediscord.py). Runs until terminated (SIGTERM or SIGINT); prints nothing. With
PROFILE, SIGUSR1 starts cProfile and SIGUSR2 writes the listing there (by total and by own
time; the raw stats beside it, .prof): where the bot's time per command goes (end_to_end.py
--profile). Only the event loop's thread is profiled: answers run on the store's reading thread.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bench_settings(db: Path, token: str):
    """The bot's settings in every end-to-end run: the store, the fake's token, and no scheduled
    IMF fetch during the run (there is no network); alert delivery still ticks."""
    from tradebot.config import Settings

    return replace(Settings(db_path=db), discord_token=token, imf_sync_cron="0 0 1 1 *")


async def serve(base_url: str, token: str, db: Path, profile: Path | None = None) -> None:
    import discord.gateway
    import discord.http
    import yarl

    import bot as entry

    # where the fake listens: what FakeDiscord.start() sets in the process it runs in
    discord.http.Route.BASE = f"{base_url}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base_url.replace("http://", "ws://") + "/")
    logging.getLogger("discord").setLevel(logging.WARNING)
    if profile:
        profile_on_signals(profile)
    client = entry.build_bot(bench_settings(db, token), guild_ready_timeout=0.1)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    runner = asyncio.create_task(client.start(token))
    await asyncio.wait({runner, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    await client.close()
    if runner.done() and runner.exception():
        raise runner.exception()


def profile_on_signals(listing: Path) -> None:
    """SIGUSR1 starts cProfile on the event loop's thread, SIGUSR2 stops it and writes the listing
    (and the raw stats beside it): end_to_end.py profiles only the commands it times, not the start."""
    import cProfile

    from common import write_listing

    profiler = cProfile.Profile()

    def stop() -> None:
        profiler.disable()
        write_listing(profiler, listing, 70)

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, profiler.enable)
    loop.add_signal_handler(signal.SIGUSR2, stop)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else None))
