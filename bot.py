#!/usr/bin/env python3
"""tradebot's entry point: `run` (the Discord bot, the default), `console` and `ask`.

Thin on purpose: it parses arguments and calls into `tradebot`; the Discord client class
lives in `cogs/` (cogs/utils/client.py), so the core never imports discord.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from pathlib import Path

from tradebot.cluster import ROLES
from tradebot.config import Settings
from tradebot.errors import TradebotError

log = logging.getLogger("tradebot")

TOKEN_MISSING = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, "
    "put its token in .env (see .env.example); `python bot.py console` needs no token."
)
TOKEN_REJECTED = (
    "Discord rejected DISCORD_TOKEN: copy a fresh token from https://discord.com/developers/applications "
    "(Bot → Reset Token) into .env; `python bot.py console` needs no token."
)


# Exit codes, the same for every command (README "Exit codes")
OK, FAILED, USAGE, SOFTWARE, INTERRUPTED = 0, 1, 2, 70, 130


class Arguments(argparse.ArgumentParser):
    """argparse, but a mistake in the arguments is one line (argparse prints the usage first)."""

    def error(self, message: str):
        self.exit(USAGE, f"error: {message} (see `python {self.prog} --help`)\n")


def month_argument(text: str) -> str:
    if not re.fullmatch(r"(1[89]|2\d)\d\d-(0[1-9]|1[0-2])", text.strip()):
        raise argparse.ArgumentTypeError(f"“{text}” is not a month: write it YYYY-MM, e.g. 2025-11")
    return text.strip()


def reporters_argument(text: str) -> tuple[str, ...]:
    """`CHN,USA` or names (`china, united states`), as ISO codes; an unknown one is refused."""
    from tradebot import countries

    try:
        return tuple(countries.resolve(part).code for part in text.split(",") if part.strip())
    except TradebotError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def with_cluster(settings: Settings, args: argparse.Namespace) -> Settings:
    """`run`'s --shard-count, --shard-ids and --role over the environment's."""
    from dataclasses import replace

    from tradebot.cluster import parse_shards

    count, ids, role = (getattr(args, name, None) for name in ("shard_count", "shard_ids", "role"))
    if count is not None or ids is not None:
        settings = replace(settings, shards=parse_shards(count if count is not None else settings.shards.count, ids,
                                                         count_name="--shard-count", ids_name="--shard-ids"))
    return replace(settings, role=role) if role else settings  # argparse has checked it is one of ROLES


def build_bot(settings: Settings, **client_options):
    """The Discord client. Imported here so `console` and `ask` never load discord.py.
    `client_options` go to discord.py (tests shorten `guild_ready_timeout`)."""
    from cogs.utils.client import TradeBot

    return TradeBot(settings, **client_options)


async def serve(settings: Settings) -> int:
    """Run the bot until it is closed; 2 when Discord refuses the token or the intents."""
    import discord

    bot = build_bot(settings)
    try:
        async with bot:
            await bot.start(settings.discord_token)
    except discord.LoginFailure:
        print(f"error: {TOKEN_REJECTED}", file=sys.stderr)
        return USAGE
    except discord.PrivilegedIntentsRequired:
        print("error: Discord refused the bot's intents: enable Message Content under Bot → Privileged Gateway Intents, "
              "or set MESSAGE_CONTENT_INTENT=false.", file=sys.stderr)
        return USAGE
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return FAILED
    except (OSError, discord.GatewayNotFound) as error:  # aiohttp's connection errors are OSErrors
        print(f"error: Discord cannot be reached ({' '.join(str(error).split())[:160]}): check the network or proxy; "
              "`python bot.py console` works offline.", file=sys.stderr)
        return FAILED
    return OK


async def serve_sync(settings: Settings) -> int:
    """The sync process of a cluster (`--role sync`): fetch the live sources on their schedules
    and record what is new, with no Discord connection; the gateways deliver the alerts."""
    from tradebot import scheduler, sync, terminal
    from tradebot.store import StoreThread, open_store

    try:
        store = open_store(settings, terminal.progress_logged())
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return FAILED
    writes = StoreThread("writes")

    async def fetch(source: str) -> None:
        await sync.sync_live(store, settings, source, run=writes)

    jobs = sync.live_jobs(settings, fetch)
    polling = scheduler.build(jobs, None, settings.delivery_seconds)
    polling.start()
    log.info("sync process: polling %s; alerts are the gateways' to deliver", ", ".join(jobs))
    try:
        await asyncio.Event().wait()  # until interrupted
    finally:
        polling.shutdown(wait=False)
        writes.close()
        store.close()
    return OK


def run(settings: Settings) -> int:
    if settings.role == "sync":  # no Discord connection: no token needed
        from tradebot import logs

        logs.configure(settings.log_level or "INFO", secrets=[settings.census_api_key])
        try:
            return asyncio.run(serve_sync(settings))
        except KeyboardInterrupt:
            return OK
    if not settings.discord_token:
        print(f"error: {TOKEN_MISSING}", file=sys.stderr)
        return USAGE
    from tradebot import logs

    logs.configure(settings.log_level or "INFO", secrets=[settings.discord_token, settings.census_api_key])
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:  # Ctrl-C is how a bot run in a terminal is stopped
        return OK


def run_sync(store, settings: Settings, args: argparse.Namespace) -> int:
    """Print what the import or fetch read, added, revised and skipped, and what is new."""
    from tradebot import sync, terminal

    try:
        with terminal.progress_shown() as progress:
            if args.file:
                report = sync.sync_file(store, args.file, progress)
            else:
                reporters = args.reporters or settings.imf_reporters or None
                report = asyncio.run(sync.sync_source(store, args.source, reporters, args.since, progress=progress,
                                                      **sync.live_options(settings, args.source)))
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return FAILED
    print("\n".join(report.lines()))
    print_summaries(store, report.total.announced)
    return FAILED if report.failures and not report.imports else OK


def print_summaries(store, announced) -> None:
    """What a subscribed channel would get for each newly landed month (`store.NewPeriod`s)."""
    from tradebot import narrative

    for _source, reporter, period in announced:
        try:
            print("\n" + narrative.summarize(store, reporter, period).answer().text)
        except TradebotError as error:
            print(f"\n(no summary for {reporter} {period}: {error.message})")


def main(argv: list[str] | None = None) -> int:
    from tradebot import sources

    parser = Arguments(prog="bot.py", description="Trade figures with their sources, for Discord and the terminal.")
    commands = parser.add_subparsers(dest="command", parser_class=Arguments)
    run_ = commands.add_parser("run", help="start the Discord bot (the default; needs DISCORD_TOKEN)")
    run_.add_argument("--shard-count", metavar="N", help="shards in all, across every process (default: SHARD_COUNT, "
                      "else as many as Discord recommends)")
    run_.add_argument("--shard-ids", metavar="IDS", help="the shards this process runs, such as 0-3 or 0,2 "
                      "(default: SHARD_IDS, else all of them)")
    run_.add_argument("--role", choices=ROLES, help="gateway: answer and deliver alerts for its shards' servers; "
                      "sync: fetch the sources, no Discord; all: both, one process (default: TRADEBOT_ROLE, else all)")
    console = commands.add_parser("console", help="answer commands and questions typed in the terminal; no token needed")
    console.add_argument("--json", action="store_true", help="print one `ask --json` object per input line")
    console.add_argument("--csv", type=Path, metavar="PATH", help="after each answer, write the figures behind it to this CSV file")
    ask = commands.add_parser("ask", help="answer one command or question and exit (0 answered, 1 not)")
    ask.add_argument("text", nargs="+", help="for example: surplus china, or '/exports china partner:us period:2025-11'")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--csv", type=Path, metavar="PATH", help="also write the figures behind the answer to this CSV file")
    sync = commands.add_parser("sync", help="import a data file or fetch a live source, and report what is new")
    what = sync.add_mutually_exclusive_group(required=True)
    what.add_argument("--file", type=Path, help=f"a data file, gzipped or not: {sources.formats()}")
    what.add_argument("--source", choices=sources.LIVE, help="fetch live from this source")
    sync.add_argument("--reporters", type=reporters_argument,
                      help="comma-separated ISO codes or names for --source (default: TRADEBOT_IMF_REPORTERS, else G20 + ASEAN)")
    sync.add_argument("--since", type=month_argument, help="first month to fetch, YYYY-MM (default: two years back)")
    args = parser.parse_args(argv)
    try:
        settings = with_cluster(Settings.from_env(), args)
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return USAGE

    if args.command in (None, "run"):
        return run(settings)

    from tradebot import logs, terminal
    from tradebot.store import open_store

    # the terminal commands log what goes wrong (to stderr, off the answers' stdout); LOG_LEVEL=INFO shows retries and progress
    logs.configure(settings.log_level or "WARNING", secrets=[settings.discord_token, settings.census_api_key], stream=sys.stderr)
    try:
        with terminal.progress_shown() as progress:  # the first use builds the store: about 3 s
            store = open_store(settings, progress)
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return FAILED
    try:
        if args.command == "console":
            from tradebot import console as console_

            # a byte that is not UTF-8 (a paste from a Latin-1 file) reads as "�", not a UnicodeDecodeError traceback
            if hasattr(sys.stdin, "reconfigure"):
                sys.stdin.reconfigure(errors="replace")
            return console_.run(store, as_json=args.json, csv_path=args.csv)
        if args.command == "sync":
            return run_sync(store, settings, args)
        from tradebot.answers import ask as ask_
        from tradebot.console import shown

        # a chart's PNG is written to ./charts and the answer says where
        answer = shown(ask_(store, " ".join(args.text)))
        if args.json:
            print(json.dumps(answer.as_json(), ensure_ascii=False))
        else:
            terminal.show(answer)
        if args.csv and answer.ok:
            from tradebot.export import write_csv

            try:
                write_csv(store, answer, args.csv)
            except TradebotError as error:
                print(f"error: {error.message}", file=sys.stderr)
                return FAILED
            print(f"figures written to {args.csv}", file=sys.stderr)
        return OK if answer.ok else FAILED
    finally:
        store.close()


def cli(argv: list[str] | None = None) -> int:
    """`main`, with the ends every command shares: whatever happens is one line and an exit code."""
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # `bot.py sync … | head`: the reader stopped early, which is no error worth a traceback
        # Python flushes stdout again at exit: point it at /dev/null so that flush is silent too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
    except KeyboardInterrupt:  # an import or a first build rolls back: the store is as it was
        print("\ninterrupted: nothing was changed by the unfinished work.", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # a bug: one line to report, the traceback when asked for (LOG_LEVEL=DEBUG)
        log.debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(error).__name__}: {' '.join(str(error).split())[:200]} — a bug in tradebot; "
              "LOG_LEVEL=DEBUG shows where.", file=sys.stderr)
        return SOFTWARE


if __name__ == "__main__":
    sys.exit(cli())
