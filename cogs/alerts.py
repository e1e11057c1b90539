"""/alerts subscribe|unsubscribe|list. Delivering what they subscribe to is the core's
(`tradebot.delivery`), through the Discord sender (cogs/utils/sender.py) the bot registers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.autocomplete import country_choices
from cogs.utils.tree import reply
from tradebot import alerts, countries
from tradebot.alerts import ALL_REPORTERS
from tradebot.errors import TradebotError

if TYPE_CHECKING:
    from cogs.utils.client import TradeBot

# Discord drops an interaction not answered within 3 s; a write queued behind a long import can
# take longer, so a reply still waiting this long is deferred first
DEFER_AFTER = 2.0


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Alerts(commands.GroupCog, group_name="alerts", group_description="Summaries posted here when new monthly figures land"):
    def __init__(self, bot: TradeBot):
        self.bot = bot

    @app_commands.command(name="subscribe", description="Post a summary in this channel whenever new figures land")
    @app_commands.describe(country="Only this reporting country (default: every country)", role="A role to ping with each alert")
    @app_commands.autocomplete(country=country_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def subscribe(self, interaction: discord.Interaction, country: str | None = None, role: discord.Role | None = None):
        reporter = countries.resolve(country).code if country else ALL_REPORTERS
        if role is not None and not isinstance(role, discord.Role):  # an id Discord could not resolve: deleted meanwhile
            raise TradebotError("That role is not one this server has (deleted a moment ago?); nothing was changed.")
        subscription = await self._write(interaction, alerts.subscribe, interaction.guild_id, interaction.channel_id, reporter,
                                         role.id if role else None, interaction.user.id)
        ping = f", pinging {role.mention}" if role else ""
        await reply(interaction, f"This channel will get a summary whenever new figures for {subscription.covers} land{ping}.")

    @app_commands.command(name="unsubscribe", description="Stop alerts in this channel")
    @app_commands.describe(country="Only this reporting country (default: all of this channel's alerts)")
    @app_commands.autocomplete(country=country_choices)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unsubscribe(self, interaction: discord.Interaction, country: str | None = None):
        reporter = countries.resolve(country).code if country else None
        ended = await self._write(interaction, alerts.unsubscribe, interaction.channel_id, reporter)
        what = "alerts" if reporter is None else f"alerts for {countries.by_code(reporter).name}"
        await reply(interaction, f"Stopped {what} in this channel." if ended else f"This channel had no {what}.")

    @app_commands.command(name="list", description="The alert subscriptions in this server")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction):
        subscriptions = await self.bot.reads(alerts.guild_subscriptions, self.bot.store, interaction.guild_id)
        lines = [
            f"<#{s.channel_id}>: {s.covers}" + (f", pinging <@&{s.role_id}>" if s.role_id else "")
            + ("" if s.active else f" — inactive ({s.status_note})")
            for s in subscriptions
        ]
        await interaction.response.send_message("\n".join(lines) or "No alerts in this server yet: use /alerts subscribe.", ephemeral=True)

    async def _write(self, interaction: discord.Interaction, function: Callable, *args):
        """`function(writer, *args)` on the writer thread; when it waits past `DEFER_AFTER` (behind
        an import) the reply is deferred, publicly, as the reply will be."""
        writing = asyncio.ensure_future(self.bot.writes(function, self.bot.writer, *args))
        done, _ = await asyncio.wait({writing}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer(thinking=True)
        return await writing



async def setup(bot: TradeBot) -> None:
    await bot.add_cog(Alerts(bot))
