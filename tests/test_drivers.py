"""What drove a change (issue 20): contributions to growth by partner, by continent and, for US
imports, by HS chapter — checked against a computation from the raw China Customs bulletin, in
answers, questions, threads, /drivers and the alert summary."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from test_ask import EPHEMERAL, context_of, play, thread_with_follow_ups, title

from tradebot import countries
from tradebot.answers import answer, ask
from tradebot.config import SEED_DIR
from tradebot.contributions import of_partners
from tradebot.errors import NoData, NotAvailable, NotUnderstood, UnknownCountry
from tradebot.narrative import summarize
from tradebot.partner_tables import BLOCS, CONTINENTS, MEMBERS, partner_table
from tradebot.periods import YTD, Month, Period, PeriodSpec
from tradebot.query import Query
from tradebot.questions import parse
from tradebot.wording import partner_name

from conftest import TODAY

BULLETIN = SEED_DIR / "china_customs_by_country_cny10k_2024-01_2026-07.csv"
FLOWS = {"exports": "ex", "imports": "im", "total_trade": "tt"}
# three months of the bulletin that have a year before them, drawn once with a fixed seed
MONTHS = sorted(random.Random(20).sample([str(Month(2025, 1).plus(n)) for n in range(19)], 3))


def fixed(text: str) -> PeriodSpec:
    return PeriodSpec("fixed", Period.parse(text))


# --- the raw file, read without tradebot's importer ---


@pytest.fixture(scope="module")
def bulletin() -> pd.DataFrame:
    """The bulletin's rows: month, name (Chinese), values in CNY 10,000 (`level` and `parent` only from 2026-04)."""
    return pd.read_csv(BULLETIN, dtype={"month": str})


def raw_contributions(bulletin: pd.DataFrame, month: str, flow: str, grouping: str) -> tuple[dict[str, float], float]:
    """Each part's change on a year earlier ÷ the world a year earlier × 100, from the file alone:
    countries with the EU and ASEAN as blocs (their members inside them), or the continents.
    Returns the parts (by code) and the world's growth in percent."""
    column = f"{FLOWS[flow]}_month"
    earlier_month = str(Month.parse(month).plus(-12))
    now = bulletin[bulletin.month == month].set_index("name")[column]
    before = bulletin[bulletin.month == earlier_month].set_index("name")[column]
    world_now, world_before = now["总值"], before["总值"]
    codes = {name: countries.by_chinese_name(name) for name in now.index}
    if grouping == CONTINENTS:
        names = [name for name in now.index if codes[name] is not None and codes[name].code in countries.CONTINENTS]
    else:
        inside = countries.GROUP_MEMBERS["EU27"] | countries.GROUP_MEMBERS["ASEAN"]
        # a country is a line that is not the world, a continent, a grouping or a remainder
        names = [name for name in now.index if (codes[name] is not None and not codes[name].is_group
                                                and codes[name].code not in inside) or name in ("欧洲联盟", "东南亚国家联盟")]
    parts = {codes[name].code: (now[name] - before[name]) / world_before * 100
             for name in names if name in before.index and pd.notna(now[name]) and pd.notna(before[name])}
    return parts, (world_now / world_before - 1) * 100


# --- the arithmetic, on three months of the real bulletin ---


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("flow", ["exports", "imports"])
def test_contributions_add_up_to_the_growth_and_match_the_raw_bulletin(store, bulletin, month, flow):
    table = partner_table(store, "CHN", flow, ["CNY"], Period.parse(month), year_earlier=True)
    split = of_partners(table, BLOCS)
    # the parts and everyone else add up to the total's growth exactly (the rest is what the parts leave)
    assert sum(part.amount.value for part in split.parts) + split.others.value == pytest.approx(split.growth.value, abs=1e-3)
    raw, raw_growth = raw_contributions(bulletin, month, flow, BLOCS)
    assert split.growth.value == pytest.approx(raw_growth, abs=1e-3)
    # what the file lists outside countries and the two blocs (country unknown, Antarctica) is tiny
    assert abs(sum(raw.values()) - raw_growth) < 0.05
    assert abs(split.others.value) < 0.05

    shown = answer(store, Query("drivers", "CHN", indicator=flow, period=fixed(month)), TODAY)
    assert shown.ok, shown.text
    raw_up = sorted((code for code, points in raw.items() if points >= 0.05), key=lambda code: -raw[code])[:5]
    raw_down = sorted((code for code, points in raw.items() if points <= -0.05), key=lambda code: raw[code])[:5]
    names = [line.name for line in shown.lines]
    # China Customs lists China itself (goods that leave and come back), and the answer says so
    assert names[: len(raw_up) + len(raw_down)] == [partner_name(code, "CHN") for code in raw_up + raw_down]
    for code in raw_up + raw_down:
        [line] = [line for line in shown.lines if line.name == partner_name(code, "CHN")]
        assert line.value.startswith(f"{raw[code]:+.1f} points (computed)".replace("-", "−"))
    assert f"{raw_growth:+.1f}% y/y (computed)".replace("-", "−") in shown.title


