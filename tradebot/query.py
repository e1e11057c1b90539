"""What is being asked, however it was asked: a slash command, a console line or a question."""

from __future__ import annotations

from dataclasses import dataclass

from tradebot.periods import LATEST, YTD, Period, PeriodSpec

# The flows a figure answer can lead with (`/surplus` asks for the balance), then the
# other questions people ask, then the answers about the store itself.
FIGURE_INTENTS = ("balance", "exports", "imports", "total_trade")
INTENTS = (*FIGURE_INTENTS, "partners", "compare", "chart", "release", "help", "about", "calendar")
TOKEN_FIELDS = ("intent", "reporter", "partner", "period", "currency", "measure", "other", "indicator")


@dataclass(frozen=True)
class Query:
    intent: str
    reporter: str | None  # ISO alpha-3 or a group code; None until a country is named
    partner: str = "WLD"
    period: PeriodSpec = LATEST
    currency: str | None = None  # None: US dollars, or yuan when only yuan figures exist
    measure: str = "level"  # level, yoy (year on year), mom (month on month) or share (of the world total)
    other: str | None = None  # compare: the other reporter or a period; partners: the flow ranked
    indicator: str | None = None  # compare and chart: the flow shown (default: the balance)
    # "did it top $1 trillion?": the amount asked about, in full units, and its currency (a
    # question's own, never a follow-up's)
    threshold: float | None = None
    threshold_currency: str | None = None

    def as_json(self) -> dict:
        """The ★ `ask --json` query object (DESIGN.md §4)."""
        return {"intent": self.intent, "reporter": self.reporter, "partner": self.partner, "period": str(self.period)}

    def as_context(self) -> dict:
        """Everything a follow-up inherits, as stored for a thread or a console session."""
        return {**self.as_json(), "currency": self.currency, "measure": self.measure, "other": self.other, "indicator": self.indicator}

    def to_token(self) -> str:
        """A compact form for a button's custom id (Discord allows 100 characters)."""
        context = self.as_context()
        return "|".join(str(context[key] or "") for key in TOKEN_FIELDS)

    @classmethod
    def from_token(cls, token: str) -> Query:
        values = token.split("|")
        if len(values) != len(TOKEN_FIELDS):
            raise ValueError(f"not a query token: {token!r}")
        return cls.from_context({key: value or None for key, value in zip(TOKEN_FIELDS, values, strict=True)})

    @classmethod
    def from_context(cls, context: dict) -> Query:
        period = context.get("period") or "latest"
        spec = {"latest": LATEST, "ytd": YTD}.get(period) or PeriodSpec("fixed", Period.parse(period))
        return cls(
            intent=context["intent"], reporter=context.get("reporter"), partner=context.get("partner") or "WLD",
            period=spec, currency=context.get("currency"), measure=context.get("measure") or "level", other=context.get("other"),
            indicator=context.get("indicator"),
        )
