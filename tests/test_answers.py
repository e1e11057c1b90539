"""Answers on the real seed: selection rules, derivations, periods, aliases, bad input.

Every expected number below is a published figure in data/seed/published_figures.csv
(or derived from two of them, as the test shows)."""

from __future__ import annotations

import re

import pytest

from tradebot import formatting, intents
from tradebot.answers import Line, answer, ask
from tradebot.figures import Figure
from tradebot.questions import parse
from tradebot.store import Store

from conftest import PROJECT_DIR, TODAY, snapshot, stored_vintages


def _ask(store: Store, text: str):
    return ask(store, text, TODAY)


def _figure(answer, indicator: str, period: str) -> Figure:
    matches = [f for f in answer.figures if f.indicator == indicator and str(f.period) == period]
    assert matches, f"{indicator} {period} not among {[(f.indicator, str(f.period)) for f in answer.figures]}"
    return matches[-1]  # the newest vintage comes after the first release it revises




# --- the headline example ---


def test_surplus_china_november_2025_is_the_published_figure_with_its_flows(store):
    answer = _ask(store, "/surplus china period:2025-11")
    assert answer.ok
    assert answer.query.as_json() == {"intent": "balance", "reporter": "CHN", "partner": "WLD", "period": "2025-11"}
    assert answer.title.startswith("China — trade surplus, November 2025: $111.7 bn")
    balance = _figure(answer, "balance", "2025-11")
    assert (balance.value, balance.unit, balance.source, balance.published, balance.derived) == (
        111_680_000_000, "USD", "China Customs (GACC)", "2025-12", False)
    expected = {"exports": 330e9, "exports_yoy": 5.9, "imports": 218.6e9, "imports_yoy": 1.9}
    for indicator, value in expected.items():
        figure = _figure(answer, indicator, "2025-11")
        assert (figure.value, figure.derived) == (value, False)
    assert "Exports: $330.0 bn (+5.9% y/y)" in answer.text
    assert "Imports: $218.6 bn (+1.9% y/y)" in answer.text
    assert "Year to date, Jan–Nov 2025: surplus $1.08 tn" in answer.text
    assert "Previous month, October 2025: surplus $90.1 bn" in answer.text
    assert answer.footer.startswith("Source: China Customs (GACC) · released December 2025")
    assert answer.tone == "surplus"


# --- every number shown is backed by the store ---

MANY_QUESTIONS = [
    "surplus china", "exports china", "imports china", "/surplus china period:2025-11",
    "/surplus china partner:us", "/exports china partner:us period:2025-11", "/exports china partner:asean period:Jan-Nov 2025",
    "/surplus china partner:eu", "/imports china partner:japan", "/surplus china partner:brazil",
    "/imports china period:2025-02", "/surplus china period:2025-01..2025-02", "/surplus china period:2024",
    "/surplus china period:2023", "/exports china period:ytd", "/surplus china period:2025-05",
    "/exports china period:2025-06", "/exports china period:2025-03", "/surplus china period:2023-03",
    "/exports china period:2024-12", "/exports china period:2025-07", "/surplus china period:Jan-Nov 2025", "/surplus china period:2025-01..2025-11",
    "us deficit with china", "/imports usa partner:mexico", "/surplus usa", "/exports usa partner:vietnam",
    "china exports to us nov 2025", "chinas imports from korea", "/surplus china period:October 2025",
    "/exports china partner:russia", "/surplus china partner:hong kong", "/surplus china partner:taiwan",
]
_MONEY = re.compile(r"(?:\$|CNY )\d[\d,]*(?:\.\d+)?(?: (?:tn|bn|mn))?")
_PERCENT = re.compile(r"[+−]?\d+(?:\.\d+)?%")


@pytest.mark.parametrize("question", MANY_QUESTIONS)
def test_every_number_in_the_text_is_one_of_the_figures_and_each_isstored_vintages(store, question):
    answer = _ask(store, question)
    assert answer.ok, answer.text
    shown = {formatting.money(f.value, f.unit) for f in answer.figures if f.is_money}
    shown |= {formatting.percent(f.value) for f in answer.figures if not f.is_money}
    tokens = _MONEY.findall(answer.text) + _PERCENT.findall(answer.text)
    assert tokens
    for token in tokens:
        assert token in shown, f"{token!r} in the text is not among the figures"
    for figure in answer.figures:
        if not figure.derived:
            assert (figure.value, figure.published, figure.source) in stored_vintages(store, figure)


# --- selection rules ---