def test_by_region_the_continents_add_up_and_match_the_raw_bulletin(store, bulletin):
    month = MONTHS[0]
    split = of_partners(partner_table(store, "CHN", "exports", ["CNY"], Period.parse(month), year_earlier=True), CONTINENTS)
    raw, raw_growth = raw_contributions(bulletin, month, "exports", CONTINENTS)
    assert {part.key: part.amount.value for part in split.parts} == pytest.approx(raw, abs=1e-3)
    assert set(raw) == set(countries.CONTINENTS)
    assert sum(raw.values()) == pytest.approx(raw_growth, abs=0.05)  # country unknown is the rest

    shown = answer(store, Query("drivers", "CHN", indicator="exports", period=fixed(month), by="region"), TODAY)
    assert "By continent" in shown.text and "European Union" not in shown.text


def test_the_balance_is_split_into_each_partners_change_in_money(store):
    table = partner_table(store, "CHN", "balance", ["CNY"], Period.parse("2025-11"), year_earlier=True)
    split = of_partners(table, BLOCS)
    change = split.total.value - split.total_earlier.value
    assert split.growth.value == pytest.approx(change) and split.growth.unit == "CNY"
    assert sum(part.amount.value for part in split.parts) + split.others.value == pytest.approx(change)
    shown = answer(store, Query("drivers", "CHN", indicator="balance", period=fixed("2025-11")), TODAY)
    assert shown.title.startswith("China — what moved the trade balance, November 2025: surplus CNY 792.6 bn (computed)")
    assert "United States: −CNY 79.7 bn (computed)" in shown.text


def test_a_year_to_date_uses_the_published_year_to_date_values(store, bulletin):
    shown = answer(store, Query("drivers", "CHN", indicator="imports", period=YTD), TODAY)
    assert shown.query.period == fixed("2026-01..2026-07")
    july = bulletin[(bulletin.month == "2026-07") & (bulletin.name == "总值")].iloc[0]
    [total] = [f for f in shown.figures if f.indicator == "imports" and f.partner == "WLD" and str(f.period) == "2026-01..2026-07"]
    assert total.value == pytest.approx(july.im_ytd * 10_000) and not total.derived
    # China Customs' own year-to-date rate differs from its levels' by a rounding: said, not allocated
    assert f"publishes {july.im_yoy:+.1f}% for the total" in shown.text


def test_every_figure_shown_is_in_the_answer_and_computed_ones_say_so(store):
    shown = answer(store, Query("drivers", "CHN", indicator="exports", period=fixed("2026-03")), TODAY)
    contributions = [f for f in shown.figures if f.indicator.startswith("exports_contribution")]
    assert all(f.derived and f.unit == "points" for f in contributions)
    assert sum("points (computed)" in line.value for line in shown.lines) == len(contributions)
    assert shown.chart is None  # a question is answered in words; /drivers draws


