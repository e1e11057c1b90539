"""Text → `Query`: slash commands typed as text (`/surplus china partner:us period:2025-11`)
and short phrases (`surplus china`, `china exports to us nov 2025`).

Deterministic and conservative: a word it cannot place makes it ask, never guess, so a
misread question cannot produce a wrong number.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from tradebot import countries, products
from tradebot.errors import BadPeriod, NotAvailable, NotUnderstood, TradebotError, echo
from tradebot.intents import CHART_MONTHS_MAX, CHART_MONTHS_MIN, COMMANDS, FIGURE_INTENTS, TABLE
from tradebot.periods import LATEST, MONTH_WORDS, Period, PeriodSpec, find_period, lower_in_place, parse_period
from tradebot.query import Query
from tradebot.wording import FLOW_NAMES

Knows = Callable[[str, str], bool]  # (reporter, partner) → whether the store has figures for them
MAX_LENGTH = 500
TRADE_ALONE = re.compile(r"\btrad(?:e|es|ed|ing)\b(?!\s+(?:surplus|surpluses|deficit|deficits|balance|gap|data|figures|numbers|release))")
CODE_LIKE = re.compile(r"[;<>{}=|`\\]|--")  # a question with these and unknown words is not asking about trade
MAX_IGNORED = 8  # unknown words a whole question may carry ("how large was … in dollar terms")
EXAMPLES = "try `surplus china`, `china exports to us nov 2025` or `/surplus china partner:us period:2025-11`"

RANKED_FLOWS = ("exports", "imports", "balance", "total_trade")

# what drove a change: the words that ask which parts made a total's growth
_CHANGE = r"(?:growth|change|changes|rise|fall|increase|decrease|decline|drop|jump|slump|surge|pickup|swing|widening|narrowing|move|moves)"
DRIVERS = (r"\b(?:drove|drive|drives|driven|driving|drivers?|contribu\w*|contribs?|offset\w*|movers?|behind|drags?|dragged"
           r"|dragging|heavy\s+lifting|responsible\s+for|account(?:s|ed)?\s+for|carr(?:y|ies|ied|ying)"
           r"|(?:made|make|makes|making)\s+up\s+for|pick(?:ed|ing|s)?\s+up\s+the\s+slack|what\s+moved"
           r"|(?:added|add|adding|took|taking|subtracted)\s+(?:the\s+)?most|moved\b.*\bmost|weigh(?:ed|s|ing)?\s+on"
           r"|(?:who|which\s+\w+)\s+(?:added|subtracted)"
           r"|(?:pushed|pulled|lifted|dragged)\s+(?:\w+\s+){0,6}(?:up|down))\b"
           # "explain the growth", "regional breakdown of the growth" (not "explain what the surplus was")
           r"|\b(?:explain\w*|breakdown|break\s+down|broken\s+down|(?:add|adds|added|adding)\s+to"
           r"|by\s+(?:region|regions|continent|continents|bloc|blocs|partner|partners|country|countries))\b(?=.*\b"
           + _CHANGE + r"\b)"
           r"|\b(?:y/y|yoy)\b.*\bby\s+(?:region|continent|bloc)s?\b")
# a word after a country that makes it the partner a story is about: "the us drop", "eu demand"
STORY_CHANGE = r"(?:drop|drops|slump|decline|declines|fall|falls|weakness|demand|plunge|collapse|shortfall|dip|slowdown)"
# what a drivers answer is shown by: continents ("by region", "which blocs"), or HS chapters of US imports,
# or again by partner ("country by country")
BY_REGION = re.compile(r"\b(?:regions?|regional|regionally|continents?|continental|blocs?)\b")
BY_PARTNER = re.compile(r"\b(?:by|per)\s+(?:partner|partners|country|countries)\b|\bcountry\s+by\s+country\b")
BY_PRODUCT = re.compile(r"\b(?:products?|chapters?|hs\s*\d?|goods\s+categor\w+|categor(?:y|ies)|commodit(?:y|ies)|sectors?)\b")

# Words and phrases → what they ask. Phrases are matched before single words.
_TOP = r"\b(?:top|biggest|largest|main|major|leading|key)(?:\s+(?:\d{1,2}|three|five|ten|twenty))?\s+"
INTENT_PHRASES = [
    # "what drove china's export growth", "which markets offset the drop", "biggest movers": contributions to growth
    # (first: "what drove exports in april 2025, when the tariffs went up" asks what drove them)
    (DRIVERS, "drivers"),
    # "what tariff does the us charge on chinese goods", "us duties on imports from vietnam" (before "imports")
    (r"\b(?:tarr?iff?s?|duty|duties|levy|levies|effective\s+(?:rate|levy)|customs\s+collect\w*)\b"
     r"|\bat\s+the\s+(?:u\.?s\.?\s+)?border\b", "tariffs"),
    # "what does the us import from china", "top us imports from vietnam by product": the US's imports by HS chapter
    # ("what did america import from mexico in 2025" asks for the amount: the past tense is a flow)
    (r"\bwhat\s+(?:does|do)\s+(?:the\s+)?(?:us|u\.s\.?|usa|america|united\s+states)\s+(?:import|buy|get)s?\s+from\b"
     r"|\bby\s+(?:product|products|chapter|chapters|category|categories|commodity|commodities)\b"
     r"|\b(?:what|which)\s+(?:products|goods)\s+(?:does|do|did)\s+(?:the\s+)?(?:us|u\.s\.?|usa|america)\b", "products"),
    (_TOP + r"(?:trading\s+|trade\s+)?(?:export\s+)?(?:partners?|markets?|destinations?|customers?|buyers?|countries)\b", "partners"),
    # "where did china get most of its imports from", "biggest us deficits by country"
    (r"\bwhere\s+(?:did|does|do)\b.*\b(?:get|gets|buy|buys|source|sources)\b.*\bfrom\b"
     r"|\b(?:surpluses|deficits|exports|imports)\s+by\s+(?:country|partner)\b", "partners"),
    (_TOP + r"(?:import\s+)?(?:suppliers?|sources?)\b", "partners"),
    # "rank china's partners by …", "which countries did china export the most to", "largest bilateral surpluses"
    (r"\brank(?:ed|ing|ings)?\b|\bwhich\s+(?:countries|economies|nations|partners|markets|places)\b"
     r"|" + _TOP + r"(?:bilateral\s+)?(?:surpluses|deficits)\b", "partners"),
    (r"\bwho\s+(?:does|do|did)\b.*\b(?:sell|sells|export|exports)\s+(?:the\s+most\s+)?to\b", "partners"),
    (r"\bwho\s+(?:does|do|did)\b.*\b(?:buy|buys|import|imports)\s+(?:the\s+most\s+)?from\b", "partners"),
    (r"\bcompared?\s+(?:with|to)\b|\bcompare\b|\bversus\b|\bvs\.?(?!\w)|\bwhich\s+(?:is|was)\s+(?:bigger|larger|higher|smaller|lower)\b"
     r"|\bside\s+by\s+side\b|\bsame\s+comparison\b|\b(?:bigger|larger|higher|smaller|lower)\s+than\b"
     r"|\bchange[ds]?\s+from\b(?!\s+(?:the\s+|a\s+)?(?:previous|prior|last|year|month))", "compare"),
    (r"\b(?:total|two[- ]way|bilateral|overall)\s+trade\b|\btrade\s+(?:volume|between)\b"
     r"|\bhow\s+much\s+(?:do|does|did)\b.*\btrade\b", "total_trade"),
    (r"\btrade\s+gap\b|\btrade\s+balance\b", "balance"),
    # "china trade with latin america", "china's trade turnover with kazakhstan": both flows together
    (r"\btrade\s+(?:turnover\s+)?with\b|\btrade\s+turnover\b|\bturnover\b", "total_trade"),
    (r"\b(?:out|released|published)\s+yet\b|\bbeen\s+(?:released|published)\b|\b(?:is|are)\b.*\bout\b"
     r"|\bhas\b.*\b(?:released|published)\b", "release"),
    (r"\bnext\s+release\b|\brelease\s+(?:calendar|date|schedule)\b|\bwhen\s+(?:does|do|will|is)\b", "calendar"),
    (r"\bwhat\s+can\s+you\s+do\b|\bhow\s+do\s+i\s+use\b|\bhow\s+does\s+this\s+work\b|^\s*help\b|\bcommands\b", "help"),
    (r"\bwhere\s+(?:does|do|did)\s+(?:the\s+|your\s+|these\s+|this\s+|those\s+)?(?:data|numbers|figures)\s+(?:\w+\s+)?come\s+from\b"
     r"|^\s*(?:what|which)\s+(?:are\s+(?:the|your)\s+|data\s+)?sources?\b|\bsources?\s+(?:for|of|does|do)\b"
     r"|\bdata\s+sources?\b|\byour\s+sources?\b|^\s*sources?\b|^\s*about\b"
     r"|\b(?:underlying|original|primary)\s+(?:sources?|data)\b|\bwhat\s+is\s+(?:the\s+|your\s+)?sources?\b"
     r"|\bwhere\s+(?:is|are|does|do)\s+(?:the\s+|your\s+|ur\s+)?(?:\w+\s+)?(?:data|numbers|figures)\s+(?:\w+\s+)?(?:come\s+)?from\b",
     "about"),
    (r"\b(?:chart|graph|plot|trend|sparkline)s?\b", "chart"),
    (r"\b(?:suppliers|export\s+markets|markets|trading\s+partners|partners|customers)\b", "partners"),
]
INTENT_WORDS = {
    "surplus": "balance", "surpluses": "balance", "surpluss": "balance", "deficit": "balance", "deficits": "balance",
    "balance": "balance", "bal": "balance", "surpuls": "balance",
    "exports": "exports", "export": "exports", "exported": "exports", "exporting": "exports", "exprots": "exports",
    "exorts": "exports", "sold": "exports", "sell": "exports", "sells": "exports", "selling": "exports",
    "shipments": "exports", "shipped": "exports", "ship": "exports", "ships": "exports", "outbound": "exports",
    "imports": "imports", "import": "imports", "imported": "imports", "importing": "imports", "imprts": "imports",
    "bought": "imports", "buy": "imports", "buys": "imports", "buying": "imports", "purchases": "imports",
    "purchased": "imports", "inbound": "imports",
    # markets shorthand: x and m as in "chn x y/y", exp and imp
    "x": "exports", "exp": "exports", "m": "imports", "imp": "imports",
}
# once an intent is recognised, the words that said it are not left over
INTENT_VOCABULARY = {
    "partners": "top biggest largest main major leading key trading trade export import partners partner markets market "
                "destinations destination customers customer buyers buyer suppliers supplier sources source who whom most "
                "sell sells buy buys exports imports rank ranked ranking rankings which countries economies nations places "
                "bilateral surpluses deficits ten five three twenty where get gets country imported exported",
    "total_trade": "total two-way two way bilateral overall volume between trade turnover with",
    "balance": "trade gap balance",
    "release": "out yet released published been has have is are numbers",
    "calendar": "next release calendar date schedule when does do will is publish publishes published come out",
    "help": "what can you do how use this work help commands",
    "about": "where does data come from sources source your about numbers figures is underlying original primary ur",
    "compare": "compare compared with to versus vs against which is was bigger larger higher smaller lower side by put than "
               "comparison change changed changes from",
    "chart": "chart charts graph graphs plot plots trend trends sparkline",
    "drivers": "drove drive drives driven driving driver drivers contributed contribution contributions contributing contributor "
               "contributors contrib contribs offset offsets offsetting movers mover behind drag drags dragged dragging heavy "
               "lifting explain explains explained responsible account accounts accounted added add adding took taking "
               "subtracted most moved weigh weighed weighs weighing pushed pulled lifted up down which who whos who's what "
               "biggest largest top main markets market partners partner countries country ctry regions region regional "
               "continents continent blocs bloc products product chapters chapter hs goods categories category sectors "
               "breakdown broken growth change changes rise fall increase decrease decline drop jump slump surge pickup swing "
               "widening narrowing move moves points pts pp percentage ones weaker stronger demand did do does were was "
               "chart graph plot bar bars",
    "products": "what does do did import imports imported buy buys get gets from by product products chapter chapters "
                "category categories commodity commodities top biggest largest main goods which",
    "tariffs": "tariff tariffs duty duties customs charge charges charged charging collect collects collected collecting pay "
               "pays paid paying levy levies levied impose imposes imposed effective rate rates goods products product on "
               "imports import imported most which high highest average actual actually much does do tarif tarrif "
               "tarriff tarrifs tarifs all not just only overall border at",
}
SCALE_WORDS = {"trillion": 1e12, "tn": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6}
THRESHOLD = re.compile(
    r"\b(?:top|tops|topped|pass|passes|passed|exceed|exceeds|exceeded|cross|crosses|crossed|surpass|surpassed|break|broke"
    r"|hit|reach|reached|above|over|beyond)\s+(?:the\s+)?(?P<dollar>\$|us\$|usd\s*)?(?P<amount>\d+(?:\.\d+)?)\s*"
    r"(?P<scale>trillion|tn|billion|bn|million|mn)\b(?:\s+(?P<dollars>dollars|usd))?")
THAT_PERIOD = re.compile(r"\b(?:that|the\s+same|same|those|these)\s+(?:month|months|year|yr|period|time|quarter|stretch)\b"
                         r"|\bthen\s*\??\s*$")
# "what about the year before?", "same stretch last year?": the thread's period a year earlier (or later)
YEAR_SHIFT = re.compile(r"\b(?:the\s+)?(?:year|yr)\s+(?P<way>before|after|earlier|later)\b"
                        r"|\b(?:the\s+)?same\s+(?:month|months|period|stretch|time|quarter)\s+(?P<last>last\s+year|a\s+year\s+(?:ago|earlier|before))")
YEAR_EARLIER = re.compile(
    r"\b(?:compared?\s+(?:with|to)\s+)?(?:the\s+same\s+(?:month|period)\s+)?"
    r"(?:last\s+year|a\s+year\s+(?:ago|earlier|before)|the\s+(?:year|yr)\s+before|the\s+(?:previous|prior)\s+year)\b"
)
MEASURE_PHRASES = [
    (r"\by/y\b|\byoy\b|\byear[- ]on[- ]year\b|\byear[- ]over[- ]year\b|\bchange on (?:a|the) year\b"
     r"|\bgrowth\b|\bgr[eo]w\b|\bgrowing\b|\bannual change\b|\bhow\s+fast\b"
     r"|\b(?:up|down)\s+(?:from|on)\s+a\s+year\s+(?:ago|earlier|before)\b", "yoy"),
    (r"\bm/m\b|\bmom\b|\bmonth[- ]on[- ]month\b|\bmonth[- ]over[- ]month\b|\bfrom the previous month\b"
     r"|\bon the month\b|\bmonthly change\b", "mom"),
    (r"\bwhat\s+share\b|\bshare\b|\bwhat\s+percent(?:age)?\s+of\b|\bhow\s+much\s+of\b|\bproportion\b", "share"),
]
CURRENCY_WORDS = {"yuan": "CNY", "cny": "CNY", "rmb": "CNY", "renminbi": "CNY", "usd": "USD", "dollars": "USD", "dollar": "USD",
                  "yen": "JPY", "jpy": "JPY"}
# Words that ask about something else than merchandise trade figures: with one of them left over,
# a question is refused even when it names a flow and a country (never a number for "gdp").
OFF_TOPIC = frozenset("""
gdp inflation cpi ppi price prices stock stocks share-price shares weather population unemployment jobs interest
forecast forecasts predict prediction projected projection expect expected will legal law
services not except excluding without per capita tourism oil gas average mean median real adjusted seasonally
""".split())
# tariffs: goods of the United States being taxed ("china's tariffs on us soybeans"), which the store does not hold
ON_US_GOODS = re.compile(r"\bon\s+(?:the\s+)?(?:us|u\.s\.?|usa|united\s+states|america|american)\b(?!\s+(?:border|customs))")
ALL_GOODS = re.compile(r"\ball\s+(?:\w+\s+)?(?:goods|products|imports)\b|\boverall\b|\bnot\s+just\b")
# the word before a country that says what it is to the flow
PREPOSITIONS = {"to": "to", "into": "into", "towards": "to", "from": "from", "with": "with", "w": "with", "w/": "with", "against": "with",
                "between": "between", "of": "of", "by": "of", "and": "and", "or": "and", "vs": "and", "versus": "and"}
FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|what of|same for|same with|now|ok and|okay and|also|plus)\b|^\s*(?:in|for|with|to)\b")
FILLER_WORDS = set("""
a an the of in for on at and or what whats what's is was were are be been being how much many did does do
trade trading traded goods its it their there this that these those show me tell give please figure figures number
numbers data total value values s by ? ! . , amount amounts level levels stats statistics
can could would will you your i we us? i'd id like want know see get check look find about
latest last recent most month months year years so far current currently now today then
doing do dont don't right hey hi hello bot tradebot pls plz thanks thank ok okay yes yeah
money worth dollar billion billions bn trillion tn million mn percent per cent just also
was were went go going up down rise rose fall fell change changed
country countries nation economy economic economies wise according official officially
big large huge small actually wondering wonder so my boss wants need needs report quick question has have had
come comes came go goes went lol haha hmm same again more other another pull look up gimme
period periods stretch then side only instead yr exactly actually if them just one ur over
but too thing things somebody someone something else entirely put fill walk make use tell understand
""".split())
ARTICLES = {"the", "a", "an", "?"}
CARRIERS = ARTICLES | {"total", "all", "overall", "whole", "its", "their", "our"}  # a preposition carries over these to a country
_OPTION = re.compile(r"(?<!\S)([a-z_]+):")
# Words read as words even in capitals when a whole question is typed in capitals (see _country_at)
FLOW_WORDS_TO_GUESS = [word for word in INTENT_WORDS if len(word) >= 6]
KNOWN_WORDS = FILLER_WORDS | set(PREPOSITIONS) | set(INTENT_WORDS) | {w for words in INTENT_VOCABULARY.values() for w in words.split()}


# Phrasings rewritten before parsing: one way to say each thing
REWRITES = [
    (re.compile(r"\b(when|where|what|how|who|that|it)['’]s\b"), r"\1 is"),
    (re.compile(r"\bvis[- ][aà][- ]vis\b"), "with"),
    # "US-bound shipments", "EU-bound goods": shipments to the US
    (re.compile(r"\b([a-z]{2,})-bound\b"), r"to \1"),
    # "in US dollars", "USD-denominated": a currency, not the United States
    (re.compile(r"\b(?:u\.?s\.?\s*)?(dollars?|usd|yuan|rmb|yen)(?:[- ]denominated|\s+terms)\b"), r"\1"),
    (re.compile(r"\b(?:denominated|measured)\s+in\b"), "in"),
    (re.compile(r"\bu\.?s\.?\s*(dollars?)\b"), r"\1"),
    # "europe as a continent, not just the eu", "europe? the whole continent": the continent
    (re.compile(r"\beurope\b(?=.*\bcontinent\b)"), "continental europe"),
    (re.compile(r"[,(]?\s*(?:the\s+whole\s+continent|as\s+a\s+(?:whole\s+)?continent)\b[,)]?"
                r"|[,(]?\s*(?:and\s+|but\s+)?not\s+(?:just\s+|only\s+)?(?:the\s+)?eu\b[,)]?"), " "),
]


def parse(text: str, today: date, context: Query | None = None, knows: Knows | None = None) -> Query:
    """Raises a `TradebotError` with a one-sentence message when the text is not a question it can map.
    `knows(reporter, partner)` says whether the store has figures for a pair: a follow-up that
    names one country ("and japan?") changes the slot that gives a pair the store has."""
    # composed accents: a decomposed "ô" (o + U+0302, as some keyboards and pastes send it) would split a word in two
    cleaned = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not cleaned:
        raise NotUnderstood(f"Ask about a country's trade: {EXAMPLES}.")
    if len(cleaned) > MAX_LENGTH:
        raise NotUnderstood(f"That is too long to be one question ({len(cleaned):,} characters); {EXAMPLES}.")
    if cleaned.startswith("/"):
        return _parse_command(cleaned, today, context, knows)
    return _parse_phrase(_rewritten(cleaned), today, context, knows)


def _rewritten(text: str) -> str:
    """`REWRITES` applied. They match the lower-case form (as every phrase here is matched:
    `İ` lowers to two characters with `str.lower`), and replace in the text as typed."""
    for pattern, replacement in REWRITES:
        start = 0
        while match := pattern.search(lower_in_place(text), start):
            new = match.expand(replacement)
            text = text[: match.start()] + new + text[match.end() :]
            start = match.start() + len(new)
    return text


def _parse_command(text: str, today: date, context: Query | None = None, knows: Knows | None = None) -> Query:
    name, _, rest = text[1:].partition(" ")
    name = name.lower()
    if name == "ask":
        question = re.sub(r"^question:\s*", "", rest.strip(), flags=re.IGNORECASE)
        # a follow-up, like /ask in a Discord thread: the other commands are whole questions
        return parse(question, today, context, knows) if not question.startswith("/") else _refuse_nested()
    if name not in COMMANDS:
        known = ", ".join(f"/{command}" for command in (*COMMANDS, "ask"))
        raise NotUnderstood(f"“/{echo(name)}” is not a command here; the commands are {known}.")
    intent = COMMANDS[name]
    options = split_options(rest, name, intent.options)
    return command_query(intent.name, today=today, **options)


def command_query(
    intent: str, country: str | None = None, partner: str | None = None, period: str | None = None, *,
    indicator: str | None = None, other: str | None = None, months: str | int | None = None,
    product: str | None = None, by: str | None = None, today: date,
) -> Query:
    """The `Query` for a slash command's options; Discord and the console both come through here."""
    if TABLE[intent].needs_country and not (country or "").strip():
        command = TABLE[intent].command or intent
        raise NotUnderstood(f"/{command} needs a country, for example `/{command} china`.")
    if intent == "tariffs":  # the country is whose goods pay: the duties are the United States'
        return Query(intent=intent, reporter="USA", partner=countries.resolve(country).code,
                     period=parse_period(period, today), product=products.codes(product))
    flow = (indicator or "").strip().lower().replace(" ", "_") or None
    if flow is not None and flow not in RANKED_FLOWS:
        raise NotUnderstood(f"“{echo(indicator)}” is not an indicator; use {', '.join(RANKED_FLOWS)}.")
    if intent == "drivers":
        return _drivers_command(country, partner, period, flow, by, today)
    return Query(
        intent=intent,
        reporter=countries.resolve(country).code if country else None,
        partner=countries.resolve(partner).code if partner else "WLD",
        period=parse_period(period, today),
        indicator=(flow or "total_trade") if intent == "partners" else flow if intent in ("compare", "chart") else None,
        months=_months(months),
        **(_compared_with(other, today) if intent == "compare" else {}),
    )


