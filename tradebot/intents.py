"""The kinds of question tradebot answers, in one table: what each needs, the slash command
that asks it as text (DESIGN.md §4) and its line in the help answer. The parser reads the
table for commands and for which questions need a country; `tradebot.answers` registers the
function that answers each (`@answers_for`), so the table and the handlers cannot drift apart
(a test checks that every intent has one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FIGURE_OPTIONS = ("country", "partner", "period")
# /chart's `months`: how many months a chart shows, and how many when not asked
CHART_MONTHS_DEFAULT, CHART_MONTHS_MIN, CHART_MONTHS_MAX = 24, 6, 120


@dataclass(frozen=True)
class Intent:
    name: str
    needs_country: bool
    command: str | None = None  # the slash command typed as text (`/surplus china`), if there is one
    options: tuple[str, ...] = ()  # the command's options; the first may be given without its name
    help: tuple[str, str] | None = None  # (what, examples) in the help answer
    figure: bool = False  # a flow of one reporter: the headline of an answer with its companions
    survey: bool = False  # reads every partner's figures: limited per person, however it is asked

    @property
    def answer(self) -> Callable:
        """The function in `tradebot.answers` that answers it."""
        return _HANDLERS[self.name]


TABLE: dict[str, Intent] = {intent.name: intent for intent in [
    Intent("balance", True, "surplus", FIGURE_OPTIONS, ("A country's balance", "surplus china · /surplus china period:2025-11 · "
                                                        "us deficit with china"), figure=True),
    Intent("exports", True, "exports", FIGURE_OPTIONS, ("One flow, one partner", "china exports to the us nov 2025 · "
                                                        "us imports from china in 2025"), figure=True),
    Intent("imports", True, "imports", FIGURE_OPTIONS, figure=True),
    Intent("total_trade", True, help=("Both flows together", "china trade with the eu 2025 · us-mexico total trade"),
           figure=True),
    Intent("partners", True, "partners", ("country", "indicator", "period"),
           ("Rankings", "/partners china · top export markets of china in 2025 · rank china's partners by imports"), survey=True),
    Intent("compare", True, "compare", ("country", "other", "indicator", "period"),
           ("Comparisons", "compare china and the us · china exports nov 2025 vs nov 2024 · us imports japan vs korea"),
           survey=True),
    Intent("drivers", True, "drivers", ("country", "indicator", "period", "by", "partner"),
           ("What drove it", "what drove china's export growth in july 2026 · /drivers china indicator:imports by:region · "
                             "which products drove us imports from china in 2024"), survey=True),
    Intent("chart", True, "chart", ("country", "partner", "indicator", "months"),
           ("Charts", "chart china exports · /chart china partner:us months:36 · chart us imports in 2025")),
    Intent("tariffs", True, "tariffs", ("country", "product", "period"),
           ("Tariffs", "/tariffs china · /tariffs vietnam period:2024 · /tariffs china product:electronics")),
    Intent("products", True, help=("Imports by product", "what does the us import from china · top us imports from vietnam by product")),
    Intent("release", False, help=("Is it out?", "is october out yet · has china's november data been released")),
    Intent("calendar", False, "calendar", ("country",), ("Release dates", "/calendar · when is the next us release")),
    Intent("about", False, "about", (), ("The data", "about · where does the data come from")),
    Intent("help", False),
]}
FIGURE_INTENTS = tuple(name for name, intent in TABLE.items() if intent.figure)
COMMANDS = {intent.command: intent for intent in TABLE.values() if intent.command}

_HANDLERS: dict[str, Callable] = {}


def answers_for(*names: str) -> Callable[[Callable], Callable]:
    """Registers the decorated function as the answer to the intents named."""
    def register(function: Callable) -> Callable:
        for name in names:
            if name not in TABLE:
                raise KeyError(f"no intent {name!r} in the table")
            _HANDLERS[name] = function
        return function
    return register
