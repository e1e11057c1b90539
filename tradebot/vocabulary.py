"""The words sources and answers share: indicators, money units and growth units.

A money figure's unit is the ISO 4217 code of the currency the source published it in
(USD, CNY, JPY …): tradebot never converts between currencies. A growth rate carries the
basis it was measured in, because growth in yuan differs from growth in dollars: `percent`
is growth measured in US dollars (what wire copy quotes), `percent_cny` in yuan, and so on.
"""

from __future__ import annotations

from functools import cache

import pycountry

# A figure as every source hands it over and the store keeps it (the `figures` table's columns).
# `product` is an HS chapter (`85`), empty for all goods: last, so a plug-in without products
# hands over rows without it (the store fills in the empty string).
FIGURE_COLUMNS = (
    "reporter", "partner", "indicator", "period_start", "period_end", "value", "unit",
    "source", "published", "retrieved_at", "source_url", "note", "product",
)

MONEY = ("exports", "imports", "balance", "total_trade")
GROWTH = tuple(f"{indicator}_yoy" for indicator in MONEY)
INDICATORS = MONEY + GROWTH
# What the US collects at the border, by partner and product (USITC DataWeb, imports for
# consumption): the effective tariff rate is derived from them, duties ÷ customs value
DUTY_MEASURES = ("duties", "customs_value", "dutiable_value", "landed_value", "cif_value", "import_charges")


class ProductNames(dict):
    """Product code → its description, as a file publishes it: a plug-in hands it over among its
    batches of figures, and the store keeps it once, in the same transaction."""

    def __init__(self, names: dict[str, str], source: str):
        super().__init__(names)
        self.source = source

DOLLAR_GROWTH = "percent"  # growth measured in US dollars; the unit wire copy's rates have always had


def growth_unit(currency: str) -> str:
    """The unit of a growth rate measured in `currency`: `percent` for dollars, `percent_cny` for yuan."""
    return DOLLAR_GROWTH if currency == "USD" else f"percent_{currency.lower()}"


def growth_basis(unit: str) -> str | None:
    """The currency a growth unit was measured in (`percent_jpy` → JPY), None for a non-growth unit."""
    if unit == DOLLAR_GROWTH:
        return "USD"
    if unit.startswith("percent_") and is_currency(unit[len("percent_"):].upper()):
        return unit[len("percent_"):].upper()
    return None


@cache
def is_currency(unit: str) -> bool:
    """An ISO 4217 currency code (pycountry's table): the unit of a money figure."""
    return len(unit) == 3 and unit.isupper() and pycountry.currencies.get(alpha_3=unit) is not None


def is_unit(unit: str) -> bool:
    return is_currency(unit) or growth_basis(unit) is not None


# How a sentence names the currencies in the bundled data; others by their ISO 4217 name.
CURRENCY_WORDS = {"USD": "US dollars", "CNY": "yuan", "JPY": "yen"}


def currency_words(code: str) -> str:
    """`CNY` → `yuan`, `KRW` → `Won` (pycountry's name): a currency in a sentence."""
    if code in CURRENCY_WORDS:
        return CURRENCY_WORDS[code]
    entry = pycountry.currencies.get(alpha_3=code)
    return entry.name if entry else code


# Notes a source puts on figures whose `published` is not a release date (see `formatting.released`).
RELEASE_MONTH_ASSUMED = "release month assumed"
READ_DATE_MARKS = ("read date:", "access date:")
