"""Issue 19, China Customs live: the English site's preliminary-release index and its
by-country tables, fetched from a local server that replays the real recorded pages (and
pages derived from them: a challenge page, a changed layout, server errors). The code path
is a live run's; only the base URL differs."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from aiohttp import web

import bot as entry
from tradebot.errors import SourceUnavailable
from tradebot.periods import Month, Period
from tradebot.sources import gacc
from tradebot.sources.http import USER_AGENT
from tradebot.sync import sync_source

from conftest import forget, shared_data_dir, snapshot
from replay import Server, alerts_after_polls

MARCH_CNY = "2e61c8a1-17b2-4074-b909-c039ccf8c8fb"  # the index's link to "(4) … by Country/Region (in CNY)", Mar.


def recorded(name: str) -> str:
    return (shared_data_dir("gacc") / name).read_text(encoding="utf-8")


def index_with_only(*uuids: str) -> str:
    """The real index as it would read when only these tables were out: every other month's
    link is the plain `<span>` the site shows for a month not yet released."""
    def unlink(match: re.Match) -> str:
        return match[0] if any(uuid in match[0] for uuid in uuids) else f"<span>{match[2].strip()}</span>"

    return re.sub(r"<a href=(http://english\.customs\.gov\.cn/Statics/[\w-]+\.html)>([^<]*)</a>", unlink, recorded("seed_2026.html"))


def site(pages: dict[str, str | int], seen: list | None = None):
    """A route serving `pages` by path (a text, or a status to answer with)."""
    async def route(request, n):
        page = pages.get(request.path, 404)
        if isinstance(page, list):  # answers in turn: [500, text]
            page = page.pop(0) if len(page) > 1 else page[0]
        if isinstance(page, int):
            return web.Response(status=page, text="There was an error while running your query.")
        return web.Response(text=page, content_type="text/html")
    return route


def fetched(store, pages, since="2026-01", **options):
    async def go():
        async with Server(site(pages), path="") as server:
            report = await sync_source(store, "gacc", since=since, base=server.origin, min_interval=0, backoff=(0,), **options)
            return report, server.requests
    return asyncio.run(go())


def test_the_index_lists_each_months_by_country_tables_in_yuan_and_dollars():
    links = gacc.index_links(recorded("seed_2026.html"))
    assert [(str(link.month), link.currency, link.url.rsplit("/", 1)[1]) for link in links] == [
        ("2026-02", "CNY", "47e53257-a14f-4a19-a17c-b5beea64f822.html"),
        ("2026-03", "CNY", f"{MARCH_CNY}.html"),
        ("2026-02", "USD", "0ed684ce-a5d7-45b8-ab53-0f30b3a8c7c1.html"),
        ("2026-03", "USD", "66580503-6688-49b2-bd23-de154e5677d5.html"),
    ]


def test_a_new_table_is_fetched_once_stored_and_reported_new(store):
    pages = {gacc.INDEX_PATH: index_with_only(MARCH_CNY), f"/Statics/{MARCH_CNY}.html": recorded("release_section4_by_country_mar2026_cny.html")}
    report, requests = fetched(store, pages)
    assert [request.path for request in requests] == [gacc.INDEX_PATH, f"/Statics/{MARCH_CNY}.html"]
    assert all(request.headers["User-Agent"] == USER_AGENT for request in requests)
    [(name, imported)] = report.imports
    assert name == "China Customs 2026-03 (CNY)" and imported.added > 100 and report.failures == []
    assert ("China Customs (GACC)", "CHN", Period.parse("2026-03")) in imported.new_periods
    # the figures are the page's, with the page's address
    expected = {(row["partner"], row["indicator"], row["period_start"], row["period_end"]): row["value"]
                for row in gacc.parse(recorded("release_section4_by_country_mar2026_cny.html"))}
    stored = {tuple(row[:4]): row[4] for row in store.conn.execute(
        "SELECT partner, indicator, period_start, period_end, value, source_url FROM figures WHERE source = 'China Customs (GACC)' "
        "AND source_url LIKE '%' || ? || '%'", (MARCH_CNY,))}
    assert stored == expected
    # the next poll asks for the index only: a released table does not change
    again, requests = fetched(store, pages)
    assert [request.path for request in requests] == [gacc.INDEX_PATH] and again.imports == []


@pytest.mark.parametrize(("index", "table", "says"), [
    ("<html><body><script>document.cookie='__jsl=1';location.reload()</script>Please enable JavaScript</body></html>", None,
     "is not China Customs' preliminary-release index (a challenge page, or a new layout?); nothing was stored."),
    (403, None, "answered HTTP 403 Forbidden, not a page of the release."),
    ("index", "<html><head><title>Verifying you are human</title></head><body></body></html>",
     "this is not a GACC by-country/region table"),
    ("index", "changed", "nothing was stored."),
])
def test_a_challenge_page_or_a_new_layout_stops_the_run_in_one_line_and_stores_nothing(store, index, table, says):
    page = recorded("release_section4_by_country_mar2026_cny.html")
    if table == "changed":  # the site renames the export columns: the page is refused, not read by position
        table = page.replace("Export", "Outbound").replace("export", "outbound")
    pages = {gacc.INDEX_PATH: index_with_only(MARCH_CNY) if index == "index" else index,
             f"/Statics/{MARCH_CNY}.html": table or page}
    before = snapshot(store)
    with pytest.raises(SourceUnavailable) as caught:
        fetched(store, pages)
    assert says in caught.value.message and "\n" not in caught.value.message
    assert snapshot(store) == before


def test_a_server_error_is_retried_and_then_the_page_is_read(store):
    pages = {gacc.INDEX_PATH: [500, index_with_only(MARCH_CNY)],
             f"/Statics/{MARCH_CNY}.html": [503, recorded("release_section4_by_country_mar2026_cny.html")]}
    report, requests = fetched(store, pages)
    assert len(requests) == 4 and len(report.imports) == 1


def test_months_before_since_are_not_fetched(store):
    pages = {gacc.INDEX_PATH: index_with_only(MARCH_CNY), f"/Statics/{MARCH_CNY}.html": 500}
    report, requests = fetched(store, pages, since="2026-04")
    assert [request.path for request in requests] == [gacc.INDEX_PATH] and report.imports == []


def test_a_new_china_customs_month_is_one_alert_per_subscribed_channel(db_path):
    """The bulletin's March 2026 on are taken out, so the preliminary release's March is news:
    each of two subscribed channels gets one alert with the replayed page's figures; a second
    poll brings nothing and posts nothing."""
    forget(db_path, "source = 'China Customs (GACC) monthly bulletin' AND period_end >= '2026-03'")
    pages = {gacc.INDEX_PATH: index_with_only(MARCH_CNY), f"/Statics/{MARCH_CNY}.html": recorded("release_section4_by_country_mar2026_cny.html")}
    posted = asyncio.run(alerts_after_polls(db_path, site(pages), "", "gacc", "china"))
    exports = next(row["value"] for row in gacc.parse(recorded("release_section4_by_country_mar2026_cny.html"))
                   if (row["partner"], row["indicator"], row["period_start"], row["period_end"]) == ("WLD", "exports", "2026-03", "2026-03"))
    for posts in posted:
        [post] = posts
        [embed] = post.json["embeds"]
        assert embed["title"].startswith("China, March 2026")
        assert f"CNY {exports / 1e12:.2f} tn" in embed["description"]


def test_sync_source_gacc_from_the_command_line_offline_is_one_line(db_path, monkeypatch, capsys):
    from tradebot.sources import http

    async def no_wait(seconds):
        return None

    monkeypatch.setattr(http.asyncio, "sleep", no_wait)
    monkeypatch.setenv("TRADEBOT_DB", str(db_path))
    monkeypatch.setenv("TRADEBOT_GACC_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    try:
        assert entry.cli(["sync", "--source", "gacc"]) == entry.FAILED
    finally:
        logging.getLogger().handlers[:] = []
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("error: Could not reach 127.0.0.1:9: connection refused (4 tries, http://127.0.0.1:9/statics/report/preliminary.html)")


def test_months_are_read_from_the_index_year():
    assert {link.month for link in gacc.index_links(recorded("seed_2026.html"))} == {Month(2026, 2), Month(2026, 3)}


def test_where_the_bulletin_and_the_preliminary_release_both_hold_a_month_answers_give_the_bulletin(store):
    """The bulletin is the later, fuller release of the same figures: its value is the answer,
    although its date is only a month (April 2026) and the preliminary's a day (8 April 2026).
    The real March 2026 tables agree to the preliminary's rounding (CNY 100 million, one
    decimal) in all 234 figures: more digits are not a revision."""
    from tradebot.answers import ask
    from tradebot.sync import sync_file

    sync_file(store, shared_data_dir("gacc") / "release_section4_by_country_mar2026_cny.html")
    answer = ask(store, "china exports to vietnam march 2026 in yuan")
    headline = answer.figures[0]
    assert (headline.source, headline.published, headline.revised_from) == ("China Customs (GACC) monthly bulletin", "2026-04", None)
    assert answer.text.startswith("China — exports to Vietnam, March 2026: CNY 137.3 bn (+8.2% y/y, computed)")


def test_a_preliminary_figure_the_bulletin_changed_is_what_it_was_revised_from(store, tmp_path):
    """A preliminary page derived from the real one with Vietnam's March exports 1.0 (CNY 100
    million) higher, and its total with them: the bulletin's figure is revised from it."""
    from tradebot.answers import ask
    from tradebot.sync import sync_file

    page = recorded("release_section4_by_country_mar2026_cny.html")
    row = page.index("of which: Vietnam")
    end = page.index("</tr>", row)
    changed = page[:row] + page[row:end].replace("2,003.0", "2,004.0", 1).replace("1,372.5", "1,373.5", 1) + page[end:]
    path = tmp_path / "march_2026_cny.html"
    path.write_text(changed, encoding="utf-8")
    sync_file(store, path)
    answer = ask(store, "china exports to vietnam march 2026 in yuan")
    assert answer.text.startswith("China — exports to Vietnam, March 2026: CNY 137.25 bn (revised from CNY 137.35 bn;")
    earlier, headline = answer.figures[:2]
    assert (earlier.source, earlier.value, headline.source) == ("China Customs (GACC)", 137_350_000_000, "China Customs (GACC) monthly bulletin")
