"""`Answer` → embed. The same title, lines and footer the console prints, laid out for Discord."""

from __future__ import annotations

import discord

from tradebot.answers import Answer

COLOURS = {
    "surplus": discord.Colour.from_rgb(46, 160, 67),  # green
    "deficit": discord.Colour.from_rgb(218, 54, 51),  # red
    "neutral": discord.Colour.from_rgb(88, 101, 242),  # blurple
}
# The flows sit side by side; year to date and the previous period get a row each.
INLINE_FIELDS = {"Exports", "Imports", "Balance"}


def answer_embed(answer: Answer) -> discord.Embed:
    embed = discord.Embed(
        title=_cut(answer.title, 256),
        description=_cut("\n".join(answer.notes), 4096) or None,
        colour=COLOURS.get(answer.tone, COLOURS["neutral"]),
    )
    for line in answer.lines[:25]:
        embed.add_field(name=_cut(line.name, 256), value=_cut(line.value, 1024), inline=line.name in INLINE_FIELDS)
    if answer.footer:
        embed.set_footer(text=_cut(answer.footer, 2048))
    return embed


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
