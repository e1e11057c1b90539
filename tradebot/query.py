"""What is being asked, however it was asked: a slash command, a console line or a question."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields

from tradebot.intents import FIGURE_INTENTS, TABLE
from tradebot.periods import LATEST, YTD, Period, PeriodSpec

INTENTS = tuple(TABLE)
__all__ = ["FIGURE_INTENTS", "INTENTS", "Query"]
# what a conversation remembers and a CSV button carries, in the button token's order
CONTEXT_FIELDS = ("intent", "reporter", "partner", "period", "currency", "measure", "indicator",
                  "compared_reporter", "compared_partner", "compared_period", "product", "by")
PERIOD_TEXT = re.compile(r"\d{4}-\d{2}(?:\.\.\d{4}-\d{2})?")


@dataclass(frozen=True)
class Query:
    intent: str
    reporter: str | None  # ISO alpha-3 or a group code; None until a country is named
    partner: str = "WLD"
    period: PeriodSpec = LATEST
    currency: str | None = None  # None: US dollars, or yuan when only yuan figures exist
    measure: str = "level"  # level, yoy (year on year), mom (month on month) or share (of the world total)
    indicator: str | None = None  # the flow a ranking ranks, a comparison compares or a chart draws
    # a comparison sets one of these: the same figure for a second reporter, for a second
    # partner of the same reporter, or for the same series in a second period
    compared_reporter: str | None = None
    compared_partner: str | None = None
    compared_period: Period | None = None
    # "did it top $1 trillion?": the amount asked about, in full units, and its currency (a
    # question's own, never a follow-up's, so not part of the context)
    threshold: float | None = None
    threshold_currency: str | None = None
    # /chart's `months`: how many months a chart shows (None: the chart's default, or the
    # months of a fixed period); an option of one command, so not part of the context either
    months: int | None = None
    # the HS chapters asked about ("85", or "61,62" for clothing); None: all goods
    product: str | None = None
    # what drove a change, shown by: None (partners, the EU and ASEAN as blocs), "region"
    # (continents) or "product" (HS chapters of US imports from `partner`)
    by: str | None = None
    # draw the answer's bar chart too (/drivers, or a question that asks for a chart of what drove
    # a change); the question's own, so not part of the context: a thread's follow-ups are text
    drawn: bool = False

    @property
    def is_survey(self) -> bool:
        """Whether answering reads every partner's figures (a ranking, a comparison)."""
        return TABLE[self.intent].survey

    @property
    def compared(self) -> str | None:
        """What a comparison sets beside the first figure, as text: a country code or a period."""
        if self.compared_period is not None:
            return str(self.compared_period)
        return self.compared_reporter or self.compared_partner

    def as_json(self) -> dict:
        """The ★ `ask --json` query object (DESIGN.md §4)."""
        shown = {"intent": self.intent, "reporter": self.reporter, "partner": self.partner, "period": str(self.period)}
        return {**shown, "product": self.product} if self.product else shown  # a product question names its chapters

    def as_context(self) -> dict:
        """Everything a follow-up inherits, as plain values (a thread keeps it as one JSON value)."""
        values = {name: getattr(self, name) for name in CONTEXT_FIELDS}
        values["period"] = str(self.period)
        values["compared_period"] = str(self.compared_period) if self.compared_period else None
        return values

    def context_json(self) -> str:
        return json.dumps(self.as_context(), separators=(",", ":"))

    def to_token(self) -> str:
        """A compact form for a button's custom id (Discord allows 100 characters)."""
        context = self.as_context()
        return "|".join(str(context[key] or "") for key in CONTEXT_FIELDS)

    @classmethod
    def from_token(cls, token: str) -> Query:
        values = token.split("|")
        names = next((layout for layout in (CONTEXT_FIELDS, *_EARLIER_TOKEN_FIELDS) if len(layout) == len(values)), ())
        if not names:
            raise ValueError(f"not a query token: {token!r}")
        return cls.from_context({key: value or None for key, value in zip(names, values, strict=True)})

    @classmethod
    def from_context(cls, context: dict | str) -> Query:
        """The inverse of `as_context` (or of `context_json`). Also reads contexts and tokens
        written before the comparison fields were typed, when one `other` field held a
        compared country, a compared period or the ranked flow."""
        context = json.loads(context) if isinstance(context, str) else dict(context)
        known = {field.name for field in fields(cls)}
        if context.get("other"):
            context.update(_typed_other(context["intent"], context.pop("other")))
        values = {key: value for key, value in context.items() if key in known and value is not None}
        values["period"] = _spec(values.get("period") or "latest")
        if values.get("compared_period"):
            values["compared_period"] = Period.parse(values["compared_period"])
        values.setdefault("reporter", None)
        return cls(**values)


def _spec(text: str) -> PeriodSpec:
    return {"latest": LATEST, "ytd": YTD}.get(text) or PeriodSpec("fixed", Period.parse(text))


# buttons posted before the typed comparison fields, before products and before `by` carry these forms
_EARLIER_TOKEN_FIELDS = (
    ("intent", "reporter", "partner", "period", "currency", "measure", "other", "indicator"),
    CONTEXT_FIELDS[:-2],
    CONTEXT_FIELDS[:-1],
)


def _typed_other(intent: str, other: str) -> dict:
    if intent == "partners":
        return {"indicator": other}
    return {"compared_period": other} if PERIOD_TEXT.fullmatch(other) else {"compared_reporter": other}
