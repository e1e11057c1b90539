"""Tests for tradebot.formatting: how amounts, percentages and release dates read."""

import pytest

from tradebot.formatting import money, percent, release_date


@pytest.mark.parametrize(
    "value, text",
    [
        (111_680_000_000, "$111.7 bn"),
        (1_080_000_000_000, "$1.08 tn"),
        (396_900_000, "$396.9 mn"),
        (-183_900_000_000, "$183.9 bn"),  # the sign is said in words by callers
        (999_960_000_000, "$1.00 tn"),  # rounding crosses into the next scale
        (12_345, "$12,345"),
    ],
)
def test_money_usd(value, text):
    assert money(value) == text


def test_money_other_currency():
    assert money(7.73e12, "CNY") == "CNY 7.73 tn"


@pytest.mark.parametrize(
    "value, text",
    [
        (5.9, "+5.9%"),
        (-28.6, "\u221228.6%"),  # U+2212 minus sign
        (-25.17, "\u221225.2%"),
        (0, "0.0%"),
        (-0.04, "0.0%"),  # rounds to zero: no sign
    ],
)
def test_percent(value, text):
    assert percent(value) == text


def test_percent_uses_typographic_minus_not_hyphen():
    assert "-" not in percent(-28.6)


@pytest.mark.parametrize(
    "published, text",
    [("2025-12", "December 2025"), ("2026-03-10", "10 March 2026")],
)
def test_release_date(published, text):
    assert release_date(published) == text