def test_a_quarter_is_summed_from_its_months(store, bulletin):
    shown = answer(store, Query("drivers", "CHN", indicator="exports", period=fixed("2025-07..2025-09")), TODAY)
    assert shown.ok, shown.text
    rows = bulletin[(bulletin.name == "总值") & bulletin.month.isin(["2025-07", "2025-08", "2025-09"])]
    earlier = bulletin[(bulletin.name == "总值") & bulletin.month.isin(["2024-07", "2024-08", "2024-09"])]
    growth = (rows.ex_month.sum() / earlier.ex_month.sum() - 1) * 100
    assert f"{growth:+.1f}% y/y (computed)" in shown.title
    # a ranking of the same quarter reads the same summed months (it said "no partner figures" before)
    ranking = answer(store, Query("partners", "CHN", period=fixed("2025-07..2025-09"), indicator="exports"), TODAY)
    [world] = [f for f in ranking.figures if f.partner == "WLD" and f.indicator == "exports"]
    assert world.derived and world.value == pytest.approx(rows.ex_month.sum() * 10_000)


def test_us_imports_by_product_add_up_to_the_change_in_the_chapters_total(store):
    shown = answer(store, Query("drivers", "USA", "CHN", by="product"), TODAY)
    assert shown.query.period == fixed("2024-01..2024-12")  # Jan–Aug 2025 has no Jan–Aug 2024 to set against
    assert shown.title.startswith("United States — what drove imports from China, by product, 2024: $429.4 bn (computed), +2.0%")
    # the chapters' customs values, straight from the stored rows: 2024 has CIF − charges, 2023 its customs sheet
    rows = store.conn.execute(
        """SELECT product, period_start, indicator, value FROM figures WHERE reporter = 'USA' AND partner = 'CHN'
           AND product != '' AND indicator IN ('customs_value', 'cif_value', 'import_charges')""").fetchall()
    value = {}
    for product, start, indicator, amount in rows:
        sign = -1 if indicator == "import_charges" else 1
        if start == "2023-01" and indicator == "customs_value" or start == "2024-01" and indicator != "customs_value":
            value[(product, start[:4])] = value.get((product, start[:4]), 0) + sign * amount
    before = sum(amount for (_, year), amount in value.items() if year == "2023")
    points = {product: (value.get((product, "2024"), 0) - amount) / before * 100
              for (product, year), amount in value.items() if year == "2023"}
    top = max(points, key=points.get)
    assert shown.lines[0].name.startswith(f"{top} ") and shown.lines[0].value.startswith(f"{points[top]:+.1f} points")


def test_periods_and_places_without_the_figures_say_what_exists(store):
    jan_aug = answer(store, Query("drivers", "USA", "CHN", period=fixed("2025-01..2025-08"), by="product"), TODAY)
    assert isinstance(jan_aug.error, NoData) and "it can compare 2024 against 2023" in jan_aug.error.message
    # the US has no monthly world totals in the bundled data: nothing to take a share of
    us = answer(store, Query("drivers", "USA", indicator="imports"), TODAY)
    assert isinstance(us.error, NoData) and "Jan–Nov 2025 only" in us.error.message
    china = answer(store, Query("drivers", "CHN", indicator="exports", period=fixed("2024-05")), TODAY)
    assert isinstance(china.error, NoData) and "the newest it can compare is July 2026" in china.error.message
    by_product = answer(store, Query("drivers", "CHN", indicator="exports", by="product"), TODAY)
    assert isinstance(by_product.error, NotAvailable)
    for result in (jan_aug, us, china, by_product):
        assert "\n" not in result.text and not result.as_json()["figures"]


def test_rankings_still_rank_members_and_drivers_count_blocs(store):
    table = partner_table(store, "CHN", "exports", ["CNY"], Period.parse("2026-07"))
    assert "EU27" not in table.listed(MEMBERS) and "DEU" in table.listed(MEMBERS)
    assert "EU27" in table.listed(BLOCS) and "DEU" not in table.listed(BLOCS) and "ASIA" not in table.listed(BLOCS)


# --- questions and follow-ups ---