def test_the_newest_vintage_is_shown_and_the_first_release_stays_visible(store):
    answer = _ask(store, "/surplus china period:2025-01..2025-02")
    assert answer.title.startswith("China — trade surplus, Jan–Feb 2025: $169.2 bn (revised from $170.5 bn")
    revised, first = [f for f in answer.figures if f.indicator == "balance" and str(f.period) == "2025-01..2025-02"][::-1]
    assert (revised.value, revised.published) == (169_210_000_000, "2026-03-10")
    assert (first.value, first.published) == (170_520_000_000, "2025-03")


def test_a_published_growth_rate_is_used_as_published(store):
    growth = _figure(_ask(store, "/exports china period:2025-10"), "exports_yoy", "2025-10")
    assert (growth.value, growth.derived) == (-1.1, False)


def test_a_missing_growth_rate_is_computed_from_two_stored_values_and_marked(store):
    answer = _ask(store, "/surplus china period:2025-11")
    growth = _figure(answer, "balance_yoy", "2025-11")
    base = store.conn.execute(
        "SELECT value FROM figures WHERE reporter='CHN' AND partner='WLD' AND indicator='balance'"
        " AND period_start='2024-11' AND period_end='2024-11' ORDER BY published DESC LIMIT 1").fetchone()[0]
    assert growth.derived
    assert growth.value == round((111_680_000_000 / base - 1) * 100, 1)
    assert f"({formatting.percent(growth.value)} y/y, computed)" in answer.title
    assert "some growth rates computed" in answer.footer


def test_year_to_date_uses_the_published_cumulative_figure(store):
    ytd = _figure(_ask(store, "/surplus china period:2025-11"), "balance", "2025-01..2025-11")
    assert (ytd.value, ytd.derived) == (1_080_000_000_000, False)


def test_year_to_date_without_a_cumulative_figure_is_the_sum_of_its_months_marked_computed(store):
    answer = _ask(store, "/surplus china period:2025-05")
    ytd = _figure(answer, "balance", "2025-01..2025-05")
    parts = store.conn.execute(
        "SELECT period_start, period_end, value FROM figures WHERE reporter='CHN' AND partner='WLD' AND indicator='balance'"
        " AND ((period_start='2025-01' AND period_end='2025-02') OR (period_start=period_end AND period_end BETWEEN '2025-03' AND '2025-05'))"
        " AND published = (SELECT max(published) FROM figures f2 WHERE f2.reporter='CHN' AND f2.partner='WLD'"
        "   AND f2.indicator='balance' AND f2.period_start=figures.period_start AND f2.period_end=figures.period_end)"
    ).fetchall()
    assert len(parts) == 4  # Jan–Feb combined, March, April, May
    assert ytd.derived and ytd.value == pytest.approx(sum(p["value"] for p in parts))
    assert f"Year to date, Jan–May 2025: surplus {formatting.money(ytd.value)} (computed" in answer.text


def test_year_to_date_that_cannot_be_summed_says_which_months_are_missing(store):
    answer = _ask(store, "/imports china period:2025-08")
    # Jan–Jun is published as one figure and August as a month; July imports were never reported
    assert "Year to date, Jan–Aug 2025: not in the store (no figure for July 2025)" in answer.text


def test_year_to_date_joins_a_published_cumulative_run_and_the_months_after_it(store):
    answer = _ask(store, "/exports china period:2025-07")
    ytd = _figure(answer, "exports", "2025-01..2025-07")
    h1 = stored_vintages(store, _figure(_ask(store, "/exports china period:2025-06"), "exports", "2025-01..2025-06"))[0][0]
    july = _figure(answer, "exports", "2025-07").value
    assert ytd.derived and ytd.value == pytest.approx(h1 + july)


def test_a_balance_that_is_not_published_is_exports_minus_imports_marked_computed(store):
    answer = _ask(store, "/surplus china partner:brazil period:Jan-Nov 2025")
    balance = _figure(answer, "balance", "2025-01..2025-11")
    assert balance.derived and balance.value == 65_415_000_000 - 105_394_900_000
    assert answer.title.startswith("China — trade deficit with Brazil, Jan–Nov 2025: $40.0 bn (computed)")
    assert answer.tone == "deficit"
    assert "“computed” marks a figure" in answer.text


def test_a_deficit_reads_as_a_deficit(store):
    answer = _ask(store, "/surplus usa")
    assert answer.title.startswith("United States — trade deficit, Jan–Nov 2025: $1.13 tn")
    assert _figure(answer, "balance", "2025-01..2025-11").value < 0
    assert "−" not in answer.title and "-$" not in answer.title


