"""How numbers and dates read, in one place: `$111.7 bn`, `$1.08 tn`, `+5.9%`, `−28.6%`."""

from __future__ import annotations

from tradebot.periods import NAME_OF_MONTH
from tradebot.vocabulary import READ_DATE_MARKS, RELEASE_MONTH_ASSUMED

MINUS = "−"  # U+2212: the typographic minus, as wire copy prints it
CURRENCY_PREFIX = {"USD": "$", "CNY": "CNY "}
# (scale, suffix, decimals): trillions need two decimals to say anything ($1.08 tn)
_SCALES = ((1e12, "tn", 2), (1e9, "bn", 1), (1e6, "mn", 1))


def money(value: float, unit: str = "USD", extra_decimals: int = 0) -> str:
    """The size of an amount, without its sign: callers say surplus/deficit in words."""
    prefix = CURRENCY_PREFIX.get(unit, f"{unit} ")
    amount = abs(value)
    for scale, suffix, decimals in _SCALES:
        # compare after rounding, so 999.96 bn reads as $1.00 tn, not $1000.0 bn
        if round(amount / scale, decimals) >= 1:
            return f"{prefix}{amount / scale:.{decimals + extra_decimals}f} {suffix}"
    return f"{prefix}{amount:,.0f}"


def signed_money(value: float, unit: str = "USD") -> str:
    """A change in money, `+CNY 41.7 bn` or `−$79.7 bn`: the sign says which way."""
    return (MINUS if value < 0 else "+") + money(value, unit)


def money_pair(new: float, old: float, unit: str = "USD") -> tuple[str, str]:
    """Two amounts that differ, shown with just enough decimals to look different
    (a revision from 111.68 to 111.70 bn must not read "$111.7 bn, revised from $111.7 bn")."""
    for extra in range(4):
        pair = money(new, unit, extra), money(old, unit, extra)
        if pair[0] != pair[1]:
            return pair
    return pair


def percent(value: float) -> str:
    return points(value) + "%"


def points(value: float) -> str:
    """A signed change to one decimal, `+16.7` or `−0.4` (percentage points, or a percent with `percent`)."""
    text = f"{value:+.1f}"
    if text in ("+0.0", "-0.0"):
        return "0.0"
    return text.replace("-", MINUS)


def release_date(published: str) -> str:
    """`2025-12` → `December 2025`; `2026-03-10` → `10 March 2026`."""
    parts = published.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        name = f"{NAME_OF_MONTH[month]} {year}"
        return f"{int(parts[2])} {name}" if len(parts) > 2 else name
    except (ValueError, IndexError):
        return published


def released(published: str, note: str = "") -> str:
    """`released December 2025`, or what the date is when the source states no release date:
    the month assumed from its release pattern, or the day its table was read."""
    when = release_date(published)
    if RELEASE_MONTH_ASSUMED in note:
        return f"released {when} (month assumed; the source gives no date)"
    if any(mark in note for mark in READ_DATE_MARKS):
        return f"as read {when} (the source gives no release date)"
    return f"released {when}"
