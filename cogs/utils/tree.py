"""The one error path for slash commands and the CSV button: known errors become one short
private sentence; anything else is logged with the command (or button) and its options, and
the user still gets a reply."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands

from tradebot.errors import TradebotError

log = logging.getLogger("tradebot.commands")

UNEXPECTED = "Something went wrong on our side while answering; it has been logged. Please try again later."


def cooldown_sentence(error: app_commands.CommandOnCooldown) -> str:
    """`Slow down a little: you can ask for this once every 10 seconds, so please try again in 7 seconds.`"""
    cooldown = error.cooldown
    uses = "once" if cooldown.rate == 1 else f"{cooldown.rate:g} times"
    window = "second" if cooldown.per == 1 else f"{cooldown.per:g} seconds"
    wait = max(1, math.ceil(error.retry_after))
    return (f"Slow down a little: you can ask for this {uses} every {window}, "
            f"so please try again in {wait} second{'s' if wait != 1 else ''}.")


def escaped(text: str) -> str:
    """User text as typed, never as a link, markup or a mention: `[x](https://…)`, `**`, `||`, `@everyone`."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def error_text(error: TradebotError) -> str:
    """A user's mistake as Discord shows it: the quoted user text escaped."""
    return error.escaped(escaped)


class TradeTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError | Exception) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, TradebotError):
            message = error_text(cause)
        elif isinstance(cause, app_commands.MissingPermissions):
            message = "You need the Manage Server permission for this command."
        elif isinstance(cause, app_commands.CommandOnCooldown):
            message = cooldown_sentence(cause)
        elif isinstance(cause, app_commands.CheckFailure):
            message = "You can't use this command here."
        elif isinstance(cause, app_commands.TransformerError):
            # Discord's client offers only the choices; a value outside them came from elsewhere
            log.info("/%s got an option value it cannot take: %s", getattr(interaction.command, "qualified_name", "?"), cause)
            message = f"“{escaped(str(cause.value)[:100])}” is not one of the choices."
        else:
            data = interaction.data or {}
            if interaction.command is not None:
                what = f"/{interaction.command.qualified_name}"
            elif "custom_id" in data:
                what = f"button {data['custom_id']}"
            else:
                what = "/unknown command"
            log.error("%s failed with options %r", what, data.get("options", []), exc_info=cause)
            message = UNEXPECTED
        await reply_privately(interaction, message)


async def reply(interaction: discord.Interaction, message: str, ephemeral: bool = False) -> None:
    """A reply whether or not the interaction was already deferred (then it is a followup)."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(message, ephemeral=ephemeral)


async def reply_privately(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral reply whether or not the interaction was already answered or deferred."""
    try:
        await reply(interaction, message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id, exc_info=True)
