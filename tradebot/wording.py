"""How tradebot says things, in one place: the names of flows, a country's possessive and the
words for a partner, surplus or deficit, how each source values a flow, the source-and-release
footer, and the colour of a surplus or a deficit. Answers, alert summaries and charts all use
these, so a fix to one phrase reaches every front end."""

from __future__ import annotations

from collections.abc import Iterable

from tradebot import countries, sources
from tradebot.figures import Figure, released_words

FLOW_NAMES = {"balance": "trade balance", "exports": "exports", "imports": "imports", "total_trade": "total trade"}
NOT_STORED = "not in the store"
COMPUTED_NOTE = "“computed” marks a figure tradebot derived from published ones; the source did not publish it."
JAN_FEB_NOTE = "China Customs publishes January and February together, so this figure covers both months."
# legible on Discord's dark and light themes; the embed colour of an answer and a chart's bars
TONE_COLOURS = {"surplus": "#2ea043", "deficit": "#da3633", "neutral": "#5865f2"}
# how a valuation basis reads in a sentence (sources.valuation gives the basis)
VALUATION_WORDS = {
    "FOB": "free on board (FOB)",
    "CIF": "with freight and insurance (CIF)",
    "FAS": "free alongside ship (FAS)",
    "customs value": "at customs value, without freight and insurance",
}


def country_name(code: str) -> str:
    """The country's short name, or the code itself for one tradebot does not know."""
    try:
        return countries.by_code(code).name
    except KeyError:
        return code


def partner_name(code: str, reporter: str) -> str:
    """A partner in a list of the reporter's partners: China Customs lists China itself (goods
    that leave and come back), which needs saying."""
    name = country_name(code)
    return f"{name} (its own trade with itself, as the source lists it)" if code == reporter else name


def possessive(name: str) -> str:
    return f"{name}’" if name.endswith("s") else f"{name}’s"


def flow_label(indicator: str) -> str:
    """`Exports`, `Total trade`: a flow as a label (a field name, a legend entry)."""
    return FLOW_NAMES[indicator].capitalize() if indicator != "balance" else "Balance"


def partner_words(indicator: str, partner: str | countries.Country) -> str:
    """` to United States` after exports, ` from …` after imports, ` with …` otherwise; nothing for the world."""
    code = partner if isinstance(partner, str) else partner.code
    if code == "WLD":
        return ""
    name = country_name(code) if isinstance(partner, str) else partner.name
    return {"exports": " to ", "imports": " from "}.get(indicator, " with ") + name


def flow_phrase(reporter: str | countries.Country, indicator: str, partner: str | countries.Country = "WLD") -> str:
    """`China’s exports to United States`: what a figure is of, in a sentence."""
    name = country_name(reporter) if isinstance(reporter, str) else reporter.name
    return f"{possessive(name)} {FLOW_NAMES[indicator]}{partner_words(indicator, partner)}"


def not_reporting(store, reporter: str, shown: int = 5) -> str:
    """The store holds nothing reported by `reporter`: say so, and name a few reporters it
    does hold (with IMF data there are dozens)."""
    names = [country_name(code) for code in store.reporters()]
    have = ", ".join(names[:shown]) + (f" and {len(names) - shown} more (/calendar lists them)" if len(names) > shown else "")
    return f"The store has no figures reported by {country_name(reporter)}; it has figures from {have or 'nothing yet'}."


def balance_word(value: float) -> str:
    """The sign of a balance as a word: a balance below zero is a deficit."""
    return "deficit" if value < 0 else "surplus"


def tone(indicator: str, value: float | None) -> str:
    """An answer's colour: the balance's sign, else neutral."""
    return balance_word(value) if indicator == "balance" and value is not None else "neutral"


def valuation(figure: Figure) -> str:
    """`customs value`, `FOB`: how the figure's (first) source values its flow."""
    return sources.valuation(figure.sources[0], figure.indicator)


def valuation_words(figure: Figure) -> str:
    basis = valuation(figure)
    return VALUATION_WORDS.get(basis, basis)


def source_names(figures: Iterable[Figure]) -> list[str]:
    return list(dict.fromkeys(source for figure in figures for source in figure.sources))


def source_footer(headline: Figure, figures: list[Figure]) -> str:
    """`Source: China Customs (GACC) · released 14 December 2025`; with figures of several
    sources, each with its own release: `Source: China Customs (GACC), released December
    2025; US Census Bureau, released 29 January 2026`. The headline's source comes first."""
    names = source_names([headline, *figures])
    if len(names) == 1:
        return f"Source: {names[0]} · {released_words(headline, figures)}"
    parts = []
    for name in names:
        own = [figure for figure in figures if figure.sources[0] == name]
        if headline.sources[0] == name:
            parts.append(f"{name}, {released_words(headline, figures)}")
        elif own:
            parts.append(f"{name}, {released_words(max(own, key=lambda figure: figure.published), own)}")
        else:  # only a part of a figure tradebot computed: its release is that figure's
            parts.append(name)
    return "Source: " + "; ".join(parts)


def sentence_case(text: str) -> str:
    """`ELECTRICAL MACHINERY AND EQUIPMENT` (as DataWeb writes a chapter) → `Electrical machinery and equipment`."""
    text = " ".join(text.split()).lower()
    return text[:1].upper() + text[1:]
