"""Charts: the series equals the store point by point, gaps stay gaps, China's Jan–Feb stays one
two-month point, the PNG is a real PNG of the promised size, matplotlib stays off the answer
path, and /chart and the console deliver it (the real discord.py client against the fake Discord)."""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

import bot as entry
from tradebot import charts, console, formatting
from tradebot.config import Settings
from tradebot.errors import BadPeriod, NoData
from tradebot.figures import Figure
from tradebot.periods import Month, Period
from tradebot.questions import parse
from tradebot.store import Store

from conftest import PROJECT_DIR, TODAY
from fakediscord import FakeDiscord

EPHEMERAL = 64
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHINA_CAPTION = ("Source: China Customs (GACC) · released 10 March 2026 · Jan–Feb is one two-month figure, drawn as one bar at its "
                 "monthly average (total ÷ 2, computed) · gaps: no figure in the store")
# what `/chart china` draws on the default store: the bulletin's yuan months, newer than any dollar month
BULLETIN_CAPTION = ("Source: China Customs (GACC) monthly bulletin · released August 2026 (month assumed; the source gives no date) · "
                    "hatched bars: trade balance computed as exports − imports")


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first after the signature."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


def chart_written(text: str) -> str:
    """The path in a console answer's “Chart written to PATH” line."""
    return next(line.removeprefix("Chart written to ") for line in text.splitlines() if line.startswith("Chart written to "))


def stored(store: Store, indicator: str, period: Period, reporter: str = "CHN", partner: str = "WLD") -> float | None:
    """The newest USD vintage in the store, read straight from the table (the seed has one source per reporter)."""
    row = store.conn.execute(
        """SELECT value FROM figures WHERE reporter = ? AND partner = ? AND indicator = ? AND period_start = ?
           AND period_end = ? AND unit = 'USD' ORDER BY published DESC LIMIT 1""",
        (reporter, partner, indicator, str(period.start), str(period.end)),
    ).fetchone()
    return row[0] if row else None


def make_store(path: Path, rows: list[tuple[str, str, float]], reporter: str = "DEU") -> Store:
    """A small store of (indicator, period, value) rows from one made-up release."""
    store = Store(path)
    store.migrate()
    store.add_figures({
        "reporter": reporter, "partner": "WLD", "indicator": indicator, "period_start": period.split("..")[0],
        "period_end": period.split("..")[-1], "value": value, "unit": "USD", "source": "Destatis", "published": "2025-08-08",
        "retrieved_at": "2025-08-09", "source_url": "", "note": "",
    } for indicator, period, value in rows)
    return store


GERMANY = [  # exports and imports only, so the balance is derived; March exports missing; a deficit in May
    ("exports", "2025-01", 130e9), ("exports", "2025-02", 131e9), ("exports", "2025-04", 128e9),
    ("exports", "2025-05", 120e9), ("exports", "2025-06", 129e9),
    ("imports", "2025-01", 110e9), ("imports", "2025-02", 112e9), ("imports", "2025-03", 115e9),
    ("imports", "2025-04", 111e9), ("imports", "2025-05", 125e9), ("imports", "2025-06", 113e9),
]


# --- the data ---


def test_the_china_series_equals_the_stores_figures_point_by_point(store):
    data = charts.series(store, "CHN", "WLD", "balance", 24)
    assert data.indicators == ("balance", "exports", "imports")
    assert data.window == Period(Month(2024, 3), Month(2026, 2))  # ends at the newest month with data
    assert data.title == "China — trade balance, exports and imports, monthly, in US dollars"
    assert data.caption == CHINA_CAPTION
    assert data.sources == ("China Customs (GACC)",) and data.released == "2026-03-10"
    checked = 0
    for name in data.indicators:
        points = data.series[name]
        covered = [month for point in points for month in (point.period.start.plus(i) for i in range(point.period.months))]
        assert covered == [data.window.start.plus(i) for i in range(data.window.months)]  # every month exactly once
        for point in points:
            assert point.value == stored(store, name, point.period), (name, point.period)
            assert not point.derived  # China publishes all three
            if point.figure is not None:
                assert (point.figure.value, point.figure.indicator, point.figure.period) == (point.value, name, point.period)
                checked += 1
    assert checked == len(data.figures) > 40
    by_period = {str(point.period): point.value for point in data.points}
    assert by_period["2025-11"] == 111_680_000_000
    assert by_period["2026-01..2026-02"] == 213_620_000_000
    assert data.latest_text == "Jan–Feb 2026: surplus $213.6 bn (two months)"


