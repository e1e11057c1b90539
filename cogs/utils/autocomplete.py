"""Country autocomplete: names, aliases and codes by prefix, then fuzzily; countries that
have data in the store first. Pure and in-memory, so it answers within Discord's window."""

from __future__ import annotations

import discord
from discord import app_commands

from tradebot import countries, products

MAX_CHOICES = 25  # Discord's limit


async def country_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    prefer = getattr(interaction.client, "known_codes", {})
    return [
        app_commands.Choice(name=country.name[:100], value=country.code)
        for country in countries.autocomplete(current[:100], limit=MAX_CHOICES, prefer=prefer)
    ]


async def product_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Everyday words and HS chapters, from the chapter names the bot read from the store at start."""
    names = getattr(interaction.client, "product_names", {})
    return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in products.choices(current[:100], names)]
