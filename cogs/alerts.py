"""/alerts subscribe|unsubscribe|list, and delivering the outbox: one post per (event, channel),
with a thread for follow-ups, exactly once across crashes and restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.autocomplete import country_choices
from cogs.utils.render import COLOURS
from tradebot import alerts, countries, narrative
from tradebot.alerts import ALL_REPORTERS, Delivery
from tradebot.errors import TradebotError

log = logging.getLogger("tradebot.alerts")

HISTORY_TO_CHECK = 50  # recent messages searched for an alert that may already have gone out


def summary_embed(summary: narrative.Summary, delivery: Delivery) -> discord.Embed:
    balance = next((f for f in summary.figures if f.indicator == "balance" and f.period == summary.period), None)
    tone = "neutral" if balance is None else ("deficit" if balance.value < 0 else "surplus")
    embed = discord.Embed(title=summary.title[:256], description="\n\n".join(summary.paragraphs)[:4096], colour=COLOURS[tone])
    embed.set_footer(text=f"{summary.footer} · {delivery.marker}"[:2048])
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Alerts(commands.GroupCog, group_name="alerts", group_description="Summaries posted here when new monthly figures land"):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        # a test hook: called after Discord accepted an alert and before the outbox records it
        self.after_send: Callable[[Delivery], None] = lambda delivery: None
        self._delivering = asyncio.Lock()

    @app_commands.command(name="subscribe", description="Post a summary in this channel whenever new figures land")
    @app_commands.describe(country="Only this reporting country (default: every country)", role="A role to ping with each alert")
    @app_commands.autocomplete(country=country_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def subscribe(self, interaction: discord.Interaction, country: str | None = None, role: discord.Role | None = None):
        reporter = countries.resolve(country).code if country else ALL_REPORTERS
        subscription = alerts.subscribe(
            self.bot.store, interaction.guild_id, interaction.channel_id, reporter, role.id if role else None, interaction.user.id
        )
        ping = f", pinging {role.mention}" if role else ""
        await interaction.response.send_message(
            f"This channel will get a summary whenever new figures for {subscription.covers} land{ping}."
        )

    @app_commands.command(name="unsubscribe", description="Stop alerts in this channel")
    @app_commands.describe(country="Only this reporting country (default: all of this channel's alerts)")
    @app_commands.autocomplete(country=country_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unsubscribe(self, interaction: discord.Interaction, country: str | None = None):
        reporter = countries.resolve(country).code if country else None
        ended = alerts.unsubscribe(self.bot.store, interaction.channel_id, reporter)
        what = "alerts" if reporter is None else f"alerts for {countries.by_code(reporter).name}"
        text = f"Stopped {what} in this channel." if ended else f"This channel had no {what}."
        await interaction.response.send_message(text)

    @app_commands.command(name="list", description="The alert subscriptions in this server")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction):
        subscriptions = alerts.guild_subscriptions(self.bot.store, interaction.guild_id)
        lines = [
            f"<#{s.channel_id}>: {s.covers}" + (f", pinging <@&{s.role_id}>" if s.role_id else "")
            + ("" if s.active else f" — inactive ({s.status_note})")
            for s in subscriptions
        ]
        await interaction.response.send_message("\n".join(lines) or "No alerts in this server yet: use /alerts subscribe.", ephemeral=True)

    # --- delivery ---

    async def deliver(self) -> int:
        """Plan deliveries for new events, then send the due ones; return how many went out."""
        async with self._delivering:  # the scheduler and a sync may both ask
            store = self.bot.store
            alerts.plan(store)
            sent = 0
            for delivery in alerts.due(store):
                try:
                    summary = narrative.summarize(store, delivery.reporter, delivery.period)
                except TradebotError as error:
                    alerts.give_up(store, delivery, error.message)
                    log.warning("alert %s has nothing to say: %s", delivery.id, error.message)
                    continue
                sent += await self._send(delivery, summary)
            return sent

    async def _send(self, delivery: Delivery, summary: narrative.Summary) -> bool:
        store = self.bot.store
        try:
            channel = self.bot.get_channel(delivery.channel_id) or await self.bot.fetch_channel(delivery.channel_id)
            message = await self._already_sent(channel, delivery) if delivery.attempts else None
            if message is None:
                alerts.begin_attempt(store, delivery)
                role = discord.Object(delivery.role_id) if delivery.role_id else None
                message = await channel.send(
                    content=f"<@&{delivery.role_id}>" if role else None,
                    embed=summary_embed(summary, delivery),
                    nonce=delivery.nonce,  # discord.py adds enforce_nonce: Discord drops a resend within minutes
                    allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=[role] if role else False),
                )
                self.after_send(delivery)
            alerts.mark_sent(store, delivery, message.id)
        except (discord.NotFound, discord.Forbidden) as error:
            reason = f"Discord answered {error.status} ({error.text or 'no access'}) for channel {delivery.channel_id}"
            alerts.deactivate_channel(store, delivery.channel_id, reason)
            log.warning("alerts for channel %s are now inactive: %s", delivery.channel_id, reason)
            return False
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
            again = alerts.retry_later(store, delivery, str(error))
            log.warning("alert %s to channel %s failed (%s); %s", delivery.id, delivery.channel_id, error,
                        "will retry" if again else "giving up")
            return False
        await self._open_thread(message, delivery, summary)
        return True

    async def _already_sent(self, channel: discord.abc.Messageable, delivery: Delivery) -> discord.Message | None:
        """An earlier attempt may have reached Discord before we could record it: look for the
        alert's marker among the channel's recent messages."""
        async for message in channel.history(limit=HISTORY_TO_CHECK):
            if message.author.id == self.bot.user.id and any(delivery.marker in (e.footer.text or "") for e in message.embeds):
                log.info("alert %s was already in channel %s (message %s); not sending again", delivery.id, channel.id, message.id)
                return message
        return None

    async def _open_thread(self, message: discord.Message, delivery: Delivery, summary: narrative.Summary) -> None:
        name = f"{countries.by_code(delivery.reporter).name}, {summary.period.label} — ask follow-ups here"
        try:
            thread = await message.create_thread(name=name[:100])
        except discord.HTTPException as error:
            log.warning("alert %s went out but its thread could not be opened: %s", delivery.id, error)
            return
        alerts.record_thread(self.bot.store, delivery, thread.id)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Alerts(bot))
