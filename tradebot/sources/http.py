"""Polite HTTP for the live sources, in one place: a clear User-Agent, one request at a time
with a pause between them, retries with backoff and jitter on 429, 5xx, timeouts and
connection errors (honouring Retry-After), and every failure as one line.

A source hands `get` a reader for the response; the reader runs inside the retry loop (a
body cut off mid-transfer is retried like any other transient failure) and decides what a
status means for that source (a 204 is "not published yet" to the Census API, an error to
the IMF's)."""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp

from tradebot import __version__
from tradebot.errors import SourceUnavailable, SourceUnreachable

log = logging.getLogger(__name__)

USER_AGENT = f"tradebot/{__version__} (+https://github.com/; trade-figures Discord bot)"
MAX_RETRY_AFTER = 300.0  # a longer wait asked by a 429/503 is given up on at once
T = TypeVar("T")


class Pacer:
    """At most one request per `interval` seconds: the next starts `interval` after the last ended."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last: float | None = None

    async def wait(self) -> None:
        if self.last is not None:
            delay = self.last + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    def done(self) -> None:
        self.last = time.monotonic()


async def get(
    session: aiohttp.ClientSession, url: str, read: Callable[[aiohttp.ClientResponse], Awaitable[T]], *,
    label: str, pacer: Pacer, backoff: Sequence[float], timeout: float, headers: dict[str, str] | None = None,
    shown: str | None = None, allow_redirects: bool = True,
) -> T:
    """`read(response)` for the first answer that is not worth retrying, after up to
    `len(backoff)` retries. `shown` is the URL as messages may show it (without a key).
    Raises `SourceUnreachable` when the host cannot be reached, else `SourceUnavailable`."""
    shown = shown or url
    tries = len(backoff) + 1
    headers = {"User-Agent": USER_AGENT, **(headers or {})}
    unreachable, problem = False, ""
    for attempt in range(tries):
        wait: float | None = None
        unreachable = False
        await pacer.wait()
        try:
            async with session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout),
                                   allow_redirects=allow_redirects) as response:
                if response.status == 429 or response.status >= 500:
                    problem = status_text(response)
                    wait = retry_after(response.headers.get("Retry-After"))
                    if wait is not None and wait > MAX_RETRY_AFTER:
                        raise SourceUnavailable(f"{shown} answered {problem} and asked to wait {wait:.0f} s; try again later.")
                else:
                    return await read(response)
        except aiohttp.ClientSSLError as error:
            raise SourceUnavailable(f"{shown}: the TLS connection failed: {one_line(error)}") from None
        except aiohttp.ClientConnectorError as error:
            unreachable, problem = True, connect_reason(error)
        except (aiohttp.TooManyRedirects, aiohttp.InvalidURL) as error:
            raise SourceUnavailable(f"{shown}: {type(error).__name__}: {one_line(error)}") from None
        except (aiohttp.ClientError, TimeoutError) as error:
            problem = f"timed out after {timeout:g} s" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {one_line(error)}"
        finally:
            pacer.done()
        if attempt + 1 < tries:
            delay = wait if wait is not None else backoff[attempt] * random.uniform(1.0, 1.2)  # with jitter
            # routine, so INFO: what is worth a warning is the failure after the last try
            log.info("%s %s: %s; retrying in %.1f s (%d/%d)", label, shown, problem, delay, attempt + 1, tries - 1)
            await asyncio.sleep(delay)
    tried = f"{tries} tries" if tries > 1 else "1 try"
    if unreachable:
        raise SourceUnreachable(f"Could not reach {urlsplit(url).netloc}: {problem} ({tried}, {shown}).")
    raise SourceUnavailable(f"{shown} failed: {problem} ({tried}).")


def status_text(response: aiohttp.ClientResponse) -> str:
    return f"HTTP {response.status} {response.reason or ''}".strip()


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def connect_reason(error: aiohttp.ClientConnectorError) -> str:
    os_error = error.os_error
    if isinstance(os_error, OSError) and os_error.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
        return {errno.ECONNREFUSED: "connection refused", errno.EHOSTUNREACH: "no route to host",
                errno.ENETUNREACH: "network unreachable"}[os_error.errno]
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed ({one_line(os_error.strerror or os_error)})"
    return one_line(getattr(os_error, "strerror", None) or error)


def one_line(error: object) -> str:
    return " ".join(str(error).split())[:300]