def test_a_month_without_a_figure_is_a_gap_and_the_line_breaks_there(store):
    data = charts.series(store, "CHN", "WLD", "balance", 24)
    exports = {str(point.period): point for point in data.series["exports"]}
    # the store has no monthly exports figure for these: None, never interpolated
    for month in ("2024-07", "2024-09", "2024-11", "2025-04", "2025-05", "2025-12"):
        assert stored(store, "exports", Period.parse(month)) is None
        assert exports[month].value is None and exports[month].figure is None
    assert exports["2024-08"].value == stored(store, "exports", Period.parse("2024-08"))

    plan = charts.layout(data)
    months = [str(month) for month in plan.months]
    xs, ys = plan.lines["exports"]
    for month in ("2024-07", "2024-09", "2025-04", "2025-05", "2025-12", "2025-01", "2025-02", "2026-01", "2026-02"):
        assert math.isnan(ys[months.index(month)]), month  # gaps, and around the two-month segments
    assert ys[months.index("2024-08")] == exports["2024-08"].value
    # what matplotlib was given: the exports line itself, with NaN (a break) at the gaps
    figure = charts.draw(data)
    [line] = [line for line in figure.axes[0].get_lines() if line.get_label() == "Exports"]
    plotted = list(line.get_ydata())
    assert len(plotted) == len(months)
    for i, value in enumerate(ys):
        assert (math.isnan(plotted[i]) and math.isnan(value)) or plotted[i] == value
    # no bar where the balance is missing: one bar per point with a value
    assert len(plan.bars) == sum(point.value is not None for point in data.points)


def test_gaps_and_a_derived_balance_in_a_small_store(tmp_path):
    store = make_store(tmp_path / "de.db", GERMANY)
    try:
        data = charts.series(store, "DEU", "WLD", "balance", 6)
    finally:
        store.close()
    assert data.window == Period(Month(2025, 1), Month(2025, 6))
    balance = [(str(point.period), point.value, point.derived) for point in data.series["balance"]]
    assert balance == [
        ("2025-01", 20e9, True), ("2025-02", 19e9, True), ("2025-03", None, False),  # no exports figure: no balance
        ("2025-04", 17e9, True), ("2025-05", -5e9, True), ("2025-06", 16e9, True),
    ]
    assert [point.value for point in data.series["exports"]][2] is None
    assert data.caption == ("Source: Destatis · released 8 August 2025 · hatched bars: trade balance computed as exports − imports"
                            " · gaps: no figure in the store")
    plan = charts.layout(data)
    assert [bar["hatched"] for bar in plan.bars] == [True] * 5
    assert [bar["colour"] for bar in plan.bars].count(charts.COLOURS["deficit"]) == 1
    assert math.isnan(plan.lines["exports"][1][2])
    assert plan.label[2] == "June 2025: surplus $16.0 bn (computed)"
    png = charts.render(data)
    assert png_size(png) == (1000, 560)


def test_china_jan_feb_is_one_two_month_point_never_two_months(store):
    data = charts.series(store, "CHN", "WLD", "exports", 36)
    periods = [str(point.period) for point in data.points]
    for year in (2024, 2025, 2026):
        assert f"{year}-01..{year}-02" in periods
        assert f"{year}-01" not in periods and f"{year}-02" not in periods
    jan_feb = next(point for point in data.points if str(point.period) == "2025-01..2025-02")
    assert jan_feb.cumulative and jan_feb.value == stored(store, "exports", Period.jan_feb(2025))
    plan = charts.layout(data)
    segment = next(s for s in plan.segments if s["y"] == jan_feb.value / 2)  # drawn at its monthly average
    assert segment["x1"] - segment["x0"] == 1  # spans both months
    assert sum(text.startswith("Jan–Feb") for _, text in plan.ticks) == 3
    balance = charts.layout(charts.series(store, "CHN", "WLD", "balance", 24))
    wide = [bar for bar in balance.bars if bar["cumulative"]]
    assert len(wide) == 2 and all(bar["width"] > 1.5 for bar in wide)