@pytest.mark.parametrize("month", ["2025-01", "2025-02", "Feb 2025", "January 2025"])
def test_january_or_february_for_china_answers_with_the_combined_figure_and_says_so(store, month):
    answer = _ask(store, f"/imports china period:{month}")
    assert str(answer.query.period) == "2025-01..2025-02"
    assert (_figure(answer, "imports", "2025-01..2025-02").value, answer.query.period.period.months) == (369_430_000_000, 2)
    assert "publishes January and February together" in answer.text


def test_the_month_after_the_combined_release_compares_with_jan_feb(store):
    answer = _ask(store, "/exports china period:2025-03")
    assert "Previous month, Jan–Feb 2025: $539.9 bn" in answer.text


def test_latest_is_the_newest_end_month_with_the_figure(store):
    # the newest month is the bulletin's, in yuan; the answer says where the newest dollar figure is
    latest = _ask(store, "surplus china")
    assert str(latest.query.period) == "2026-07" and latest.title.startswith("China — trade surplus, July 2026: CNY 766.0 bn")
    assert "the latest in US dollars is for Jan–Feb 2026 (add “in dollars”)" in latest.text
    assert str(_ask(store, "surplus china in dollars").query.period) == "2026-01..2026-02"
    # the newest US-partner month in dollars has exports only; the newest balance exports − imports can back is Jan–Nov
    assert str(_ask(store, "china surplus with the us in dollars").query.period) == "2025-01..2025-11"
    assert str(_ask(store, "/surplus china partner:us").query.period) == "2026-07"


def test_latest_prefers_the_month_to_the_cumulative_figure_ending_with_it(store):
    with store.conn:
        store.conn.execute("DELETE FROM figures WHERE period_end > '2025-11'")
    answer = _ask(store, "surplus china")
    assert str(answer.query.period) == "2025-11"
    assert "Year to date, Jan–Nov 2025: surplus $1.08 tn" in answer.text


def test_the_reporters_own_source_comes_before_the_imf(store):
    imf = {
        "reporter": "CHN", "partner": "WLD", "indicator": "balance", "period_start": "2025-11", "period_end": "2025-11",
        "value": 110_000_000_000.0, "unit": "USD", "source": "IMF IMTS", "published": "2026-08",
        "retrieved_at": "2026-11-29T00:00:00+00:00", "source_url": "", "note": "",
    }
    store.add_figures([imf, {**imf, "reporter": "NIC", "value": -337_900_000.0}])
    china = _figure(_ask(store, "/surplus china period:2025-11"), "balance", "2025-11")
    assert (china.value, china.source) == (111_680_000_000, "China Customs (GACC)")
    nicaragua = _ask(store, "/surplus nicaragua")
    assert nicaragua.title == "Nicaragua — trade deficit, November 2025: $337.9 mn"
    assert "Source: IMF IMTS" in nicaragua.footer


# --- periods and countries as typed ---


@pytest.mark.parametrize(
    ("period", "resolved"),
    [
        ("latest", "2026-07"), ("2025-11", "2025-11"), ("Nov 2025", "2025-11"), ("November 2025", "2025-11"),
        ("2025", "2025-01..2025-12"), ("ytd", "2026-01..2026-07"), ("Jan-Nov 2025", "2025-01..2025-11"),
        ("2025-01..2025-11", "2025-01..2025-11"),
    ],
)
def test_period_forms(store, period, resolved):
    answer = _ask(store, f"/surplus china period:{period}")
    assert answer.ok, answer.text
    assert str(answer.query.period) == resolved


@pytest.mark.parametrize("partner", ["us", "USA", "America", "united states", "United States of America"])
def test_partner_aliases(store, partner):
    answer = _ask(store, f"/exports china partner:{partner} period:2025-11")
    assert answer.query.partner == "USA"
    assert _figure(answer, "exports", "2025-11").value == 33_800_000_000


def test_the_partner_table_answers_exports_to_asean(store):
    answer = _ask(store, "/exports china partner:asean period:Jan-Nov 2025")
    assert answer.title.startswith("China — exports to ASEAN, Jan–Nov 2025: $599.0 bn (+14.6% y/y)")
    assert _figure(answer, "exports", "2025-01..2025-11").value == 599_033_500_000


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("surplus china", ("balance", "CHN", "WLD", "latest")),
        ("china exports to us nov 2025", ("exports", "CHN", "USA", "2025-11")),
        ("us deficit with china", ("balance", "USA", "CHN", "latest")),
        ("exports to the us from china", ("exports", "CHN", "USA", "latest")),
        ("Surplus CHINA", ("balance", "CHN", "WLD", "latest")),
        ("surplus chnia", ("balance", "CHN", "WLD", "latest")),
    ],
)
def test_short_phrases(store, text, query):
    parsed = parse(text, TODAY)
    assert (parsed.intent, parsed.reporter, parsed.partner, str(parsed.period)) == query


