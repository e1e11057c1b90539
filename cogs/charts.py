"""/chart: a monthly chart as a PNG attachment, with the caption (source, release) as footer.

The figures are chosen first (indexed reads, milliseconds, on the event loop where the store's
connection lives), so a mistake or a missing series is still one private sentence: after a
public defer, Discord shows the first followup publicly whatever its flags. Then the reply is
deferred and the PNG drawn in a worker thread, so the loop keeps answering while it renders.
Drawing is limited per person (cogs/utils/cooldowns.py); a refusal is a private sentence too.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils import cooldowns
from cogs.utils.autocomplete import country_choices
from cogs.utils.render import COLOURS
from tradebot import charts
from tradebot.periods import today_utc
from tradebot.questions import command_query

INDICATORS = [
    app_commands.Choice(name="balance (with exports and imports)", value="balance"),
    app_commands.Choice(name="exports", value="exports"),
    app_commands.Choice(name="imports", value="imports"),
    app_commands.Choice(name="total trade", value="total_trade"),
]
FILENAME = "chart.png"


class Charts(commands.Cog):
    def __init__(self, bot: commands.Bot):
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
        # errors raised before the defer reach the tree's handler as one private sentence
        query = command_query("chart", country, partner, None, today=today_utc())
        data = charts.for_query(self.bot.store, query, indicator, months)
        cooldowns.spend(cooldowns.LIMITS.charts, interaction)  # drawing is the expensive part: one per person per window
        await interaction.response.defer(thinking=True)
        embed, file = await chart_message(data)
        await interaction.followup.send(embed=embed, file=file)


async def chart_message(data: charts.ChartData) -> tuple[discord.Embed, discord.File]:
    """The embed and PNG for chart data, drawn in a worker thread so the loop keeps answering."""
    png = await asyncio.to_thread(charts.render, data)
    return chart_embed(data), discord.File(io.BytesIO(png), FILENAME)


def chart_embed(data: charts.ChartData) -> discord.Embed:
    latest = data.latest
    tone = "neutral"
    if data.indicator == "balance" and latest is not None:
        tone = "deficit" if latest.value < 0 else "surplus"
    embed = discord.Embed(title=data.title[:256], description=f"Latest, {data.latest_text}"[:4096], colour=COLOURS[tone])
    embed.set_image(url=f"attachment://{FILENAME}")
    embed.set_footer(text=data.caption[:2048])
    return embed


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Charts(bot))
