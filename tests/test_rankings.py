"""Top partners, comparisons, mirror statistics and the CSV behind an answer, on the real seed;
and the same through the fake Discord (the CSV button returns a file)."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace

import pytest

import bot as entry
from tradebot.answers import ask
from tradebot.config import Settings
from tradebot.export import COLUMNS, figures_csv

from conftest import TODAY
from fakediscord import FakeDiscord


def _row(**changes) -> dict:
    row = {"reporter": "CHN", "partner": "VNM", "indicator": "exports", "period_start": "2025-01", "period_end": "2025-11",
           "value": 150e9, "unit": "USD", "source": "China Customs (GACC)", "published": "2025-12",
           "retrieved_at": "2026-11-29T00:00:00+00:00", "source_url": "", "note": "test row: a member of a listed group"}
    return {**row, **changes}


def test_top_export_partners_rank_asean_eu_and_the_us_as_the_partner_table_says(store):
    answer = ask(store, "/partners china indicator:exports period:Jan-Nov 2025", TODAY)
    assert answer.ok, answer.text
    assert answer.title == "China — top partners by exports, Jan–Nov 2025"
    names = [line.name for line in answer.lines]
    assert names[:3] == ["1. ASEAN", "2. European Union", "3. United States"]
    assert answer.lines[0].value.startswith("$599.0 bn (+14.6% y/y) · 17.5% of the total (computed)")
    shares = [f.value for f in answer.figures if f.indicator == "exports_share"]
    rest = next(f.value for f in answer.figures if f.indicator == "exports_rest_share")
    assert sum(shares) + rest == pytest.approx(100, abs=0.1 * len(shares))
    world = next(f for f in answer.figures if f.partner == "WLD" and f.indicator == "exports")
    listed = [f for f in answer.figures if f.indicator == "exports" and f.partner != "WLD"]
    rest_value = next(f.value for f in answer.figures if f.indicator == "exports_rest_of_world")
    assert sum(f.value for f in listed) + rest_value == pytest.approx(world.value)


def test_a_group_is_never_counted_with_its_own_members(store):
    store.add_figures([_row(), _row(partner="DEU", value=100e9)])
    answer = ask(store, "/partners china indicator:exports period:Jan-Nov 2025", TODAY)
    names = [line.name.split(". ", 1)[1] for line in answer.lines if ". " in line.name]
    assert "ASEAN" in names and "European Union" in names
    assert "Vietnam" not in names and "Germany" not in names  # inside ASEAN and the EU already
    assert "a group's members count only inside the group" in answer.text


def test_a_table_of_every_partner_ranks_countries_and_never_a_group_or_continent(store):
    answer = ask(store, "/partners china period:2026-07", TODAY)
    assert answer.title == "China — top partners by total trade, July 2026"
    names = [line.name.split(". ", 1)[1] for line in answer.lines if ". " in line.name]
    assert names[:4] == ["United States", "South Korea", "Hong Kong", "Vietnam"] and len(names) == 15
    assert not {"Asia", "European Union", "ASEAN", "APEC", "RCEP members", "Belt and Road countries"} & set(names)
    assert "243 partners ranked: countries and territories" in answer.text
    # the file's own numbers: 美国 tt_month 3,811,… ×10,000 yuan, of a world total of 465,905,405.0177 ×10,000
    us = next(f for f in answer.figures if f.partner == "USA" and f.indicator == "total_trade")
    world = next(f for f in answer.figures if f.partner == "WLD" and f.indicator == "total_trade")
    assert (us.unit, world.value) == ("CNY", 465905405.0177 * 10_000)
    listed = [f for f in answer.figures if f.indicator == "total_trade" and f.partner != "WLD"]
    rest = next(f for f in answer.figures if f.indicator == "total_trade_rest_of_world")
    assert sum(f.value for f in listed) + rest.value == pytest.approx(world.value)


def test_the_latest_ranking_is_the_newest_partner_table(store):
    answer = ask(store, "who are chinas biggest trading partners", TODAY)
    assert answer.ok and str(answer.query.period) == "2026-07"  # the bulletin's, in yuan
    assert answer.lines[0].name == "1. United States" and answer.lines[0].value.startswith("CNY 381.2 bn")
    dollars = ask(store, "who are chinas biggest trading partners in dollars", TODAY)
    assert dollars.ok and str(dollars.query.period) == "2025-01..2025-11"
    assert dollars.lines[0].name == "1. ASEAN" and dollars.lines[0].value.startswith("$952.8 bn (+7.7% y/y)")


def test_two_reporters_side_by_side(store):
    answer = ask(store, "/compare china other:us period:Jan-Nov 2025", TODAY)
    assert answer.title == "China and United States — trade balance, Jan–Nov 2025"
    assert [(line.name, line.value) for line in answer.lines] == [
        ("China", "surplus $1.08 tn (+21.6% y/y)"), ("United States", "deficit $1.13 tn"), ("Difference", "+$2.21 tn (computed)")]


def test_one_reporter_across_two_periods(store):
    answer = ask(store, "china surplus 2025 vs 2024", TODAY)
    assert answer.title == "China — trade balance, 2025 against 2024"
    assert answer.lines[2] == type(answer.lines[2])("Difference", "+$196.9 bn (computed)")


def test_mirror_figures_show_both_sides_with_their_labels_and_the_gap(store):
    answer = ask(store, "/exports china partner:us period:Jan-Nov 2025", TODAY)
    lines = {line.name: line.value for line in answer.lines}
    assert answer.title.startswith("China — exports to United States, Jan–Nov 2025: $385.9 bn")
    assert lines["United States’ own figure (imports, customs value, US Census Bureau)"] == "$287.3 bn"
    assert lines["Gap between the two"] == "$98.6 bn (computed)"
    assert "Mirror figures differ" in answer.text
    balance = ask(store, "/surplus china partner:us period:Jan-Nov 2025", TODAY)
    assert "United States’ own figure (balance, exports FAS − imports at customs value, US Census Bureau): deficit $189.4 bn" in balance.text


def test_no_mirror_line_when_the_partner_publishes_nothing(store):
    answer = ask(store, "/exports china partner:japan period:Jan-Nov 2025", TODAY)
    assert answer.ok and "own figure" not in answer.text


@pytest.mark.parametrize("question", ["/exports china partner:us period:Jan-Nov 2025", "/partners china period:Jan-Nov 2025",
                                      "/surplus china period:2025-11", "/compare china other:us period:Jan-Nov 2025"])
def test_the_csv_holds_exactly_the_figures_of_the_answer(store, question):
    answer = ask(store, question, TODAY)
    rows = list(csv.DictReader(io.StringIO(figures_csv(store, answer))))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["reporter"], r["partner"], r["indicator"], r["period_start"], r["period_end"], float(r["value"]))
            for r in rows] == [(f.reporter, f.partner, f.indicator, str(f.period.start), str(f.period.end), float(f.value))
                               for f in answer.figures]
    for row, figure in zip(rows, answer.figures, strict=True):
        assert row["derived"] == ("true" if figure.derived else "false")
        if not figure.derived:
            assert row["retrieved_at"] and row["source"] == figure.source and row["published"] == figure.published


def test_partners_compare_and_the_csv_button_through_discord(db_path):
    async def main():
        async with FakeDiscord() as fake:
            client = entry.build_bot(replace(Settings(db_path=db_path), discord_token=fake.token), guild_ready_timeout=0.1)
            async with fake.run_bot(client):
                ranked = await fake.slash("partners", {"country": "china", "indicator": "exports", "period": "Jan-Nov 2025"})
                ranked_reply = (await fake.wait_response(ranked)).json
                compared = await fake.slash("compare", {"country": "china", "other": "us", "period": "Jan-Nov 2025"})
                compared_reply = (await fake.wait_response(compared)).json
                button = ranked_reply["data"]["components"][0]["components"][0]
                message = fake.messages_for(ranked)[0].response["resource"]["message"]
                click = await fake.click(message, button["custom_id"])
                return ranked_reply, compared_reply, button, await fake.wait_response(click)

    ranked, compared, button, csv_reply = asyncio.run(main())
    assert ranked["data"]["embeds"][0]["title"] == "China — top partners by exports, Jan–Nov 2025"
    assert compared["data"]["embeds"][0]["title"] == "China and United States — trade balance, Jan–Nov 2025"
    assert button["label"] == "CSV" and button["custom_id"].startswith("csv:partners|CHN|")
    assert csv_reply.json["data"]["flags"] & 64
    [(_part, filename, data)] = csv_reply.files
    assert filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows[0]["partner"] == "ASEAN" and float(rows[0]["value"]) == 599_033_500_000
