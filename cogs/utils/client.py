"""The Discord client: `TradeBot`, one (auto-sharded) process's connection to Discord, holding
the store, the outbox that delivers alerts and the scheduler. bot.py imports this module only
when it runs the bot, so `console` and `ask` never load discord.py; cogs type `self.bot` with it."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from cogs.utils.render import CsvButton
from cogs.utils.sender import DiscordSender
from cogs.utils.tree import TradeTree
from tradebot import scheduler, sync, terminal
from tradebot.alerts import DISCORD
from tradebot.config import Settings
from tradebot.delivery import Outbox
from tradebot.store import Store, StoreThread, open_store

log = logging.getLogger("tradebot")

# Extensions load one by one in setup_hook; a broken one is logged and skipped.
EXTENSIONS = ("cogs.figures", "cogs.info", "cogs.alerts", "cogs.ask", "cogs.charts")


class TradeBot(commands.AutoShardedBot):
    def __init__(self, settings: Settings, **client_options) -> None:
        """`client_options` go to discord.py (tests shorten `guild_ready_timeout`)."""
        intents = discord.Intents.default()
        # privileged: lets every message in a bot-owned thread be a follow-up, not only mentions
        intents.message_content = settings.message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            # user text is quoted in answers: it must never ping anyone
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=TradeTree,
            help_command=None,
            # a slice of the shards (README "Running at scale"); by default discord.py asks Discord how many and runs all
            **({} if settings.shards.everything else {"shard_count": settings.shards.count, "shard_ids": list(settings.shards.ids)}),
            **client_options,
        )
        self.settings = settings
        # Reads (answers, thread contexts) run on one store thread with their own connection,
        # writes (imports, deliveries, contexts saved, subscriptions) on another with theirs: in
        # WAL mode a read never waits for a write, and neither ever runs on the event loop.
        self.store: Store | None = None  # the reading connection
        self.writer: Store | None = None  # the writing connection
        self.reads = StoreThread("reads")
        self.writes = StoreThread("writes")
        self.outbox: Outbox | None = None
        self.known_codes: dict[str, int] = {}  # code → preference in autocomplete (lower first)
        self.failed_extensions: list[str] = []
        self.scheduler = None
        self.live_sources = sync.live_sources(settings)  # (source, when it is polled) for /about

    async def setup_hook(self) -> None:
        settings = self.settings
        self.store = open_store(settings, terminal.progress_logged())  # the first start builds it: a log line every 10 s
        self.writer = Store(settings.db_path)
        self.outbox = Outbox(self.writer, {DISCORD: DiscordSender(self)}, run=self.writes, shards=settings.shards)
        self.add_dynamic_items(CsvButton)  # CSV buttons on old answers work after a restart
        # autocomplete offers countries the store can answer for first: reporters (they answer
        # most), then the countries that are only their partners
        reporters = self.store.reporters()
        partners = set().union(*(self.store.partners(reporter) for reporter in reporters))
        self.known_codes = {**dict.fromkeys(partners, 1), **dict.fromkeys(reporters, 0)}
        self.product_names = self.store.product_names()  # /tariffs' product autocomplete, in memory
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception:
                self.failed_extensions.append(extension)
                log.exception("extension %s failed to load; the others still run", extension)
        # sync once, after every extension is in; a development guild gets the commands instantly
        guild = discord.Object(id=settings.guild_id) if settings.guild_id else None
        if guild:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands %s", len(synced), f"to guild {settings.guild_id}" if guild else "globally")
        # a gateway leaves the sources to the one sync process: it delivers what that one records
        syncs = sync.live_jobs(settings, self.sync_live) if settings.role == "all" else {}
        self.scheduler = scheduler.build(syncs, self.outbox.deliver, settings.delivery_seconds)
        self.scheduler.start()

    async def sync_live(self, source: str, **fetch_options) -> None:
        """Fetch a live source on the writer thread, then deliver what it made news."""
        await sync.sync_live(self.writer, self.settings, source, run=self.writes, **fetch_options)
        await self.outbox.deliver()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: messages are questions, handled by the Ask cog's listener
        (the default would try every mention as a command and log "command not found")."""

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers (%s)", self.user, len(self.guilds), self.settings.shards)

    async def close(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
        for thread in (self.reads, self.writes):
            thread.close()  # after the work queued on it
        for store in (self.store, self.writer):
            if store is not None:
                store.close()
