"""/ask and plain-word follow-ups. A question in, the core's answer out as the same embed as
the other commands, and a thread under it whose context (the last answered query) the
follow-ups in it inherit. Contexts live in the database (tradebot.conversations), so a
restart forgets nothing; alert threads are registered there too, so they take follow-ups.

Who gets answered:
- `/ask question` anywhere; in a text channel the answer opens a thread.
- In a thread the bot owns (an /ask, mention or alert thread): every message when the
  message-content intent is on, else the messages that mention the bot.
- A mention of the bot in a text channel: answered there, with a thread for follow-ups.
Everything else (bots, the bot itself, DMs, threads the bot does not own) is ignored.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.charts import send_chart
from cogs.utils import cooldowns
from cogs.utils.render import message_parts
from cogs.utils.tree import UNEXPECTED, cooldown_sentence, error_text
from tradebot import conversations
from tradebot.answers import Answer, answer_asked, not_understood, understand
from tradebot.errors import TradebotError
from tradebot.query import Query
from tradebot.wording import country_name

if TYPE_CHECKING:
    from cogs.utils.client import TradeBot

log = logging.getLogger("tradebot.ask")

QUESTION = "Plain words, e.g. china exports to us nov 2025; the answer opens a thread for follow-ups"
THREAD_SUFFIX = " — follow-ups"
THREAD_NAME_LIMIT = 100  # Discord's limit for a channel name
# the messages people type; joins, pins, thread starters and the like are not questions
QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)
CONTEXTS_KEPT = 10_000  # threads whose newest context is held in memory (the store has them all)


def thread_name(query: Query) -> str:
    """`China, November 2025 — follow-ups`, `China–United States, November 2025 — follow-ups`."""
    subject = []
    if query.intent == "tariffs":  # the US is the collector: the thread is about whose goods
        subject.append(f"US duties on {country_name(query.partner)}")
    elif query.reporter:
        who = country_name(query.reporter)
        if query.partner and query.partner != "WLD":
            who += f"–{country_name(query.partner)}"
        subject.append(who)
    if query.period.kind == "fixed" and query.period.period is not None:
        subject.append(query.period.period.label)
    text = ", ".join(subject) or "Trade"
    return text[: THREAD_NAME_LIMIT - len(THREAD_SUFFIX)] + THREAD_SUFFIX


class Ask(commands.Cog):
    def __init__(self, bot: TradeBot):
        self.bot = bot
        # each thread's newest context, kept here as soon as it changes: the write to the store
        # may wait behind an import on the writer thread, and the next message must not
        self._contexts: OrderedDict[int, Query] = OrderedDict()
        self._told_to_wait: dict[int, float] = {}  # user id → until when a "slow down" already said applies

    async def _context(self, thread_id: int | None) -> tuple[bool, Query | None]:
        """Whether the bot owns this thread, and the context its follow-ups inherit."""
        if thread_id is None:
            return False, None
        if thread_id in self._contexts:
            return True, self._contexts[thread_id]
        context = await self.bot.reads(conversations.load, self.bot.store, thread_id)  # None: not a thread of ours
        return context is not None, context

    def _remember(self, thread_id: int, query: Query) -> None:
        self._contexts[thread_id] = query
        self._contexts.move_to_end(thread_id)
        while len(self._contexts) > CONTEXTS_KEPT:
            self._contexts.popitem(last=False)

    async def _store(self, thread_id: int, query: Query) -> None:
        """Save the context for good (a restart reads it back), on the writer thread."""
        await self.bot.writes(conversations.save, self.bot.writer, thread_id, query)

    @property
    def every_message(self) -> bool:
        """With the message-content intent every message in a bot-owned thread is a question;
        without it Discord sends the bot the text of mentions only."""
        return self.bot.intents.message_content

    # --- /ask ---

    @app_commands.command(name="ask", description="Ask about trade in plain words; the answer opens a thread for follow-ups")
    @app_commands.describe(question=QUESTION)
    async def ask_command(self, interaction: discord.Interaction, question: str):
        # asked inside a bot-owned thread: it is a follow-up there, not a new conversation
        in_thread, context = await self._context(interaction.channel_id)
        result = await self._ask(question, context, interaction)
        if result.error:
            raise result.error  # the tree's error handler turns it into a private sentence; no thread
        if in_thread:
            self._remember(interaction.channel_id, result.context)
        if result.chart is not None:
            await send_chart(interaction, result)
        else:
            await interaction.response.send_message(**await message_parts(result))
        if in_thread:
            await self._store(interaction.channel_id, result.context)
        elif result.chart is None and interaction.guild_id is not None and _takes_threads(interaction.channel):
            await self._open_thread(await interaction.original_response(), result)

    # --- messages ---

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or message.guild is None or message.type not in QUESTION_TYPES:
            return
        me = self.bot.user
        if self.bot.store is None or me is None:
            return
        mentioned = any(user.id == me.id for user in message.mentions)
        try:
            in_thread, context = await self._context(message.channel.id)
            if in_thread:
                if mentioned or self.every_message:
                    await self._follow_up(message, mentioned, context)
            elif mentioned and isinstance(message.channel, discord.abc.GuildChannel) and not isinstance(message.channel, discord.Thread):
                await self._answer_mention(message)
        except Exception:
            # the store failed around the answer (reading or saving a thread's context): someone
            # who called the bot by name still gets a sentence, not silence
            log.exception("handling message %s in channel %s failed", message.id, message.channel.id)
            if mentioned:
                await self._reply(message, None)

    async def _follow_up(self, message: discord.Message, mentioned: bool, context: Query | None) -> None:
        """A message in a bot-owned thread: answer it with the thread's context, then keep the new one."""
        text = self._question_text(message)
        if not text and not mentioned:
            return  # only an image, a sticker or an embed: nothing was asked
        thread_id = message.channel.id
        try:
            result = await self._answer(text, context, message)
        except app_commands.CommandOnCooldown as error:
            await self._say_wait(message, error)
            return
        changed = result is not None and result.context is not None and result.context != context
        if changed:
            # the question as asked carries on (even one the store could not answer); kept
            # before the awaited reply, so the next message in the thread already sees it
            self._remember(thread_id, result.context)
        await self._reply(message, result)
        if changed:
            await self._store(thread_id, result.context)

    async def _answer_mention(self, message: discord.Message) -> None:
        """A mention in a channel: answer there, and open a thread under the answer for follow-ups."""
        try:
            result = await self._answer(self._question_text(message), None, message)
        except app_commands.CommandOnCooldown as error:
            await self._say_wait(message, error)
            return
        reply = await self._reply(message, result)
        if reply is not None and result is not None and result.ok and _takes_threads(message.channel):
            await self._open_thread(reply, result)

    def _question_text(self, message: discord.Message) -> str:
        """The message without the bot's mention (`<@id>` or `<@!id>`), on one line."""
        text = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content or "")
        return " ".join(text.split())

    async def _ask(self, text: str, context: Query | None, asker: discord.Interaction | discord.Message) -> Answer:
        """The core's answer (a user's mistake is an answer with an error). A ranking or a
        comparison, however worded, spends one of the asker's survey uses before the work
        starts, as /partners and /compare do: CommandOnCooldown when none is left."""
        try:
            query = await self.bot.reads(understand, self.bot.store, text, context=context)
        except TradebotError as error:
            return not_understood(error, context)
        if query.is_survey:
            cooldowns.spend(cooldowns.LIMITS.surveys, asker)
        return await self.bot.reads(answer_asked, self.bot.store, query)

    async def _answer(self, text: str, context: Query | None, message: discord.Message) -> Answer | None:
        """`_ask` for a message: None when our code failed, which the reply says in a sentence."""
        try:
            return await self._ask(text, context, message)
        except app_commands.CommandOnCooldown:
            raise
        except Exception:
            log.exception("answering a message failed; the question was %r", text)
            return None

    async def _reply(self, message: discord.Message, result: Answer | None) -> discord.Message | None:
        """The embed, or one plain sentence; a reply to the question that pings no one
        (the bot's allowed_mentions apply, `replied_user` included)."""
        if result is None:
            content = {"content": UNEXPECTED}
        elif result.error:
            content = {"content": error_text(result.error)}
        else:
            try:
                if result.chart is not None:
                    cooldowns.spend(cooldowns.LIMITS.charts, message)  # the same per-person limit as /chart
                content = await message_parts(result)
            except app_commands.CommandOnCooldown as error:
                return await self._say_wait(message, error)
        return await self._send_reply(message, content)

    async def _say_wait(self, message: discord.Message, error: app_commands.CommandOnCooldown) -> discord.Message | None:
        """A message cannot be answered privately: say when to try again once per wait, not at every try."""
        if self._told_to_wait.get(message.author.id, 0.0) > time.monotonic():
            return None
        self._told_to_wait[message.author.id] = time.monotonic() + error.retry_after
        return await self._send_reply(message, {"content": cooldown_sentence(error)})

    async def _send_reply(self, message: discord.Message, content: dict) -> discord.Message | None:
        try:
            # the nonce (with discord.py's enforce_nonce) makes Discord drop a retry of a post it
            # already made, after a 500 that came back from a message it had created
            return await message.channel.send(**content, reference=message.to_reference(fail_if_not_exists=False),
                                              nonce=f"r{message.id}")
        except discord.HTTPException as error:
            log.warning("could not answer message %s in channel %s: %s", message.id, message.channel.id, error)
            return None

    async def _open_thread(self, message: discord.Message, result: Answer) -> discord.Thread | None:
        """A public thread from the answer (named after what it showed), with the question as
        asked as its context."""
        try:
            thread = await message.create_thread(name=thread_name(result.query))
        except discord.HTTPException as error:
            log.warning("answered in channel %s but could not open a thread there: %s", message.channel.id, error)
            return None
        self._remember(thread.id, result.context)
        await self._store(thread.id, result.context)
        return thread


def _takes_threads(channel) -> bool:
    """Text and announcement channels can hold a thread started from a message."""
    return getattr(channel, "type", None) in (discord.ChannelType.text, discord.ChannelType.news)


async def setup(bot: TradeBot) -> None:
    await bot.add_cog(Ask(bot))
