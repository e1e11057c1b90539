"""A local HTTP server standing in for a source's site: the same code path a live run takes,
only the base URL differs. `route(request, n)` makes the n-th reply; every request is kept."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Seen:
    at: float
    path: str
    headers: dict


class Server:
    """aiohttp on 127.0.0.1; `origin` is `http://127.0.0.1:PORT`, `base` that plus `path`."""

    def __init__(self, route, path: str = "/external/sdmx/2.1"):
        self.route, self.path = route, path
        self.requests: list[Seen] = []

    async def __aenter__(self) -> Server:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        port = self.runner.addresses[0][1]
        self.origin = f"http://127.0.0.1:{port}"
        self.base = self.origin + self.path
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Seen(time.monotonic(), request.raw_path, dict(request.headers)))
        return await self.route(request, len(self.requests))


async def alerts_after_polls(db_path, route, path: str, source: str, country: str, polls: int = 2, **settings) -> list[list]:
    """The real bot on the fake Discord, two channels subscribed to `country`, then `polls`
    scheduled-style syncs of `source` from a replay server at `path`: each channel's posts."""
    from dataclasses import replace

    import bot as entry
    from tradebot.config import Settings

    from fakediscord import FakeDiscord

    async with FakeDiscord() as fake, Server(route, path=path) as server:
        options = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600,
                          source_urls={source: server.base}, **settings)
        client = entry.build_bot(options, guild_ready_timeout=0.1)
        async with fake.run_bot(client):
            channels = [fake.channel_id, await fake.add_channel("markets")]
            for channel in channels:
                interaction = await fake.slash("alerts", {"country": country}, subcommand="subscribe",
                                               user_id=fake.admin_id, channel_id=channel)
                await fake.wait_response(interaction)
            for _ in range(polls):
                await client.sync_live(source, min_interval=0, backoff=(0,))
            return [[r for r in fake.requests if r.method == "POST" and r.ok and r.path == f"/channels/{channel}/messages"]
                    for channel in channels]
