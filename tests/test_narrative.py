"""Alert summaries on the real seed and the real IMF recording for Nicaragua: what the
story says, that every number in it is a figure the store backs, and that "first time",
"largest since" and "record" appear only when the store can prove them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tradebot import formatting
from tradebot.errors import NoData
from tradebot.figures import Figure
from tradebot.narrative import Summary, summarize
from tradebot.periods import Period
from tradebot.store import Store
from tradebot.sync import sync_file

from conftest import shared_data_dir, stored_vintages

NOVEMBER = Period.parse("2025-11")
JAN_FEB_2026 = Period.parse("2026-01..2026-02")


def _figure(summary: Summary, indicator: str, period: str, partner: str = "WLD") -> Figure:
    matches = [f for f in summary.figures if (f.indicator, str(f.period), f.partner) == (indicator, period, partner)]
    assert len(matches) == 1, f"{partner} {indicator} {period} among {[(f.partner, f.indicator, str(f.period)) for f in summary.figures]}"
    return matches[0]




def _delete(store: Store, period: str, partner: str = "WLD", reporter: str = "CHN", indicators=("balance", "exports", "imports")) -> None:
    """Remove a period's figures (all vintages), so that nothing can back or derive them."""
    start, _, end = period.partition("..")
    marks = ", ".join("?" for _ in indicators)
    with store.conn:
        deleted = store.conn.execute(
            f"DELETE FROM figures WHERE reporter=? AND partner=? AND period_start=? AND period_end=? AND indicator IN ({marks})",
            (reporter, partner, start, end or start, *indicators),
        ).rowcount
    assert deleted, f"nothing stored for {reporter} {partner} {period}"


def _set(store: Store, indicator: str, period: str, value: float, reporter: str = "CHN") -> None:
    start, _, end = period.partition("..")
    with store.conn:
        changed = store.conn.execute(
            "UPDATE figures SET value=? WHERE reporter=? AND partner='WLD' AND indicator=? AND period_start=? AND period_end=?",
            (value, reporter, indicator, start, end or start),
        ).rowcount
    assert changed


# --- every number is a figure, every figure is stored ---

_MONEY = re.compile(r"(?:\$|CNY )\d[\d,]*(?:\.\d+)?(?: (?:tn|bn|mn))?")
_PERCENT = re.compile(r"[+−-]?\d+(?:\.\d+)?%")
_MOVE = re.compile(r"\b(rose|fell|flat at) (\d+\.\d%)")


def assert_backed(store: Store, summary: Summary) -> None:
    """Every money amount and percentage in the title and paragraphs is one of `figures` as
    `formatting` writes it (rates without their sign follow "rose"/"fell", which must agree
    with it); every figure is shown; each one not derived is stored with that value."""
    story = "\n".join([summary.title, *summary.paragraphs])
    money = {formatting.money(f.value, f.unit) for f in summary.figures if f.is_money}
    signed = {formatting.percent(f.value) for f in summary.figures if not f.is_money}
    unsigned = {rate.lstrip("+−") for rate in signed}
    tokens = _MONEY.findall(story) + _PERCENT.findall(story)
    assert tokens, story
    for token in _MONEY.findall(story):
        assert token in money, f"{token!r} is not among the figures:\n{story}"
    for token in _PERCENT.findall(story):
        assert token in (signed if token[0] in "+−-" else unsigned), f"{token!r} is not among the figures:\n{story}"
    for verb, size in _MOVE.findall(story):
        expected = {"rose": "+" + size, "fell": formatting.MINUS + size, "flat at": "0.0%"}[verb]
        assert expected in signed, f"“{verb} {size}” matches no figure's sign:\n{story}"
    for figure in summary.figures:
        shown = formatting.money(figure.value, figure.unit) if figure.is_money else formatting.percent(figure.value).lstrip("+−")
        assert shown in story, f"{figure.indicator} {figure.period} ({shown}) is listed but not shown"
        assert figure.reporter == summary.reporter and figure.unit in ("USD", "percent")
        if not figure.derived:
            assert (figure.value, figure.published, figure.source) in stored_vintages(store, figure)
    assert ("computed" in summary.footer) == any(f.derived for f in summary.figures)
    assert summary.answer().text == "\n".join([summary.title, *summary.paragraphs, summary.footer])


