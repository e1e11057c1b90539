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
