"""/surplus, /exports, /imports, /partners, /compare, /drivers and /tariffs: options in, the core's
answer out as an embed with a CSV button for the figures behind it (and /drivers' bar chart)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.charts import send_chart
from cogs.utils import cooldowns
from cogs.utils.autocomplete import country_choices, product_choices
from cogs.utils.render import message_parts
from tradebot.answers import command

if TYPE_CHECKING:
    from cogs.utils.client import TradeBot

COUNTRY = "The reporting country, e.g. china, us, germany"
PARTNER = "Trade with one partner only, e.g. us, eu, asean (default: the world)"
PERIOD = "2025-11, Nov 2025, 2025, ytd, Jan-Nov 2025 or latest (default)"
FLOWS = [app_commands.Choice(name=name, value=value) for name, value in
         (("exports", "exports"), ("imports", "imports"), ("balance", "balance"), ("total trade", "total_trade"))]
SHOWN_BY = [app_commands.Choice(name=name, value=value) for name, value in
            (("partners (the EU and ASEAN as blocs)", "partner"), ("regions (continents)", "region"),
             ("products (US imports from one partner)", "product"))]


class Figures(commands.Cog):
    def __init__(self, bot: TradeBot):
        self.bot = bot

    async def _reply(self, interaction: discord.Interaction, intent: str, country: str, partner: str | None = None,
                     period: str | None = None, **options):
        result = await self.bot.reads(command, self.bot.store, intent, country=country, partner=partner, period=period, **options)
        if result.error:
            raise result.error  # the tree's error handler turns it into a private sentence
        await interaction.response.send_message(**await message_parts(result))

    @app_commands.command(name="surplus", description="A country's trade balance (surplus or deficit), with exports and imports")
    @app_commands.describe(country=COUNTRY, partner=PARTNER, period=PERIOD)
    @app_commands.autocomplete(country=country_choices, partner=country_choices)
    async def surplus(self, interaction: discord.Interaction, country: str, partner: str | None = None, period: str | None = None):
        await self._reply(interaction, "balance", country, partner, period)

    @app_commands.command(name="exports", description="A country's exports, with growth, year to date and the previous period")
    @app_commands.describe(country=COUNTRY, partner=PARTNER, period=PERIOD)
    @app_commands.autocomplete(country=country_choices, partner=country_choices)
    async def exports(self, interaction: discord.Interaction, country: str, partner: str | None = None, period: str | None = None):
        await self._reply(interaction, "exports", country, partner, period)

    @app_commands.command(name="imports", description="A country's imports, with growth, year to date and the previous period")
    @app_commands.describe(country=COUNTRY, partner=PARTNER, period=PERIOD)
    @app_commands.autocomplete(country=country_choices, partner=country_choices)
    async def imports(self, interaction: discord.Interaction, country: str, partner: str | None = None, period: str | None = None):
        await self._reply(interaction, "imports", country, partner, period)


    @app_commands.command(name="partners", description="A country's top trading partners for one flow, with shares of the total")
    @app_commands.describe(country=COUNTRY, indicator="The flow to rank by (default: total trade)", period=PERIOD)
    @app_commands.choices(indicator=FLOWS)
    @app_commands.autocomplete(country=country_choices)
    async def partners(self, interaction: discord.Interaction, country: str, indicator: app_commands.Choice[str] | None = None,
                       period: str | None = None):
        cooldowns.spend(cooldowns.LIMITS.surveys, interaction)  # before the work: it reads every partner
        await self._reply(interaction, "partners", country, None, period, indicator=indicator.value if indicator else None)

    @app_commands.command(name="compare", description="Two countries side by side, or one country across two periods")
    @app_commands.describe(country=COUNTRY, other="A second country, or a period such as 2024-11", indicator="The flow (default: the balance)",
                           period=PERIOD)
    @app_commands.choices(indicator=FLOWS)
    @app_commands.autocomplete(country=country_choices, other=country_choices)
    async def compare(self, interaction: discord.Interaction, country: str, other: str, indicator: app_commands.Choice[str] | None = None,
                      period: str | None = None):
        cooldowns.spend(cooldowns.LIMITS.surveys, interaction)
        await self._reply(interaction, "compare", country, None, period, other=other, indicator=indicator.value if indicator else None)

    @app_commands.command(name="drivers", description="What drove a country's trade growth: each partner's contribution, in points")
    @app_commands.describe(country=COUNTRY, indicator="The flow whose change is explained (default: total trade)", period=PERIOD,
                           by="Partners (default), continents, or for US imports from one partner its products",
                           partner="By product: the country the US imports come from, e.g. china")
    @app_commands.choices(indicator=FLOWS, by=SHOWN_BY)
    @app_commands.autocomplete(country=country_choices, partner=country_choices)
    async def drivers(self, interaction: discord.Interaction, country: str, indicator: app_commands.Choice[str] | None = None,
                      period: str | None = None, by: app_commands.Choice[str] | None = None, partner: str | None = None):
        cooldowns.spend(cooldowns.LIMITS.surveys, interaction)  # it reads every partner, as /partners does
        result = await self.bot.reads(command, self.bot.store, "drivers", country=country, partner=partner, period=period,
                                      indicator=indicator.value if indicator else None, by=by.value if by else None)
        await send_chart(interaction, result)  # a bar chart: deferred, drawn in a worker thread

    @app_commands.command(name="tariffs", description="What the US collects in duties on a country's goods: the effective tariff rate")
    @app_commands.describe(country="Whose goods, e.g. china, vietnam, mexico",
                           product="A product, e.g. electronics, furniture, or an HS chapter such as 85",
                           period="2025, 2024, 2023 or Jan-Aug 2025 (default: the latest)")
    @app_commands.autocomplete(country=country_choices, product=product_choices)
    async def tariffs(self, interaction: discord.Interaction, country: str, product: str | None = None, period: str | None = None):
        await self._reply(interaction, "tariffs", country, None, period, product=product)


async def setup(bot: TradeBot) -> None:
    await bot.add_cog(Figures(bot))
