"""US Census country pages (tests/fixtures/census_pages, real; see PROVENANCE.md there): every month
read and checked, two fetches of the China page as two vintages, and broken copies refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradebot.answers import ask
from tradebot.errors import DataFileError
from tradebot.sources import census_pages, detect
from tradebot.sync import sync_file

from conftest import TODAY, snapshot

PAGES = Path(__file__).parent / "fixtures" / "census_pages"
CHINA = PAGES / "us-balance-5700-2026.md"
CHINA_FEBRUARY = PAGES / "us-balance-5700-2026__vintage_2026-02-17.md"


@pytest.mark.parametrize(("name", "partner"), [
    ("us-balance-4280-2026.md", "DEU"), ("us-balance-5700-2026.md", "CHN"), ("us-balance-5800-2026.md", "KOR"),
    ("us-balance-5830-2026.md", "TWN"), ("us-balance-5880-2026.md", "JPN"),
])
def test_each_page_gives_24_months_of_exports_imports_and_balance(name, partner):
    assert detect(PAGES / name).key == "census_pages"
    rows = next(census_pages.batches(PAGES / name))
    assert len(rows) == 72 and {row["partner"] for row in rows} == {partner}
    assert {row["published"] for row in rows} == {"2026-06-17"} and all("read date" in row["note"] for row in rows)


def test_values_are_the_pages_millions_in_dollars():
    rows = {(row["indicator"], row["period_start"]): row["value"] for row in next(census_pages.batches(CHINA))}
    # | 2025 | November | 6959.4 | 20641.4 | -13682.0 | Deficit |
    assert rows[("exports", "2025-11")] == 6_959_400_000
    assert rows[("imports", "2025-11")] == 20_641_400_000
    assert rows[("balance", "2025-11")] == -13_682_000_000
    assert rows[("imports", "2026-04")] == 19_789_200_000


def test_two_fetches_are_two_vintages_and_the_answer_says_revised_from(empty_store):
    first = sync_file(empty_store, CHINA_FEBRUARY)
    second = sync_file(empty_store, CHINA)
    assert first.total.added == 72 and second.total.revised == 57  # 19 months in both, each revised in all three
    answer = ask(empty_store, "/imports us partner:china period:2025-11", TODAY)
    assert answer.title.startswith("United States — imports from China, November 2025: $20.6 bn (revised from $21.0 bn")
    assert "as read 17 June 2026 (the source gives no release date)" in answer.footer


def _broken(tmp_path, old: str, new: str) -> Path:
    text = CHINA.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "page.md"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("| 8329.1 | 21057.9 | -12728.8 |", "| 8329.1 | 21057.9 | -12000.0 |", "exports 8329.1 − imports 21057.9 ≠ balance -12000.0 for 2026-01"),
        ("| -9756.1 | Deficit |", "| -9756.1 | Surplus |", "a balance of -9756.1 is called a surplus"),
        ("| 2026 | January |", "| 2026 | March |", "2026-03 appears twice"),
        ("| 2026 | April |", "| 2026 | Aprill |", "“Aprill” is not a month"),
        ("| 9395.1 |", "| 93x5.1 |", "“93x5.1” is not a number"),
        ("China (5700)", "Narnia (9999)", "the partner “Narnia” is not a country tradebot knows"),
        ("- **Fetched**: 2026-06-17T05:40:13Z", "", "does not say when it was fetched"),
        ("- **Fetched**: 2026-06-17", "- **Fetched**: 2026-03-17", "line 13: 2026-03 is not over when the page was fetched (2026-03-17)"),
        # issue 16: Decimal() read these; no statistics office writes them, and a date must be one
        ("| 9395.1 |", "| 9_395.1 |", "“9_395.1” is not a number"),
        ("| 9395.1 |", "| ９３９５.1 |", "“９３９５.1” is not a number"),
        ("| 9395.1 |", "| NaN |", "“NaN” is not a number"),
        ("- **Fetched**: 2026-06-17", "- **Fetched**: 2026-02-30", "the fetch date “2026-02-30” is not a date"),
        ("| -9756.1 | Deficit |", "| -9756.1 | Deficit | 12 |", "7 cells, but the table has 6 columns"),
    ],
)
def test_a_page_that_does_not_add_up_is_refused_whole(store, tmp_path, old, new, message):
    path = _broken(tmp_path, old, new)
    before = snapshot(store)
    with pytest.raises(DataFileError) as refused:
        sync_file(store, path)
    assert refused.value.message.startswith("page.md: ") and message in refused.value.message, refused.value.message
    assert snapshot(store) == before
