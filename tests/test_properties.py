"""Property-based tests (hypothesis) of everything that reads what a user types: the question
parser with and without a conversation's context, the period parser, the country resolver and
autocomplete, slash command options, `ask --json` (through `bot.main`, as the CLI runs it),
`console --json`, and `answers.ask` end to end against the seeded store.

For any text — full Unicode, control characters, NUL, lone surrogates (what invalid UTF-8 on
a command line becomes), markdown, Discord mentions, bidi marks, emoji, zero-width characters,
up to 10,000 characters — the properties are:

- nothing raises but a `TradebotError`, and only where refusing with one is the function's
  documented way (the resolvers); `ask` and the CLI always answer, or say why not;
- an error message is one sentence on one line, short, printable, with no traceback;
- no output (answer text, embed, error message, JSON) holds a live mention;
- the ★ shapes hold (DESIGN.md §4): the `ask --json` keys, the figure keys, the period format;
- every amount and percentage an answer prints is one of the figures it lists;
- what users pick or type correctly gives exactly what they meant (every country by name and
  code, every period in each written form, every autocomplete choice), and a typo of a name
  never gives another country;
- how a question is typed does not change what it means: in capitals, with a name in Turkish
  capitals (`TÜRKİYE`), with its accents decomposed (`o` + U+0302 for `ô`), or after `/ask`;
- a query survives the round trip through a thread's stored context and a CSV button's token.

Runs are deterministic (`derandomize`), so CI sees the same examples every time. Set
TRADEBOT_PROPERTIES=explore to search with fresh random examples, ten times as many.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import bot as entry
from cogs.utils.render import answer_embed
from tradebot import console, countries, formatting
from tradebot.answers import Answer, ask
from tradebot.errors import AmbiguousCountry, BadPeriod, TradebotError, UnknownCountry, echo, unmarked
from tradebot.intents import COMMANDS
from tradebot.periods import EARLIEST_YEAR, LATEST, YTD, Month, Period, PeriodSpec, find_period, lower_in_place, parse_period
from tradebot.query import INTENTS, Query
from tradebot.questions import RANKED_FLOWS, command_query, parse

from conftest import PROJECT_DIR, TODAY

EXPLORE = os.environ.get("TRADEBOT_PROPERTIES") == "explore"
settings.register_profile(
    "tradebot",
    deadline=None,
    derandomize=not EXPLORE,
    database=None,  # nothing written into the work tree; failures are kept as @example instead
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],  # the store is only read: one per test is enough
)
settings.load_profile("tradebot")


def budget(examples: int) -> settings:
    return settings(max_examples=examples * (10 if EXPLORE else 1))


NOW = Month.of(TODAY)
FIGURE_KEYS = {"reporter", "partner", "indicator", "period", "value", "unit", "source", "published", "derived"}
PERIOD_TEXT = re.compile(r"\d{4}-\d{2}(?:\.\.\d{4}-\d{2})?")
MAX_MESSAGE = 300
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALL_COUNTRIES = countries.autocomplete("", limit=10_000)  # with nothing typed: every country and group
ALL_CODES = frozenset(country.code for country in ALL_COUNTRIES)

# --- strategies ---------------------------------------------------------------------------

# Any code point at all, lone surrogates included
ANY_CHAR = st.characters(exclude_categories=())
NASTY = [
    "@everyone", "@here", "@Everyone", "<@123>", "<@!123>", "<@&456>", "<#789>", "@", "<", ">", "&",
    "**", "||", "`", "```", "~~", "__", "> ", "# ", "[x](https://example.com)", "\\",
    "\x00", "\n", "\r\n", "\r", "\t", "\x0b", "\x0c", "\x1b[2J", "\x7f", "\x85", "\u2028", "\u2029",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e", "\u2066", "\u061c",
    "🇨🇳", "💥", "👨‍👩‍👧", "İ", "ß", "ﬁ", "ǅ", "Σ", "ﾟ", "\u212a", "٢٠٢٥", "𝟐𝟎𝟐𝟓", "２０２５", "²", "٣", "\udcff", "\ud800",
    "’s", "'s", "'", '"', "“", ":", "/", "..", "-", "–", "—", "?", "!", ".", ",", "|", "&",
]
WORDS = [
    # countries, aliases, codes, typos, ambiguous names
    "china", "China", "CHN", "chnia", "prc", "mainland china", "us", "US", "USA", "the us", "united states", "america",
    "japan", "germany", "uk", "britain", "south korea", "korea", "eu", "EU27", "asean", "world", "WLD", "india", "IN",
    "canada", "mexico", "vietnam", "congo", "guinea", "samoa", "narnia", "côte d'ivoire", "hong kong", "taiwan", "chinas", "china's",
    # what is asked
    "surplus", "deficit", "balance", "trade gap", "exports", "export", "imports", "imported", "sold", "bought", "total trade",
    "trade between", "top partners", "biggest markets", "main suppliers", "who does china sell the most to", "compare",
    "compared with", "compared to", "vs", "versus", "which is bigger", "chart", "graph", "trend", "out yet", "is october out",
    "been released", "next release", "when is", "when does", "help", "what can you do", "about", "data sources",
    "where does the data come from", "share", "what share", "y/y", "yoy", "growth", "m/m", "month on month", "in yuan",
    "yuan", "rmb", "usd", "dollars",
    # periods, good and bad
    "2025-11", "2025-13", "2025-00", "0000-01", "9999-12", "nov 2025", "November 2025", "nov. 2025", "2025 nov", "11/2025",
    "13/2025", "0/2025", "2025", "2024", "2031", "1900", "1947", "1948", "jan-nov 2025", "Jan–Nov 2025", "nov-jan 2025",
    "dec 2024-feb 2025", "2024-11..2025-02", "2025-11..2024-01", "2025-01 to 2025-03", "jan-mar", "dec-feb", "q3 2025", "q4 2026",
    "q1", "2025 q2", "h1 2025", "h2 2026", "first half of 2024", "second half 1900", "since march", "since march 2025",
    "since dec 2026", "last month", "this month", "last year", "ytd", "year to date", "this year", "so far this year", "latest",
    "most recent", "may", "in may", "october", "oct", "sept", "feb", "january", "fy 2024", "full year 2023", "a year ago",
    "last year?", "the same month last year",
    # the small words around them
    "to", "from", "with", "and", "or", "between", "of", "by", "into", "against", "the", "in", "for", "what", "how much",
    "did", "is", "was", "what about", "how about", "and what about", "same for", "now", "also", "ok and", "plus", "?",
    # slash commands typed as text
    "/surplus", "/exports", "/imports", "/partners", "/compare", "/calendar", "/about", "/ask", "/chart", "/help", "/",
    "country:", "partner:", "period:", "other:", "indicator:", "question:", "months:", "Partner:", "bogus:",
    "exports", "total_trade", "months:36", "months:²", "months:0",
]
SEPARATORS = [" ", " ", " ", "", "  ", "\t", "\n", ",", "\u200b", "?"]
FRAGMENT = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(NASTY),
    st.text(ANY_CHAR, max_size=6),
)


def phrases(min_size: int = 0) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(FRAGMENT, st.sampled_from(SEPARATORS)), min_size=min_size, max_size=12).map(
        lambda parts: "".join(fragment + separator for fragment, separator in parts)
    )


PHRASE = phrases()
# long input: a phrase repeated up to 10,000 characters, around the parser's 500-character limit and far past it
LONG = st.tuples(phrases(min_size=1), st.integers(1, 2_000)).map(lambda pair: ((pair[0] + " ") * pair[1])[:10_000])

MONTHS = st.builds(Month.plus, st.just(Month(EARLIEST_YEAR, 1)), st.integers(0, (NOW.year - EARLIEST_YEAR) * 12 + NOW.month - 1))
PERIODS = st.one_of(
    MONTHS.map(Period.month),
    st.tuples(MONTHS, MONTHS).map(lambda pair: Period(min(pair), max(pair))),
    st.integers(EARLIEST_YEAR, NOW.year).map(Period.year),
)
SPECS = st.one_of(st.just(LATEST), st.just(YTD), PERIODS.map(lambda period: PeriodSpec("fixed", period)))
COUNTRIES = st.sampled_from(ALL_COUNTRIES)


@st.composite
def contexts(draw) -> Query:
    """A conversation as it stands after the kinds of answer there are: only the help, about,
    calendar and release answers have no country; a ranking's indicator is the flow ranked, a
    comparison (and the follow-ups after it) sets a second reporter, partner or period."""
    intent = draw(st.sampled_from(INTENTS))
    no_country = [None] if intent in ("help", "about", "calendar", "release") else []
    compared = {}
    if intent == "compare":
        slot = draw(st.sampled_from(["compared_reporter", "compared_partner", "compared_period", None]))
        if slot == "compared_period":
            compared[slot] = draw(st.sampled_from([Period.parse("2024-11"), Period.parse("2024-01..2024-12")]))
        elif slot:
            compared[slot] = draw(st.sampled_from(["USA", "JPN", "CHN"]))
    return Query(
        intent=intent, reporter=draw(st.sampled_from([*no_country, "CHN", "USA", "JPN", "DEU", "EU27", "WLD"])),
        partner=draw(st.sampled_from(["WLD", "USA", "CHN", "JPN", "EU27", "ASEAN"])), period=draw(SPECS),
        currency=draw(st.sampled_from([None, "USD", "CNY"])), measure=draw(st.sampled_from(["level", "yoy", "mom", "share"])),
        indicator=draw(st.sampled_from([None, *RANKED_FLOWS])), **compared,
    )


CONTEXTS = st.one_of(st.none(), contexts())
# Questions put together the way people ask them, so that most reach an answer (and its
# follow-ups), with something nasty dropped in somewhere now and then
NAMES = ["china", "CHINA", "the us", "united states", "US", "japan", "germany", "TÜRKİYE", "türkiye", "côte d'ivoire",
         "são tomé and príncipe", "curaçao", "réunion", "åland islands", "viet nam", "eu", "asean", "world", "south korea",
         "uk", "chnia", "germny", "hong kong", "IN", "congo"]
ASKED = ["surplus", "deficit", "exports", "imports", "total trade", "trade balance", "top partners", "top export markets",
         "main suppliers", "compare", "vs", "chart", "is october out yet", "when is the next release", "share", "y/y", "m/m",
         "in yuan", "help", "about"]
WHEN = ["nov 2025", "2025-11", "2025", "2024", "jan-nov 2025", "q3 2025", "h1 2025", "last month", "last year", "ytd",
        "latest", "october", "may", "since march 2025", "2024-11..2025-02", "jan-feb 2026", "2031", "1900", "dec-feb"]
QUESTION = st.tuples(
    st.sampled_from(["", "", "and", "what about", "how about", "same for", "compared with", "ok and", "/ask"]),
    st.sampled_from(["", *NAMES]), st.sampled_from(["", *ASKED]), st.sampled_from(["", "to", "from", "with", "and", "between"]),
    st.sampled_from(["", "", *NAMES]), st.sampled_from(["", *WHEN]),
    st.sampled_from(["", "", "?", "compared with last year", "compared with 2024", "compared with ytd", "y/y"]),
).map(lambda words: " ".join(word for word in words if word))
SPIKED = st.tuples(QUESTION, st.sampled_from(NASTY), st.integers(0, 200)).map(
    lambda spiked: spiked[0][: spiked[2] % (len(spiked[0]) + 1)] + spiked[1] + spiked[0][spiked[2] % (len(spiked[0]) + 1) :]
)
TEXT = st.one_of(QUESTION, SPIKED, PHRASE, PHRASE, st.text(ANY_CHAR, max_size=80), LONG)
OPTION = st.one_of(st.none(), st.sampled_from(WORDS), TEXT)


# --- what every output must be ------------------------------------------------------------


def assert_no_live_mention(text: str) -> None:
    """`@everyone`, `@here` and `<@id>`/`<@!id>`/`<@&id>` ping; echo() defuses them all with a
    zero-width space after `@`, and nothing else we print has an `@` next to them."""
    assert "@everyone" not in text.lower(), text
    assert "@here" not in text.lower(), text
    assert not re.search(r"<@[!&]?[0-9]", text), text


def assert_printable(text: str, line_breaks: bool = False) -> None:
    """Text a terminal or Discord shows as written: encodable as UTF-8, no control characters
    (NUL, escape sequences) and no bidi controls that would reorder our own words."""
    text.encode("utf-8")  # a lone surrogate cannot be printed: UnicodeEncodeError
    for char in text:
        if line_breaks and char == "\n":
            continue
        assert unicodedata.category(char) != "Cc", f"control character {char!r} in {text!r}"
        assert char not in BIDI_CONTROLS, f"bidi control {char!r} in {text!r}"


def assert_one_sentence(message: str) -> None:
    assert isinstance(message, str) and message, message
    assert len(message.splitlines()) == 1, f"more than one line: {message!r}"
    assert message == message.strip(), message
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message!r}"
    assert message[-1] in ".?!", f"not a sentence: {message!r}"
    assert "Traceback" not in message and 'File "' not in message, message
    assert_printable(message)
    assert_no_live_mention(message)


def assert_refusal(error: BaseException) -> None:
    assert isinstance(error, TradebotError), f"{type(error).__name__}: {error}"
    assert error.code and re.fullmatch(r"[a-z_]+", error.code), error.code
    assert_one_sentence(error.message)
    if isinstance(error, UnknownCountry):
        # "did you mean …?" and "which one?": each name offered can be typed back, and means one country
        picked = [countries.resolve(name).code for name in error.suggestions]
        assert len(set(picked)) == len(picked), error.suggestions


def assert_valid_spec(spec: PeriodSpec) -> None:
    assert spec.kind in ("latest", "ytd", "fixed")
    if spec.kind != "fixed":
        assert spec.period is None
        return
    period = spec.period
    for month in (period.start, period.end):
        assert 1 <= month.month <= 12
    assert period.start <= period.end, period
    assert period.start.year >= EARLIEST_YEAR, period
    assert period.start <= NOW, f"{period} starts in the future"
    assert PERIOD_TEXT.fullmatch(str(period)), period
    assert Period.parse(str(period)) == period


def assert_valid_query(query: Query) -> None:
    assert query.intent in INTENTS, query
    assert query.reporter is None or query.reporter in ALL_CODES, query
    assert query.partner in ALL_CODES, query
    assert query.currency in (None, "USD", "CNY"), query
    assert query.measure in ("level", "yoy", "mom", "share"), query
    assert_valid_spec(query.period)
    # a thread keeps its context in the database, a CSV button in its custom id: both give back the same query
    assert Query.from_context(query.as_context()) == query
    assert Query.from_token(query.to_token()) == query


AMOUNT = re.compile(r"(?:\$|CNY )\d[\d,]*(?:\.\d+)?(?: (?:tn|bn|mn))?")
PERCENT = re.compile(r"[+−]?\d+\.\d%")


def assert_answer(answer: Answer) -> None:
    """An answer as the console prints it, `ask --json` serialises it and Discord shows it."""
    assert isinstance(answer, Answer)
    payload = json.loads(json.dumps(answer.as_json(), ensure_ascii=False))
    assert set(payload) == {"query", "text", "figures", "error"}
    # a question about a product names its chapters (DESIGN.md §4)
    assert set(payload["query"]) - {"product"} == {"intent", "reporter", "partner", "period"}
    if not answer.understood:  # nothing in the line was read: the query says so, key by key
        assert payload["query"] == dict.fromkeys(("intent", "reporter", "partner", "period")) and answer.error
    else:
        assert payload["query"]["period"] in ("latest", "ytd") or PERIOD_TEXT.fullmatch(payload["query"]["period"])
    assert payload["text"] == answer.text
    if answer.error is not None:
        assert_refusal(answer.error)
        assert payload["figures"] == [] and payload["error"] == {"code": answer.error.code, "message": answer.error.message}
        assert answer.text == answer.error.message
        return
    assert payload["error"] is None
    assert_valid_query(answer.query)
    assert answer.text.strip(), answer
    assert_printable(answer.text, line_breaks=True)
    assert_no_live_mention(answer.text)
    for figure in payload["figures"]:
        assert set(figure) - {"product"} == FIGURE_KEYS and figure.get("product", "85") != ""  # a product's figure names it
        assert isinstance(figure["value"], int | float) and isinstance(figure["derived"], bool)
        assert PERIOD_TEXT.fullmatch(figure["period"])
    # every number the text shows is a figure it lists (DESIGN.md: "never print a number the store cannot back")
    amounts = {formatting.money(f.value, f.unit, extra) for f in answer.figures if f.is_money for extra in range(4)}
    percents = {text for f in answer.figures if not f.is_money for text in (formatting.percent(f.value), f"{f.value:.1f}%")}
    for shown in AMOUNT.findall(answer.text):
        assert shown in amounts, f"{shown} is not one of the answer's figures: {answer.text}"
    for shown in PERCENT.findall(answer.text):
        assert shown in percents, f"{shown} is not one of the answer's figures: {answer.text}"
    if answer.query.intent in ("balance", "exports", "imports", "total_trade", "partners", "compare"):
        assert answer.query.period.kind == "fixed", "an answer with figures names the period it shows"
        assert answer.figures
    # the Discord embed: every string it holds, within Discord's limits
    embed = answer_embed(answer)
    strings = [embed.title or "", embed.description or "", embed.footer.text or ""]
    strings += [text for field in embed.fields for text in (field.name, field.value)]
    for text in strings:
        assert_no_live_mention(text)
        assert_printable(text, line_breaks=True)
    assert len(embed.fields) <= 25 and len(embed) <= 6000, len(embed)
    assert len(embed.title or "") <= 256 and all(len(field.value) <= 1024 for field in embed.fields)


# --- the question parser ------------------------------------------------------------------


@budget(1_800)
@given(text=TEXT, context=CONTEXTS)
@example(text="/\x08", context=None)  # a control character quoted back
@example(text="TÜRKİYE exports y/y", context=None)  # İ grows when lowered
@example(text="compared with ytd?", context=Query(intent="balance", reporter="CHN"))  # "ytd" as a country code
@example(text="Saint Vincent and the Grenadines exports", context=None)  # five words
def test_parse_any_text_gives_a_query_or_one_sentence(text, context):
    try:
        query = parse(text, TODAY, context)
    except TradebotError as error:
        assert_refusal(error)
        return
    assert_valid_query(query)


def outcome(text: str, context: Query | None = None) -> Query | str:
    """The query a text asks, or the code of the refusal."""
    try:
        return parse(text, TODAY, context)
    except TradebotError as error:
        return error.code


# "Svalbard and Jan Mayen" is the one name a question cannot hold: its "Jan" is read as January
# (a territory Norway reports for; no source has figures of its own for it)
NAMEABLE = COUNTRIES.filter(lambda country: country.code != "SJM")


@budget(500)
@given(
    words=st.tuples(st.sampled_from(["", "", "what about", "and"]), NAMEABLE, st.sampled_from(["", *ASKED]),
                    st.sampled_from(["", "to", "from", "with"]), st.one_of(st.none(), NAMEABLE), st.sampled_from(["", *WHEN])),
    context=CONTEXTS,
)
@example(words=("", countries.by_code("TUR"), "exports", "", None, ""), context=None).via("TÜRKİYE exports y/y")
def test_a_country_name_means_the_same_in_capitals(words, context):
    """`TÜRKİYE exports` is `türkiye exports`: the case a name is typed in changes nothing, not
    even in Turkish capitals, where `İ` grows a character when lowered."""
    start, country, asked, preposition, partner, when = words

    def question(case) -> str:
        names = [case(place.name) if place else "" for place in (country, partner)]
        return " ".join(word for word in (start, names[0], asked, preposition, names[1], when, "y/y") if word)

    lower = outcome(question(str.lower), context)
    assert outcome(question(str.upper), context) == lower
    assert outcome(question(lambda name: name.replace("i", "İ").upper()), context) == lower


@budget(700)
@given(question=QUESTION, context=CONTEXTS)
@example(question="is october out yet", context=None).via("IS OCTOBER OUT YET: Iceland's release")
@example(question="what is china's surplus", context=None).via("WHAT IS CHINA'S SURPLUS: Iceland's balance with China")
@example(question="and imports?", context=Query(intent="balance", reporter="CHN")).via("AND IMPORTS?: Andorra's")
@example(question="surplus in ?", context=None).via("SURPLUS IN ?: India's")
def test_a_question_in_capitals_means_the_same(question, context):
    """Typed in capitals, a question still means what it says: `IS`, `IN`, `AND` and `CAN` are the
    words, not Iceland, India, Andorra and Canada. (Mixed case keeps the rule that a code counts
    when typed in capitals: `exports to IN`.)"""
    assert outcome(question.upper(), context) == outcome(lower_in_place(question), context)


@budget(400)
@given(question=QUESTION, context=CONTEXTS)
@example(question="côte d'ivoire exports", context=None)
def test_a_question_means_the_same_with_accents_composed_or_not(question, context):
    """`côte` typed as `o` + U+0302 (decomposed, as some keyboards and pastes send it) is `côte`."""
    assert outcome(unicodedata.normalize("NFD", question), context) == outcome(unicodedata.normalize("NFC", question), context)


@budget(300)
@given(question=QUESTION.filter(lambda question: not question.startswith("/")), context=CONTEXTS)
@example(question="and imports?", context=Query(intent="balance", reporter="CHN"))
def test_slash_ask_typed_in_the_console_means_the_question(question, context):
    """`/ask and imports?` in the console is `and imports?`, as `/ask` in a Discord thread is."""
    assert outcome(f"/ask {question}", context) == outcome(question, context)
    assert outcome(f"/ask question: {question}", context) == outcome(question, context)


# --- the period parser --------------------------------------------------------------------


@budget(700)
@given(text=st.one_of(TEXT, st.sampled_from(WORDS)))
def test_period_option_any_text(text):
    try:
        spec = parse_period(text, TODAY)
    except BadPeriod as error:  # its documented refusal; nothing else may escape
        assert_refusal(error)
        return
    assert_valid_spec(spec)


@budget(700)
@given(text=TEXT, reference=st.one_of(st.none(), MONTHS))
@example(text="İ ", reference=None)
def test_find_period_any_text(text, reference):
    try:
        spec, rest = find_period(text, TODAY, reference)
    except BadPeriod as error:
        assert_refusal(error)
        return
    if spec is None:
        assert rest == text
    else:
        assert_valid_spec(spec)
        assert len(rest) < len(text)


@budget(500)
@given(period=PERIODS)
def test_every_period_reads_back_in_each_written_form(period):
    """The stored form (`2025-11`, `2025-01..2025-11`) and the label answers print
    (`November 2025`, `Jan–Nov 2025`, `2025`, `Nov 2024–Feb 2025`) are all period options."""
    expected = PeriodSpec("fixed", period)
    assert parse_period(str(period), TODAY) == expected
    assert parse_period(period.label, TODAY) == expected
    assert parse_period(f"  {period.label.upper()} ", TODAY) == expected
    spec, rest = find_period(f"china exports to japan {period.label}?", TODAY)
    assert spec == expected and rest.split() == ["china", "exports", "to", "japan", "?"]


# --- the country resolver and autocomplete ------------------------------------------------


@budget(700)
@given(text=st.one_of(TEXT, st.sampled_from(WORDS)))
@example(text="same for")  # "did you mean Samoa?", and “Samoa” is ambiguous
@example(text="samoa")
def test_resolve_any_text_gives_a_country_or_one_sentence(text):
    try:
        country = countries.resolve(text)
    except UnknownCountry as error:  # its documented refusal (AmbiguousCountry is one)
        assert_refusal(error)
        assert all(isinstance(name, str) for name in error.suggestions)
        return
    assert country.code in ALL_CODES


@budget(500)
@given(country=COUNTRIES, position=st.integers(0, 100), swap=st.booleans())
def test_every_country_resolves_by_code_and_name_and_a_typo_never_picks_another(country, position, swap):
    assert countries.resolve(country.code) == country
    assert countries.resolve(country.code.lower()) == country
    try:
        assert countries.resolve(country.name) == country
    except AmbiguousCountry as error:  # "Congo": the user picks, and it is among the picks
        assert country in [countries.resolve(name) for name in error.suggestions]
    if country.code != "SJM":  # see NAMEABLE
        # in a question too, whatever the name's length ("Saint Vincent and the Grenadines" is five words)
        asked = outcome(f"{country.name} exports")
        assert asked == Query(intent="exports", reporter=country.code) or asked == "ambiguous_country", asked
    name = country.name
    at = position % len(name)
    typo = name[:at] + name[at + 1 : at + 2] + name[at] + name[at + 2 :] if swap else name[:at] + name[at + 1 :]
    try:
        assert countries.resolve(typo) == country, f"{typo!r} (a typo of {name}) read as another country"
    except UnknownCountry:
        pass


@budget(600)
@given(text=st.one_of(TEXT, st.sampled_from(WORDS), COUNTRIES.map(lambda c: c.name[: len(c.name) // 2])))
def test_autocomplete_any_text(text):
    choices = countries.autocomplete(text[:100], limit=25)
    assert len(choices) <= 25
    assert len({country.code for country in choices}) == len(choices)
    for country in choices:
        # Discord sends back the choice's value: the code must resolve to the same country
        assert countries.resolve(country.code) == country


@budget(300)
@given(country=COUNTRIES)
def test_autocomplete_offers_a_country_first_for_its_name_and_code(country):
    assert countries.autocomplete(country.name)[0] == country
    assert countries.autocomplete(country.code)[0] == country


# --- slash command options ----------------------------------------------------------------


@budget(700)
@given(command=st.sampled_from([*COMMANDS, "chart"]), options=st.fixed_dictionaries({}, optional={
    "country": OPTION, "partner": OPTION, "period": OPTION, "indicator": OPTION, "other": OPTION}))
def test_slash_options_any_text(command, options):
    """What the cogs call with whatever a user typed in each option the command has (/chart
    takes its own indicator and months: those go to the chart, not the query)."""
    intent, takes = (COMMANDS[command].name, COMMANDS[command].options) if command in COMMANDS else ("chart", ("country", "partner"))
    options = {name: value for name, value in options.items() if name in takes}
    try:
        query = command_query(intent, **options, today=TODAY)
    except TradebotError as error:
        assert_refusal(error)
        return
    assert_valid_query(query)


@budget(400)
@given(
    command=st.sampled_from(["surplus", "exports", "imports"]), country=COUNTRIES, partner=st.one_of(st.none(), COUNTRIES),
    spec=SPECS, by_name=st.booleans(),
)
def test_slash_options_picked_from_autocomplete_mean_what_was_picked(command, country, partner, spec, by_name):
    """Options as Discord sends them (autocomplete values are codes), or typed as names; and the
    same command typed in the console."""
    def typed(chosen):
        return chosen.name if by_name and chosen.name.lower() not in countries.AMBIGUOUS else chosen.code

    period = str(spec) if spec.period is None or not by_name else spec.period.label
    expected = Query(intent=COMMANDS[command].name, reporter=country.code, partner=partner.code if partner else "WLD", period=spec)
    assert command_query(expected.intent, typed(country), typed(partner) if partner else None, period, today=TODAY) == expected
    line = f"/{command} {typed(country)}" + (f" partner:{typed(partner)}" if partner else "") + f" period:{period}"
    assert parse(line, TODAY) == expected


# --- end to end: answers.ask, ask --json, console --json ----------------------------------


@budget(1_000)
@given(conversation=st.lists(TEXT, min_size=1, max_size=4), first=CONTEXTS)
@example(conversation=["surplus china", "compared with ytd?", "and japan?"], first=None)
def test_ask_answers_any_conversation(store, conversation, first):
    """Line after line in one thread: each answer or refusal is well formed, and its context
    is what the next line inherits."""
    context = first
    for text in conversation:
        answer = ask(store, text, TODAY, context)
        assert_answer(answer)
        if answer.context is not None:
            assert_valid_query(answer.context)
        context = answer.context


@budget(250)
@given(text=TEXT)
@example(text="/surplus china period:\udcff")  # `bot.py ask $'…\xff'`: unprintable before echo() replaced it
def test_ask_json_cli_prints_the_contract_for_any_text(db_path, tmp_path, monkeypatch, text):
    """`python bot.py ask -- TEXT --json` in process: one JSON object with the ★ keys, exit code 0 exactly when answered."""
    monkeypatch.setenv("TRADEBOT_DB", str(db_path))
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.chdir(tmp_path)  # a chart line writes its PNG under ./charts
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = entry.main(["ask", "--json", "--", text])
    printed = out.getvalue()
    printed.encode("utf-8")  # what a UTF-8 terminal or pipe can take
    assert printed.endswith("\n") and printed.count("\n") == 1, printed
    payload = json.loads(printed)
    assert set(payload) == {"query", "text", "figures", "error"}
    assert code == (0 if payload["error"] is None else 1)
    if payload["error"] is not None:
        assert set(payload["error"]) == {"code", "message"} and payload["figures"] == []
        assert_one_sentence(payload["error"]["message"])
    assert_no_live_mention(printed)
    assert err.getvalue() == ""


@budget(150)
@given(lines=st.lists(TEXT.map(lambda text: text.replace("\n", " ")), min_size=1, max_size=5))
@example(lines=["/chart china months:²", "surplus china", "q", "and imports?"])
def test_console_json_prints_one_object_per_line(store, tmp_path, lines):
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    assert console.run(store, as_json=True, stdin=stdin, stdout=stdout, charts_dir=tmp_path) == 0
    asked = next((index for index, line in enumerate(lines) if line.strip().lower() in console.QUIT), len(lines))
    answered = sum(1 for line in lines[:asked] if line.strip())  # a blank line asks nothing and prints nothing
    printed = stdout.getvalue().split("\n")
    assert printed[-1] == "" and len(printed) - 1 == answered
    for line in printed[:-1]:
        assert len(line.splitlines()) == 1
        payload = json.loads(line)
        assert set(payload) == {"query", "text", "figures", "error"}
        assert_no_live_mention(line)


# --- what the properties found, kept as plain examples --------------------------------------


def test_user_text_is_quoted_back_without_controls_bidi_marks_or_surrogates():
    """A NUL, a terminal escape sequence or a right-to-left override was quoted back as typed,
    and a lone surrogate (`python bot.py ask $'\\xff'`) made printing the answer raise."""
    assert unmarked(echo("a\x00b\x1b[2Jc\u202ed\udcffe\u2066f")) == "ab[2Jcd\ufffdef"
    assert unmarked(echo("a\tb\x85c")) == "a b c"
    assert parse_error("/surplus china period:\udcff\x1b[2J").message == (
        "I can't read “\ufffd[2J” as a period; try 2025-11, Nov 2025, 2025, Jan-Nov 2025, ytd or latest."
    )


def test_capital_dotted_i_does_not_shift_the_words_of_a_question():
    """`İ` lowers to two characters: the phrases found in the lowered text were cut out of the
    original at the wrong places (`TÜRKİYE exports y/y`: “I couldn't place “y””)."""
    assert parse("TÜRKİYE exports y/y", TODAY) == Query(intent="exports", reporter="TUR", measure="yoy")
    assert parse("TÜRKİYE exports to japan nov 2025", TODAY) == parse("türkiye exports to japan nov 2025", TODAY)
    assert find_period("İ ", TODAY) == (None, "İ ")
    assert find_period("TÜRKİYE exports nov 2025", TODAY) == (PeriodSpec("fixed", Period.parse("2025-11")), "TÜRKİYE exports")


def test_a_csv_button_posted_before_the_comparison_slots_were_typed_still_means_its_query():
    """Buttons carry their query in the custom id; those already in channels have the one
    `other` field of before, which is a compared country, a compared period or the ranked flow."""
    assert Query.from_token("compare|CHN|WLD|2025-11|||JPN|exports") == Query(
        intent="compare", reporter="CHN", period=PeriodSpec("fixed", Period.parse("2025-11")), indicator="exports",
        compared_reporter="JPN")
    assert Query.from_token("compare|USA|CHN|2025-11|||2024-11|").compared_period == Period.parse("2024-11")
    assert Query.from_token("partners|CHN|WLD|2025-01..2025-12|||exports|").indicator == "exports"
    with pytest.raises(ValueError):
        Query.from_token("compare|CHN")


def test_comparing_with_latest_or_ytd_is_refused_not_a_crash(store):
    """`compared with ytd?` in a thread set the compared period to "ytd", which the answer
    then looked up as a country code (KeyError)."""
    thread = ask(store, "surplus china", TODAY).context
    for text, context in [("compared with ytd?", thread), ("compared with latest", thread), ("compare china ytd and this year", None)]:
        answer = ask(store, text, TODAY, context)
        assert answer.error is not None and answer.error.code == "not_understood", answer.text
        assert answer.text == "Compare with a fixed period such as 2024-11 or 2024, or with a second country."
    assert ask(store, "compared with 2024", TODAY, thread).ok


def test_an_ambiguous_name_offers_names_that_can_be_typed_back():
    """“samoa” offered “Samoa or American Samoa”, and typing “Samoa” asked again, for ever."""
    with pytest.raises(AmbiguousCountry) as raised:
        countries.resolve("samoa")
    assert [countries.resolve(name).code for name in raised.value.suggestions] == ["WSM", "ASM"]
    with pytest.raises(UnknownCountry) as raised:
        countries.resolve("same for")  # "did you mean …?" follows the same rule
    assert all(countries.resolve(name) for name in raised.value.suggestions)


def test_names_longer_than_four_words_are_found_in_questions():
    assert parse("saint vincent and the grenadines exports", TODAY) == Query(intent="exports", reporter="VCT")
    assert parse("surplus of the congo, the democratic republic of the", TODAY) == Query(intent="balance", reporter="COD")
    assert parse("independent state of samoa imports", TODAY) == Query(intent="imports", reporter="WSM")


def test_chart_months_in_superscript_digits_is_one_sentence(store, tmp_path):
    """`"²".isdigit()` is true but `int("²")` raises: the console crashed on `/chart china months:²`."""
    answer = console.shown(ask(store, "/chart china months:²", TODAY), charts_dir=tmp_path / "charts")
    assert answer.error is not None and answer.error.code == "bad_period"
    assert answer.text == "months is a whole number from 6 to 120; not “²”."
    assert not (tmp_path / "charts").exists()


def parse_error(text: str, context: Query | None = None) -> TradebotError:
    with pytest.raises(TradebotError) as raised:
        parse(text, TODAY, context)
    return raised.value


def test_bytes_that_are_not_utf8_on_the_command_line_or_stdin_get_answers_not_tracebacks(db_path, tmp_path):
    """With a strict UTF-8 terminal (any desktop locale but C), `ask $'…\\xff'` printed a
    UnicodeEncodeError and `console` read a UnicodeDecodeError, each as a traceback."""
    environment = {**os.environ, "TRADEBOT_DB": str(db_path), "DISCORD_TOKEN": "", "PYTHONIOENCODING": "utf-8:strict"}
    command = [sys.executable, str(PROJECT_DIR / "bot.py")]
    asked = subprocess.run([*command, "ask", "--json", b"/surplus china period:\xff"], capture_output=True, env=environment,
                           cwd=tmp_path, timeout=60)
    assert asked.returncode == 1 and asked.stderr == b"", asked.stderr.decode(errors="replace")
    assert json.loads(asked.stdout)["error"]["message"].startswith("I can't read “\ufffd” as a period")
    typed = subprocess.run([*command, "console", "--json"], input=b"/surplus china period:\xff\n", capture_output=True,
                           env=environment, cwd=tmp_path, timeout=60)
    assert typed.returncode == 0 and typed.stderr == b"", typed.stderr.decode(errors="replace")
    assert json.loads(typed.stdout)["error"]["code"] == "bad_period"
