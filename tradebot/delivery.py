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
from tradebot.errors import TradebotError
from tradebot.store import Store
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


def thread_name(delivery: Delivery, summary: narrative.Summary) -> str:
    return f"{country_name(delivery.reporter)}, {summary.period.label} — ask follow-ups here"[:100]


class Outbox:
    """The delivery job: `deliver()` sends what is due through the sender of each target kind."""

    def __init__(self, store: Store, senders: dict[str, Sender] | None = None):
        self.store = store
        self.senders: dict[str, Sender] = dict(senders or {})
        # a test hook: called after the target accepted an alert and before the outbox records it
        self.after_send: Callable[[Delivery], None] = lambda delivery: None
        self._delivering = asyncio.Lock()  # the scheduler and a sync may both ask

    async def deliver(self) -> int:
        """Plan deliveries for new events, then send the due ones; return how many went out."""
        async with self._delivering:
            alerts.plan(self.store)
            sent = 0
            for delivery in alerts.due(self.store):
                sender = self.senders.get(delivery.target_kind)
                if sender is None:
                    continue  # that front end is not running in this process: the delivery waits for it
                try:
                    summary = narrative.summarize(self.store, delivery.reporter, delivery.period)
                except TradebotError as error:
                    alerts.give_up(self.store, delivery, error.message)
                    log.warning("alert %s has nothing to say: %s", delivery.id, error.message)
                    continue
                sent += await self._send(sender, delivery, summary)
            return sent

    async def _send(self, sender: Sender, delivery: Delivery, summary: narrative.Summary) -> bool:
        try:
            found = await sender.find(delivery) if delivery.attempts else None
            if found is not None:
                log.info("alert %s was already in channel %s (message %s); not sending again",
                         delivery.id, delivery.channel_id, found.message_id)
                message = found
            else:
                alerts.begin_attempt(self.store, delivery)
                message = await sender.send(delivery, alert_answer(summary, delivery))
                self.after_send(delivery)
            alerts.mark_sent(self.store, delivery, message.message_id)
        except TargetGone as gone:
            alerts.deactivate_channel(self.store, delivery.channel_id, str(gone))
            log.warning("alerts for channel %s are now inactive: %s", delivery.channel_id, gone)
            return False
        except SendFailed as error:
            again = alerts.retry_later(self.store, delivery, str(error))
            log.warning("alert %s to channel %s failed (%s); %s", delivery.id, delivery.channel_id, error,
                        "will retry" if again else "giving up")
            return False
        try:
            thread_id = await sender.open_thread(delivery, message, thread_name(delivery, summary))
        except (TargetGone, SendFailed) as error:
            log.warning("alert %s went out but its thread could not be opened: %s", delivery.id, error)
            return True
        if thread_id is not None:
            alerts.record_thread(self.store, delivery, thread_id)
        return True
