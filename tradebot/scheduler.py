"""APScheduler wiring: a sync job per live source and the alert delivery job.

Jobs have explicit ids, never overlap (`max_instances=1`), run once when several runs were
missed (`coalesce`), and are dropped when more than `misfire_grace_time` late. Each job logs
its own exceptions, so a failing sync never stops the bot or the other jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tradebot.errors import TradebotError

log = logging.getLogger("tradebot.scheduler")

SYNC_GRACE = 3600  # a sync an hour late is still worth running
JITTER_SECONDS = 120  # polls never land on the source at the same second as everyone else's
DELIVERY_GRACE = 60


def guarded(name: str, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """Run `job`, logging a known failure in one line and anything else with its traceback."""

    async def run() -> None:
        try:
            await job()
        except TradebotError as error:
            log.warning("%s: %s", name, error.message)
        except Exception:
            log.exception("%s failed; it will run again on schedule", name)

    return run


def build(
    sync_jobs: dict[str, tuple[str, Callable[[], Awaitable[object]]]],
    deliver: Callable[[], Awaitable[object]] | None,
    delivery_seconds: float,
) -> AsyncIOScheduler:
    """`sync_jobs`: source name → (crontabs, coroutine function); `deliver`: the alert delivery
    job (None in a sync process, which leaves delivery to the gateways). Not started yet."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for source, (crontabs, job) in sync_jobs.items():
        scheduler.add_job(
            guarded(f"sync {source}", job), trigger(crontabs), id=f"sync-{source}",
            coalesce=True, max_instances=1, misfire_grace_time=SYNC_GRACE, replace_existing=True,
        )
    if deliver is None:
        return scheduler
    scheduler.add_job(
        guarded("alert delivery", deliver), IntervalTrigger(seconds=delivery_seconds), id="deliver-alerts",
        coalesce=True, max_instances=1, misfire_grace_time=DELIVERY_GRACE, replace_existing=True,
    )
    return scheduler


def trigger(crontabs: str):
    """`*/30 1-9 7-14 * *; 20 6 * * *`: fire at any of the crontabs (UTC), each with jitter."""
    triggers = []
    for crontab in (part.strip() for part in crontabs.split(";") if part.strip()):
        minute, hour, day, month, day_of_week = crontab.split()
        triggers.append(CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                                    timezone="UTC", jitter=JITTER_SECONDS))
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)