DRIVERS_BY = ("partner", "region", "product")  # /drivers `by`: None in a Query means by partner


def _drivers_command(country: str | None, partner: str | None, period: str | None, flow: str | None, by: str | None,
                     today: date) -> Query:
    """/drivers country [indicator] [period] [by] [partner]: by product needs the partner whose goods."""
    shown_by = (by or "partner").strip().lower()
    if shown_by not in DRIVERS_BY:
        raise NotUnderstood(f"“{echo(by)}” is not a way to show what drove a change; use {', '.join(DRIVERS_BY)}.")
    whose = countries.resolve(partner).code if (partner or "").strip() else None
    if whose and shown_by == "region":
        raise NotUnderstood("by:region takes no partner: it splits the reporter's trade with the world by continent; "
                            "partner is for by:product (US imports from one country).")
    if whose and shown_by == "partner":
        shown_by = "product"  # a partner named: what drove imports from it, chapter by chapter
    return Query(intent="drivers", reporter=countries.resolve(country).code, partner=whose or "WLD",
                 period=parse_period(period, today), indicator="imports" if shown_by == "product" else flow or "total_trade",
                 by=None if shown_by == "partner" else shown_by, drawn=True)


def _months(months: str | int | None) -> int | None:
    """/chart's `months` as typed (the range is the chart's to check)."""
    if months is None or isinstance(months, int):
        return months
    # isdecimal, not isdigit: "²" is a digit that int() cannot read
    if not months.strip().isdecimal():
        raise BadPeriod(f"months is a whole number from {CHART_MONTHS_MIN} to {CHART_MONTHS_MAX}; not “{echo(months)}”.")
    return int(months)


