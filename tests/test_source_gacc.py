"""China Customs (GACC) by-country/region pages: the real saved pages in
`$TRADEBOT_SHARED_DATA/gacc/` (see PROVENANCE.md there), and copies of them broken on purpose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradebot.errors import DataFileError
from tradebot.sources import gacc
from tradebot.store import FIGURE_COLUMNS
from tradebot.vocabulary import INDICATORS, is_unit

from conftest import shared_data_dir

PROJECT_DIR = Path(__file__).resolve().parent.parent
MAR_2026 = "release_section4_by_country_mar2026_cny.html"
JAN_FEB_2025 = "release_section4_by_country_janfeb2025_cny.html"
JAN_2018_IMAGE = "release_section4_by_country_jan2018_cny.html"
INDEX_PAGE = "seed_2026.html"
RETRIEVED = "2026-11-29T12:00:00+00:00"

# The 30 rows of both tables less the four regions (Latin America, Africa, RCEP, Belt and Road).
PARTNERS = {
    "WLD", "EU27", "DEU", "NLD", "FRA", "ITA", "USA", "ASEAN", "VNM", "MYS", "THA", "SGP", "IDN", "PHL",
    "JPN", "HKG", "KOR", "TWN", "AUS", "RUS", "IND", "GBR", "CAN", "NZL", "BRA", "ZAF",
}


@pytest.fixture(scope="module")
def gacc_dir() -> Path:
    return shared_data_dir("gacc")


def page(gacc_dir: Path, name: str) -> str:
    return (gacc_dir / name).read_text(encoding="utf-8")


def cell(rows: list[dict], partner: str, indicator: str, start: str, end: str | None = None) -> dict:
    found = [r for r in rows if (r["partner"], r["indicator"], r["period_start"], r["period_end"]) == (partner, indicator, start, end or start)]
    assert len(found) == 1, (partner, indicator, start, end)
    return found[0]


def refused(text: str, name: str = "edited.html") -> str:
    """The message of the one-line error a broken page gives."""
    with pytest.raises(DataFileError) as caught:
        gacc.parse(text, name=name, retrieved_at=RETRIEVED)
    message = caught.value.message
    assert message.startswith(name), message
    assert "\n" not in message and "Traceback" not in message, message
    return message


def check_shape(rows: list[dict]) -> None:
    keys = {(r["partner"], r["indicator"], r["period_start"], r["period_end"]) for r in rows}
    assert len(keys) == len(rows)  # no row twice: the store's primary key would refuse it
    for row in rows:
        assert tuple(row) == FIGURE_COLUMNS
        assert row["reporter"] == "CHN"
        assert row["indicator"] in INDICATORS and is_unit(row["unit"])
        assert row["unit"].startswith("percent") == row["indicator"].endswith("_yoy")
        assert isinstance(row["value"], float)
        assert row["source"] == "China Customs (GACC)" and row["note"] == ""
        assert re.fullmatch(r"\d{4}-\d{2}", row["period_start"]) and re.fullmatch(r"\d{4}-\d{2}", row["period_end"])


# --- the real pages ---


def test_mar_2026_page(gacc_dir):
    rows = gacc.read(gacc_dir / MAR_2026, retrieved_at=RETRIEVED)
    check_shape(rows)
    assert len(rows) == 26 * 9  # 6 money columns (month and Q1) and 3 Q1 growth rates per partner
    assert {r["partner"] for r in rows} == PARTNERS
    assert {(r["period_start"], r["period_end"]) for r in rows} == {("2026-03", "2026-03"), ("2026-01", "2026-03")}
    assert {(r["period_start"], r["period_end"]) for r in rows if r["unit"] == "percent_cny"} == {("2026-01", "2026-03")}
    assert {r["unit"] for r in rows} == {"CNY", "percent_cny"}
    assert {(r["published"], r["retrieved_at"], r["source_url"]) for r in rows} == {("2026-04-08", RETRIEVED, "")}
    # Total row, first data row: 41,046.4 | 118,380.0 | 22,297.0 | 68,466.7 | 18,749.4 | 49,913.3 | 15.0 | 11.9 | 19.6
    assert cell(rows, "WLD", "exports", "2026-03")["value"] == 2_229_700_000_000
    assert cell(rows, "WLD", "total_trade", "2026-01", "2026-03")["value"] == 11_838_000_000_000
    assert cell(rows, "WLD", "imports_yoy", "2026-01", "2026-03")["value"] == 19.6
    # "United States (US)" row, 7th data row: 2,921.1 | 9,016.7 | 2,045.0 | 6,777.6 | 876.1 | 2,239.0 | -18.7 | -18.3 | -19.7
    assert cell(rows, "USA", "exports", "2026-03")["value"] == 204_500_000_000
    assert cell(rows, "USA", "imports", "2026-01", "2026-03")["value"] == 223_900_000_000
    growth = cell(rows, "USA", "exports_yoy", "2026-01", "2026-03")
    assert (growth["value"], growth["unit"]) == (-18.3, "percent_cny")
    # "ASEAN" row, right after the US: 7,240.5 | 19,666.6 | 4,377.0 | 12,300.2 | 2,863.5 | 7,366.4 | 15.4 | 17.5 | 12.1
    assert cell(rows, "ASEAN", "imports", "2026-01", "2026-03")["value"] == 736_640_000_000
    assert cell(rows, "ASEAN", "total_trade", "2026-03")["value"] == 724_050_000_000
    # GACC's own spellings: "Hong Kong, China", "R. O. Korea", "Taiwan, China", "United Kingdom (UK)"
    assert cell(rows, "HKG", "imports_yoy", "2026-01", "2026-03")["value"] == 323.2
    assert cell(rows, "KOR", "exports", "2026-03")["value"] == 107_150_000_000
    assert cell(rows, "TWN", "imports", "2026-03")["value"] == 164_200_000_000
    assert cell(rows, "GBR", "total_trade", "2026-03")["value"] == 57_550_000_000


def test_jan_feb_2025_page_has_only_the_combined_period(gacc_dir):
    rows = gacc.read(gacc_dir / JAN_FEB_2025, retrieved_at=RETRIEVED)
    check_shape(rows)
    assert len(rows) == 26 * 6
    assert {r["partner"] for r in rows} == PARTNERS
    assert {(r["period_start"], r["period_end"]) for r in rows} == {("2025-01", "2025-02")}
    assert {r["published"] for r in rows} == {"2025-03-11"}
    # Total row: 65,363.6 | 38,812.1 | 26,551.5 | -1.2 | 3.4 | -7.3
    assert cell(rows, "WLD", "exports", "2025-01", "2025-02")["value"] == 3_881_210_000_000
    assert cell(rows, "WLD", "exports_yoy", "2025-01", "2025-02")["value"] == 3.4
    assert cell(rows, "WLD", "total_trade_yoy", "2025-01", "2025-02")["value"] == -1.2
    # "United States (US)" row: 7,336.7 | 5,431.3 | 1,905.4 | 3.5 | 3.4 | 3.8
    assert cell(rows, "USA", "imports", "2025-01", "2025-02")["value"] == 190_540_000_000
    assert cell(rows, "USA", "imports_yoy", "2025-01", "2025-02")["value"] == 3.8
    # "ASEAN" row: 10,333.3 | 6,266.8 | 4,066.5 | 4.0 | 6.8 | -0.2
    assert cell(rows, "ASEAN", "total_trade", "2025-01", "2025-02")["value"] == 1_033_330_000_000
    assert cell(rows, "ASEAN", "imports_yoy", "2025-01", "2025-02")["value"] == -0.2


def test_parse_of_the_text_equals_read_of_the_file(gacc_dir):
    text = page(gacc_dir, MAR_2026)
    assert "\r\n" in (gacc_dir / MAR_2026).read_bytes().decode()  # the saved page has CRLF line ends
    from_text = gacc.parse(text.replace("\n", "\r\n"), name=MAR_2026, retrieved_at=RETRIEVED, source_url="https://example.test/p.html")
    from_file = gacc.read(gacc_dir / MAR_2026, retrieved_at=RETRIEVED)
    assert [{**r, "source_url": ""} for r in from_text] == from_file
    assert {r["source_url"] for r in from_text} == {"https://example.test/p.html"}


def test_retrieved_at_defaults_to_now(gacc_dir):
    rows = gacc.read(gacc_dir / JAN_FEB_2025)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", rows[0]["retrieved_at"])


def test_image_only_page_is_refused(gacc_dir):
    with pytest.raises(DataFileError, match="no table on this page") as caught:
        gacc.read(gacc_dir / JAN_2018_IMAGE)
    assert caught.value.message.startswith(JAN_2018_IMAGE) and "\n" not in caught.value.message


def test_index_page_is_refused(gacc_dir):
    message = refused(page(gacc_dir, INDEX_PAGE), INDEX_PAGE)
    assert "not a GACC by-country/region table" in message and "News - Newsroom - GACC" in message


# --- the same pages, edited ---


@pytest.mark.parametrize(("unit", "currency", "factor", "growth_unit"), [
    ("US$1,000", "USD", 1e3, "percent"),
    ("USD 100 Million", "USD", 1e8, "percent"),
    ("US$100 Million", "USD", 1e8, "percent"),
])
def test_usd_units(gacc_dir, unit, currency, factor, growth_unit):
    text = page(gacc_dir, MAR_2026).replace("Unit: CNY 100 Million", f"Unit: {unit}").replace("(in CNY)", "(in USD)")
    rows = gacc.parse(text, name="usd.html", retrieved_at=RETRIEVED)
    exports = cell(rows, "WLD", "exports", "2026-03")
    assert (exports["value"], exports["unit"]) == (22_297.0 * factor, currency)
    assert cell(rows, "WLD", "exports_yoy", "2026-01", "2026-03")["unit"] == growth_unit


def test_changed_unit_line(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("Unit: CNY 100 Million", "Unit: CNY 10,000")
    assert "unit “CNY 10,000” is not one tradebot knows" in refused(text)


def test_unit_line_that_contradicts_the_title(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("Unit: CNY 100 Million", "Unit: US$1,000")
    assert "the title says CNY but the unit line says USD" in refused(text)


def test_cell_with_text(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("<b>2,045.0&nbsp;</b>", "<b>n.a.&nbsp;</b>", 1)
    message = refused(text)
    assert "United States (US)" in message and "“n.a.”" in message and "not a number" in message


def test_full_width_digits_are_not_a_number(gacc_dir):
    """Issue 16: the number pattern's \\d took full-width digits, which Decimal() reads."""
    text = page(gacc_dir, MAR_2026).replace("<b>2,045.0&nbsp;</b>", "<b>２,０45.0&nbsp;</b>", 1)
    assert "“２,０45.0”" in refused(text) and "not a number" in refused(text)


