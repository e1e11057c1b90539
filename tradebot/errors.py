"""Errors a user can cause. Each carries a stable `code` (the `error.code` of `ask --json`)
and a message that is one sentence saying what to do. Anything else is a bug."""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
# Never quoted back: control characters (NUL, a terminal's escape sequences; the whitespace ones
# become spaces) and bidi controls, which would reorder the rest of our own sentence on screen.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A lone surrogate (invalid UTF-8 in a command-line argument) cannot be printed to a UTF-8 stream.
_SURROGATES = re.compile("[\ud800-\udfff]")


# Where echoed user text starts and ends inside a message (private-use characters, removed by
# `TradebotError.message`): a front end with markup of its own escapes exactly those spans.
QUOTE_START, QUOTE_END = "\ue000", "\ue001"
_QUOTED = re.compile(f"{QUOTE_START}(.*?){QUOTE_END}", re.DOTALL)


def echo(text: str | None, limit: int = 40) -> str:
    """User text quoted back in a message: one line, short, printable and unable to ping anyone
    (a zero-width space after `@` defuses @everyone and <@id> mentions everywhere), and marked
    as the user's, so Discord can show `[x](https://…)` or `**` as typed, not as markup."""
    text = _CONTROLS.sub(lambda control: " " if control.group().isspace() else "", text or "")
    text = _SURROGATES.sub("\ufffd", " ".join(text.split())).replace("`", "'")
    text = text.replace(QUOTE_START, "").replace(QUOTE_END, "")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return QUOTE_START + text.replace("@", "@" + ZERO_WIDTH_SPACE) + QUOTE_END


def unmarked(text: str) -> str:
    return text.replace(QUOTE_START, "").replace(QUOTE_END, "")


class TradebotError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(unmarked(message))
        self.marked = message

    @property
    def message(self) -> str:
        """The sentence, user text as typed."""
        return unmarked(self.marked)

    def escaped(self, escape) -> str:
        """The sentence with `escape` applied to each piece of user text in it (Discord: its markdown)."""
        return _QUOTED.sub(lambda quoted: escape(quoted.group(1)), self.marked)


class UnknownCountry(TradebotError):
    code = "unknown_country"

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.suggestions = suggestions


class AmbiguousCountry(UnknownCountry):
    """A name that fits several countries: the user picks, we don't guess."""

    code = "ambiguous_country"


class NotAvailable(TradebotError):
    """A kind of answer tradebot understands but does not give yet."""

    code = "not_available"


class BadPeriod(TradebotError):
    code = "bad_period"


class NoData(TradebotError):
    code = "no_data"


class NotUnderstood(TradebotError):
    code = "not_understood"


class DataFileError(TradebotError):
    """A data file that cannot be imported; nothing from it was written."""

    code = "bad_data_file"


class ConfigError(TradebotError):
    """A setting in the environment or .env that cannot work."""

    code = "bad_config"


class SourceUnavailable(TradebotError):
    """A live source could not be reached or answered with something that is not data."""

    code = "source_unavailable"


class SourceUnreachable(SourceUnavailable):
    """The network or the host cannot be reached at all: no point asking for the next series."""


class StoreUnwritable(TradebotError):
    """The database refused a write (read-only file, full disk, locked too long); it is as it was."""

    code = "store_unwritable"


class OutputUnwritable(TradebotError):
    """A file the user asked for (`--csv PATH`) cannot be written there."""

    code = "output_unwritable"
