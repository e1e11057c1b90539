"""Phrasings people use that the parser once refused or misread (issue 14's "Seen" list and the
blind split's first misses): each must become the question it is."""

from __future__ import annotations

import pytest

from tradebot.answers import ask
from tradebot.errors import TradebotError
from tradebot.questions import parse

from conftest import TODAY


def _reading(text: str, context=None) -> tuple:
    query = parse(text, TODAY, context)
    return query.intent, query.reporter, query.partner, str(query.period), query.measure, query.other


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("china's exports in the first eleven months of 2025", ("exports", "CHN", "WLD", "2025-01..2025-11", "level", None)),
        ("china exports in the first 11 months of 2025", ("exports", "CHN", "WLD", "2025-01..2025-11", "level", None)),
        ("china exports 2025 full year", ("exports", "CHN", "WLD", "2025-01..2025-12", "level", None)),
        ("how fast did china's exports to russia grow in 2023", ("exports", "CHN", "RUS", "2023-01..2023-12", "yoy", None)),
        ("year-on-year growth of china's imports in november 2025", ("imports", "CHN", "WLD", "2025-11", "yoy", None)),
        ("us trade with mexico", ("total_trade", "USA", "MEX", "latest", "level", None)),
        ("china-brazil trade 1H 2026", ("total_trade", "CHN", "BRA", "2026-01..2026-06", "level", None)),
        ("us-china deficit apr 26", ("balance", "USA", "CHN", "2026-04", "level", None)),
        ("cn exports jul 26 yoy", ("exports", "CHN", "WLD", "2026-07", "yoy", None)),
        ("us imports from taiwan q1 26", ("imports", "USA", "TWN", "2026-01..2026-03", "level", None)),
        ("cn surpuls w/ eu full yr 2025", ("balance", "CHN", "EU27", "2025-01..2025-12", "level", None)),
        ("how much did south korea import from china between 2010 and 2015", ("imports", "KOR", "CHN", "2010-01..2015-12", "level", None)),
        ("japan's total imports from china 2001–2019, in JPY", ("imports", "JPN", "CHN", "2001-01..2019-12", "level", None)),
        ("china exports to the eu in the year to november 2025", ("exports", "CHN", "EU27", "2025-01..2025-11", "level", None)),
        ("top 10 trading partners of china in 2025", ("partners", "CHN", "WLD", "2025-01..2025-12", "level", "total_trade")),
        ("which economies did china import the most from in h1 2026", ("partners", "CHN", "WLD", "2026-01..2026-06", "level", "imports")),
        ("rank china's partners by exports in 2025", ("partners", "CHN", "WLD", "2025-01..2025-12", "level", "exports")),
        ("germany's share of chinese exports in 2025", ("exports", "CHN", "DEU", "2025-01..2025-12", "share", None)),
        ("how large was china's surplus with the us in 2024, for my essay", ("balance", "CHN", "USA", "2024-01..2024-12", "level", None)),
        ("china surplus last month", ("balance", "CHN", "WLD", "latest", "level", None)),  # the newest month the store has
    ],
)
def test_a_phrasing_means_its_question(text, reading):
    assert _reading(text) == reading


@pytest.mark.parametrize("text", [
    "china gdp 2025", "us inflation rate", "are the us tariffs on china legal", "china exports to narnia",
    "surplus china'; DROP TABLE figures;--", "china exports <script>alert(1)</script>", "china exports forecast for 2027",
    "china average monthly exports in 2025", "us real imports from china in 2024", "china exports excluding hong kong 2025",
])
def test_words_about_something_else_still_refuse_the_question(text):
    with pytest.raises(TradebotError):
        parse(text, TODAY)


def test_follow_ups_change_a_ranking_or_a_partner_and_keep_the_rest(store):
    ranking = ask(store, "/partners china period:2025", TODAY).context
    assert _reading("and by exports?", ranking) == ("partners", "CHN", "WLD", "2025-01..2025-12", "level", "exports")
    assert _reading("now ranked by balance", ranking) == ("partners", "CHN", "WLD", "2025-01..2025-12", "level", "balance")
    exports = ask(store, "china exports to vietnam may 2026", TODAY).context
    assert _reading("Malaysia?", exports) == ("exports", "CHN", "MYS", "2026-05", "level", None)
    history = ask(store, "us imports from china 2019", TODAY).context
    assert _reading("so 2019 versus 2001?", history) == ("compare", "USA", "CHN", "2019-01..2019-12", "level", "2001-01..2001-12")