def test_jan_feb_on_a_monthly_axis_is_drawn_at_its_monthly_average_not_as_a_spike(store):
    """Issue 15: China's dollar exports chart showed Jan–Feb 2026's $656.5 bn two-month total
    beside months of about $330 bn, as if exports had doubled."""
    data = charts.series(store, "CHN", "WLD", "exports", 24, currency="USD")
    plan = charts.layout(data)
    monthly = [y for y in plan.lines["exports"][1] if not math.isnan(y)]
    for segment in plan.segments:
        assert min(monthly) * 0.7 < segment["y"] < max(monthly) * 1.3  # on the scale of a month
    jan_feb = next(point for point in data.points if point.cumulative and point.period.start.year == 2026)
    assert jan_feb.value == stored(store, "exports", Period.jan_feb(2026))  # the store's figure, as published
    assert jan_feb.plotted == jan_feb.value / 2
    assert "drawn as one segment at its monthly average (total ÷ 2, computed)" in data.caption
    assert data.latest_text == "Jan–Feb 2026: $656.5 bn (two months)"  # the label says the published total


def test_a_window_starts_at_the_first_month_with_figures_not_with_empty_months(store):
    """Issue 15: the chart of China's dollar exports to the US opened on ten empty months."""
    data = charts.series(store, "CHN", "USA", "exports", 24, currency="USD")
    first = data.window.start
    assert any(point.value is not None and point.period.start == first for point in data.points)
    assert data.title == "China — exports to United States, monthly, in US dollars"
    assert charts.series(store, "CHN", "WLD", "exports", 24, currency="USD").window.months == 24  # full when it can be


def test_a_window_opening_in_february_shows_the_whole_jan_feb_figure(store):
    data = charts.series(store, "CHN", "WLD", "exports", 13, end=Month(2026, 2))
    assert data.window.start == Month(2025, 1)  # widened by January, not cut in half
    assert str(data.points[0].period) == "2025-01..2025-02"


def test_no_data_names_the_latest_period_that_exists(store):
    with pytest.raises(NoData) as error:
        charts.series(store, "USA", "WLD", "balance")
    assert error.value.message == (
        "The store has no monthly figures for United States’ trade balance, only cumulative ones; the latest is Jan–Nov 2025.")
    with pytest.raises(NoData, match="The store has no figures reported by Brazil; it has figures from China, Japan, South Korea, United States."):
        charts.series(store, "BRA", "WLD", "exports")
    with pytest.raises(NoData, match="The store has no figures for Japan’s exports."):  # Japan's figures are with China only
        charts.series(store, "JPN", "WLD", "exports")
    with pytest.raises(NoData, match=r"No monthly figures for China’s exports in Feb 2010–Jan 2012; the latest is Jan–Feb 2026\."):
        charts.series(store, "CHN", "WLD", "exports", 24, end="2012-01")
    with pytest.raises(BadPeriod):
        charts.series(store, "CHN", "WLD", "exports", 121)


def test_a_phrase_asks_for_its_flow_partner_and_period(store):
    data = charts.for_query(store, parse("chart china exports 2025", TODAY))
    assert (data.indicator, data.window) == ("exports", Period.year(2025))
    data = charts.for_query(store, parse("graph of china exports to the us", TODAY))
    assert (data.indicators, data.partner) == (("exports",), "USA")
    assert data.title == "China — exports to United States, monthly, in yuan"


# --- the picture ---


def test_the_png_decodes_is_1000_by_560_under_300_kb_and_repeatable(store):
    data = charts.series(store, "CHN", "WLD", "balance", 120)
    started = time.perf_counter()
    png = charts.render(data)
    seconds = time.perf_counter() - started
    assert png_size(png) == (1000, 560)
    assert len(png) <= 300 * 1024
    assert png.endswith(b"IEND\xaeB`\x82")
    assert charts.render(data) == png  # no timestamp or version inside
    assert seconds < 20


def test_answers_never_import_matplotlib(db_path, tmp_path):
    """`surplus china` through the CLI and the console leaves matplotlib unloaded; a chart loads it."""
    script = (
        "import io, sys, bot\n"
        "from tradebot import console\n"
        "from tradebot.store import open_store\n"
        "from tradebot.config import Settings\n"
        "code = bot.main(['ask', sys.argv[1]])\n"
        "store = open_store(Settings.from_env())\n"
        "console.run(store, stdin=io.StringIO(sys.argv[1] + '\\n'), stdout=io.StringIO())\n"
        "print('MATPLOTLIB' if 'matplotlib' in sys.modules else 'NO MATPLOTLIB', code, file=sys.stderr)\n"
    )
    env = {**os.environ, "TRADEBOT_DB": str(db_path), "PYTHONPATH": str(PROJECT_DIR)}

    def run(text: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, text], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)

    answered = run("surplus china")
    assert answered.stdout.startswith("China — trade surplus, July 2026: CNY 766.0 bn")
    assert answered.stderr.strip().splitlines()[-1] == "NO MATPLOTLIB 0"
    charted = run("chart china")
    assert charted.stderr.strip().splitlines()[-1] == "MATPLOTLIB 0"  # the check can tell