# --- missing data and bad input ---


def test_a_period_without_data_says_so_and_names_the_latest(store):
    answer = _ask(store, "/exports china period:2019-05")
    assert (answer.error.code, answer.text) == ("no_data", "No figure for China’s exports in May 2019; the latest is July 2026.")
    assert answer.figures == []


def test_a_reporter_without_data_names_the_reporters_that_have_some(store):
    answer = _ask(store, "surplus brazil")
    assert answer.error.code == "no_data"
    assert answer.text == "The store has no figures reported by Brazil; it has figures from China, Japan, South Korea, United States."


BAD_INPUT = [
    ("", "not_understood"),
    ("   ", "not_understood"),
    ("x" * 10_000, "not_understood"),
    ("surplus " + "china " * 2000, "not_understood"),
    ("/surplus xyzzy", "unknown_country"),
    ("/surplus china partner:narnia", "unknown_country"),
    ("surplus chine", "unknown_country"),
    ("/surplus china period:2025-13", "bad_period"),
    ("/surplus china period:2027-01", "bad_period"),
    ("/surplus china period:soon", "bad_period"),
    ("/surplus", "not_understood"),
    ("/surplus china colour:red", "not_understood"),
    ("/launch rockets", "not_understood"),
    ("surplus china'; DROP TABLE figures;--", "not_understood"),
    ("/surplus china' OR 1=1 --", "unknown_country"),
    ("SELECT * FROM figures", "not_understood"),
    ("**surplus** `china` ||spoiler|| @everyone", "not_understood"),
    ("/surplus <@123456789> partner:@here", "unknown_country"),
    ("what is the meaning of life", "not_understood"),
    ("\x00\x1b[31m surplus", "not_understood"),
]


@pytest.mark.parametrize(("text", "code"), BAD_INPUT)
def test_bad_input_gets_one_sentence_with_a_code_and_changes_nothing(store, text, code):
    before = snapshot(store)
    answer = _ask(store, text)
    assert answer.error is not None and answer.error.code == code, answer.text
    assert "\n" not in answer.text and len(answer.text) < 300
    assert "Traceback" not in answer.text
    assert "@everyone" not in answer.text and "@here" not in answer.text and "<@1" not in answer.text
    assert answer.as_json()["figures"] == []
    assert snapshot(store) == before


def test_unknown_country_suggests_close_names(store):
    answer = _ask(store, "/surplus china partner:jermoney")
    assert answer.error.code == "unknown_country"
    assert "Germany" in answer.error.suggestions and answer.text.startswith("I don't know a country called “jermoney”; did you mean")


def test_no_data_for_a_reporter_names_a_few_of_the_stored_ones_not_dozens(store):
    rows = [{"reporter": code, "partner": "WLD", "indicator": "exports", "period_start": "2025-11", "period_end": "2025-11",
             "value": 1e9, "unit": "USD", "source": "IMF IMTS", "published": "2026-01-05", "retrieved_at": "2026-11-29",
             "source_url": "", "note": ""} for code in ("DEU", "FRA", "JPN", "KOR", "IND", "MEX")]
    store.add_figures(rows)
    message = ask(store, "surplus brazil", TODAY).text
    assert message.startswith("The store has no figures reported by Brazil; it has figures from ")
    assert message.endswith(" and 3 more (/calendar lists them).") and len(message) < 200


def test_every_intent_in_the_table_is_answered_by_its_handler_and_listed_in_help(store):
    """The intent table is the one list of what can be asked: each intent has exactly the handler
    its answer module registered, a slash command maps to its intent, and help lists each line."""
    assert set(intents._HANDLERS) == set(intents.TABLE)
    assert {name: intent.name for name, intent in intents.COMMANDS.items()} == {
        "surplus": "balance", "exports": "exports", "imports": "imports", "partners": "partners", "compare": "compare",
        "calendar": "calendar", "about": "about", "chart": "chart", "tariffs": "tariffs", "drivers": "drivers"}
    shown = ask(store, "help", TODAY)
    assert all(Line(*intent.help) in shown.lines for intent in intents.TABLE.values() if intent.help)
    charted = answer(store, parse("chart china exports", TODAY), TODAY)
    assert charted.ok and charted.chart is not None and charted.figures == charted.chart.figures
    with pytest.raises(KeyError):
        intents.answers_for("gdp")(lambda store, query, today: None)


