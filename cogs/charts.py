"""/chart: a monthly chart as a PNG attachment, its caption (source, release) as the footer.

The core chooses the figures first (indexed reads, milliseconds), so a mistake or a missing
series is still one private sentence: after a public defer, Discord shows the first followup
publicly whatever its flags. Then the reply is deferred and the PNG drawn in a worker thread
(cogs/utils/render.py). Drawing is limited per person (cogs/utils/cooldowns.py); a refusal is
a private sentence too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils import cooldowns
from cogs.utils.autocomplete import country_choices
from cogs.utils.render import message_parts
from tradebot import charts
from tradebot.answers import Answer, command

if TYPE_CHECKING:
    from cogs.utils.client import TradeBot

INDICATORS = [
    app_commands.Choice(name="balance (with exports and imports)", value="balance"),
    app_commands.Choice(name="exports", value="exports"),
    app_commands.Choice(name="imports", value="imports"),
    app_commands.Choice(name="total trade", value="total_trade"),
]


class Charts(commands.Cog):
    def __init__(self, bot: TradeBot):
        self.bot = bot

    @app_commands.command(name="chart", description="A monthly chart of a country's trade balance, exports, imports or total trade")
    @app_commands.describe(
        country="The reporting country, e.g. china, us, germany",
        partner="Trade with one partner only, e.g. us, eu, asean (default: the world)",
        indicator="What to draw (default: the balance as bars with exports and imports as lines)",
        months=f"How many months up to the newest, {charts.MIN_MONTHS}–{charts.MAX_MONTHS} (default {charts.DEFAULT_MONTHS})",
    )
    @app_commands.autocomplete(country=country_choices, partner=country_choices)
    @app_commands.choices(indicator=INDICATORS)
    async def chart(
        self,
        interaction: discord.Interaction,
        country: str,
        partner: str | None = None,
        indicator: str | None = None,
        months: app_commands.Range[int, charts.MIN_MONTHS, charts.MAX_MONTHS] | None = None,
    ):
        result = await self.bot.reads(command, self.bot.store, "chart", country=country, partner=partner, indicator=indicator,
                                      months=months)
        await send_chart(interaction, result)


async def send_chart(interaction: discord.Interaction, result: Answer) -> None:
    """A chart answer (/chart, or /ask “chart china exports”): a user's mistake raised before
    the defer reaches the tree's handler as one private sentence; then the per-person limit
    on drawing, the defer, and the PNG."""
    if result.error:
        raise result.error
    cooldowns.spend(cooldowns.LIMITS.charts, interaction)  # drawing is the expensive part: one per person per window
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(**await message_parts(result))


async def setup(bot: TradeBot) -> None:
    await bot.add_cog(Charts(bot))