# --- the console and the CLI ---


def test_the_console_writes_the_chart_and_prints_its_path(store, tmp_path):
    out = io.StringIO()
    lines = "chart china exports\n/chart china indicator:balance months:12\nsurplus china\n"
    assert console.run(store, stdin=io.StringIO(lines), stdout=out, charts_dir=tmp_path / "charts") == 0
    blocks = out.getvalue().strip().split("\n\n")
    first, second, answer = blocks
    # a chart is an answer like the others: title, newest value, where the PNG is, caption
    title, latest, written, caption = first.splitlines()
    assert (title, latest) == ("China — exports, monthly, in yuan", "Latest: July 2026: CNY 2.71 tn")
    path = Path(re.fullmatch(r"Chart written to (\S+)", written).group(1))
    assert re.fullmatch(r"CHN-exports-\d{8}-\d{6}\.png", path.name) and path.parent == tmp_path / "charts"
    assert png_size(path.read_bytes()) == (1000, 560)
    # the bulletin's yuan months run past the dollar headlines: the chart is in yuan, every month there
    assert caption == "Source: China Customs (GACC) monthly bulletin · released August 2026 (month assumed; the source gives no date)"
    second_path = Path(chart_written(second))
    assert re.fullmatch(r"CHN-balance-\d{8}-\d{6}(-2)?\.png", second_path.name) and second_path.exists()
    assert answer.startswith("China — trade surplus, July 2026")


def test_console_json_lists_every_plotted_point_as_a_figure(store, tmp_path):
    out = io.StringIO()
    lines = "/chart china months:24\n/chart japan\n/chart china months:3\n"
    console.run(store, as_json=True, stdin=io.StringIO(lines), stdout=out, charts_dir=tmp_path)
    chart, no_data, bad_months = (json.loads(line) for line in out.getvalue().splitlines())
    assert set(chart) == {"query", "text", "figures", "error"} and chart["error"] is None
    assert chart["query"] == {"intent": "chart", "reporter": "CHN", "partner": "WLD", "period": "2024-08..2026-07"}
    assert chart_written(chart["text"]) and chart["text"].splitlines()[-1] == BULLETIN_CAPTION
    data = charts.series(store, "CHN", "WLD", "balance", 24, currency="CNY")
    assert chart["figures"] == [figure.as_json() for figure in data.figures]
    assert all(set(figure) == set(Figure.as_json(data.figures[0])) for figure in chart["figures"])
    assert len(chart["figures"]) == sum(point.value is not None for name in data.indicators for point in data.series[name])
    # July 2026's balance, computed from the bulletin's exports and imports (CNY 10,000 × 10,000)
    assert {"indicator": "balance", "period": "2026-07", "unit": "CNY", "derived": True}.items() <= chart["figures"][23].items()
    assert chart["figures"][23]["value"] == round((271251156.0682 - 194654248.9495) * 10_000)  # the file: ex_month − im_month
    assert no_data["error"]["code"] == "no_data" and no_data["figures"] == []
    assert bad_months["error"]["code"] == "bad_period"


def test_bot_py_ask_writes_a_chart(db_path, tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), "ask", "--json", "chart china exports"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "TRADEBOT_DB": str(db_path)}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    written = Path(chart_written(reply["text"]))
    assert written.parts[0] == "charts" and (tmp_path / written).is_file()
    assert reply["figures"] and reply["error"] is None


# --- Discord ---


def play(db_path, body):
    async def main():
        async with FakeDiscord() as fake:
            settings = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600)
            client = entry.build_bot(settings, guild_ready_timeout=0.1)
            async with fake.run_bot(client):
                return await body(fake, client)

    return asyncio.run(main())


def test_chart_is_registered_with_its_options(db_path):
    async def body(fake, client):
        return next(command for command in fake.commands if command["name"] == "chart")

    command = play(db_path, body)
    options = {option["name"]: option for option in command["options"]}
    assert list(options) == ["country", "partner", "indicator", "months"]
    assert options["country"]["required"] and options["country"]["autocomplete"] and options["partner"]["autocomplete"]
    assert [choice["value"] for choice in options["indicator"]["choices"]] == ["balance", "exports", "imports", "total_trade"]
    assert (options["months"]["type"], options["months"]["min_value"], options["months"]["max_value"]) == (4, 6, 120)


