"""/about and /calendar: what the store holds, where it comes from, and what is due next."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils.autocomplete import country_choices
from cogs.utils.render import answer_embed
from tradebot.answers import command

if TYPE_CHECKING:
    from cogs.utils.client import TradeBot

FOLLOW_UPS = "Follow-ups in threads"
EMBED_FIELD_LIMIT = 25


class Info(commands.Cog):
    def __init__(self, bot: TradeBot):
        self.bot = bot

    async def _reply(self, interaction: discord.Interaction, intent: str, country: str | None = None):
        result = await self.bot.reads(command, self.bot.store, intent, country=country)
        if result.error:
            raise result.error
        embed = answer_embed(result)
        if intent == "about":
            self._add_live_sources(embed)
            self._add_follow_up_mode(embed)
        await interaction.response.send_message(embed=embed)

    def _add_live_sources(self, embed: discord.Embed) -> None:
        """Which sources the bot polls and when: from the settings (the client's), not the store."""
        if len(embed.fields) < EMBED_FIELD_LIMIT:
            embed.add_field(name="Polled live", inline=False,
                            value="\n".join(f"{source}: {when}" for source, when in self.bot.live_sources))

    def _add_follow_up_mode(self, embed: discord.Embed) -> None:
        """Which messages in the bot's threads get answered depends on the message-content intent."""
        if self.bot.intents.message_content:
            mode = "every message (message content intent on)"
        else:
            mode = "messages that mention the bot (message content intent off)"
        if len(embed.fields) < EMBED_FIELD_LIMIT:
            embed.add_field(name=FOLLOW_UPS, value=mode, inline=False)
        else:
            embed.description = f"{embed.description or ''}\n{FOLLOW_UPS}: {mode}.".strip()

    @app_commands.command(name="about", description="Where tradebot's figures come from, what they cover and how fresh they are")
    async def about(self, interaction: discord.Interaction):
        await self._reply(interaction, "about")

    @app_commands.command(name="calendar", description="The newest period per country and when the next release is expected")
    @app_commands.describe(country="One reporting country (default: all)")
    @app_commands.autocomplete(country=country_choices)
    async def calendar(self, interaction: discord.Interaction, country: str | None = None):
        await self._reply(interaction, "calendar", country)


async def setup(bot: TradeBot) -> None:
    await bot.add_cog(Info(bot))
