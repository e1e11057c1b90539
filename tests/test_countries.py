"""Tests for tradebot.countries: resolving what people type to canonical country codes."""

import pytest

from tradebot import countries
from tradebot.countries import Country, autocomplete, by_code, lookup_exact, resolve
from tradebot.errors import UnknownCountry

# --- resolve: names, codes, aliases, typos -------------------------------------------------


@pytest.mark.parametrize("text", ["China", "CHINA", "china"])
def test_resolve_name_any_case(text):
    assert resolve(text).code == "CHN"


def test_resolve_lowercase_name():
    assert resolve("germany").code == "DEU"


@pytest.mark.parametrize(
    "text, code",
    [("CHN", "CHN"), ("us", "USA"), ("DE", "DEU"), ("deu", "DEU")],
)
def test_resolve_codes(text, code):
    assert resolve(text).code == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("US", "USA"),
        ("USA", "USA"),
        ("America", "USA"),
        ("UK", "GBR"),
        ("Britain", "GBR"),
        ("South Korea", "KOR"),
        ("Korea", "KOR"),
        ("PRC", "CHN"),
        ("mainland China", "CHN"),
        ("EU", "EU27"),
        ("ASEAN", "ASEAN"),
        ("world", "WLD"),
        ("Russia", "RUS"),
        ("Vietnam", "VNM"),
        ("Taiwan", "TWN"),
        ("Hong Kong", "HKG"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("ivory coast", "CIV"),
    ],
)
def test_resolve_aliases(text, code):
    assert resolve(text).code == code


@pytest.mark.parametrize("text, code", [("chnia", "CHN"), ("germny", "DEU"), ("brazl", "BRA")])
def test_resolve_typos(text, code):
    assert resolve(text).code == code


# --- resolve: unknown names ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["xyzzy", "chine", ""])
def test_resolve_unknown_raises_with_code_and_one_line_message(text):
    with pytest.raises(UnknownCountry) as info:
        resolve(text)
    assert info.value.code == "unknown_country"
    assert info.value.message
    assert "\n" not in info.value.message


def test_resolve_ambiguous_typo_suggests_china():
    with pytest.raises(UnknownCountry) as info:
        resolve("chine")
    assert "China" in info.value.suggestions


def test_resolve_gibberish_has_no_suggestions():
    with pytest.raises(UnknownCountry) as info:
        resolve("xyzzy")
    assert info.value.suggestions == ()


def test_resolve_empty_raises():
    with pytest.raises(UnknownCountry):
        resolve("")


def test_resolve_does_not_echo_everyone_ping():
    with pytest.raises(UnknownCountry) as info:
        resolve("@everyone")
    assert "@everyone" not in info.value.message
    assert "@everyone" not in str(info.value)


# --- display names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, name",
    [("KOR", "South Korea"), ("TWN", "Taiwan"), ("EU27", "European Union")],
)
def test_display_names(code, name):
    assert by_code(code).name == name


# --- lookup_exact --------------------------------------------------------------------------


def test_lookup_exact_english_word_is_not_a_code_in_phrases():
    assert lookup_exact("in", allow_codes=False) is None


def test_lookup_exact_code_allowed():
    assert lookup_exact("IN").code == "IND"


# --- autocomplete --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "a", "zzzzqqq"])
def test_autocomplete_at_most_25(text):
    assert len(autocomplete(text)) <= 25


@pytest.mark.parametrize("text", ["", "a", "chi", "united", "germny"])
def test_autocomplete_returns_countries(text):
    assert all(isinstance(country, Country) for country in autocomplete(text))


@pytest.mark.parametrize("text", ["", "a", "chi", "united", "germny"])
def test_autocomplete_has_no_duplicates(text):
    codes = [country.code for country in autocomplete(text)]
    assert len(codes) == len(set(codes))


def test_autocomplete_empty_starts_with_groups():
    names = [country.name for country in autocomplete("")[:3]]
    assert names == ["World", "European Union", "ASEAN"]


def test_autocomplete_chi_puts_china_near_top():
    assert "China" in [country.name for country in autocomplete("chi")[:3]]


def test_autocomplete_united():
    names = {country.name for country in autocomplete("united")}
    assert {"United States", "United Kingdom", "United Arab Emirates"} <= names


def test_autocomplete_typo_finds_germany():
    assert "Germany" in [country.name for country in autocomplete("germny")]


# --- China Customs' Chinese names ---


@pytest.mark.parametrize(
    ("chinese", "code"),
    [
        ("德国", "DEU"), ("越南", "VNM"), ("美国", "USA"), ("俄罗斯", "RUS"),  # pycountry's own zh_CN translations
        ("韩国", "KOR"), ("朝鲜", "PRK"), ("刚果民主共和国", "COD"),
        ("中国香港", "HKG"), ("中国台湾", "TWN"), ("孟加拉国", "BGD"),  # the short table
        ("福克兰群岛（马尔维纳斯）", "FLK"), ("福克兰群岛(马尔维纳斯)", "FLK"),  # full-width brackets or not
        ("博纳尔，圣俄斯塔休斯和萨巴", "BES"),
        ("欧洲联盟", "EU27"), ("东南亚国家联盟", "ASEAN"), ("总值", "WLD"), ("非洲", "AFRICA"),
        ("共建“一带一路”国家", "BRI"), ("共建“一带一路”国家和地区", "BRI"), ("区域全面经济伙伴关系协定（RCEP）成员国", "RCEP"),
        ("非洲其他国家(地区)", "AFRICA_OTHER"), ("国家（地区）不明", "UNKNOWN"), ("加那利群岛", "XCI"),
    ],
)
def test_chinese_names_map_to_iso_codes_and_groups(chinese, code):
    assert countries.by_chinese_name(chinese).code == code


def test_an_unknown_chinese_name_is_none():
    assert countries.by_chinese_name("亚特兰蒂斯") is None


def test_continents_and_remainders_are_groups_and_remainders_are_never_offered():
    assert countries.by_code("AFRICA").is_group and countries.by_code("UNKNOWN").is_group
    assert not countries.by_code("XCI").is_group  # a place without an ISO code is still a place
    assert countries.resolve("africa").code == "AFRICA" and countries.resolve("europe").code == "EU27"
    offered = {country.code for country in countries.autocomplete("")} | {c.code for c in countries.autocomplete("other")}
    assert not offered & set(countries.RESIDUALS)