def test_slash_chart_defers_then_sends_the_png_with_its_embed(db_path, monkeypatch):
    render = charts.render

    def slow_render(data):  # blocks its thread, like a big chart: the loop must keep answering
        time.sleep(1.0)
        return render(data)

    monkeypatch.setattr(charts, "render", slow_render)

    async def body(fake, client):
        interaction = await fake.slash("chart", {"country": "china"})
        deferred = await fake.wait_response(interaction)
        other = await fake.slash("surplus", {"country": "china"})
        await fake.wait_response(other)
        answered_while_rendering = not any(r.path.startswith(f"/webhooks/{fake.application_id}/{interaction.token}")
                                           for r in fake.requests)
        followup = await fake.wait_request(
            lambda r: r.method in ("POST", "PATCH") and r.path.startswith(f"/webhooks/{fake.application_id}/{interaction.token}"),
            timeout=30)
        return deferred, followup, answered_while_rendering, fake.messages_for(interaction)

    deferred, followup, answered_while_rendering, messages = play(db_path, body)
    assert deferred.json["type"] == 5
    assert deferred.json.get("data", {}).get("flags", 0) & EPHEMERAL == 0
    assert answered_while_rendering
    assert followup.ok
    [(part, filename, png)] = followup.files
    assert filename == "chart.png" and png_size(png) == (1000, 560) and len(png) <= 300 * 1024
    [embed] = followup.json["embeds"]
    assert embed["image"]["url"] == "attachment://chart.png"
    assert embed["title"] == "China — trade balance, exports and imports, monthly, in yuan"
    assert embed["footer"]["text"] == BULLETIN_CAPTION
    # the same embed as every answer: the newest value is its one field, and the CSV button sends what was drawn
    assert [(field["name"], field["value"]) for field in embed["fields"]] == [("Latest", "July 2026: surplus CNY 766.0 bn (computed)")]
    assert embed["color"] == 0x2EA043
    [[button]] = [row["components"] for row in followup.json["components"]]
    assert button["label"] == "CSV" and button["custom_id"].startswith("csv:chart|CHN|WLD|2024-08..2026-07|CNY|level|balance|")
    assert [request.json.get("type") for request in messages][:1] == [5] and len(messages) == 2


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        ({"country": "us"}, "The store has no monthly figures for United States’ trade balance, only cumulative ones; "
                            "the latest is Jan–Nov 2025."),
        ({"country": "us", "partner": "brazil", "indicator": "exports"},
         "The store has no figures for United States’ exports to Brazil."),
        ({"country": "narnia"}, "I don't know a country called “narnia”"),
    ],
)
def test_no_data_is_one_private_sentence(db_path, options, sentence):
    async def body(fake, client):
        interaction = await fake.slash("chart", options)
        await fake.wait_response(interaction)
        await asyncio.sleep(0.2)
        return fake.messages_for(interaction)

    [reply] = play(db_path, body)
    assert reply.json["type"] == 4
    data = reply.json["data"]
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith(sentence) and "\n" not in data["content"]
    assert not data.get("embeds") and not reply.files


def test_money_labels_use_formatting():
    assert charts._axis_money(-2.5e11, "USD") == formatting.MINUS + "$250 bn"
    assert charts._axis_money(1.2e12, "USD") == "$1.2 tn"
    assert charts._axis_money(0.0, "USD") == "$0"


def test_a_chart_asked_in_plain_words_with_ask_is_drawn(db_path):
    async def body(fake, client):
        interaction = await fake.slash("ask", {"question": "chart china exports"})
        deferred = await fake.wait_response(interaction)
        followup = await fake.wait_request(
            lambda r: r.method in ("POST", "PATCH") and r.path.startswith(f"/webhooks/{fake.application_id}/{interaction.token}"),
            timeout=30)
        return deferred, followup

    deferred, followup = play(db_path, body)
    assert deferred.json["type"] == 5
    [(_part, filename, png)] = followup.files
    assert filename == "chart.png" and png_size(png) == (1000, 560)
    assert followup.json["embeds"][0]["title"].startswith("China — exports")


@pytest.mark.parametrize("months", [0, 5, 121])
def test_a_window_outside_the_range_is_refused_not_replaced_by_the_default(store, months):
    with pytest.raises(BadPeriod, match=f"from 6 to 120; not {months}"):
        charts.for_query(store, parse("chart china exports", TODAY), months=months)