def _compared_with(other: str | None, today: date) -> dict:
    """/compare's `other`: a second country, or a period to compare the first one across."""
    if not (other or "").strip():
        raise NotUnderstood("/compare needs `other`: a second country or a period such as 2024-11.")
    try:
        spec = parse_period(other, today)
    except TradebotError:
        return {"compared_reporter": countries.resolve(other).code}
    return {"compared_period": _compared_period(spec)}


def _compared_period(spec: PeriodSpec | None) -> Period | None:
    """A period compared with. `latest` and `ytd` name no months, so they are refused."""
    if spec is None:
        return None
    if spec.period is None:
        raise NotUnderstood("Compare with a fixed period such as 2024-11 or 2024, or with a second country.")
    return spec.period


def _refuse_nested() -> Query:
    raise NotUnderstood(f"Ask in words after /ask; {EXAMPLES}.")


def split_options(rest: str, command: str, allowed: tuple[str, ...]) -> dict[str, str]:
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


@dataclass
class _Heard:
    """What a phrase said, before it becomes a Query (None: not said)."""

    intent: str | None = None
    measure: str | None = None
    currency: str | None = None
    period: PeriodSpec | None = None
    countries: list[tuple[str, str]] = field(default_factory=list)  # (code, preposition before it)
    flow: str | None = None  # for partner rankings: exports (markets) or imports (suppliers)
    leftovers: list[str] = field(default_factory=list)
    unknown_places: list[str] = field(default_factory=list)  # leftovers where a country should be
    other_period: PeriodSpec | None = None  # compare: the second period named
    flow_word: str | None = None  # the flow named even when the intent is a comparison or a chart
    year_earlier: bool = False  # "compared with last year": the same period a year before
    said_trade: bool = False  # "china-brazil trade": trade with no flow named means both flows
    guessed: bool = False  # a country was read from a typo ("chnia"; "words" reads as "world")
    threshold: tuple[float, str | None] | None = None  # "top $1 trillion": (amount, currency named)
    same_comparison: bool = False  # "same comparison for korea": the thread's comparison, another subject
    product: str | None = None  # tariffs: the HS chapters a product word names ("electronics" → 85); "": all goods
    taxes_us_goods: bool = False  # "china's tariffs on us soybeans": duties another country collects
    by: str | None = None  # drivers: "region", "product", or "" (by partner again) when asked (see `Query.by`)
    flow_owner: str | None = None  # the country right before a flow word ("in chn x", "china's exports")
    # countries right before a change ("the us drop", "weaker eu demand"): the story's partners
    moved: set[str] = field(default_factory=set)
    drawn: bool = False  # drivers: a chart asked for ("chart what drove …")


