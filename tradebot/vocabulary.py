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


# Everyday words for HS chapters, as the news uses them (a chapter's own number works too)
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    "electronics": ("85",), "electrical machinery": ("85",), "electrical equipment": ("85",), "phones": ("85",),
    "smartphones": ("85",), "semiconductors": ("85",), "chips": ("85",), "batteries": ("85",), "solar panels": ("85",),
    "machinery": ("84",), "machines": ("84",), "computers": ("84",), "laptops": ("84",),
    "vehicles": ("87",), "cars": ("87",), "autos": ("87",), "auto parts": ("87",), "car parts": ("87",),
    "furniture": ("94",), "toys": ("95",), "games": ("95",), "sporting goods": ("95",),
    "apparel": ("61", "62"), "clothing": ("61", "62"), "clothes": ("61", "62"), "garments": ("61", "62"),
    "steel": ("72", "73"), "iron": ("72", "73"), "aluminum": ("76",), "aluminium": ("76",), "copper": ("74",),
    "footwear": ("64",), "shoes": ("64",), "plastics": ("39",), "rubber": ("40",), "tires": ("40",), "tyres": ("40",),
    "pharmaceuticals": ("30",), "medicines": ("30",), "drugs": ("30",), "chemicals": ("28", "29"),
    "oil": ("27",), "fuel": ("27",), "energy": ("27",), "optical instruments": ("90",), "medical devices": ("90",),
    "seafood": ("03",), "fish": ("03",), "coffee": ("09",), "wine": ("22",), "beverages": ("22",),
    "wood": ("44",), "lumber": ("44",), "paper": ("48",), "aircraft": ("88",), "ships": ("89",),
    "jewelry": ("71",), "jewellery": ("71",), "gold": ("71",), "textiles": ("63",),
}


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