def test_follow_ups_that_name_only_a_partner_or_the_threads_period_keep_the_thread(store):
    us_japan = ask(store, "us exports to germany in 2025", TODAY).context
    assert _reading("imports from japan", us_japan) == ("imports", "USA", "JPN", "2025-01..2025-12", "level", None)
    assert _reading("what about the year before?", us_japan) == ("exports", "USA", "DEU", "2024-01..2024-12", "level", None)
    assert _reading("how much did china import from south korea that year", us_japan) == (
        "imports", "CHN", "KOR", "2025-01..2025-12", "level", None)
    assert _reading("top partners same period", us_japan) == ("partners", "USA", "WLD", "2025-01..2025-12", "level", "total_trade")
    ranking = ask(store, "/partners china period:2026-06", TODAY).context
    assert _reading("imports from australia same period", ranking) == ("imports", "CHN", "AUS", "2026-06", "level", None)
    africa = ask(store, "china exports to africa", TODAY).context
    assert _reading("is that up from a year ago?", africa)[4] == "yoy"


def _thread(store, *lines):
    context, answers = None, []
    for line in lines:
        answer = ask(store, line, TODAY, context)
        context = answer.context
        answers.append(answer)
    return answers


def test_compared_with_last_year_compares_the_flow_asked_and_a_new_month_keeps_the_comparison(store):
    _, compared, october = _thread(store, "china exports nov 2025", "compared with last year?", "what about october?")
    assert compared.title == "China — exports, November 2025 against November 2024"
    assert october.title == "China — exports, October 2025 against October 2024"


def test_comparing_two_countries_falls_back_to_the_newest_period_both_have(store):
    answer = ask(store, "/compare china other:us", TODAY)
    assert answer.ok and answer.title == "China and United States — trade balance, Jan–Nov 2025"


def test_a_comparison_without_the_figure_says_which_period_is_missing_not_that_there_is_nothing(store):
    *_, compared = _thread(store, "china imports nov 2025", "and the us?", "compared with last year?")
    assert compared.text == "No figure for United States’ imports in November 2025 to compare; the latest is Jan–Nov 2025."


def test_since_a_month_runs_to_the_newest_month_the_store_has_and_says_so(store):
    answer = ask(store, "china exports since march 2025", TODAY)
    assert answer.ok and str(answer.query.period) == "2025-03..2026-07"
    assert "You asked for Mar 2025–Nov 2026; the store's figures end in July 2026, so this is Mar 2025–Jul 2026." in answer.notes


def test_a_published_growth_rate_alone_is_an_answer_that_says_the_amount_is_missing(store):
    answer = ask(store, "china exports to the eu nov 2025 in dollars", TODAY)
    assert answer.title == "China — exports to European Union, November 2025: +14.8% y/y (measured in US dollars)"
    assert answer.lines[0].value == "the source published only the growth rate; the store has no amount for it"
    [growth] = answer.figures
    assert (growth.indicator, growth.value, growth.unit, growth.derived) == ("exports_yoy", 14.8, "percent", False)


@pytest.mark.parametrize(("text", "said"), [
    ("did china's trade surplus top $1 trillion in 2025?", "yes"),
    ("did china's surplus pass 1.2 trillion dollars in 2025", "no"),
    ("did china's exports to germany exceed $100bn in 2025", "cannot tell: the figure is in yuan"),
])
def test_did_it_top_an_amount_answers_with_the_figure_and_whether_it_did(store, text, said):
    answer = ask(store, text, TODAY)
    assert answer.ok and str(answer.query.period) == "2025-01..2025-12"
    assert next(line.value for line in answer.lines if line.name == "Above the amount asked").startswith(said)
    assert "$1 trillion" not in answer.text and "1.2" not in answer.text  # the amount asked is not shown as a figure
