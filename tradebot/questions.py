"""Text → `Query`: slash commands typed as text (`/surplus china partner:us period:2025-11`)
and short phrases (`surplus china`, `china exports to us nov 2025`).

Deterministic and conservative: a word it cannot place makes it ask, never guess, so a
misread question cannot produce a wrong number.
"""

from __future__ import annotations

import re
from datetime import date

from tradebot import countries
from tradebot.errors import NotUnderstood, TradebotError, echo
from tradebot.periods import LATEST, find_period, parse_period
from tradebot.query import FIGURE_INTENTS, Query

MAX_LENGTH = 500
EXAMPLES = "try `surplus china`, `china exports to us nov 2025` or `/surplus china partner:us period:2025-11`"

FIGURE_OPTIONS = ("country", "partner", "period")
# Slash command → (intent, the options it takes), as DESIGN.md §4 names them.
COMMANDS = {
    "surplus": ("balance", FIGURE_OPTIONS),
    "exports": ("exports", FIGURE_OPTIONS),
    "imports": ("imports", FIGURE_OPTIONS),
    "calendar": ("calendar", ("country",)),
    "about": ("about", ()),
}

INTENT_WORDS = {
    "surplus": "balance", "surpluses": "balance", "deficit": "balance", "deficits": "balance",
    "balance": "balance",
    "exports": "exports", "export": "exports", "exported": "exports", "exporting": "exports",
    "sold": "exports", "shipments": "exports",
    "imports": "imports", "import": "imports", "imported": "imports", "importing": "imports",
    "bought": "imports", "purchases": "imports",
}
CURRENCY_WORDS = {"yuan": "CNY", "cny": "CNY", "rmb": "CNY", "renminbi": "CNY", "usd": "USD", "dollars": "USD", "dollar": "USD"}
PARTNER_WORDS = {"to", "from", "with", "vs", "versus", "against", "into"}
FILLER_WORDS = {
    "a", "an", "the", "of", "in", "for", "on", "at", "and", "what", "whats", "what's", "is", "was",
    "were", "are", "how", "much", "many", "did", "does", "do", "trade", "trading", "goods", "its",
    "show", "me", "tell", "give", "please", "figure", "figures", "number", "numbers", "data",
    "total", "value", "s", "by", "y/y", "yoy", "?",
}
_OPTION = re.compile(r"(?<!\S)([a-z_]+):")


def parse(text: str, today: date, context: Query | None = None) -> Query:
    """Raises a `TradebotError` with a one-sentence message when the text is not a question it can map."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise NotUnderstood(f"Ask about a country's trade: {EXAMPLES}.")
    if len(cleaned) > MAX_LENGTH:
        raise NotUnderstood(f"That is too long to be one question ({len(cleaned):,} characters); {EXAMPLES}.")
    if cleaned.startswith("/"):
        return _parse_command(cleaned, today)
    return _parse_phrase(cleaned, today)


def _parse_command(text: str, today: date) -> Query:
    name, _, rest = text[1:].partition(" ")
    name = name.lower()
    if name == "ask":
        question = re.sub(r"^question:\s*", "", rest.strip(), flags=re.IGNORECASE)
        return parse(question, today) if not question.startswith("/") else _refuse_nested()
    if name not in COMMANDS:
        known = ", ".join(f"/{command}" for command in (*COMMANDS, "ask"))
        raise NotUnderstood(f"“/{echo(name)}” is not a command here; the commands are {known}.")
    intent, allowed = COMMANDS[name]
    options = _split_options(rest, name, allowed)
    return command_query(intent, today=today, **options)


def command_query(
    intent: str, country: str | None = None, partner: str | None = None, period: str | None = None, *, today: date
) -> Query:
    """The `Query` for a slash command's options; Discord and the console both come through here."""
    if intent in FIGURE_INTENTS and not (country or "").strip():
        command = next(name for name, (command_intent, _) in COMMANDS.items() if command_intent == intent)
        raise NotUnderstood(f"/{command} needs a country, for example `/{command} china`.")
    return Query(
        intent=intent,
        reporter=countries.resolve(country).code if country else None,
        partner=countries.resolve(partner).code if partner else "WLD",
        period=parse_period(period, today),
    )


def _refuse_nested() -> Query:
    raise NotUnderstood(f"Ask in words after /ask; {EXAMPLES}.")