SEED_PERIODS = [
    ("CHN", "2025-11"), ("CHN", "2026-01..2026-02"), ("CHN", "2025-12"), ("CHN", "2025-10"), ("CHN", "2025-03"),
    ("CHN", "2025-04"), ("CHN", "2025-05"), ("CHN", "2025-07"), ("CHN", "2024-11"), ("CHN", "2024-07"), ("CHN", "2024-03"),
    ("CHN", "2023-06"), ("CHN", "2023-03"), ("CHN", "2025-01..2025-02"), ("CHN", "2025-01..2025-11"), ("CHN", "2025-01..2025-06"),
    ("CHN", "2024-01..2024-03"), ("USA", "2025-01..2025-11"),
]


@pytest.mark.parametrize(("reporter", "period"), SEED_PERIODS)
def test_every_number_in_a_summary_is_one_of_its_figures_and_each_isstored_vintages(store, reporter, period):
    summary = summarize(store, reporter, Period.parse(period))
    assert (summary.reporter, str(summary.period)) == (reporter, period)
    assert 1 <= len(summary.paragraphs) <= 4
    assert_backed(store, summary)


# --- the acceptance example: China, November 2025 ---


def test_china_november_2025_reads_like_the_wire_story(store):
    summary = summarize(store, "CHN", NOVEMBER)
    assert summary.title == "China, November 2025: trade surplus of $111.7 bn"
    balance, ytd, opening = summary.paragraphs[0], summary.paragraphs[2], summary.paragraphs[1]
    assert balance == "China posted a trade surplus of $111.7 bn in November 2025, up from $90.1 bn in October."
    assert opening.startswith("Exports rose 5.9% year on year to $330.0 bn, reversing October’s 1.1% fall.")
    assert "Imports rose 1.9% year on year to $218.6 bn" in opening
    assert ytd.startswith("From January to November, the trade surplus reached $1.08 tn, above one trillion dollars"
                          " for the first time in the figures tradebot holds (since 2023).")
    assert "November’s surplus was the largest since June 2025." in ytd
    partners = summary.paragraphs[3]
    assert partners.startswith("By partner, exports to Australia rose 35.8%")
    assert "those to the United States fell 28.6%" in partners and "the European Union rose 14.8%" in partners
    assert summary.footer == "Source: China Customs (GACC) · released December 2025"

    expected = {
        ("balance", "2025-11"): 111_680_000_000, ("exports_yoy", "2025-11"): 5.9, ("imports_yoy", "2025-11"): 1.9,
        ("exports_yoy", "2025-10"): -1.1, ("balance", "2025-01..2025-11"): 1_080_000_000_000,
    }
    for (indicator, period), value in expected.items():
        figure = _figure(summary, indicator, period)
        assert (figure.value, figure.derived, figure.source) == (value, False, "China Customs (GACC)")
    assert _figure(summary, "exports_yoy", "2025-11", partner="USA").value == -28.6
    assert_backed(store, summary)


def test_the_growth_pace_is_told_against_the_previous_period(store):
    def flows(period: str) -> str:
        return summarize(store, "CHN", Period.parse(period)).paragraphs[1]

    assert "Exports fell 1.1% year on year to $305.4 bn, reversing September’s 8.3% rise." in flows("2025-10")
    assert "Exports rose 8.3% year on year to $328.5 bn, accelerating from 4.4% in August." in flows("2025-09")
    assert "Exports rose 4.4% year on year to $321.8 bn, slowing from 7.2% in July." in flows("2025-08")
    assert "Imports fell 0.2% year on year, easing from a 4.3% fall in March." in flows("2025-04")
    assert "Imports fell 3.4% year on year, deepening from a 0.2% fall in April." in flows("2025-05")
    # the month after China's combined release follows Jan–Feb, as answers do
    assert "Exports rose 12.4% year on year to $313.9 bn, accelerating from 2.3% in January–February." in flows("2025-03")


# --- periods ---


def test_the_combined_january_february_release_is_summarised_and_says_it_covers_both_months(store):
    summary = summarize(store, "CHN", JAN_FEB_2026)
    assert summary.period == JAN_FEB_2026
    assert summary.title == "China, January–February 2026: trade surplus of $213.6 bn"
    assert "covers both months" in summary.paragraphs[0] and "January and February together" in summary.answer().text
    # a two-month balance is set against the same two months a year earlier, not against December
    assert "up from $169.2 bn a year earlier" in summary.paragraphs[0]
    assert _figure(summary, "balance", "2025-01..2025-02").value == 169_210_000_000  # the revised vintage
    assert not any(str(f.period) == "2025-12" and f.indicator == "balance" for f in summary.figures)
    # growth rates are comparable, so the pace is told against December's
    assert "Exports rose 21.8% year on year to $656.5 bn, accelerating from 6.6% in December." in summary.paragraphs[1]
    assert "exports to ASEAN rose 29.2%" in summary.answer().text and "the United States fell 11.0%" in summary.answer().text
    assert "From January to" not in summary.answer().text  # the release is itself the year to date
    assert summary.footer == "Source: China Customs (GACC) · released 10 March 2026"
    assert_backed(store, summary)