def test_a_release_window_that_has_passed_is_said_to_be_overdue_not_usual(store):
    """Issue 15: `is december out yet?` said the US release is "usually 1–10 February 2026", a
    date long gone on 29 November 2026."""
    answer = ask(store, "is us december out yet", TODAY)
    assert answer.lines[0].value == ("not in the store yet: the newest is Jan–Nov 2025; December 2025 was due "
                                     "1–10 February 2026 and is not in the store yet")
    assert "usually" not in answer.text


def test_a_ranking_without_growth_rates_does_not_say_some_were_computed(store):
    """Issue 15: `/partners us` said "some growth rates computed" beside shares and no growth rate."""
    ranking = ask(store, "/partners us", TODAY)
    assert ranking.footer == "Source: US Census Bureau · released 29 January 2026"
    assert "y/y" not in ranking.text


def test_the_mirror_note_names_each_sides_own_valuation(store):
    """Issue 15: the note said imports are valued CIF beside US Census imports labelled, rightly,
    at customs value."""
    shown = ask(store, "china exports to us nov 2025", TODAY)
    mirror = next(line for line in shown.lines if line.name.startswith("United States’ own figure"))
    assert "customs value, US Census Bureau" in mirror.name
    [note] = [note for note in shown.notes if note.startswith("Mirror figures differ")]
    assert note.startswith("Mirror figures differ: China Customs (GACC) values exports free on board (FOB) and "
                           "US Census Bureau values imports at customs value, without freight and insurance; ")
    assert "CIF" not in note


def test_a_footer_over_two_sources_gives_each_its_own_release(store):
    """Issue 15: the footer said "released December 2025" (China's) for the US Census figure too."""
    shown = ask(store, "china exports to us nov 2025", TODAY)
    census = max((figure for figure in shown.figures if figure.source == "US Census Bureau"), key=lambda figure: figure.published)
    assert shown.footer.startswith("Source: China Customs (GACC), released December 2025; US Census Bureau, ")
    assert formatting.released(census.published, census.note) in shown.footer


def test_each_wording_concept_is_defined_once():
    """Flow names, partner phrases, possessives, surplus-or-deficit, footers and colours live in
    tradebot/wording.py; a second definition elsewhere is how the seams of issue 15 began."""
    definitions = {
        "flow names": r"^\s*\w*FLOW_(?:NAMES|WORDS)\s*=|^\s*LEGEND_NAMES\s*=",
        "partner words": r"def _?partner_words\(",
        "possessive": r"def _?possessive\(",
        "country name": r"def _?(?:country_)?name\(code",
        "surplus or deficit": r"\"deficit\" if [\w.]+ < 0|'deficit' if [\w.]+ < 0",
        "source footer": r"f\"Source: \{",
        "tone colours": r"\"surplus\": (?:\"#|discord\.Colour\.from_rgb)",
        "not reporting": r"no figures reported by",
    }
    code = {path: path.read_text(encoding="utf-8") for folder in ("tradebot", "cogs")
            for path in (PROJECT_DIR / folder).rglob("*.py")}
    for concept, pattern in definitions.items():
        where = [path.relative_to(PROJECT_DIR).as_posix() for path, text in code.items()
                 if re.search(pattern, text, flags=re.MULTILINE)]
        assert where == ["tradebot/wording.py"], (concept, where)


def test_cogs_reach_the_core_only_through_answers_alerts_charts_and_wording():
    """The Discord layer is thin: a cog asks `answers` (and `alerts`, `charts`' constants, the
    wording); parsing, periods, the store and delivery are the core's. cogs/utils/client.py is
    where the process is put together, so it is the one exception."""
    allowed = {"answers", "alerts", "charts", "wording", "errors", "countries", "conversations", "query", "export", "delivery",
               "products"}
    for path in (PROJECT_DIR / "cogs").rglob("*.py"):
        if path.name == "client.py":
            continue
        text = path.read_text(encoding="utf-8")
        used = set(re.findall(r"^\s*from tradebot\.(\w+)", text, flags=re.MULTILINE))
        used |= {name.strip() for names in re.findall(r"^\s*from tradebot import ([\w, ]+)", text, flags=re.MULTILINE)
                 for name in names.split(",")}
        assert used <= allowed, (path.name, used - allowed)
