"""Issue 19, the US Census API: responses in the API's documented shape (DATA_SOURCES.md §2.3:
a header row, then rows of strings) built from the real Census values in the seed's
`census_history.csv`, replayed by a local server; a 204 month, a 302 key problem, a server's
error text. The code path is a live run's; only the base URL differs."""

from __future__ import annotations

import asyncio
import csv
import functools
import json
import logging

import pytest
from aiohttp import web

import bot as entry
from tradebot.config import SEED_DIR
from tradebot.errors import DataFileError, SourceUnavailable
from tradebot.periods import Period
from tradebot.sources import census_api
from tradebot.store import Store
from tradebot.sync import sync_source

from conftest import forget, snapshot
from replay import Server, alerts_after_polls

KEY = "0123456789abcdef0123456789abcdef01234567"  # a key's shape; the replay server checks it is sent
CODES = {"CHN": ("5700", "CHINA"), "DEU": ("4280", "GERMANY"), "JPN": ("5880", "JAPAN"), "KOR": ("5800", "KOREA, SOUTH"),
         "TWN": ("5830", "TAIWAN")}


@functools.cache
def census_values(month: str) -> dict[tuple[str, str], str]:
    """(partner, flow) → the real value in dollars, from the seed's Census rows: China every
    month to 2026-04, the other four partners most months of 2024-01 … 2026-04."""
    with open(SEED_DIR / "census_history.csv", encoding="utf-8") as handle:
        return {(row["partner"], row["indicator"]): row["value"] for row in csv.DictReader(handle)
                if row["reporter"] == "USA" and row["period"] == month and row["indicator"] in ("exports", "imports")}


def response(flow: str, month: str) -> str:
    variable = census_api.FLOWS[flow][1]
    rows = [["CTY_CODE", "CTY_NAME", variable, "time"]]
    rows += [[code, name, census_values(month)[(partner, flow)], month] for partner, (code, name) in CODES.items()
             if (partner, flow) in census_values(month)]
    return json.dumps(rows)


def census_site(replies: dict, seen: list):
    """Replies by (flow, month): a body, or a status (204, 302, 500); a month not named there is
    answered from the seed's real values while it has them, and with 204 after."""
    async def route(request, n):
        seen.append(request)
        flow = "exports" if "/exports/" in request.path else "imports"
        month = request.query.get("time")
        reply = replies.get((flow, month), response(flow, month) if census_values(month) else 204)
        if request.query.get("key") != KEY:
            return web.Response(status=302, headers={"Location": "https://api.census.gov/data/missing_key.html"})
        if reply == 302:
            return web.Response(status=302, headers={"Location": "https://api.census.gov/data/invalid_key.html"})
        if isinstance(reply, int):
            return web.Response(status=reply, text="There was an error while running your query.  We've logged the error "
                                "and we'll correct it ASAP." if reply >= 500 else "")
        return web.Response(text=reply, content_type="application/json")
    return route


def without_april(db_path) -> None:
    forget(db_path, "source = 'US Census Bureau' AND period_end = '2026-04'")


def fetched(store, replies, key=KEY, since="2026-04"):
    seen: list = []

    async def go():
        async with Server(census_site(replies, seen), path="/data/timeseries/intltrade") as server:
            return await sync_source(store, "census", since=since, base=server.base, key=key, min_interval=0, backoff=(0,))
    return asyncio.run(go()), seen


APRIL = {("exports", "2026-04"): response("exports", "2026-04"), ("imports", "2026-04"): response("imports", "2026-04")}


def test_a_response_is_read_as_the_census_published_it():
    rows = census_api.parse(response("imports", "2026-04"), name="imports 2026-04")
    assert {(row["partner"], row["indicator"], row["period_start"]): row["value"] for row in rows} == {
        (partner, "imports", "2026-04"): float(value) for (partner, flow), value in census_values("2026-04").items() if flow == "imports"}
    assert rows[0]["note"].startswith("read date: the Census API states no release date")


def test_the_world_the_eu_and_asean_are_kept_and_other_groupings_skipped():
    # synthetic values: only the codes and names matter here
    table = [["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"], ["-", "TOTAL FOR ALL COUNTRIES", "100", "2026-04"],
             ["0003", "EUROPEAN UNION", "10", "2026-04"], ["0027", "ASEAN", "9", "2026-04"], ["0022", "OECD", "50", "2026-04"],
             ["5XXX", "ASIA", "40", "2026-04"], ["5790", "KOREA, NORTH", "1", "2026-04"]]
    remarks: list[str] = []
    rows = census_api.parse(json.dumps(table), remark=remarks.append)
    assert [row["partner"] for row in rows] == ["WLD", "EU27", "ASEAN", "PRK"]
    assert remarks == ["skipped 2 groupings other than the EU and ASEAN"]


