"""The terminal front end: the same answers as Discord, one per input line."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tradebot.answers import ask
from tradebot.store import Store

BANNER = """tradebot console: the same answers as the Discord bot, from the local store.
Type a command such as `/surplus china partner:us period:2025-11` or a phrase such as
`china exports to us nov 2025`. `help` shows this again; `quit` or Ctrl-D leaves."""
QUIT = {"quit", "exit", "q", ":q"}


def run(store: Store, as_json: bool = False, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    interactive = stdin.isatty() and not as_json
    if interactive:
        print(BANNER, file=stdout)
    while True:
        if interactive:
            print("tradebot> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if text.lower() in QUIT:
            return 0
        if not text and not as_json:
            continue
        if text.lower() in ("help", "?") and not as_json:
            print(BANNER, file=stdout)
            continue
        answer = ask(store, text)
        if as_json:
            print(json.dumps(answer.as_json(), ensure_ascii=False), file=stdout, flush=True)
        else:
            print(answer.text + "\n", file=stdout, flush=True)
