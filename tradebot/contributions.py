"""What drove a change: each partner's (or product's) contribution to a total's growth on a
year earlier.

A contribution is a part's change on the year-earlier period divided by the total a year
earlier, in percentage points: the parts' contributions and everyone else's add up to the
total's growth exactly, so a partner's figure says how much of the headline rate it made.
For a balance, which can change sign, the contribution is the part's change in money and the
parts add up to the change in the total balance. Everything here is computed, and marked so."""

from __future__ import annotations

from dataclasses import dataclass

from tradebot.figures import Figure, derived, percent_change
from tradebot.partner_tables import PartnerTable
from tradebot.periods import Period
from tradebot.vocabulary import growth_unit

POINTS = "points"  # the unit of a contribution: percentage points of the total's growth
CONTRIBUTION_HOW = "(part − part a year earlier) ÷ total a year earlier × 100"
CHANGE_HOW = "value − value a year earlier"


@dataclass(frozen=True)
class Contribution:
    key: str  # a partner's code, or an HS chapter
    now: Figure
    earlier: Figure
    amount: Figure  # points of the total's growth; for a balance, its change in money

    @property
    def change(self) -> float:
        return self.now.value - self.earlier.value

    def growth(self, flow: str) -> Figure | None:
        """The part's own growth, computed from the same two figures its contribution is."""
        return percent_change(self.now, self.earlier, f"{flow}_yoy",
                              f"computed from {self.now.period.label} and {self.earlier.period.label}")


@dataclass(frozen=True)
class Breakdown:
    """A total's change on a year earlier, split into its parts' contributions."""

    flow: str
    period: Period
    total: Figure
    total_earlier: Figure
    growth: Figure  # the total's growth in percent, computed from the two levels; for a balance, its change in money
    parts: tuple[Contribution, ...]  # largest contribution first
    others: Figure  # what the parts listed leave: parts without a figure in both years, the unallocated

    @property
    def coverage(self) -> float:
        """How much of the total a year earlier the parts listed hold (1.0: all of it)."""
        return sum(part.earlier.value for part in self.parts) / self.total_earlier.value if self.total_earlier.value else 0.0

    @property
    def in_points(self) -> bool:
        return self.flow != "balance"

    def movers(self, up: int, down: int, at_least: float = 0.0) -> tuple[list[Contribution], list[Contribution]]:
        """The `up` largest positive and `down` largest negative contributions, each at least
        `at_least` in size (so a line never says "added 0.0 points")."""
        positive = [part for part in self.parts if part.amount.value >= at_least and part.amount.value > 0]
        negative = [part for part in reversed(self.parts) if -part.amount.value >= at_least and part.amount.value < 0]
        return positive[:up], negative[:down]


def of_partners(table: PartnerTable, grouping: str) -> Breakdown | None:
    """The table's partners (listed by `grouping`, see `PartnerTable.listed`) as contributions
    to the world total's growth; None when the world total a year earlier is missing or, for a
    flow, not positive."""
    total, earlier = table.world, table.value("WLD", table.year_earlier)
    if total is None or earlier is None:
        return None
    pairs = {code: (table.value(code), before) for code in table.listed(grouping)
             if (before := table.value(code, table.year_earlier)) is not None}
    return breakdown(table.flow, table.period, total, earlier, pairs)


def breakdown(flow: str, period: Period, total: Figure, earlier: Figure, parts: dict[str, tuple[Figure, Figure]]) -> Breakdown | None:
    """Contributions of `parts` (key → (now, a year earlier)) to the change of `total` from `earlier`."""
    in_points = flow != "balance"
    if in_points and earlier.value <= 0:
        return None

    def amount(now: Figure, before: Figure, indicator: str, base: list[Figure]) -> Figure:
        change = now.value - before.value
        if not in_points:
            return derived(indicator, [now, before, *base], change, CHANGE_HOW, period=period)
        return derived(indicator, [now, before, *base], round(change / earlier.value * 100, 4), CONTRIBUTION_HOW,
                       period=period, unit=POINTS)

    indicator = f"{flow}_contribution" if in_points else "balance_change"
    listed = [Contribution(key, now, before, amount(now, before, indicator, [earlier]))
              for key, (now, before) in parts.items()]
    listed.sort(key=lambda part: (-part.amount.value, part.key))
    rest_change = (total.value - earlier.value) - sum(part.change for part in listed)
    rest_how = "the total's change − the parts' changes" + (" ÷ total a year earlier × 100" if in_points else "")
    rest = derived(f"{indicator}_rest", [total, earlier], round(rest_change / earlier.value * 100, 4) if in_points else rest_change,
                   rest_how, period=period, unit=POINTS if in_points else None)
    if in_points:  # the total's growth in percent, which its parts' points add up to
        growth = derived(f"{flow}_yoy", [total, earlier], round((total.value / earlier.value - 1) * 100, 4),
                         f"computed from {period.label} and {earlier.period.label}", period=period,
                         unit=growth_unit(total.unit))
    else:
        growth = amount(total, earlier, "balance_change", [])
    return Breakdown(flow, period, total, earlier, growth, tuple(listed), rest)