def _split_options(rest: str, command: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """`china partner:south korea period:Jan-Nov 2025` → {country, partner, period}."""
    options: dict[str, str] = {}
    marks = list(_OPTION.finditer(rest))
    positional = rest[: marks[0].start()] if marks else rest
    if positional.strip():
        if not allowed:
            raise NotUnderstood(f"/{command} takes no options.")
        options[allowed[0]] = positional.strip()
    ends = [mark.start() for mark in marks[1:]] + ([len(rest)] if marks else [])
    for mark, end in zip(marks, ends, strict=True):
        key = mark.group(1).lower()
        if key not in allowed:
            takes = f"it takes {', '.join(allowed)}" if allowed else "it takes none"
            raise NotUnderstood(f"/{command} has no option “{echo(key)}”; {takes}.")
        options[key] = rest[mark.end() : end].strip()
    return options


def _parse_phrase(text: str, today: date) -> Query:
    period, rest = find_period(text, today)
    words = re.findall(r"[\w.'’&-]+|\?", rest)
    intent: str | None = None
    reporter: str | None = None
    partner: str | None = None
    currency: str | None = None
    pending_partner = False
    leftovers: list[str] = []
    index = 0
    while index < len(words):
        word = words[index].lower().strip(".")
        if word in INTENT_WORDS:
            intent = intent or INTENT_WORDS[word]
            index += 1
            continue
        if word in CURRENCY_WORDS:
            currency = CURRENCY_WORDS[word]
            index += 1
            continue
        if word in PARTNER_WORDS:
            pending_partner = True
            index += 1
            continue
        country, used = _country_at(words, index)
        if not country and word not in FILLER_WORDS:
            country, used = _typo_of_country(words[index]), 1
        if country:
            if reporter is None and not (pending_partner and _more_countries(words, index + used)):
                reporter = country.code
            elif partner is None:
                partner = country.code
            else:
                raise NotUnderstood(f"I can compare two countries at most; {EXAMPLES}.")
            pending_partner = False
            index += used
            continue
        if word not in FILLER_WORDS:
            leftovers.append(words[index])
        index += 1
    if leftovers:
        _explain_leftovers(leftovers, found_country=reporter is not None, found_intent=intent is not None)
    if reporter is None:
        raise NotUnderstood(f"Which country? {EXAMPLES[0].upper()}{EXAMPLES[1:]}.")
    return Query(intent=intent or "balance", reporter=reporter, partner=partner or "WLD", period=period or LATEST, currency=currency)


def _country_at(words: list[str], index: int) -> tuple[countries.Country | None, int]:
    """The longest country name starting at `index` (up to four words), and its length.
    Lower-case two- and three-letter codes are English words (`in`, `can`, `per`), so in
    phrases codes count only when typed in capitals; aliases such as `us` always count."""
    for length in range(min(4, len(words) - index), 0, -1):
        phrase = " ".join(words[index : index + length])
        found = countries.lookup_exact(phrase, allow_codes=phrase.isupper())
        if not found and length == 1 and phrase.lower().endswith(("'s", "’s", "s")):
            stem = re.sub(r"(['’]s|s)$", "", phrase, flags=re.IGNORECASE)
            found = countries.lookup_exact(stem, allow_codes=stem.isupper()) if len(stem) > 3 else None
        if found:
            return found, length
    return None, 0


def _typo_of_country(word: str) -> countries.Country | None:
    """`chnia` → China, when one country is clearly meant (see `countries.resolve`)."""
    if len(word) < 4:
        return None
    try:
        return countries.resolve(word)
    except TradebotError:
        return None


def _more_countries(words: list[str], index: int) -> bool:
    return any(_country_at(words, i)[0] for i in range(index, len(words)))


def _explain_leftovers(leftovers: list[str], found_country: bool, found_intent: bool) -> None:
    """Words that are neither countries, flows, periods nor filler. Where a country should be
    (no country yet) a name-like word gets "did you mean"; anything else gets a hint, never a guess."""
    phrase = " ".join(leftovers)
    if not found_country and all(word.isalpha() for word in leftovers):
        suggestions = [country for country, _score in countries.fuzzy_matches(phrase, limit=3)]
        if suggestions or (found_intent and len(leftovers) == 1):
            raise countries.unknown(phrase, suggestions)
    raise NotUnderstood(f"I couldn't place “{echo(phrase)}”; {EXAMPLES}.")