def test_january_alone_is_summarised_as_the_combined_release(store):
    # the bulletin has January 2026 on its own, in yuan: without it, January lives only inside Jan–Feb
    with store.conn:
        store.conn.execute("DELETE FROM figures WHERE period_start = '2026-01' AND unit IN ('CNY', 'percent_cny')")
    assert summarize(store, "CHN", Period.parse("2026-01")).answer().text == summarize(store, "CHN", JAN_FEB_2026).answer().text


def test_a_month_only_the_bulletin_has_is_summarised_in_yuan(store):
    summary = summarize(store, "CHN", Period.parse("2026-07"))
    assert summary.title == "China, July 2026: trade surplus of CNY 766.0 bn (computed)"
    assert "above three trillion yuan" in summary.answer().text and "dollars" not in summary.answer().text
    # every partner's exports and a year before them are in the bulletin: the partners that drove growth, in points
    assert summary.paragraphs[-1] == (
        "By partner (points of export growth, computed): ASEAN added 5.3 points, Hong Kong 3.5 and the European Union 1.7; "
        "exports to the United Arab Emirates fell 29.2% (computed), taking 0.5 points off, and those to Saudi Arabia fell "
        "10.0% (computed), taking 0.1 off.")
    assert {figure.unit for figure in summary.figures} <= {"CNY", "percent_cny", "points"}


def test_a_period_the_store_lacks_raises_no_data_in_one_line(store):
    for reporter, period in [("CHN", "2027-05"), ("CHN", "2027-01"), ("NIC", "2025-11"), ("CHN", "2010-06")]:
        with pytest.raises(NoData) as raised:
            summarize(store, reporter, Period.parse(period))
        assert "\n" not in raised.value.message and Period.parse(period).label in raised.value.message
    with pytest.raises(NoData, match="the latest is July 2026"):
        summarize(store, "CHN", Period.parse("2027-05"))


def test_without_world_totals_the_summary_is_about_the_partners(store):
    _delete(store, "2025-11", indicators=("balance", "exports", "imports", "exports_yoy", "imports_yoy"))
    summary = summarize(store, "CHN", NOVEMBER)
    assert summary.title == "China, November 2025: exports to Australia rose 35.8%"
    # the year to date is still published, so it stays; the month's own world figures are gone
    assert [p[:18] for p in summary.paragraphs] == ["From January to No", "By partner, export"]
    assert_backed(store, summary)

    _delete(store, "2025-01..2025-11", indicators=("balance", "exports", "imports"))
    summary = summarize(store, "CHN", NOVEMBER)
    assert summary.paragraphs == ["By partner, exports to Australia rose 35.8%, those to the United States fell 28.6%"
                                  " and those to the European Union rose 14.8%."]
    assert {f.partner for f in summary.figures} == {"AUS", "USA", "EU27"}
    assert "surplus" not in summary.answer().text
    assert_backed(store, summary)

    for partner in ("AUS", "USA", "EU27", "ASEAN", "JPN"):
        _delete(store, "2025-11", partner=partner, indicators=("exports", "imports", "balance", "exports_yoy"))
    with pytest.raises(NoData):
        summarize(store, "CHN", NOVEMBER)


# --- claims only when provable ---


def test_largest_since_needs_every_month_in_between(store):
    assert "the largest since June 2025" in summarize(store, "CHN", NOVEMBER).answer().text
    # August gone (its balance, and the exports and imports it could be derived from): June is out of reach
    _delete(store, "2025-08")
    summary = summarize(store, "CHN", NOVEMBER)
    assert "largest since" not in summary.answer().text and "record" not in summary.answer().text
    assert_backed(store, summary)


def test_largest_since_names_the_nearest_larger_month(store):
    _set(store, "balance", "2025-08", 115e9)
    assert "November’s surplus was the largest since August 2025." in summarize(store, "CHN", NOVEMBER).answer().text
    # a larger month only two months back is not news
    _set(store, "balance", "2025-09", 115e9)
    assert "largest since" not in summarize(store, "CHN", NOVEMBER).answer().text