@pytest.mark.parametrize(("body", "says"), [
    ("There was an error while running your query.", "is not the Census API's JSON"),
    ('[["CTY_CODE","CTY_NAME","time"],["5700","CHINA","2026-04"]]', "lacks the columns ALL_VAL_MO or GEN_VAL_MO"),
    ('[["CTY_CODE","CTY_NAME","ALL_VAL_MO","time"],["5700","CHINA","9,395","2026-04"]]', "is not a whole number of dollars"),
    ('[["CTY_CODE","CTY_NAME","ALL_VAL_MO","time"],["5700","CHINA",9395100000,"2026-04"]]', "a list of rows of strings"),
    ('[["CTY_CODE","CTY_NAME","ALL_VAL_MO","time"],["5700","CHINA","1","2031-04"]]', "is not a month that has ended"),
])
def test_a_response_that_is_not_the_api_s_table_is_refused_in_one_line(body, says):
    with pytest.raises(DataFileError) as caught:
        census_api.parse(body, name="census.json")
    assert caught.value.message.startswith("census.json") and says in caught.value.message


def test_a_new_month_is_fetched_with_the_key_and_a_204_month_ends_the_run(db_path, caplog):
    without_april(db_path)
    store = Store(db_path)
    caplog.set_level(logging.INFO, logger="tradebot.sources.census_api")
    report, seen = fetched(store, APRIL)
    assert [record.getMessage() for record in caplog.records] == ["US Census: 2026-05 is not published yet (HTTP 204)"]
    [(name, imported)] = report.imports
    assert name == "US Census 2026-04" and imported.added == 10 and report.failures == []
    assert ("US Census Bureau", "USA", Period.parse("2026-04")) in imported.announced
    # April's two flows, then May's exports answered 204: nothing later is asked
    assert [(request.path.rsplit("/", 2)[-2], request.query["time"]) for request in seen] == [
        ("exports", "2026-04"), ("imports", "2026-04"), ("exports", "2026-05")]
    stored_urls = {row[0] for row in store.conn.execute("SELECT DISTINCT source_url FROM figures WHERE period_end = '2026-04' "
                                                         "AND source = 'US Census Bureau'")}
    assert stored_urls == {census_api.series_url(flow, Period.parse("2026-04").end) for flow in ("exports", "imports")}
    assert not any(KEY in url for url in stored_urls) and KEY not in "\n".join(report.lines())
    store.close()


@pytest.mark.parametrize(("replies", "key", "says"), [
    ({("exports", "2026-04"): 302}, KEY, "the Census API refused the key (HTTP 302 to https://api.census.gov/data/invalid_key.html)"),
    (APRIL, "", "The Census API needs a key since May 2026: set CENSUS_API_KEY"),
    ({("exports", "2026-04"): 500}, KEY, "failed: HTTP 500 Internal Server Error (2 tries)"),
])
def test_a_key_problem_or_a_server_error_is_one_line_and_stores_nothing(store, replies, key, says):
    before = snapshot(store)
    with pytest.raises(SourceUnavailable) as caught:
        fetched(store, replies, key=key)
    assert says in caught.value.message and "\n" not in caught.value.message and KEY not in caught.value.message
    assert snapshot(store) == before


def test_without_a_key_the_command_line_says_so_in_one_line(db_path, monkeypatch, capsys):
    monkeypatch.setenv("TRADEBOT_DB", str(db_path))
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    try:
        assert entry.cli(["sync", "--source", "census"]) == entry.FAILED
    finally:
        logging.getLogger().handlers[:] = []
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {census_api.NO_KEY}\n"


def test_a_new_census_month_is_one_alert_per_subscribed_channel(db_path):
    without_april(db_path)

    posted = asyncio.run(alerts_after_polls(db_path, census_site(APRIL, []), "/data/timeseries/intltrade", "census",
                                            "united states", census_api_key=KEY))
    values = census_values("2026-04")
    april_2025 = census_values("2025-04")
    growth = float(values[("JPN", "exports")]) / float(april_2025[("JPN", "exports")]) - 1  # the replayed figure over the stored one
    for posts in posted:  # the second poll asks again (the newest months are revised) and posts nothing
        [post] = posts
        [embed] = post.json["embeds"]
        assert embed["title"] == f"United States, April 2026: exports to Japan rose {growth:.1%} (computed)"
        # the API states no release date: the alert says the day it was read, never "released"
        assert embed["footer"]["text"].startswith("Source: US Census Bureau · as read ")


def test_the_west_bank_and_gaza_are_left_out_not_refused_as_one_partner_twice():
    """Census lists them apart; ISO has one code (PSE) for both: storing both under it made a
    real all-partner response 'hold PSE twice' and refused it whole. Synthetic values."""
    table = [["CTY_CODE", "CTY_NAME", "GEN_VAL_MO", "time"], ["5700", "CHINA", "100", "2026-04"],
             ["5081", "WEST BANK ADMINISTERED BY ISRAEL", "2", "2026-04"], ["5082", "GAZA STRIP ADMINISTERED BY ISRAEL", "1", "2026-04"]]
    remarks: list[str] = []
    rows = census_api.parse(json.dumps(table), remark=remarks.append)
    assert [row["partner"] for row in rows] == ["CHN"]
    assert remarks == ["not stored: WEST BANK ADMINISTERED BY ISRAEL (shares PSE with the Gaza Strip); "
                       "GAZA STRIP ADMINISTERED BY ISRAEL (shares PSE with the West Bank)"]
