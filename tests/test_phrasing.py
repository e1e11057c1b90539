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
    ranked_or_compared = query.indicator if query.intent == "partners" else query.compared
    return query.intent, query.reporter, query.partner, str(query.period), query.measure, ranked_or_compared


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


# --- a follow-up is a change of slots (issue 14, second round of the blind split) ---


def test_one_country_in_a_follow_up_changes_the_slot_that_gives_figures_the_store_has(store):
    """After "korea exports to china", "and japan?" means Japan's exports to China (the store
    has no Korea–Japan figures); after "china exports to the us", China's exports to Japan; a
    possessive is a reporter ("and Japan's?"); two countries are a whole new pair."""
    korea = _thread(store, "korea exports to china 2009")[-1].context
    assert ask(store, "and japan", TODAY, korea).title.startswith("Japan — exports to China, 2009")
    china = _thread(store, "china exports to the us nov 2025")[-1].context
    assert ask(store, "and japan?", TODAY, china).title.startswith("China — exports to Japan, November 2025")
    deficit = _thread(store, "US trade deficit with China in 2018", "Korea's balance with China that year")[-1].context
    assert ask(store, "and Japan's?", TODAY, deficit).title.startswith("Japan — trade deficit with China, 2018")
    assert ask(store, "and japan's balance with china that year", TODAY, korea).title.startswith("Japan — trade")


def test_a_month_named_in_a_thread_steps_back_through_the_year_or_on_by_one(store):
    *_, february = _thread(store, "US exports to china jan 2026", "m/m", "what about feb")
    assert february.title.startswith("United States — exports to China, February 2026")
    *_, october = _thread(store, "china exports nov 2025", "what about october?")
    assert october.title.startswith("China — exports, October 2025")


def test_a_country_after_a_ranking_asks_for_its_figure_in_the_flow_ranked(store):
    *_, vietnam = _thread(store, "us top trading partners jan-nov 2025", "rank by deficit", "what's the gap with vietnam")
    assert vietnam.title.startswith("United States — trade deficit with Vietnam, Jan–Nov 2025")


def test_two_partners_of_one_reporter_side_by_side(store):
    answer = ask(store, "cn exports vietnam vs mexico 2025", TODAY)
    assert answer.ok and answer.title == "China — exports to Vietnam and Mexico, 2025"
    assert [line.name for line in answer.lines] == ["Vietnam", "Mexico", "Difference"]
    assert {(f.partner, str(f.period)) for f in answer.figures if not f.derived} >= {("VNM", "2025-01..2025-12"), ("MEX", "2025-01..2025-12")}
    *_, side_by_side = _thread(store, "what was china's trade balance with germany in 2025", "and with france?",
                               "can you put germany and france side by side")
    assert side_by_side.title == "China — trade balance with Germany and France, 2025"
    *_, reporters = _thread(store, "Korea's balance with China in 2018", "put the us and korea side by side")
    assert reporters.title == "United States and South Korea — trade balance with China, 2018"
    *_, currencies = _thread(store, "Korea's balance with China in 2018", "put Japan and Korea side by side")
    assert currencies.text == ("The store has no figure for South Korea’s trade balance with China in 2018 in yen to compare "
                               "with; tradebot compares figures in one currency and never converts.")


def test_the_same_stretch_last_year_and_those_months(store):
    thread = _thread(store, "china exports to the US jan-jul 2026")[-1].context
    assert _reading("same stretch last year?", thread)[3] == "2025-01..2025-07"
    assert _reading("and US share of china's total exports over those months", thread)[:5] == (
        "exports", "CHN", "USA", "2026-01..2026-07", "share")


def test_words_that_say_a_currency_or_the_continent_are_not_countries():
    assert _reading("What was China's trade balance with Japan over Jan–Nov 2025, measured in US dollars?")[:4] == (
        "balance", "CHN", "JPN", "2025-01..2025-11")
    assert parse("china dollar-denominated imports growth jan-feb 2026", TODAY).currency == "USD"
    assert _reading("china trade with europe as a continent, not just EU, 2025")[:3] == ("total_trade", "CHN", "EUROPE_CONT")
    assert _reading("when's the next china customs release")[:2] == ("calendar", "CHN")


def test_last_month_is_the_newest_month_stored_and_says_which_month_the_calendar_meant(store):
    answer = ask(store, "china surplus last month", TODAY)
    assert answer.title.startswith("China — trade surplus, July 2026")
    assert answer.notes[0] == ("Last month on the calendar is October 2026; the newest month the store has for this is "
                               "July 2026 (figures come out weeks to months after a month ends).")
    assert not any("calendar" in note for note in ask(store, "china surplus latest", TODAY).notes)


def test_a_country_without_figures_never_leaves_the_thread_stuck_on_it(store):
    """Issue 14: `china exports nov 2025` → `and japan?` answered "no figures for Japan's exports",
    and every later line stayed on Japan."""
    *_, japan, imports, october = _thread(store, "china exports nov 2025", "and japan?", "and imports?", "what about october?")
    assert japan.title.startswith("China — exports to Japan, November 2025")
    assert imports.title.startswith("China — imports from Japan, November 2025")
    assert october.title.startswith("China — imports from Japan, October 2025")


def test_comparing_the_latest_with_a_month_compares_a_month(store):
    """`/compare china other:2024-11` put China's January–February total beside November 2024."""
    assert ask(store, "/compare china other:2024-11", TODAY).title == "China — trade balance, July 2026 against November 2024"
