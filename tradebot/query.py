"""What is being asked, however it was asked: a slash command, a console line or a question."""

from __future__ import annotations

from dataclasses import dataclass

from tradebot.periods import LATEST, PeriodSpec

# The flows a figure answer can lead with (`/surplus` asks for the balance), then the
# answers about the store itself.
FIGURE_INTENTS = ("balance", "exports", "imports")
INTENTS = (*FIGURE_INTENTS, "about", "calendar")


@dataclass(frozen=True)
class Query:
    intent: str
    reporter: str | None  # ISO alpha-3 or a group code; None until a country is named
    partner: str = "WLD"
    period: PeriodSpec = LATEST
    currency: str | None = None  # None: US dollars, or yuan when only yuan figures exist

    def as_json(self) -> dict:
        return {"intent": self.intent, "reporter": self.reporter, "partner": self.partner, "period": str(self.period)}
