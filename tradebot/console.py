"""The terminal front end: the same answers as Discord, one per input line."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tradebot.answers import ask
from tradebot.store import Store

BANNER = """tradebot console: the same answers as the Discord bot, from the local store.
Type a command such as `/surplus china partner:us period:2025-11` or a question such as
`china exports to us nov 2025`, then follow-ups such as `and imports?` or `what about october?`.
`help` shows examples; `quit` or Ctrl-D leaves."""
QUIT = {"quit", "exit", "q", ":q"}


def run(store: Store, as_json: bool = False, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer line by line; like a Discord thread, each answered question is the context
    the next line's follow-up ("and imports?") inherits."""
    interactive = stdin.isatty() and not as_json
    context = None
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
        answer = ask(store, text, context=context)
        context = answer.context
        if as_json:
            print(json.dumps(answer.as_json(), ensure_ascii=False), file=stdout, flush=True)
        else:
            print(answer.text + "\n", file=stdout, flush=True)