def _parse_phrase(text: str, today: date, context: Query | None, knows: Knows | None) -> Query:
    heard = _hear(text, today, context)
    # in a conversation, a line without a flow ("Malaysia?", "japan in 2024") changes the context
    # … and one that names only a partner ("imports from japan") asks about the thread's reporter
    only_partners = bool(heard.countries) and all(word in ("to", "into", "from", "with") for _code, word in heard.countries)
    # … and a comparison in a thread compares what the thread is about
    follow_up = context is not None and (bool(FOLLOW_UP.search(text.lower())) or not heard.countries or heard.intent is None
                                         or (only_partners and context.reporter is not None)
                                         or (heard.intent == "compare" and context.reporter is not None)
                                         or (heard.measure == "share" and [code for code, _ in heard.countries] == [context.reporter]))
    if heard.unknown_places:
        place = heard.unknown_places[0]
        raise countries.unknown(place, [country for country, _score in countries.fuzzy_matches(place, limit=3)])
    if heard.leftovers and (CODE_LIKE.search(text) or not _whole_without_leftovers(heard, follow_up)):
        _explain_leftovers(heard.leftovers, found_country=bool(heard.countries), found_intent=heard.intent is not None)
    if follow_up:
        return _follow_up(heard, context, knows)
    if FOLLOW_UP.search(text.lower()) and not (heard.countries and heard.intent):
        # "and japan?" with no conversation to follow: the rest of the question is missing
        raise NotUnderstood(f"Ask a whole question first; {EXAMPLES}.")
    return _new_question(heard)