def test_dash_and_empty_cells_are_no_data(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("<b>2,045.0&nbsp;</b>", "<b>-</b>", 1).replace("<b>876.1&nbsp;</b>", "<b></b>", 1)
    rows = gacc.parse(text, name="gaps.html", retrieved_at=RETRIEVED)
    assert len(rows) == 26 * 9 - 2
    assert not [r for r in rows if r["partner"] == "USA" and r["period_start"] == "2026-03" and r["indicator"] in ("exports", "imports")]


def test_truncated_page(gacc_dir):
    text = page(gacc_dir, MAR_2026)
    cut = text[: text.index("Malaysia") + 4]  # in the middle of the Malaysia row's first cell
    assert "the table is cut off" in refused(cut)


def test_unknown_partner(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("New Zealand", "Atlantis")
    message = refused(text)
    assert "the partner “Atlantis”" in message


def test_broken_identity(gacc_dir):
    # Total exports in March 22,297.0 → 22,397.0: exports + imports no longer make the total
    text = page(gacc_dir, MAR_2026).replace("<b>22,297.0&nbsp;</b>", "<b>22,397.0&nbsp;</b>", 1)
    message = refused(text)
    assert "“Total”" in message and "≠ total" in message


def test_changed_heading(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace("<b>1- to-3</b>", "<b>Q1</b>", 1)
    assert "the column heading “Q1” is not one tradebot knows" in refused(text)


def test_heading_that_does_not_fit_the_title(gacc_dir):
    text = page(gacc_dir, MAR_2026).replace(", Mar 2026 (in CNY)", ", Apr 2026 (in CNY)")
    assert "does not fit the title's month (4)" in refused(text)


@pytest.mark.parametrize("title", ["3.2026", "1 to 3.2026", "3. 2026", "March 2026", "Jan.-Mar. 2026"])
def test_title_period_styles(gacc_dir, title):
    text = page(gacc_dir, MAR_2026).replace("Mar 2026 (in CNY)", f"{title} (in CNY)")
    rows = gacc.parse(text, name="styles.html", retrieved_at=RETRIEVED)
    assert {(r["period_start"], r["period_end"]) for r in rows} == {("2026-03", "2026-03"), ("2026-01", "2026-03")}


def test_jan_feb_title_is_read(gacc_dir):
    # The page says "January-February 2025"; the short form gives the same rows.
    text = page(gacc_dir, JAN_FEB_2025)
    assert "January-February 2025 (in CNY)" in text
    short = gacc.parse(text.replace("January-February 2025", "Jan-Feb 2025"), name="short.html", retrieved_at=RETRIEVED)
    assert short == gacc.parse(text, name="long.html", retrieved_at=RETRIEVED)


def test_published_without_a_release_date(gacc_dir):
    text = re.sub(r'<div class="atcl-date">[^<]*</div>', "", page(gacc_dir, MAR_2026))
    rows = gacc.parse(text, name="nodate.html", retrieved_at=RETRIEVED)
    assert {r["published"] for r in rows} == {"2026-04"}


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.html"
    path.write_bytes("<html><title>Café</title></html>".encode("latin-1"))
    with pytest.raises(DataFileError) as caught:
        gacc.read(path)
    assert caught.value.message.startswith("latin1.html cannot be read") and "\n" not in caught.value.message
