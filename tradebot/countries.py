"""Country names → canonical codes (ISO 3166 alpha-3, or a group code such as WLD, EU27, ASEAN).

Names and codes come from pycountry (the ISO 3166 tables, and their Chinese translations
for China Customs' tables); this module only adds the informal names people type in chat,
the groups trade statistics use, the few places customs tables list that ISO 3166 gives no
alpha-3 code, and typo tolerance through rapidfuzz.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache

import pycountry
from rapidfuzz import fuzz, process

from tradebot.errors import AmbiguousCountry, TradebotError, UnknownCountry, echo


@dataclass(frozen=True)
class Country:
    code: str
    name: str

    @property
    def is_group(self) -> bool:
        """A group of countries or a residual line of a table: never ranked beside countries."""
        return self.code in GROUPS or self.code in RESIDUALS


WORLD = Country("WLD", "World")
GROUPS = {
    "WLD": WORLD,
    "EU27": Country("EU27", "European Union"),
    "ASEAN": Country("ASEAN", "ASEAN"),
    # continents and trade groupings as China Customs' tables list them
    "ASIA": Country("ASIA", "Asia"),
    "AFRICA": Country("AFRICA", "Africa"),
    "EUROPE_CONT": Country("EUROPE_CONT", "Europe (the continent)"),
    "LATAM": Country("LATAM", "Latin America"),
    "NAMERICA": Country("NAMERICA", "North America"),
    "OCEANIA": Country("OCEANIA", "Oceania"),
    "APEC": Country("APEC", "APEC"),
    "RCEP": Country("RCEP", "RCEP members"),
    "BRI": Country("BRI", "Belt and Road countries"),
}
# Lines of a table that are neither a country nor a group: its remainders. Stored, so the
# table's continents still add up, but never ranked and never found by a name.
RESIDUALS = {
    code: Country(code, name) for code, name in {
        "ASIA_OTHER": "other Asian countries (not listed separately)",
        "AFRICA_OTHER": "other African countries (not listed separately)",
        "EUROPE_OTHER": "other European countries (not listed separately)",
        "LATAM_OTHER": "other Latin American countries (not listed separately)",
        "NAMERICA_OTHER": "other North American countries (not listed separately)",
        "OCEANIA_OTHER": "other Oceanian countries (not listed separately)",
        "UNKNOWN": "country unknown",
    }.items()
}
# Places customs tables list that ISO 3166 gives no alpha-3 code: codes from the user-assigned
# X range, which ISO leaves for such uses.
PLACES = {
    "XCI": Country("XCI", "Canary Islands"),
    "XCE": Country("XCE", "Ceuta"),
    "XME": Country("XME", "Melilla"),
}

# The continents China Customs' tables give: with its "country unknown" line they partition the world.
CONTINENTS = ("ASIA", "AFRICA", "EUROPE_CONT", "LATAM", "NAMERICA", "OCEANIA")

# Group membership is policy, not a name table, so no library has it. Rankings use it to
# never count a group together with its own members.
GROUP_MEMBERS = {
    "EU27": frozenset("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE".split()),
    # Timor-Leste joined in October 2025
    "ASEAN": frozenset("BRN KHM IDN LAO MYS MMR PHL SGP THA VNM TLS".split()),
}

# Informal names ISO 3166 does not carry. Keys are normalised (see `normalise`).
ALIASES = {
    "us": "USA", "usa": "USA", "america": "USA", "united states of america": "USA",
    "the us": "USA", "the states": "USA", "states": "USA", "american": "USA",
    "uk": "GBR", "britain": "GBR", "great britain": "GBR", "england": "GBR", "british": "GBR",
    "south korea": "KOR", "korea": "KOR", "rok": "KOR", "korean": "KOR",
    "north korea": "PRK", "dprk": "PRK",
    "prc": "CHN", "mainland china": "CHN", "mainland": "CHN", "chinese": "CHN",
    "peoples republic of china": "CHN",
    "russia": "RUS", "russian": "RUS", "turkey": "TUR", "holland": "NLD",
    "uae": "ARE", "emirates": "ARE", "ivory coast": "CIV", "vietnam": "VNM",
    "hong kong china": "HKG", "hk": "HKG", "taiwan china": "TWN",
    "japanese": "JPN", "german": "DEU", "indian": "IND", "french": "FRA",
    # more demonyms, as tariff questions name goods ("mexican autos", "swiss gold")
    "mexican": "MEX", "canadian": "CAN", "vietnamese": "VNM", "taiwanese": "TWN", "thai": "THA", "swiss": "CHE",
    "irish": "IRL", "italian": "ITA", "spanish": "ESP", "dutch": "NLD", "belgian": "BEL", "swedish": "SWE",
    "brazilian": "BRA", "chilean": "CHL", "peruvian": "PER", "argentine": "ARG", "argentinian": "ARG",
    "colombian": "COL", "ecuadorian": "ECU", "australian": "AUS", "indonesian": "IDN", "malaysian": "MYS",
    "filipino": "PHL", "philippine": "PHL", "singaporean": "SGP", "cambodian": "KHM", "bangladeshi": "BGD",
    "pakistani": "PAK", "turkish": "TUR", "israeli": "ISR", "south african": "ZAF",
    "nigerian": "NGA", "egyptian": "EGY", "polish": "POL", "austrian": "AUT", "danish": "DNK", "norwegian": "NOR",
    "finnish": "FIN", "portuguese": "PRT", "greek": "GRC", "czech": "CZE", "hungarian": "HUN", "ukrainian": "UKR",
    "sri lankan": "LKA", "new zealand's": "NZL", "kiwi": "NZL",
    "eu": "EU27", "eu27": "EU27", "european union": "EU27", "europe": "EU27",
    "asean": "ASEAN", "southeast asia": "ASEAN", "south east asia": "ASEAN",
    "world": "WLD", "global": "WLD", "the world": "WLD", "whole world": "WLD", "the whole world": "WLD",
    # codes people type in lower case in markets chat; two- and three-letter codes that are also
    # English words (in, can, per, it, is) are not here, and only count in capitals
    "cn": "CHN", "chn": "CHN", "jp": "JPN", "jpn": "JPN", "kr": "KOR", "kor": "KOR", "de": "DEU", "deu": "DEU",
    "ger": "DEU", "vn": "VNM", "vnm": "VNM", "ru": "RUS", "rus": "RUS", "mx": "MEX", "mex": "MEX", "tw": "TWN", "twn": "TWN",
    "hkg": "HKG", "sg": "SGP", "sgp": "SGP", "aus": "AUS", "bra": "BRA", "fra": "FRA",
    "saudi": "SAU", "latam": "LATAM",
    "latin america and the caribbean": "LATAM", "belt and road": "BRI", "belt and road initiative": "BRI", "bri": "BRI",
    "rcep": "RCEP", "asia pacific economic cooperation": "APEC",
    "continental europe": "EUROPE_CONT", "european continent": "EUROPE_CONT", "whole of europe": "EUROPE_CONT",
    "all of europe": "EUROPE_CONT",
    # capitals for their governments' statistics, as the wires write them ("Beijing's exports")
    "beijing": "CHN", "washington": "USA", "tokyo": "JPN", "seoul": "KOR",
}

# China Customs' names that pycountry's Chinese translations (zh_CN, zh_TW, zh_HK) lack, or spell
# otherwise; compared after NFKC (full-width brackets and commas as ASCII) with spaces removed.
CHINESE_NAMES = {
    "总值": "WLD", "东南亚国家联盟": "ASEAN", "欧洲联盟": "EU27", "亚太经济合作组织": "APEC",
    "区域全面经济伙伴关系协定": "RCEP", "区域全面经济伙伴关系协定(RCEP)成员国": "RCEP",
    "共建“一带一路”国家": "BRI", "共建“一带一路”国家和地区": "BRI",
    "亚洲": "ASIA", "非洲": "AFRICA", "欧洲": "EUROPE_CONT", "拉丁美洲": "LATAM", "北美洲": "NAMERICA", "大洋洲": "OCEANIA",
    "亚洲其他国家(地区)": "ASIA_OTHER", "非洲其他国家(地区)": "AFRICA_OTHER", "欧洲其他国家(地区)": "EUROPE_OTHER",
    "拉丁美洲其他国家(地区)": "LATAM_OTHER", "北美洲其他国家(地区)": "NAMERICA_OTHER", "大洋洲其他国家(地区)": "OCEANIA_OTHER",
    "国家(地区)不明": "UNKNOWN",
    "中国香港": "HKG", "中国澳门": "MAC", "中国台湾": "TWN", "孟加拉国": "BGD", "吉尔吉斯斯坦": "KGZ", "中非": "CAF",
    "加那利群岛": "XCI", "塞卜泰(休达)": "XCE", "梅利利亚": "XME", "法属南方领地": "ATF", "圣赫勒拿": "SHN",
    "马耳他": "MLT", "格恩西": "GGY", "马恩岛": "IMN", "泽西": "JEY", "斯瓦尔巴群岛和扬马延岛": "SJM",
    "玻利维亚": "BOL", "多米尼加": "DOM", "危地马拉": "GTM", "特立尼达和多巴哥": "TTO", "博纳尔,圣俄斯塔休斯和萨巴": "BES",
    "圣巴泰勒米": "BLM", "布维岛": "BVT", "福克兰群岛(马尔维纳斯)": "FLK", "南乔治亚岛和南桑德韦奇岛": "SGS",
    "法属波利尼西亚": "PYF", "科科斯(基林)群岛": "CCK", "赫德岛和麦克唐纳岛": "HMD",
}

# Names that fit several countries: asking beats guessing (normalised name → the candidates).
AMBIGUOUS = {
    "congo": ("COG", "COD"),
    "guinea": ("GIN", "GNB", "GNQ", "PNG"),
    "virgin islands": ("VGB", "VIR"),
    "samoa": ("WSM", "ASM"),
}

# Typos are accepted when the best match scores this well and no other country comes close.
ACCEPT_SCORE = 80
SUGGEST_SCORE = 60


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation: `Côte d'Ivoire` → `cote divoire`, `U.S.` → `us`."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[.'’`]", "", text.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class _Index:
    by_code: dict[str, Country]
    names: dict[str, str]  # normalised name or alias → code
    codes: dict[str, str]  # normalised alpha-2 / alpha-3 code → code
    choices: list[tuple[str, str]]  # (display label, code), best names first, for autocomplete

    @property
    def name_list(self) -> list[str]:
        return list(self.names)


def _chinese_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


@cache
def _chinese_index() -> dict[str, str]:
    """Chinese name → code: pycountry's own translations of every ISO 3166 name, then the
    table above where China Customs spells a name otherwise."""
    names: dict[str, str] = {}
    for language in ("zh_CN", "zh_TW", "zh_HK"):
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True).gettext
        for entry in pycountry.countries:
            for name in (entry.name, getattr(entry, "common_name", None), getattr(entry, "official_name", None)):
                if name and (chinese := translate(name)) != name:
                    names.setdefault(_chinese_key(chinese), entry.alpha_3)
    names.update({_chinese_key(name): code for name, code in CHINESE_NAMES.items()})
    return names


def by_chinese_name(name: str) -> Country | None:
    """The country or group a Chinese name (as China Customs writes it) means, if known."""
    code = _chinese_index().get(_chinese_key(name))
    return by_code(code) if code else None


@cache
def _index() -> _Index:
    by_code: dict[str, Country] = {**GROUPS, **RESIDUALS, **PLACES}
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for entry in pycountry.countries:
        display = getattr(entry, "common_name", None) or entry.name
        by_code[entry.alpha_3] = Country(entry.alpha_3, display)
        for name in (entry.name, display, getattr(entry, "official_name", None)):
            if name:
                names.setdefault(normalise(name), entry.alpha_3)
        codes[entry.alpha_2.lower()] = entry.alpha_3
        codes[entry.alpha_3.lower()] = entry.alpha_3
    for group in (*GROUPS.values(), *PLACES.values()):
        names[normalise(group.name)] = group.code
        codes[normalise(group.code)] = group.code  # EUROPE_CONT is typed "europe_cont" or "europe cont"
    names.update(ALIASES)
    choices = sorted(((c.name, c.code) for c in by_code.values() if c.code not in RESIDUALS), key=lambda item: item[0])
    return _Index(by_code, names, codes, choices)


@cache
def longest_name() -> int:
    """How many words the longest name or alias has (`congo the democratic republic of the`: 6),
    so a phrase is searched for names of every length there is."""
    return max(len(name.split()) for name in _index().names)


def by_code(code: str) -> Country:
    return _index().by_code[code]


def is_known(code: str) -> bool:
    return code in _index().by_code


def lookup_exact(text: str, allow_codes: bool = True) -> Country | None:
    """A name, alias or (when allowed) code, ignoring case, accents and punctuation.
    Raises `AmbiguousCountry` for a name several countries share."""
    key = normalise(text)
    if key in AMBIGUOUS:
        names = tuple(_pickable_name(code) for code in AMBIGUOUS[key])
        raise AmbiguousCountry(f"“{echo(text)}” could be {', '.join(names[:-1])} or {names[-1]}; which one?", names)
    index = _index()
    code = index.names.get(key) or (index.codes.get(key) if allow_codes else None)
    return index.by_code[code] if code else None


# How US trade statistics spell the countries neither ISO 3166 nor the aliases read as written:
# the Census Bureau's names, which USITC DataWeb republishes (lower case, spaces squeezed)
US_TRADE_NAMES = {
    "korea, south": "KOR", "korea, north": "PRK", "burma": "MMR", "myanmar (burma)": "MMR", "macau": "MAC",
    "congo (kinshasa)": "COD", "democratic republic of the congo": "COD", "congo (brazzaville)": "COG",
    "micronesia": "FSM", "heard and mcdonald islands": "HMD", "brunei": "BRN", "czechia (czech republic)": "CZE",
    "eswatini (swaziland)": "SWZ", "falkland islands": "FLK", "french southern and antarctic lands": "ATF",
    "guinea": "GIN", "pitcairn islands": "PCN", "samoa": "WSM", "sint maarten": "SXM", "vatican city": "VAT",
    "st kitts and nevis": "KNA", "st lucia": "LCA", "st vincent and the grenadines": "VCT",
    "st pierre and miquelon": "SPM", "st helena": "SHN", "saint helena": "SHN",
}
# ...and the places they list that no ISO code holds alone: left out, and the import says why
US_TRADE_LEFT_OUT = {
    "gaza strip": "shares PSE with the West Bank", "gaza strip administered by israel": "shares PSE with the West Bank",
    "west bank": "shares PSE with the Gaza Strip", "west bank administered by israel": "shares PSE with the Gaza Strip",
    "kosovo": "has no ISO 3166 code",
}


@cache
def us_trade_partner(name: str) -> str | None:
    """A partner as US trade statistics name it (`KOREA, SOUTH`, `Myanmar (Burma)`), as an ISO
    code; None for a name it cannot place (see `US_TRADE_LEFT_OUT` for those it must not).
    Cached: an all-partner file names each of ~230 countries on every one of its rows."""
    key = " ".join(name.lower().split())
    if key in US_TRADE_NAMES:
        return US_TRADE_NAMES[key]
    try:
        found = lookup_exact(name, allow_codes=False)
    except TradebotError:  # ambiguous: the sources' names are exact, so it needs a line in US_TRADE_NAMES
        return None
    return found.code if found else None


def _pickable_name(code: str) -> str:
    """A name that means `code` alone, to offer when a name is ambiguous: the display name, unless
    it is the ambiguous name itself (offering “Samoa” for “samoa” would only ask again)."""
    name = by_code(code).name
    if normalise(name) in AMBIGUOUS:
        name = pycountry.countries.get(alpha_3=code).official_name
    return name


def fuzzy_matches(text: str, limit: int = 5, cutoff: float = SUGGEST_SCORE) -> list[tuple[Country, float]]:
    """Countries whose names look like `text`, best first, one entry per country."""
    key = normalise(text)
    if len(key) < 3:
        return []
    index = _index()
    found: dict[str, float] = {}
    for name, score, _position in process.extract(
        key, index.name_list, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=cutoff
    ):
        found.setdefault(index.names[name], score)
    ranked = sorted(found.items(), key=lambda item: -item[1])[:limit]
    return [(index.by_code[code], score) for code, score in ranked]


def resolve(text: str) -> Country:
    """The country a user meant by an option value, or `UnknownCountry` with suggestions."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise UnknownCountry("Name a country, for example china, us or eu.")
    exact = lookup_exact(cleaned)
    if exact:
        return exact
    matches = fuzzy_matches(cleaned)
    if matches and matches[0][1] >= ACCEPT_SCORE and (len(matches) == 1 or matches[1][1] < matches[0][1] - 5):
        return matches[0][0]
    raise unknown(cleaned, [country for country, _ in matches[:3]])