def test_china_never_claims_a_monthly_record_past_its_combined_january_february(store):
    # no single January or February exists, so no month can be proved larger than all before it
    for period in ("2025-11", "2025-12", "2025-06", "2025-03", "2024-06"):
        assert "a record" not in summarize(store, "CHN", Period.parse(period)).answer().text


def test_first_time_above_needs_the_same_months_of_every_earlier_year(store):
    # Jan–Nov 2024 published, and not derivable either: September 2024 has no balance, exports or imports
    _delete(store, "2024-01..2024-11")
    _delete(store, "2024-09", indicators=("balance",))
    summary = summarize(store, "CHN", NOVEMBER)
    assert "reached $1.08 tn, above one trillion dollars." in summary.answer().text
    assert "first time" not in summary.answer().text
    assert_backed(store, summary)


def test_first_time_above_is_not_claimed_when_an_earlier_year_was_above(store):
    _set(store, "balance", "2024-01..2024-11", 1.05e12)
    summary = summarize(store, "CHN", NOVEMBER)
    assert "above one trillion dollars." in summary.answer().text and "first time" not in summary.answer().text


def test_a_summed_year_to_date_is_marked_computed(store):
    summary = summarize(store, "CHN", Period.parse("2025-05"))
    ytd = _figure(summary, "balance", "2025-01..2025-05")
    assert ytd.derived
    assert f"From January to May, the trade surplus reached {formatting.money(ytd.value)} (computed)" in summary.answer().text
    assert summary.footer.endswith("· figures marked computed are derived by tradebot")
    assert_backed(store, summary)


# --- a deficit, on the IMF's recording for Nicaragua ---


@pytest.fixture(scope="module")
def nicaragua_template(tmp_path_factory) -> Path:
    nicaragua = shared_data_dir("imf_imts") / "imf_imts_nic_g001.csv.gz"
    path = tmp_path_factory.mktemp("nicaragua") / "tradebot.db"
    store = Store(path)
    store.migrate()
    sync_file(store, nicaragua)
    store.close()
    return path


@pytest.fixture
def nicaragua(tmp_path, nicaragua_template) -> Store:
    path = tmp_path / "nicaragua.db"
    shutil.copy(nicaragua_template, path)
    store = Store(path)
    yield store
    store.close()


def test_a_deficit_month_reads_as_a_deficit(nicaragua):
    summary = summarize(nicaragua, "NIC", Period.parse("2026-04"))
    assert summary.title == "Nicaragua, April 2026: trade deficit of $274.9 mn"
    assert summary.paragraphs[0] == "Nicaragua posted a trade deficit of $274.9 mn in April 2026, narrowing from $348.4 mn in March."
    assert "surplus" not in summary.answer().text and "-$" not in summary.answer().text and "−$" not in summary.answer().text
    # the IMF publishes no growth rates: they are computed, and say so
    growth = _figure(summary, "exports_yoy", "2026-04")
    assert growth.derived and f"Exports rose {formatting.percent(growth.value)[1:]} (computed) year on year" in summary.answer().text
    assert "From January to April, the trade deficit reached $897.0 mn (computed), above half a billion dollars." in summary.answer().text
    assert summary.footer == "Source: IMF IMTS · released 5 August 2026 · figures marked computed are derived by tradebot"
    assert _figure(summary, "balance", "2026-04").value < 0
    assert_backed(nicaragua, summary)


@pytest.mark.parametrize("period", ["2026-04", "2025-10", "2023-10", "2024-12", "2022-03", "1990-02", "2026-01..2026-04"])
def test_every_number_in_a_nicaragua_summary_is_backed(nicaragua, period):
    assert_backed(nicaragua, summarize(nicaragua, "NIC", Period.parse(period)))


def test_a_record_deficit_needs_every_month_back_to_the_first(nicaragua):
    # October 2023's deficit is the widest of the 436 months the recording holds
    assert "October’s deficit was a record in the figures tradebot holds (since January 1990)." in summarize(
        nicaragua, "NIC", Period.parse("2023-10")).answer().text
    _delete(nicaragua, "1995-06", reporter="NIC")
    assert "record" not in summarize(nicaragua, "NIC", Period.parse("2023-10")).answer().text


def test_a_first_time_above_on_a_long_history(nicaragua):
    text = summarize(nicaragua, "NIC", Period.parse("2024-12")).answer().text
    assert "above five billion dollars for the first time in the figures tradebot holds (since 1990)" in text
    _delete(nicaragua, "1990-05", reporter="NIC")  # 1990's year can no longer be summed
    text = summarize(nicaragua, "NIC", Period.parse("2024-12")).answer().text
    assert "above five billion dollars." in text and "first time" not in text
