"""Tests for tradebot.periods: parsing period options, finding periods in phrases, Period helpers."""

from datetime import date

import pytest

from tradebot.errors import BadPeriod
from tradebot.periods import LATEST, YTD, Month, Period, PeriodSpec, find_period, parse_period

TODAY = date(2026, 11, 29)


def fixed(start: str, end: str | None = None) -> PeriodSpec:
    return PeriodSpec("fixed", Period(Month.parse(start), Month.parse(end or start)))


# --- parse_period: keywords ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["latest", "", None])
def test_parse_latest(text):
    assert parse_period(text, TODAY) == LATEST


@pytest.mark.parametrize("text", ["ytd", "year to date"])
def test_parse_ytd(text):
    assert parse_period(text, TODAY) == YTD


# --- parse_period: fixed periods ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-11", fixed("2025-11")),
        ("Nov 2025", fixed("2025-11")),
        ("November 2025", fixed("2025-11")),
        ("nov. 2025", fixed("2025-11")),
        ("2025", fixed("2025-01", "2025-12")),
        ("Jan-Nov 2025", fixed("2025-01", "2025-11")),
        ("Jan–Nov 2025", fixed("2025-01", "2025-11")),  # en dash
        ("January-November 2025", fixed("2025-01", "2025-11")),
        ("2025-01..2025-11", fixed("2025-01", "2025-11")),
        ("Dec 2024-Feb 2025", fixed("2024-12", "2025-02")),
    ],
)
def test_parse_fixed(text, expected):
    assert parse_period(text, TODAY) == expected


def test_parse_current_month_is_not_future():
    assert parse_period("2026-11", TODAY) == fixed("2026-11")


# --- parse_period: errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025-00",
        "2027-01",  # future
        "Nov 2027",  # future
        "1900",  # before any trade statistics
        "banana",
        "Nov-Jan 2025",  # ends before it starts
    ],
)
def test_parse_rejects_with_one_line_message(text):
    with pytest.raises(BadPeriod) as info:
        parse_period(text, TODAY)
    assert info.value.code == "bad_period"
    assert info.value.message
    assert "\n" not in info.value.message


def test_parse_future_message_says_future():
    with pytest.raises(BadPeriod, match="future"):
        parse_period("2027-01", TODAY)


def test_parse_backwards_range_message_says_so():
    with pytest.raises(BadPeriod, match="ends before it starts"):
        parse_period("Nov-Jan 2025", TODAY)


def test_parse_huge_input_gives_short_message():
    with pytest.raises(BadPeriod) as info:
        parse_period("x" * 10_000, TODAY)
    assert len(info.value.message) < 200
    assert "\n" not in info.value.message


# --- find_period ---------------------------------------------------------------------------


def test_find_named_month_in_phrase():
    spec, rest = find_period("china exports to us nov 2025", TODAY)
    assert spec == fixed("2025-11")
    assert rest == "china exports to us"


def test_find_year_in_phrase():
    spec, rest = find_period("china's exports to the eu in 2024", TODAY)
    assert spec == fixed("2024-01", "2024-12")
    assert "2024" not in rest
    assert rest.startswith("china's exports to the eu")


def test_find_ytd_in_phrase():
    spec, rest = find_period("surplus china ytd", TODAY)
    assert spec == YTD
    assert rest == "surplus china"


def test_find_keeps_the_phrase_case_so_codes_in_capitals_survive():
    assert find_period("China Exports to US", TODAY) == (None, "China Exports to US")
    assert find_period("CHN exports to US nov 2025", TODAY)[1] == "CHN exports to US"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("last month", "latest"), ("this month", "2026-11"), ("last year", "2025-01..2025-12"),
        ("the first eleven months of 2025", "2025-01..2025-11"), ("first 5 months 2026", "2026-01..2026-05"),
        ("the year to november 2025", "2025-01..2025-11"), ("2001–2019", "2001-01..2019-12"), ("2024-2026", "2024-01..2026-11"),
        ("between 2010 and 2015", "2010-01..2015-12"), ("jul 26", "2026-07"), ("jan-nov 25", "2025-01..2025-11"),
        ("h1 26", "2026-01..2026-06"), ("1H 2026", "2026-01..2026-06"), ("q1 26", "2026-01..2026-03"),
        ("full yr 2025", "2025-01..2025-12"),
        ("q3 2025", "2025-07..2025-09"), ("2025 q1", "2025-01..2025-03"), ("first half of 2025", "2025-01..2025-06"),
        ("h2 2024", "2024-07..2024-12"), ("since march 2025", "2025-03..2026-11"), ("11/2025", "2025-11"),
        ("jan-nov", "2026-01..2026-11"), ("december", "2025-12"), ("exports in may", "2026-05"),
        ("so far this year", "ytd"), ("the latest", "latest"),
    ],
)
def test_find_period_forms_in_phrases(phrase, expected):
    spec, _rest = find_period(phrase, TODAY)
    assert str(spec) == expected