def unknown(text: str, suggestions: list[Country]) -> UnknownCountry:
    shown = echo(text)
    names = tuple(_pickable_name(country.code) for country in suggestions)
    if names:
        hint = " or ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " or " + names[-1]
        return UnknownCountry(f"I don't know a country called “{shown}”; did you mean {hint}?", names)
    return UnknownCountry(f"I don't know a country called “{shown}”; try a name such as china, us or eu.")


def autocomplete(text: str, limit: int = 25, prefer: Mapping[str, int] | Collection[str] = ()) -> list[Country]:
    """Best-first choices for a partly typed name or code.

    Tiers: exact name, alias or code; display name starting with the text; any name or alias
    starting with it; a word of a name starting with it; then fuzzy matches. Within a tier the
    countries in `prefer` (those with data) come first — a mapping ranks them, lowest first
    (reporters before countries that are only partners) — then alphabetical order. Empty input
    lists the groups and the preferred countries, then the rest alphabetically."""
    rank = prefer if isinstance(prefer, Mapping) else dict.fromkeys(prefer, 0)
    unpreferred = max(rank.values(), default=0) + 1
    key = normalise(text)
    index = _index()
    if not key:
        groups_first = {code: position for position, code in enumerate(GROUPS)}
        offered = (c for c in index.by_code.values() if c.code not in RESIDUALS)
        ranked = sorted(offered, key=lambda c: (groups_first.get(c.code, len(GROUPS)), rank.get(c.code, unpreferred), c.name))
        return ranked[:limit]
    tiers: dict[str, int] = {}
    exact = index.names.get(key) or index.codes.get(key)
    if exact:
        tiers[exact] = 0
    for name, code in index.names.items():
        if name.startswith(key):
            tier = 1 if name == normalise(index.by_code[code].name) else 2
        elif f" {key}" in f" {name}":
            tier = 3
        else:
            continue
        tiers[code] = min(tier, tiers.get(code, tier))
    if len(tiers) < limit:
        for country, _score in fuzzy_matches(key, limit=limit, cutoff=50):
            tiers.setdefault(country.code, 4)
    ranked = sorted(tiers, key=lambda code: (tiers[code], rank.get(code, unpreferred), index.by_code[code].name))
    return [index.by_code[code] for code in ranked[:limit]]
