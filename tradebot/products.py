"""Products as people name them: everyday words for HS chapters ("electronics" → 85,
"clothing" → 61 and 62), a chapter's number, and the choices autocomplete offers."""

from __future__ import annotations

import re

from tradebot.errors import NotUnderstood, echo
from tradebot.wording import sentence_case

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
    "pharma": ("30",), "shrimp": ("03",), "sneakers": ("64",), "crude": ("27",), "mineral fuels": ("27",),
    "softwood lumber": ("44",), "autos and auto parts": ("87",), "aircraft and parts": ("88",),
}


def codes(text: str | None) -> str | None:
    """`electronics` → `85`, `clothing` → `61,62`, `85` or `8,84` → HS chapters; None for all goods."""
    words = " ".join((text or "").lower().split())
    if not words or words in ("all", "all goods", "everything"):
        return None
    if re.fullmatch(r"\d{1,2}(?:\s*,\s*\d{1,2})*", words):
        return ",".join(dict.fromkeys(f"{int(code):02d}" for code in words.split(",")))
    chapters = PRODUCT_WORDS.get(words) or PRODUCT_WORDS.get(words.rstrip("s")) or PRODUCT_WORDS.get(words + "s")
    if chapters is None:
        raise NotUnderstood(f"“{echo(text)}” is not a product tradebot knows; try a word such as electronics, furniture "
                            "or steel, or an HS chapter number such as 85.")
    return ",".join(chapters)


def choices(current: str, names: dict[str, str], limit: int = 25) -> list[tuple[str, str]]:
    """(label, value) pairs for what has been typed: the everyday words first, then the chapters
    whose number or description starts with or contains it (`names`: chapter → description)."""
    typed = " ".join(current.lower().split())
    words = [(f"{word} (HS {', '.join(chapters)})", word) for word, chapters in PRODUCT_WORDS.items() if word.startswith(typed)]
    chapters = [(f"{code} {sentence_case(description)[:90]}", code) for code, description in names.items()
                if code.startswith(typed) or typed in description.lower()]
    return (words + chapters)[:limit]


_NAMED = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, PRODUCT_WORDS), key=len, reverse=True)) + r")\b")


def named_in(lowered: str) -> list[re.Match[str]]:
    """Where a question names products in everyday words ("chinese smartphones and electronics"), longest first."""
    return list(_NAMED.finditer(lowered))