def test_a_bare_month_is_the_latest_one_not_after_the_reference_or_the_one_right_after_it():
    from tradebot.periods import Month

    assert str(find_period("what about october?", TODAY, reference=Month(2025, 11))[0]) == "2025-10"
    assert str(find_period("and march?", TODAY, reference=Month(2025, 11))[0]) == "2025-03"
    assert str(find_period("what about december?", TODAY, reference=Month(2025, 11))[0]) == "2025-12"
    assert str(find_period("what about january?", TODAY, reference=Month(2025, 11))[0]) == "2025-01"
    # the month after the reference only when it is over: after November 2026, December is 2025's
    assert str(find_period("what about december?", TODAY, reference=Month(2026, 11))[0]) == "2025-12"


def test_may_the_verb_is_not_a_month():
    assert find_period("may i ask about china", TODAY)[0] is None


# --- Period helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, label",
    [
        (Period.parse("2025-11"), "November 2025"),
        (Period.parse("2025-01..2025-11"), "Jan–Nov 2025"),
        (Period.year(2025), "2025"),
        (Period.parse("2024-11..2025-02"), "Nov 2024–Feb 2025"),
    ],
)
def test_label(period, label):
    assert period.label == label


@pytest.mark.parametrize(
    "period, expected",
    [
        (Period.jan_feb(2025), True),
        (Period.parse("2025-01..2025-02"), True),
        (Period.parse("2025-01"), False),
        (Period.parse("2025-01..2025-03"), False),
        (Period.parse("2025-02..2025-03"), False),
        (Period.parse("2024-12..2025-01"), False),
    ],
)
def test_is_jan_feb(period, expected):
    assert period.is_jan_feb is expected


@pytest.mark.parametrize(
    "period, months",
    [
        (Period.parse("2025-11"), 1),
        (Period.parse("2025-01..2025-11"), 11),
        (Period.year(2025), 12),
        (Period.parse("2024-12..2025-02"), 3),
    ],
)
def test_months(period, months):
    assert period.months == months


def test_shift_years_back():
    assert Period.parse("2025-01..2025-11").shift_years(-1) == Period.parse("2024-01..2024-11")


def test_shift_years_across_year_boundary():
    assert Period.parse("2024-12..2025-02").shift_years(1) == Period.parse("2025-12..2026-02")


@pytest.mark.parametrize(
    "period, text",
    [
        (Period.month(Month(2025, 11)), "2025-11"),
        (Period(Month(2025, 1), Month(2025, 11)), "2025-01..2025-11"),
    ],
)
def test_str(period, text):
    assert str(period) == text


@pytest.mark.parametrize("text", ["2025-11", "2025-01..2025-11"])
def test_str_round_trips_through_parse(text):
    assert str(Period.parse(text)) == text


@pytest.mark.parametrize(
    "month, delta, expected",
    [
        (Month(2025, 1), -1, Month(2024, 12)),
        (Month(2024, 12), 1, Month(2025, 1)),
        (Month(2025, 6), 0, Month(2025, 6)),
        (Month(2025, 11), 14, Month(2027, 1)),
        (Month(2025, 1), -13, Month(2023, 12)),
    ],
)
def test_month_plus(month, delta, expected):
    assert month.plus(delta) == expected


def test_a_two_digit_number_after_a_month_is_a_year_only_when_nothing_says_otherwise():
    assert str(find_period("jan 15 2026", TODAY)[0]) != "2015-01"  # a day before its year
    assert find_period("exports 26 bn", TODAY)[0] is None
