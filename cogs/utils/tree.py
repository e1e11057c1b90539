"""The one error path for slash commands: known errors become one short private sentence;
anything else is logged with the command and its options, and the user still gets a reply."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from tradebot.errors import TradebotError

log = logging.getLogger("tradebot.commands")

UNEXPECTED = "Something went wrong on our side while answering; it has been logged. Please try again later."


class TradeTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, TradebotError):
            message = cause.message
        elif isinstance(cause, app_commands.MissingPermissions):
            message = "You need the Manage Server permission for this command."
        elif isinstance(cause, app_commands.CommandOnCooldown):
            message = f"Slow down a little: try again in {cause.retry_after:.0f} seconds."
        elif isinstance(cause, app_commands.CheckFailure):
            message = "You can't use this command here."
        else:
            command = interaction.command.qualified_name if interaction.command else "unknown command"
            options = (interaction.data or {}).get("options", [])
            log.error("/%s failed with options %r", command, options, exc_info=cause)
            message = UNEXPECTED
        await reply_privately(interaction, message)


async def reply_privately(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral reply whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id, exc_info=True)
