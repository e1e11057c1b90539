"""Dollars by default; yuan when only yuan figures exist or when asked — on the real GACC yuan tables."""

from __future__ import annotations

import pytest

from tradebot.answers import ask
from tradebot.sync import sync_file

from conftest import TODAY, shared_data_dir


@pytest.fixture
def with_yuan_tables(store):
    gacc = shared_data_dir("gacc")
    for name in ("release_section4_by_country_mar2026_cny.html", "release_section4_by_country_janfeb2025_cny.html"):
        sync_file(store, gacc / name)
    return store


def test_a_month_only_in_yuan_is_answered_in_yuan_and_says_so(with_yuan_tables):
    answer = ask(with_yuan_tables, "/exports china period:2026-03", TODAY)
    # the month's growth is computed from the bulletin's March 2025, in yuan, and says so
    assert answer.title == "China — exports, March 2026: CNY 2.23 tn (−1.0% y/y, computed)"
    exports = next(f for f in answer.figures if f.indicator == "exports" and str(f.period) == "2026-03")
    # the bulletin's, the later release, to the yuan; the preliminary table's CNY 22,297.0 (100 million) agrees to its rounding
    assert (exports.value, exports.unit, exports.source) == (2_229_698_760_441, "CNY", "China Customs (GACC) monthly bulletin")
    assert exports.revised_from is None
    assert "the store has no figure in US dollars for March 2026 (the latest in dollars is for Jan–Feb 2026)" in answer.text
    growths = {str(f.period): f for f in answer.figures if f.indicator == "exports_yoy"}
    assert growths["2026-03"].derived and growths["2026-03"].unit == "percent_cny"
    assert not growths["2026-01..2026-03"].derived and growths["2026-01..2026-03"].unit == "percent_cny"  # as published


def test_dollars_stay_the_default_when_they_exist(with_yuan_tables):
    answer = ask(with_yuan_tables, "/exports china partner:us period:Jan-Feb 2025", TODAY)
    assert answer.title.startswith("China — exports to United States, Jan–Feb 2025: $75.6 bn")
    assert all(f.unit in ("USD", "percent") for f in answer.figures)


def test_in_yuan_asks_for_yuan(with_yuan_tables):
    answer = ask(with_yuan_tables, "china exports to us in yuan jan-feb 2025", TODAY)
    assert answer.title.startswith("China — exports to United States, Jan–Feb 2025: CNY 543.1 bn (+3.4% y/y)")
    assert "Amounts in CNY (yuan), as asked" in answer.text
    # a yuan growth rate is never shown beside dollar amounts, nor a dollar one beside yuan
    assert {f.unit for f in answer.figures} <= {"CNY", "percent_cny"}