def _whole_without_leftovers(heard: _Heard, follow_up: bool) -> bool:
    """Words the parser cannot place are ignored ("how large was", "in dollar terms", "for my
    essay") when what it did place is a whole question: a flow and a country, or a follow-up
    that changes something. Never when a leftover asks about something else (`OFF_TOPIC`)."""
    if heard.guessed:
        return False  # a typo read as a country and words nobody placed: too much guessing for a number
    words = [re.sub(r"['’]s$", "", word.lower()) for word in heard.leftovers]
    if len(words) > MAX_IGNORED or any(word in OFF_TOPIC or not re.fullmatch(r"[a-z][a-z.'’/&-]*", word) for word in words):
        return False  # code, symbols or a long tail of unknown words: not a trade question with a few extra words
    if follow_up:  # a flow alone does not do: in "surplus narnia" the unknown word is where a country goes
        return bool(heard.countries or heard.period or heard.measure or heard.currency)
    return heard.intent is not None and (bool(heard.countries) or not TABLE[heard.intent].needs_country)


def _hear(text: str, today: date, context: Query | None) -> _Heard:
    heard = _Heard()
    shouted = text.isupper()
    lowered = lower_in_place(text).replace("’", "'")
    heard.said_trade = bool(TRADE_ALONE.search(lowered))
    vocabulary: set[str] = set()
    for pattern, intent in INTENT_PHRASES:
        match = re.search(pattern, lowered)
        if match:
            heard.intent = intent
            vocabulary = set(INTENT_VOCABULARY.get(intent, "").split())
            if intent == "partners":
                words = match.group(0)
                # "top 10 partners": the count is the ranking's, not a word left over
                text = text[: match.start()] + re.sub(r"\d", " ", text[match.start() : match.end()]) + text[match.end() :]
                lowered = lower_in_place(text).replace("’", "'")
                heard.flow = ("imports" if re.search(r"suppl|sources?|buy|import", words) else
                              "exports" if re.search(r"market|destination|customer|buyer|sell|export", words) else "total_trade")
            if intent == "compare" and match.group(0).startswith("compare"):
                # "compared to/with": the preposition joins the two compared, it does not name a partner
                text, lowered = _cut(text, match)
            if intent == "drivers":  # "contributions to china's exports": the "to" names no partner
                joined = re.search(r"\b(?:contribu\w*|contribs?|add(?:s|ed|ing)?)\s+(?:the\s+)?(?:most\s+|more\s+|least\s+)?"
                                   r"(?:points?\s+|pts\s+)?to\b", lowered)
                if joined:
                    text, lowered = _cut(text, joined)
            if intent == "compare":
                heard.same_comparison = bool(re.search(r"\bsame\s+comparison\b", lowered))
                year_earlier = YEAR_EARLIER.search(lowered)
                if year_earlier:
                    heard.year_earlier = True
                    text, lowered = _cut(text, year_earlier)
            break
    if heard.intent in ("tariffs", "products") or (context is not None and context.intent in ("tariffs", "products")):  # "and furniture?"
        named = products.named_in(lowered)
        if named:
            chapters = {code for match in named for code in products.codes(match.group(0)).split(",")}
            heard.product = ",".join(sorted(chapters))
            for match in reversed(named):  # from the end, so the earlier spans stay where they were
                text, lowered = _cut(text, match)
        elif ALL_GOODS.search(lowered):  # "all korean goods, not just autos"
            heard.product = ""
    heard.taxes_us_goods = heard.intent == "tariffs" and bool(ON_US_GOODS.search(lowered))
    if context is not None and heard.intent is None and re.search(r"\b(?:by|into|in)\s+(?:regions?|continents?|blocs?)\b", lowered):
        heard.intent = "drivers"  # "and by region?" after any flow: the flow's change split by continent
    if heard.intent == "drivers" or (context is not None and context.intent == "drivers"):
        heard.drawn = bool(re.search(r"\b(?:chart|graph|plot|bars?)\b", lowered))
        for by, pattern in (("product", BY_PRODUCT), ("region", BY_REGION), ("", BY_PARTNER)):
            match = pattern.search(lowered)
            if match:
                heard.by = by
                text, lowered = _cut(text, match)
                break
    for pattern, measure in MEASURE_PHRASES:
        match = re.search(pattern, lowered)
        if match:
            heard.measure = measure
            text, lowered = _cut(text, match)
            break
    crossed = THRESHOLD.search(lowered)
    if crossed:  # "did china's surplus top $1 trillion in 2025?": the amount is the question's, not a period or a leftover
        amount = float(crossed.group("amount")) * SCALE_WORDS[crossed.group("scale")]
        heard.threshold = (amount, "USD" if crossed.group("dollar") or crossed.group("dollars") else None)
        text, lowered = _cut(text, crossed)
    reference = context.period.period.end if context and context.period.period else None
    shift = YEAR_SHIFT.search(lowered) if context and context.period.period else None
    if shift:  # "what about the year before?": the thread's period, a year earlier or later
        later = shift.group("way") in ("after", "later")
        heard.period = PeriodSpec("fixed", context.period.period.shift_years(1 if later else -1))
        text, lowered = _cut(text, shift)
    same = THAT_PERIOD.search(lowered) if context and context.period.kind == "fixed" and heard.period is None else None
    if same:  # "imports from korea that year", "and then?": the thread's period
        heard.period = context.period
        text, lowered = _cut(text, same)
    if heard.period is None:
        heard.period, text = find_period(text, today, reference)
    if heard.intent == "compare" and heard.period:
        heard.other_period, text = find_period(text, today, reference)
    words = re.findall(r"[\w.'’&/-]+|\?", text)
    preposition = ""
    index = 0
    country_ended = -1  # the index just after the last country read
    while index < len(words):
        word = words[index].lower().strip(".").replace("’", "'")
        word = _flow_typo(word) or word
        if word in INTENT_WORDS:
            heard.intent = heard.intent or INTENT_WORDS[word]
            heard.flow_word = heard.flow_word or INTENT_WORDS[word]
            if heard.countries and country_ended == index and heard.flow_owner is None:
                heard.flow_owner = heard.countries[-1][0]
        elif word in CURRENCY_WORDS:
            heard.currency = CURRENCY_WORDS[word]
        elif word in PREPOSITIONS and not (word == "and" and not heard.countries):
            preposition = PREPOSITIONS[word]
        elif word in vocabulary and not _country_at(words, index, shouted)[0]:
            pass
        else:
            country, used = _country_at(words, index, shouted)
            pair = _hyphenated_pair(words[index], shouted) if not country else None
            if pair:  # "us-china", "china-asean": the first is asked about, the second is its partner
                heard.countries += [(pair[0].code, preposition), (pair[1].code, "with")]
                preposition = ""
                index += 1
                continue
            if not country and word not in FILLER_WORDS:
                country, used = _typo_of_country(words[index]), 1
                heard.guessed = heard.guessed or country is not None
            if country:
                owned = re.search(r"['’]s$", words[index + used - 1]) and not preposition
                heard.countries.append((country.code, "owner" if owned else preposition))
                preposition = ""
                index += used
                country_ended = index
                if index < len(words) and re.fullmatch(STORY_CHANGE, words[index].lower()):
                    heard.moved.add(country.code)
                continue
            if word not in FILLER_WORDS and not re.fullmatch(r"[\W_]*", word):
                heard.leftovers.append(words[index])
                following = words[index + 1].lower() if index + 1 < len(words) else ""
                # where a country should be: right after a partner word ("exports to narnia", "to the narnia")
                after_partner_word = preposition in ("to", "into", "from", "with", "between", "and")
                if word.isalpha() and word not in MONTH_WORDS and (
                        after_partner_word or (not heard.countries and following in INTENT_WORDS)):
                    heard.unknown_places.append(words[index])
        if word not in CARRIERS and word not in PREPOSITIONS:
            # a partner word reaches the country right after it, over an article ("to the us", "of total
            # chinese exports"): in "trying to show my students … china's exports" it names no country,
            # and "and" in "… and what it means" joins nothing
            preposition = ""
        index += 1
    return heard


