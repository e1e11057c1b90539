#!/usr/bin/env python3
"""tradebot's entry point: `run` (the Discord bot, the default), `console` and `ask`.

Thin on purpose: it parses arguments, opens the store and calls into `tradebot`.
"""

from __future__ import annotations

import argparse
import json
import sys

from tradebot.config import Settings
from tradebot.errors import TradebotError

TOKEN_HELP = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, "
    "put its token in .env (see .env.example); `python bot.py console` needs no token."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="Trade figures with their sources, for Discord and the terminal.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the Discord bot (the default; needs DISCORD_TOKEN)")
    console = commands.add_parser("console", help="answer commands and questions typed in the terminal; no token needed")
    console.add_argument("--json", action="store_true", help="print one `ask --json` object per input line")
    ask = commands.add_parser("ask", help="answer one command or question and exit (0 answered, 1 not)")
    ask.add_argument("text", nargs="+", help="for example: surplus china, or '/exports china partner:us period:2025-11'")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command in (None, "run"):
        if not settings.discord_token:
            print(f"error: {TOKEN_HELP}", file=sys.stderr)
            return 2
        print("error: the Discord client is not part of this build yet; `python bot.py console` answers the same questions.", file=sys.stderr)
        return 2

    from tradebot.sync import open_store

    try:
        store = open_store(settings)
    except TradebotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    try:
        if args.command == "console":
            from tradebot import console as console_

            return console_.run(store, as_json=args.json)
        from tradebot.answers import ask as ask_

        answer = ask_(store, " ".join(args.text))
        print(json.dumps(answer.as_json(), ensure_ascii=False) if args.json else answer.text)
        return 0 if answer.ok else 1
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