@pytest.mark.parametrize(("text", "expected"), [
    ("what drove china's export growth in november 2025", Query("drivers", "CHN", period=fixed("2025-11"), indicator="exports")),
    ("who contributed most to china's import growth in h1 2026",
     Query("drivers", "CHN", period=fixed("2026-01..2026-06"), indicator="imports")),
    ("biggest movers in china's trade", Query("drivers", "CHN", indicator="total_trade")),
    ("which products drove the fall in us imports from china",
     Query("drivers", "USA", "CHN", indicator="imports", by="product")),
    ("china's export growth by region: what drove it", Query("drivers", "CHN", indicator="exports", by="region")),
    ("chart what drove china's exports", Query("drivers", "CHN", indicator="exports", drawn=True)),
])
def test_questions_about_what_drove_a_change(text, expected):
    assert parse(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # markets shorthand for the flows
    ("chn x drivers jul 2026", Query("drivers", "CHN", period=fixed("2026-07"), indicator="exports")),
    ("prc imp drivers jun 2026", Query("drivers", "CHN", period=fixed("2026-06"), indicator="imports")),
    # the country before a drop is the story's partner; the one before the flow is the reporter
    ("who made up for the us drop in chn x h1 2026", Query("drivers", "CHN", period=fixed("2026-01..2026-06"), indicator="exports")),
    ("which partners offset weaker eu demand for chn x in q2 2026?",
     Query("drivers", "CHN", period=fixed("2026-04..2026-06"), indicator="exports")),
    # a partner word reaches only the country right after it: the rest of a long sentence is not a place
    ("I'd love to know which partners contributed the most to China's export growth in the first half of 2026.",
     Query("drivers", "CHN", period=fixed("2026-01..2026-06"), indicator="exports")),
    ("Could you explain to me what drove China's exports in April 2025, right around when the tariffs went up?",
     Query("drivers", "CHN", period=fixed("2025-04"), indicator="exports")),
])
def test_shorthand_stories_and_long_sentences(text, expected):
    assert parse(text, TODAY) == expected


def test_a_place_after_a_partner_word_is_still_checked(store):
    with pytest.raises(UnknownCountry):
        parse("china exports to narnia", TODAY)


def test_in_a_thread_by_region_splits_the_flow_and_a_measure_asks_for_the_figure(store):
    exports = Query("exports", "CHN", period=fixed("2026-03"))
    assert parse("and by region?", TODAY, exports) == Query("drivers", "CHN", period=fixed("2026-03"), indicator="exports",
                                                            by="region")
    drivers = Query("drivers", "CHN", period=fixed("2026-03"), indicator="exports", by="region")
    assert parse("country by country?", TODAY, drivers).by is None
    assert parse("how much was x m/m in feb", TODAY, drivers) == Query("exports", "CHN", period=fixed("2026-02"), measure="mom")


def test_which_markets_offset_the_drop_needs_whose_exports_without_a_thread(store):
    with pytest.raises(NotUnderstood, match="Whose exports"):
        parse("which markets offset the drop in exports to the us", TODAY)
    context = Query("exports", "CHN", "USA", fixed("2025-11"))
    assert parse("which markets offset the drop in exports to the us", TODAY, context) == \
        Query("drivers", "CHN", period=fixed("2025-11"), indicator="exports")


def test_follow_ups_keep_the_flow_period_and_grouping(store):
    steps = [
        ("what drove china's exports in march 2026", "China — what drove exports, March 2026"),
        ("and imports?", "China — what drove imports, March 2026"),
        ("what about october?", "China — what drove imports, October 2025"),
        ("and by region?", "China — what drove imports, October 2025"),
        ("and exports to the us?", "China — exports to United States, October 2025"),
    ]
    context = None
    for text, heading in steps:
        result = ask(store, text, TODAY, context)
        assert result.ok and result.title.startswith(heading), (text, result.text)
        context = result.context
    assert ask(store, "what drove china's imports in october 2025 by region", TODAY).context.by == "region"


def test_a_product_thread_changes_whose_goods(store):
    first = ask(store, "us imports from china in 2024", TODAY)
    drivers = ask(store, "which products drove that", TODAY, first.context)
    assert drivers.query == Query("drivers", "USA", "CHN", fixed("2024-01..2024-12"), indicator="imports", by="product")
    vietnam = ask(store, "and vietnam?", TODAY, drivers.context)
    assert vietnam.ok and vietnam.title.startswith("United States — what drove imports from Vietnam, by product, 2024")