def _cut(text: str, match: re.Match[str]) -> tuple[str, str]:
    """The text without what `match` found, and its lower-case form (the same length, so
    positions found in one hold in the other)."""
    text = text[: match.start()] + " " + text[match.end() :]
    return text, lower_in_place(text).replace("’", "'")


def _roles(heard: _Heard, intent: str) -> tuple[str | None, str | None]:
    """Reporter and partner from the countries named and the word before each."""
    if heard.measure == "share" and len(heard.countries) == 2 and any(word == "of" for _code, word in heard.countries):
        # "germany's share of chinese exports": the share is of the reporter's flow, named after "of"
        reporter = next(code for code, word in heard.countries if word == "of")
        return reporter, next(code for code, _word in heard.countries if code != reporter)
    partner_words = {"exports": {"to", "into"}, "imports": {"from"}}.get(intent, {"with", "and", "to", "from"})
    reporter_words = {"exports": {"from"}, "imports": {"into", "of", "to"}}.get(intent, {"between", "of"})
    reporter = partner = None
    for code, preposition in heard.countries:
        if preposition in partner_words and partner is None:
            partner = code
        elif preposition in reporter_words and reporter is None:
            reporter = code
        elif reporter is None:
            reporter = code
        elif partner is None:
            partner = code
        else:
            raise NotUnderstood(f"That names more countries than one question can take; {EXAMPLES}.")
    if reporter is None and partner is not None:
        reporter, partner = partner, None  # "exports to the us" without a reporter: the us is who is asked about
    return reporter, partner


def _new_comparison(heard: _Heard) -> Query:
    """"china vs japan exports to the us": two reporters (a partner after to/from/with);
    "us imports japan vs korea", "china-japan vs china-korea trade": one reporter, two partners;
    "china exports compared with a year earlier", "… 2019 versus 2001": one series, two periods."""
    codes = list(dict.fromkeys(code for code, _word in heard.countries))
    partner = next((code for code, word in heard.countries if word in ("to", "from", "with", "into")), None)
    compared = {}
    if len(codes) >= 3 and partner != codes[2]:
        reporter, partner, compared["compared_partner"] = codes[:3]
    else:
        reporters = [code for code in codes if code != partner]
        if not reporters:
            raise NotUnderstood(f"Compare which countries? For example: compare china and the us; {EXAMPLES}.")
        reporter = reporters[0]
        if len(reporters) > 1:
            compared["compared_reporter"] = reporters[1]
        elif heard.year_earlier and heard.period and heard.period.period:
            compared["compared_period"] = heard.period.period.shift_years(-1)
        else:
            compared["compared_period"] = _compared_period(heard.other_period)
    return Query(intent="compare", reporter=reporter, partner=partner or "WLD", period=heard.period or LATEST,
                 currency=heard.currency, measure=heard.measure or "level", indicator=heard.flow_word, **compared)


def _new_question(heard: _Heard) -> Query:
    intent = heard.intent or ("total_trade" if heard.said_trade else "balance")
    if not TABLE[intent].needs_country and not heard.countries:
        return Query(intent=intent, reporter=None, period=heard.period or LATEST)
    if intent == "compare":
        return _new_comparison(heard)
    if intent == "drivers":
        return _drivers_question(heard)
    if intent in ("tariffs", "products"):
        whose = _whose_goods(heard, two=intent == "tariffs")
        return Query(intent=intent, reporter="USA", partner=whose[0], compared_partner=whose[1] if len(whose) > 1 else None,
                     period=heard.period or LATEST, product=heard.product or None)
    reporter, partner = _roles(heard, intent)
    if reporter is None:
        raise NotUnderstood(f"Which country? {EXAMPLES[0].upper()}{EXAMPLES[1:]}.")
    ranked = heard.flow if heard.flow != "total_trade" else heard.flow_word or heard.flow  # "rank … by exports"
    return Query(
        intent=intent, reporter=reporter, partner=partner or "WLD", period=heard.period or LATEST,
        currency=heard.currency, measure=heard.measure or "level",
        indicator=ranked if intent == "partners" else heard.flow_word if intent == "chart" else None,
        threshold=heard.threshold[0] if heard.threshold else None, threshold_currency=heard.threshold[1] if heard.threshold else None,
    )


def _drivers_question(heard: _Heard, context: Query | None = None) -> Query:
    """What drove a flow: the reporter's partners (a partner named is part of the story, "the
    drop in exports to the us", not a filter), or for US imports from a country named, its
    products. No flow named: total trade, or in a thread the flow it was about."""
    flow = heard.flow_word or ("total_trade" if heard.said_trade else None)
    if context is not None:
        flow = flow or (context.intent if context.intent in RANKED_FLOWS else context.indicator)
    reporter, partner = _story_roles(heard, flow)
    if context is not None:
        if context.by == "product" and heard.countries and reporter != "USA":  # "and vietnam?": whose goods
            reporter, partner = "USA", reporter or partner
        elif reporter is None:  # "and exports?", "by region", "which markets offset the drop in exports to the us?"
            reporter, partner = context.reporter, partner or context.partner
    if reporter is None and partner is not None:
        raise NotUnderstood(f"Whose {FLOW_NAMES.get(flow or '', 'trade')}? Name the reporter: “which markets offset the drop in "
                            f"china's exports to the us”.")
    if reporter is None:
        raise NotUnderstood(f"Which country? {EXAMPLES[0].upper()}{EXAMPLES[1:]}.")
    by = heard.by if heard.by is not None else (context.by if context is not None and context.intent == "drivers" else None)
    by = by or None  # "" asked for partners again
    products = by == "product" or (reporter == "USA" and partner not in (None, "WLD") and flow in (None, "imports"))
    period = heard.period or (context.period if context is not None else LATEST)
    if products:
        return Query(intent="drivers", reporter=reporter, partner=partner or "WLD", period=period, indicator="imports",
                     by="product", drawn=heard.drawn)
    return Query(intent="drivers", reporter=reporter, partner="WLD", period=period, currency=heard.currency,
                 indicator=flow or "total_trade", by=by, drawn=heard.drawn)


