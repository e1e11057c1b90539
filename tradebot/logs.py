"""Logging to stdout with levels, with secrets scrubbed from every line (tracebacks included)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "[redacted]"
# An interaction's token (in the callback and follow-up webhook URLs discord.py logs at DEBUG)
# lets anyone answer as the bot for 15 minutes.
_INTERACTION_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[\w.-]{20,}")
# The same token inside a gateway payload discord.py logs at DEBUG (INTERACTION_CREATE, as a
# dict's repr or as JSON), and any other `token` field a payload carries
_TOKEN_FIELD = re.compile(r"""(["']\w*token["']\s*:\s*["'])[^"']{8,}(["'])""", re.IGNORECASE)


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str | None], fmt: str, datefmt: str | None = None):
        super().__init__(fmt, datefmt)
        # short values would redact ordinary words; real tokens and keys are long
        self.secrets = sorted({secret for secret in secrets if secret and len(secret) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _INTERACTION_TOKEN.sub(rf"\1{REDACTED}", text)
        return _TOKEN_FIELD.sub(rf"\1{REDACTED}\2", text)


def configure(level: str, secrets: Iterable[str | None] = (), stream: TextIO | None = None) -> logging.Handler:
    """Send every logger (discord.py's included) to `stream` (stdout) at `level`; return the handler."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(RedactingFormatter(secrets, "%(asctime)s %(levelname)-8s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    return handler