def test_slash_drivers_options_are_checked(store):
    from tradebot.answers import command
    assert command(store, "drivers", TODAY, country="china", by="nonsense").error.code == "not_understood"
    assert command(store, "drivers", TODAY, country="china", by="region", partner="us").error.message.startswith(
        "by:region takes no partner")
    drawn = command(store, "drivers", TODAY, country="us", partner="china", period="2024")
    assert drawn.query.by == "product" and drawn.chart is not None
    # the bars are the figures the answer lists (every part listed, everyone else, the total's growth marked)
    assert set(drawn.chart.figures) <= set(drawn.figures) and drawn.chart.marker[1].indicator == "imports_yoy"
    assert [label for label, _ in drawn.chart.bars][:-1] == [line.name[:40] for line in drawn.lines[:len(drawn.chart.bars) - 1]]


# --- the alert summary ---


def test_the_summary_names_the_partners_that_drove_exports_with_their_points(store, bulletin):
    summary = summarize(store, "CHN", Period.parse("2026-03"))
    raw, _ = raw_contributions(bulletin, "2026-03", "exports", BLOCS)
    down = sorted(raw, key=raw.get)[:2]
    up = sorted(raw, key=raw.get, reverse=True)[:3]
    partners = summary.paragraphs[-1]
    assert partners.startswith("By partner (points of export growth, computed): exports to the United States fell")
    assert f"taking {-raw[down[0]]:.1f} points off" in partners
    assert f"{countries.by_code(up[0]).name} added {raw[up[0]]:.1f} points" in partners
    points = [f for f in summary.figures if f.indicator == "exports_contribution"]
    assert {f.partner for f in points} == set(up + down) and all(f.derived for f in points)


def test_without_partner_figures_for_the_month_the_summary_says_nothing_of_contributions(store):
    with store.conn:
        store.conn.execute("DELETE FROM figures WHERE reporter = 'CHN' AND partner != 'WLD' AND period_end = '2026-03'")
    summary = summarize(store, "CHN", Period.parse("2026-03"))
    assert "points" not in summary.answer().text and not any("contribution" in f.indicator for f in summary.figures)


# --- Discord: /drivers and a thread ---


def test_slash_drivers_defers_then_sends_the_bar_chart_with_its_embed(db_path):
    async def body(fake, client):
        command = next(command for command in fake.commands if command["name"] == "drivers")
        interaction = await fake.slash("drivers", {"country": "china", "indicator": "exports", "period": "2026-03"})
        deferred = await fake.wait_response(interaction)
        followup = await fake.wait_request(
            lambda r: r.method in ("POST", "PATCH") and r.path.startswith(f"/webhooks/{fake.application_id}/{interaction.token}"),
            timeout=30)
        wrong = await fake.slash("drivers", {"country": "china", "by": "product"})
        refusal = await fake.wait_response(wrong)
        return command, deferred, followup, refusal

    [(command, deferred, followup, refusal)] = play(db_path, body)
    assert [option["name"] for option in command["options"]] == ["country", "indicator", "period", "by", "partner"]
    assert deferred.json["type"] == 5
    [(_, filename, png)] = followup.files
    assert filename == "chart.png" and png.startswith(b"\x89PNG")
    [embed] = followup.json["embeds"]
    assert embed["title"].startswith("China — what drove exports, March 2026")
    assert embed["fields"][0]["name"] == "Hong Kong" and "points (computed)" in embed["fields"][0]["value"]
    assert embed["image"]["url"] == "attachment://chart.png"
    assert refusal.json["data"]["flags"] & EPHEMERAL and "US imports" in refusal.json["data"]["content"]


def test_ask_opens_a_thread_where_follow_ups_keep_the_drivers_context(db_path):
    thread_id, (imports, region) = thread_with_follow_ups(db_path, "what drove china's export growth in march 2026",
                                                          "and imports?", "by region?")
    assert thread_id is not None
    assert title(imports).startswith("China — what drove imports, March 2026")
    assert title(region).startswith("China — what drove imports, March 2026")
    assert [field["name"] for field in region.json["embeds"][0]["fields"]][0] == "Asia"
    # the thread remembers what drove what, by what, across a restart (the context is in the database)
    assert context_of(db_path, thread_id) == Query("drivers", "CHN", period=fixed("2026-03"), indicator="imports", by="region")