def _story_roles(heard: _Heard, flow: str | None) -> tuple[str | None, str | None]:
    """The reporter of a "what drove" question and the partner after a partner word. A
    question may name more countries than a pair ("did ASEAN offset the US in China's
    exports?"): the one owned is the reporter, else the one right before the flow ("which
    partners offset weaker eu demand for chn x"), else the first not after a partner word."""
    owned = [code for code, word in heard.countries if word == "owner"]
    partner_words = {"exports": ("to", "into"), "imports": ("from",)}.get(flow or "", ("to", "into", "from", "with"))
    partner = next((code for code, word in heard.countries if word in partner_words or code in heard.moved), None)
    free = [code for code, word in heard.countries if word not in partner_words and code != partner and code not in heard.moved]
    reporter = owned[0] if owned else heard.flow_owner if heard.flow_owner in free else free[0] if free else None
    return reporter, partner


def _whose_goods(heard: _Heard, two: bool = False) -> list[str]:
    """Tariffs and imports by product: the countries whose goods, those named that are not the
    United States (one, or two side by side when `two`)."""
    if heard.taxes_us_goods:
        raise NotAvailable("The store has only the duties the United States collects on other countries' goods, "
                           "not other countries' tariffs on American goods.")
    named = list(dict.fromkeys(code for code, _ in heard.countries if code != "USA"))
    if not named:
        raise NotUnderstood("Whose goods? The store has the duties the United States collects; try `tariffs on china` "
                            "or `/tariffs vietnam product:furniture`.")
    if len(named) > (2 if two else 1):
        raise NotAvailable(f"tradebot answers {'two countries' if two else 'one country'} at a time; ask about "
                           f"{countries.by_code(named[0]).name} first, then “and {countries.by_code(named[1]).name}?” in its thread.")
    return named


def _tariff_follow_up(heard: _Heard, context: Query) -> Query:
    """“and mexico?”, “and in 2024?”, “and furniture?” after a tariff answer (or imports by product)."""
    changes: dict = {}
    if any(code != "USA" for code, _ in heard.countries):  # one country named, or two side by side
        whose = _whose_goods(heard, two=context.intent == "tariffs")
        changes.update(partner=whose[0], compared_partner=whose[1] if len(whose) > 1 else None)
    if heard.period:
        changes["period"] = heard.period
    if heard.product is not None:
        changes["product"] = heard.product or None
    if not changes:
        raise NotUnderstood("I couldn't tell what to change; say for example “and mexico?”, “and in 2024?” or “and furniture?”.")
    return replace(context, **changes)


def _follow_up(heard: _Heard, context: Query, knows: Knows | None) -> Query:
    """A follow-up changes the slots it names and inherits the others from the conversation."""
    if context.intent in ("tariffs", "products") and heard.intent in (None, context.intent, "compare"):  # "compare ireland, same year"
        return _tariff_follow_up(heard, context)
    if heard.intent == "drivers" or (context.intent == "drivers" and _stays_with_drivers(heard)):
        return _drivers_question(heard, context)
    changes: dict = {}
    intent = context.intent
    if heard.intent == "compare" or (context.intent == "compare" and not heard.intent):
        intent = "compare"
        changes.update(_compared_slots(heard, context, knows))
    elif context.intent == "partners" and heard.countries and heard.intent in (None, *FIGURE_INTENTS):
        # "what's the gap with vietnam?", "mexico?" after a ranking: that partner's figure for the flow ranked
        intent = heard.intent if heard.intent in FIGURE_INTENTS else context.indicator or "total_trade"
        changes["indicator"] = None
    elif context.intent == "partners" and (heard.intent in RANKED_FLOWS or heard.intent == "partners"):
        # "and by exports?", "now ranked by balance": the same ranking by another flow
        flow = heard.intent if heard.intent in RANKED_FLOWS else heard.flow if heard.flow != "total_trade" else heard.flow_word
        if flow:
            changes["indicator"] = flow
    elif heard.intent:
        intent = heard.intent
        if heard.intent == "partners":  # a ranking is of every partner
            changes.update(indicator=heard.flow or "total_trade", partner="WLD")
        elif context.intent == "partners":
            changes["indicator"] = None  # the ranked flow means nothing to "imports from australia"
    if intent != context.intent:
        changes["intent"] = intent
        if context.intent == "drivers":  # "and exports to the us?" after what drove: that figure, not split
            changes.update(indicator=None, by=None)
    if heard.period and "period" not in changes:
        changes["period"] = heard.period
        if context.intent == "compare" and intent == "compare" and _year_on_year(context) and heard.period.period \
                and "compared_period" not in changes:
            # "what about october?" after "compared with last year?": october against a year before it
            changes["compared_period"] = heard.period.period.shift_years(-1)
    if heard.measure:
        changes["measure"] = heard.measure
    if heard.currency:
        changes["currency"] = heard.currency
    # a threshold belongs to the line that asks it: "and imports?" after "did it top $1 tn?" does not ask again
    if heard.threshold or context.threshold is not None:
        changes.update(threshold=heard.threshold[0] if heard.threshold else None,
                       threshold_currency=heard.threshold[1] if heard.threshold else None)
    if intent != "compare" or not _names_compared(changes):
        changes.update(_subject_slots(heard, context, intent, knows))
    if not changes:
        raise NotUnderstood(f"I couldn't tell what to change; say for example “and imports?” or “what about october?”; {EXAMPLES}.")
    if TABLE[intent].needs_country and context.reporter is None and "reporter" not in changes:
        raise NotUnderstood(f"Which country? {EXAMPLES[0].upper()}{EXAMPLES[1:]}.")
    return replace(context, **changes)


def _stays_with_drivers(heard: _Heard) -> bool:
    """In a thread about what drove a change, "and imports?", "what about october?", "by region?",
    "and for the us?" ask the same of another flow, period or country; a flow with a partner
    ("and exports to the us?") asks for that figure."""
    if heard.intent not in (None, *FIGURE_INTENTS) or (heard.intent is not None and heard.measure):
        return False  # "how much was x m/m in march": that figure
    return not (heard.intent is not None and any(word in ("to", "into", "from", "with") for _code, word in heard.countries))


COMPARED_SLOTS = ("compared_reporter", "compared_partner", "compared_period")


def _names_compared(changes: dict) -> bool:
    return any(changes.get(slot) for slot in ("compared_reporter", "compared_partner"))


