"""`Answer` → a Discord message: the same title, lines, notes and footer the console prints,
laid out as an embed, with a chart's PNG attached and the CSV button that sends the figures
behind it. Every answer, chart and alert summary is posted through `message_parts`."""

from __future__ import annotations

import asyncio
import io
import logging

import discord

from cogs.utils import cooldowns
from tradebot import charts
from tradebot.answers import Answer, answer
from tradebot.export import figures_csv
from tradebot.query import Query
from tradebot.wording import TONE_COLOURS

log = logging.getLogger("tradebot.commands")

COLOURS = {tone: discord.Colour.from_str(hex_code) for tone, hex_code in TONE_COLOURS.items()}
# The flows sit side by side; year to date and the previous period get a row each.
INLINE_FIELDS = {"Exports", "Imports", "Balance"}
CHART_FILE = "chart.png"


async def message_parts(answer_: Answer, buttons: bool = True) -> dict:
    """The keyword arguments of a send: `embed`, and `file` for a chart (drawn in a worker
    thread, so the loop keeps answering while it renders) and `view` for the CSV button."""
    parts: dict = {"embed": answer_embed(answer_)}
    if answer_.chart is not None:
        png = await asyncio.to_thread(charts.render, answer_.chart)
        parts["file"] = discord.File(io.BytesIO(png), CHART_FILE)
    view = answer_view(answer_) if buttons else None
    if view is not None:
        parts["view"] = view
    return parts


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
    if answer.chart is not None:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    return embed


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CsvButton(discord.ui.DynamicItem[discord.ui.Button], template=r"csv:(?P<token>.+)"):
    """Sends the figures behind an answer as a CSV file. The query rides in the button's
    custom id, so the button keeps working after a restart (registered in setup_hook)."""

    def __init__(self, query: Query):
        self.query = query
        super().__init__(discord.ui.Button(label="CSV", emoji="📄", style=discord.ButtonStyle.secondary, custom_id=f"csv:{query.to_token()}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match) -> CsvButton:
        return cls(Query.from_token(match["token"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            cooldowns.spend(cooldowns.LIMITS.csv_files, interaction)
            await self._send_csv(interaction)
        except Exception as error:  # the slash commands' error path: one private sentence, or logged
            await interaction.client.tree.on_error(interaction, error)

    async def _send_csv(self, interaction: discord.Interaction) -> None:
        result, text = await interaction.client.reads(_answer_and_csv, interaction.client.store, self.query)
        if result.error:
            raise result.error
        name = f"tradebot-{self.query.reporter or 'figures'}-{str(self.query.period).replace('..', '_to_')}.csv"
        data = io.BytesIO(text.encode("utf-8"))
        await interaction.response.send_message(f"The {len(result.figures)} figures behind this answer, with their sources.",
                                                file=discord.File(data, filename=name), ephemeral=True)


def _answer_and_csv(store, query: Query) -> tuple[Answer, str]:
    """The answer a button's query gets and the CSV of its figures: one trip to the store thread."""
    result = answer(store, query)
    return result, (figures_csv(store, result) if result.ok else "")


def answer_view(answer_: Answer) -> discord.ui.View | None:
    """A CSV button under answers that show figures."""
    if not answer_.figures:
        return None
    token = answer_.query.to_token()
    if len(token) > 96:  # too long for a custom id: no button rather than a broken one
        log.warning("no CSV button: query token too long (%d)", len(token))
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(CsvButton(answer_.query))
    return view
