"""Delivering alerts to any kind of target: plan the outbox, take what is due, write each
summary, send it, record it, open its follow-up thread, retry or give up. The rules are the
outbox's (`tradebot.alerts`); what differs between a Discord channel and a webhook is only
how a message is sent, found again and threaded, behind `Sender`. The front end registers a
sender per target kind and the scheduler calls `Outbox.deliver`, so delivery depends on no
cog being loaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from tradebot import alerts, narrative
from tradebot.alerts import Delivery
from tradebot.answers import Answer
from tradebot.cluster import EVERY_SHARD, Shards
from tradebot.errors import TradebotError
from tradebot.periods import Period
from tradebot.store import Store, inline
from tradebot.wording import country_name

log = logging.getLogger("tradebot.alerts")


class TargetGone(Exception):
    """The target refuses or no longer exists (a deleted channel, a revoked permission):
    its subscriptions stop, rather than retrying for ever."""


class SendFailed(Exception):
    """A failure worth retrying later (a timeout, a 5xx, a rate limit that outlasted the client)."""


@dataclass(frozen=True)
class Sent:
    """A message a sender posted or found: its id, and whatever the sender needs to open a
    thread from it (a `discord.Message`, say)."""

    message_id: int
    handle: object = None


class Sender(Protocol):
    """One kind of target. Each method raises `TargetGone` or `SendFailed`."""

    async def find(self, delivery: Delivery) -> Sent | None:
        """The message an earlier attempt may have posted before it could be recorded,
        found by `delivery.marker` (every alert shows it); None when there is none."""

    async def send(self, delivery: Delivery, alert: Answer) -> Sent:
        """Post the alert, mentioning `delivery.role_id` and no one else, with
        `delivery.nonce` where the target dedupes on one."""

    async def open_thread(self, delivery: Delivery, sent: Sent, name: str) -> int | None:
        """Open a thread for follow-ups under the posted alert; its id, or None when this
        kind of target has no threads."""


def alert_answer(summary: narrative.Summary, delivery: Delivery) -> Answer:
    """The summary as an answer, its marker in the footer (so a resend can find it)."""
    return replace(summary.answer(), footer=f"{summary.footer} · {delivery.marker}")


def thread_name(delivery: Delivery, period: Period) -> str:
    """Named after the period the summary told (a January of China's is its Jan–Feb release)."""
    return f"{country_name(delivery.reporter)}, {period.label} — ask follow-ups here"[:100]


# the steps of one delivery, in order; `Outbox.checkpoint` is called after each (a test kills
# the process there to prove a restart neither loses nor repeats anything)
STEPS = ("claimed", "sent", "recorded", "threaded")


class Outbox:
    """The delivery job: `deliver()` sends what is due through the sender of each target kind."""

    def __init__(self, store: Store, senders: dict[str, Sender] | None = None, run: Callable = inline,
                 shards: Shards = EVERY_SHARD):
        """`run` is where store calls run: the bot passes its writer thread (`StoreThread`), so
        the bookkeeping of a delivery never holds up the event loop. `shards`: the servers whose
        alerts this process delivers (the others are another process's)."""
        self.store = store
        self.shards = shards
        self.senders: dict[str, Sender] = dict(senders or {})
        self._run = run
        self.checkpoint: Callable[[str, Delivery], None] = lambda step, delivery: None
        self._delivering = asyncio.Lock()  # the scheduler and a sync may both ask

    async def deliver(self) -> int:
        """Plan deliveries for new events, send the due ones and open the threads still owed;
        return how many alerts went out."""
        async with self._delivering:
            await self._run(alerts.plan, self.store)
            for delivery in await self._run(alerts.threads_due, self.store, self.shards):  # a run that stopped between post and thread
                sender = self.senders.get(delivery.target_kind)
                if sender is not None:
                    await self._open_thread(sender, delivery, Sent(delivery.message_id))
            sent = 0
            for delivery in await self._run(alerts.due, self.store, self.shards):
                sender = self.senders.get(delivery.target_kind)
                if sender is None:
                    continue  # that front end is not running in this process: the delivery waits for it
                if not await self._run(alerts.claim, self.store, delivery):
                    continue  # another process took it first
                self.checkpoint("claimed", delivery)
                sent += await self._send(sender, delivery)
            return sent

    async def _send(self, sender: Sender, delivery: Delivery) -> bool:
        try:
            summary = await self._run(narrative.summarize, self.store, delivery.reporter, delivery.period)
        except TradebotError as error:
            await self._run(alerts.give_up, self.store, delivery, error.message)
            log.warning("alert %s has nothing to say: %s", delivery.id, error.message)
            return False
        try:
            # an earlier attempt may have reached the target before it could be recorded
            message = await sender.find(delivery) if delivery.attempted_at else None
            if message is not None:
                log.info("alert %s was already in channel %s (message %s); not sending again",
                         delivery.id, delivery.channel_id, message.message_id)
            else:
                message = await sender.send(delivery, alert_answer(summary, delivery))
                self.checkpoint("sent", delivery)
            await self._run(alerts.mark_sent, self.store, delivery, message.message_id)
            self.checkpoint("recorded", delivery)
        except TargetGone as gone:
            await self._run(alerts.deactivate_channel, self.store, delivery.channel_id, str(gone))
            log.warning("alerts for channel %s are now inactive: %s", delivery.channel_id, gone)
            return False
        except SendFailed as error:
            again = await self._run(alerts.retry_later, self.store, delivery, str(error))
            log.warning("alert %s to channel %s failed (%s); %s", delivery.id, delivery.channel_id, error,
                        "will retry" if again else "giving up")
            return False
        await self._open_thread(sender, delivery, message, summary.period)
        return True

    async def _open_thread(self, sender: Sender, delivery: Delivery, message: Sent, period: Period | None = None) -> None:
        """The follow-up thread under a sent alert; a transient failure leaves it owed for the next run."""
        try:
            thread_id = await sender.open_thread(delivery, message, thread_name(delivery, period or delivery.period))
        except SendFailed as error:
            log.warning("alert %s went out but its thread could not be opened yet: %s", delivery.id, error)
            return
        except TargetGone as error:
            await self._run(alerts.no_thread, self.store, delivery, str(error))
            log.warning("alert %s went out but its thread cannot be opened: %s", delivery.id, error)
            return
        self.checkpoint("threaded", delivery)
        if thread_id is None:
            await self._run(alerts.no_thread, self.store, delivery, "")
        else:
            await self._run(alerts.record_thread, self.store, delivery, thread_id)
