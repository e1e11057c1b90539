"""The Discord sender of alerts (`tradebot.delivery.Sender`): a post in a channel, found again
by its marker among the channel's recent messages, and a thread under it. Discord's errors
become the core's two kinds: the channel is gone or closed to the bot, or try again later."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aiohttp
import discord

from cogs.utils.render import message_parts
from tradebot.alerts import Delivery
from tradebot.answers import Answer
from tradebot.delivery import SendFailed, Sent, TargetGone

HISTORY_TO_CHECK = 50  # recent messages searched for an alert that may already have gone out


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
        with _translated(delivery):
            channel = await self._channel(delivery)
            async for message in channel.history(limit=HISTORY_TO_CHECK):
                if message.author.id == self.client.user.id and any(delivery.marker in (e.footer.text or "") for e in message.embeds):
                    return Sent(message.id, message)
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
            thread = await sent.handle.create_thread(name=name)
        return thread.id
