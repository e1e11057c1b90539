"""The Discord sender of alerts (`tradebot.delivery.Sender`): a post in a channel, found again
by its marker among the channel's messages since the attempt began, and a thread under it. Discord's errors
become the core's two kinds: the channel is gone or closed to the bot, or try again later."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta

import aiohttp
import discord

from cogs.utils.render import message_parts
from tradebot.alerts import Delivery
from tradebot.answers import Answer
from tradebot.delivery import SendFailed, Sent, TargetGone

log = logging.getLogger("tradebot.alerts")

# how far before an attempt's recorded start its message can be (clocks, the second recorded)
CLOCK_MARGIN = timedelta(minutes=1)
THREAD_ALREADY_CREATED = 160004  # Discord's code: this message already has a thread (its id is the message's)


@contextlib.contextmanager
def _translated(delivery: Delivery) -> Iterator[None]:
    try:
        yield
    except (discord.NotFound, discord.Forbidden) as error:
        raise TargetGone(f"Discord answered {error.status} ({error.text or 'no access'}) for channel {delivery.channel_id}") from error
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
        raise SendFailed(str(error)) from error


class DiscordSender:
    def __init__(self, client: discord.Client):
        self.client = client

    async def _channel(self, delivery: Delivery) -> discord.abc.Messageable:
        return self.client.get_channel(delivery.channel_id) or await self.client.fetch_channel(delivery.channel_id)

    async def find(self, delivery: Delivery) -> Sent | None:
        """The alert among the channel's messages since the last attempt began, oldest first,
        however many came after it. Without Read Message History there is no way to look: None,
        and the resend's nonce is what keeps Discord from posting it twice (within minutes)."""
        since = discord.Object(discord.utils.time_snowflake(delivery.attempted_at - CLOCK_MARGIN))
        with _translated(delivery):
            channel = await self._channel(delivery)
            try:
                async for message in channel.history(limit=None, after=since, oldest_first=True):
                    if message.author.id == self.client.user.id and any(delivery.marker in (e.footer.text or "") for e in message.embeds):
                        return Sent(message.id, message)
            except discord.Forbidden:
                log.warning("alert %s: cannot read channel %s's history to check for an earlier attempt; sending with its nonce",
                            delivery.id, delivery.channel_id)
        return None

    async def send(self, delivery: Delivery, alert: Answer) -> Sent:
        role = discord.Object(delivery.role_id) if delivery.role_id else None
        with _translated(delivery):
            channel = await self._channel(delivery)
            message = await channel.send(
                content=f"<@&{delivery.role_id}>" if role else None,
                **await message_parts(alert, buttons=False),
                nonce=delivery.nonce,  # discord.py adds enforce_nonce: Discord drops a resend within minutes
                allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=[role] if role else False),
            )
        return Sent(message.id, message)

    async def open_thread(self, delivery: Delivery, sent: Sent, name: str) -> int | None:
        with _translated(delivery):
            message = sent.handle
            if message is None:  # a thread owed since an earlier run: the message by its id
                message = (await self._channel(delivery)).get_partial_message(sent.message_id)
            try:
                thread = await message.create_thread(name=name)
            except discord.HTTPException as error:
                if error.code == THREAD_ALREADY_CREATED:  # opened before a crash, not yet recorded
                    return sent.message_id
                raise
        return thread.id