def _compared_slots(heard: _Heard, context: Query, knows: Knows | None) -> dict:
    """What a comparison line changes: the second period, or the second country (a reporter
    beside the thread's, or a partner beside its partner)."""
    cleared = dict.fromkeys(COMPARED_SLOTS)
    changes: dict = {}
    if context.intent in FIGURE_INTENTS:
        changes["indicator"] = context.intent  # "china exports nov 2025" → "compared with last year?": exports
    if heard.flow_word:
        changes["indicator"] = heard.flow_word
    period = heard.period.period if heard.period else None
    if heard.same_comparison and context.intent == "compare":
        return changes  # the comparison stays; the countries named change its subject
    if heard.year_earlier:
        base = period or context.period.period
        if period:
            changes["period"] = heard.period
        return {**changes, **cleared, "compared_period": base.shift_years(-1) if base else None}
    if heard.other_period:  # "2019 versus 2001?": both periods named
        return {**changes, **cleared, "period": heard.period, "compared_period": _compared_period(heard.other_period)}
    codes = [code for code, _word in heard.countries]
    if len(codes) >= 2:  # "put japan and korea side by side", "germany and france side by side"
        first, second = codes[:2]
        partners = context.partner != "WLD" and (knows is None or _all_partners(knows, context, codes[:2]))
        if context.reporter in (first, second) or not partners:
            return {**changes, **cleared, "reporter": first, "compared_reporter": second}
        return {**changes, **cleared, "partner": first, "compared_partner": second}
    if len(codes) == 1 and heard.intent == "compare":  # "how does that compare with japan?"
        code, word = heard.countries[0]
        as_partner = context.partner != "WLD" and (word in ("to", "from", "into") or (
            knows is not None and knows(context.reporter, code) and not knows(code, context.partner)))
        return {**changes, **cleared, **({"compared_partner": code} if as_partner else {"compared_reporter": code})}
    if heard.period and heard.intent == "compare" and not codes:  # "versus Jan–Jul 2025", "how does that compare with july 2025?"
        return {**changes, **cleared, "period": context.period, "compared_period": _compared_period(heard.period)}
    return changes  # "same comparison but just with africa": the subject changes below, the comparison stays


def _all_partners(knows: Knows, context: Query, codes: list[str]) -> bool:
    """Whether the store has the thread's reporter trading with each country named."""
    return context.reporter is not None and all(knows(context.reporter, code) for code in codes)


def _subject_slots(heard: _Heard, context: Query, intent: str, knows: Knows | None) -> dict:
    """Reporter and partner from the countries a follow-up names. Two countries are a whole
    pair ("japan's balance with china"). One is the partner when said so ("and to the eu?") and
    the reporter when owned ("and japan's?"). Otherwise it replaces the partner when the thread
    has one and the reporter when it has none, unless only the other reading is a pair the
    store has: after "korea exports to china", "and japan?" is Japan's exports to China; after
    "china exports", China's exports to Japan when the store has no world figures from Japan. A
    line that names a country without figures never leaves the thread stuck on it."""
    named = heard.countries
    if len(named) >= 2:
        reporter, partner = _roles(replace(heard, countries=named[:2]), intent)
        return {"reporter": reporter, "partner": partner or "WLD"}
    if not named:
        return {}
    code, word = named[0]
    if code == context.reporter and (heard.measure == "share" or word == "of"):
        return {}  # "what share of all us imports is that": the thread's reporter, named again
    if word in ("with", "to", "from", "into", "and", "between"):
        return {"partner": code}
    if word == "owner" and "share" in (heard.measure, context.measure) and context.reporter is not None:
        return {"partner": code}  # "and the eu's share?": the eu's share of the thread's reporter's flow
    if word in ("owner", "of") or context.reporter is None or intent == "partners":
        return {"reporter": code}
    as_reporter = knows is None or knows(code, context.partner)
    as_partner = knows is None or knows(context.reporter, code)
    if context.partner == "WLD":  # "china exports" → "and japan?": Japan's exports, unless only China's to Japan are stored
        return {"partner": code} if as_partner and not as_reporter else {"reporter": code}
    return {"reporter": code} if as_reporter and not as_partner else {"partner": code}


def _year_on_year(query: Query) -> bool:
    """A comparison of a period with the same period a year earlier."""
    period = query.period.period
    return period is not None and query.compared_period is not None and query.compared_period == period.shift_years(-1)


def _country_at(words: list[str], index: int, shouted: bool = False) -> tuple[countries.Country | None, int]:
    """The longest country name starting at `index`, and its length in words.
    Lower-case two- and three-letter codes are English words (`in`, `can`, `per`), so in
    phrases codes count only when typed in capitals; aliases such as `us` always count.
    In a question typed all in capitals (`shouted`) capitals mark nothing: a word the parser
    knows is that word (`IS`, `IN`, `AND`, not Iceland, India, Andorra), other codes (`CHN`) count."""

    def is_code(phrase: str) -> bool:
        return phrase.isupper() and not (shouted and countries.normalise(phrase) in KNOWN_WORDS)

    # every length a name has: "saint vincent and the grenadines" is five words, and no shorter name means it
    for length in range(min(countries.longest_name(), len(words) - index), 0, -1):
        phrase = " ".join(words[index : index + length])
        found = countries.lookup_exact(phrase, allow_codes=is_code(phrase))
        if not found and length == 1 and phrase.lower().endswith(("'s", "’s", "s")):
            stem = re.sub(r"(['’]s|s)$", "", phrase, flags=re.IGNORECASE)
            apostrophe = bool(re.search(r"['’]s$", phrase))
            found = countries.lookup_exact(stem, allow_codes=is_code(stem)) if len(stem) > 3 or apostrophe else None
        if found:
            return found, length
    return None, 0


def _hyphenated_pair(word: str, shouted: bool) -> tuple[countries.Country, countries.Country] | None:
    """Two countries joined by a hyphen (`us-china`, `China-Russia`), when both are names or aliases."""
    parts = word.split("-")
    if len(parts) != 2 or not all(parts):
        return None
    found = [_country_at([part], 0, shouted)[0] for part in parts]
    return (found[0], found[1]) if all(found) and found[0] != found[1] else None


def _flow_typo(word: str) -> str | None:
    """`surplsu` → `surplus`, `exporst` → `exports`: a long word one slip away from a flow word
    (short ones such as `bal` are too close to other words to guess)."""
    if len(word) < 6 or word in INTENT_WORDS or word in KNOWN_WORDS or not word.isalpha():
        return None
    candidates = [flow_word for flow_word in FLOW_WORDS_TO_GUESS if flow_word[:2] == word[:2]]  # `reports` is not `exports`
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.85)
    return close[0] if close else None


def _typo_of_country(word: str) -> countries.Country | None:
    """`chnia` → China, when one country is clearly meant (see `countries.resolve`)."""
    if len(word) < 4:
        return None
    try:
        return countries.resolve(word)
    except TradebotError:
        return None




def _explain_leftovers(leftovers: list[str], found_country: bool, found_intent: bool) -> None:
    """Words that are neither countries, flows, periods nor filler. Where a country should be
    (no country yet) a name-like word gets "did you mean"; anything else gets a hint, never a guess."""
    phrase = " ".join(leftovers)
    if not found_country and all(word.isalpha() for word in leftovers):
        suggestions = [country for country, _score in countries.fuzzy_matches(phrase, limit=3)]
        if suggestions or (found_intent and len(leftovers) == 1):
            raise countries.unknown(phrase, suggestions)
    raise NotUnderstood(f"I couldn't place “{echo(phrase)}”; {EXAMPLES}.")
