"""The Discord bot end to end: the unmodified discord.py client, built by bot.py, talking
over real sockets to the fake Discord in tests/fakediscord.py, on a real seeded store."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace

import pytest

import bot as entry
from tradebot import formatting
from tradebot.config import Settings

from conftest import PROJECT_DIR
from fakediscord import FakeDiscord

EXPECTED_COMMANDS = {"surplus", "exports", "imports", "about", "calendar", "alerts", "ask", "partners", "compare", "chart", "tariffs", "drivers"}
EPHEMERAL = 64


def play(db_path, body, development_guild: bool = False):
    """Run `body(fake, bot)` against a connected bot; return what it returns."""

    async def main():
        async with FakeDiscord() as fake:
            guild_id = fake.guild_id if development_guild else None
            settings = replace(Settings(db_path=db_path), discord_token=fake.token, guild_id=guild_id)
            client = entry.build_bot(settings, guild_ready_timeout=0.1)
            async with fake.run_bot(client):
                return await body(fake, client)

    return asyncio.run(main())


def reply_of(request) -> dict:
    """The message data of an interaction callback (type 4) as sent."""
    assert request.json["type"] == 4, request.json
    return request.json["data"]


def embed_text(embed: dict) -> str:
    parts = [embed.get("title", ""), embed.get("description") or ""]
    parts += [f"{field['name']}: {field['value']}" for field in embed.get("fields", [])]
    parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)


def ask_json(db_path, text: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), "ask", "--json", text],
        capture_output=True, text=True, cwd=PROJECT_DIR, env={"TRADEBOT_DB": str(db_path), "PATH": ""}, timeout=60,
    )
    return json.loads(result.stdout)


def test_connects_and_syncs_exactly_the_commands_once(db_path):
    async def body(fake, client):
        return fake.commands, fake.sync_calls

    commands, sync_calls = play(db_path, body)
    assert sync_calls == 1
    assert {command["name"] for command in commands} == EXPECTED_COMMANDS
    by_name = {command["name"]: command for command in commands}
    for name in ("surplus", "exports", "imports"):
        options = by_name[name]["options"]
        assert [(o["name"], o["type"], o.get("required", False), o.get("autocomplete", False)) for o in options] == [
            ("country", 3, True, True), ("partner", 3, False, True), ("period", 3, False, False)]
        assert all(o["description"] for o in options)
        assert by_name[name]["description"]
    assert [(o["name"], o["type"], o.get("required", False), o.get("autocomplete", False)) for o in by_name["tariffs"]["options"]] == [
        ("country", 3, True, True), ("product", 3, False, True), ("period", 3, False, False)]  # DESIGN.md §4
    assert [(o["name"], o.get("required", False)) for o in by_name["calendar"]["options"]] == [("country", False)]
    assert by_name["about"].get("options", []) == []


def test_with_a_guild_id_the_commands_sync_to_that_guild_only(db_path):
    async def body(fake, client):
        return fake.global_commands, fake.synced_guild_commands, fake.guild_id

    global_commands, guild_commands, guild_id = play(db_path, body, development_guild=True)
    assert not global_commands
    assert {command["name"] for command in guild_commands[guild_id]} == EXPECTED_COMMANDS


def test_surplus_china_is_an_embed_whose_numbers_equal_ask_json(db_path):
    async def body(fake, client):
        interaction = await fake.slash("surplus", {"country": "china"})
        return reply_of(await fake.wait_response(interaction))

    reply = play(db_path, body)
    expected = ask_json(db_path, "/surplus china")
    embed = reply["embeds"][0]
    assert embed["title"] == expected["text"].splitlines()[0]
    assert embed["title"] == "China — trade surplus, July 2026: CNY 766.0 bn (computed; +8.6% y/y, computed)"
    shown = re.findall(r"(?:\$|CNY )\d[\d,]*(?:\.\d+)?(?: (?:tn|bn|mn))?|[+−]?\d+(?:\.\d+)?%", embed_text(embed))
    figures = {formatting.money(f["value"], f["unit"]) if not f["unit"].startswith("percent") else formatting.percent(f["value"])
               for f in expected["figures"]}
    assert shown and set(shown) == figures
    assert [field["name"] for field in embed["fields"]] == ["Exports", "Imports", "Year to date, Jan–Jul 2026", "Previous month, June 2026"]
    assert embed["footer"]["text"].startswith("Source: China Customs (GACC) monthly bulletin · released August 2026 (month assumed")
    assert embed["color"] == 0x2EA043  # surplus green
    assert reply.get("flags", 0) & EPHEMERAL == 0


def test_exports_china_to_the_us_in_november_2025_is_the_bilateral_figure(db_path):
    async def body(fake, client):
        interaction = await fake.slash("exports", {"country": "china", "partner": "us", "period": "2025-11"})
        return reply_of(await fake.wait_response(interaction))

    embed = play(db_path, body)["embeds"][0]
    assert embed["title"] == "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Year to date, Jan–Nov 2025"] == "$385.9 bn (−18.9% y/y)"


def test_a_deficit_is_red(db_path):
    async def body(fake, client):
        interaction = await fake.slash("surplus", {"country": "USA"})
        return reply_of(await fake.wait_response(interaction))

    embed = play(db_path, body)["embeds"][0]
    assert embed["title"].startswith("United States — trade deficit, Jan–Nov 2025: $1.13 tn")
    assert embed["color"] == 0xDA3633


def test_autocomplete_offers_china_first_and_answers_nonsense_fast(db_path):
    async def body(fake, client):
        results = {}
        for text in ("chi", "zzzz", "", "x" * 100):
            started = time.perf_counter()
            interaction = await fake.autocomplete("surplus", {"country": text}, focused="country")
            request = await fake.wait_response(interaction)
            results[text] = (request.json, time.perf_counter() - started)
        return results

    results = play(db_path, body)
    payload, _ = results["chi"]
    assert payload["type"] == 8
    assert payload["data"]["choices"][0] == {"name": "China", "value": "CHN"}
    for text, (payload, seconds) in results.items():
        assert len(payload["data"]["choices"]) <= 25
        assert seconds < 2.5, (text, seconds)  # Discord drops autocomplete answers after 3 s
    assert results["zzzz"][0]["data"]["choices"] == []
    assert len(results[""][0]["data"]["choices"]) == 25


def test_tariffs_answers_with_an_embed_and_offers_products_by_word_and_chapter(db_path):
    """Issue 17 through the real client: /tariffs china is a public embed with the computed rate,
    and the product option offers everyday words and the chapters the store has names for."""
    async def body(fake, client):
        answer = await fake.slash("tariffs", {"country": "china", "product": "furniture", "period": "2024"})
        reply = (await fake.wait_response(answer)).json["data"]
        offered = {}
        for text in ("elec", "85", "furn"):
            interaction = await fake.autocomplete("tariffs", {"country": "china", "product": text}, focused="product")
            offered[text] = (await fake.wait_response(interaction)).json["data"]["choices"]
        return reply, offered

    reply, offered = play(db_path, body)
    [embed] = reply["embeds"]
    assert embed["title"] == "United States — duties on goods from China (Furniture), 2024: 19.1% of customs value (computed)"
    assert not reply.get("flags", 0) & 64
    assert offered["elec"][0] == {"name": "electronics (HS 85)", "value": "electronics"}
    assert offered["85"][0]["value"] == "85" and offered["85"][0]["name"].startswith("85 Electrical machinery")
    assert offered["furn"][0]["value"] == "furniture"


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        ({"country": "narnia"}, "I don't know a country called “narnia”"),
        ({"country": "chine"}, "I don't know a country called “chine”; did you mean China or Chile?"),
        ({"country": "china", "period": "2025-13"}, "“2025-13” is not a month: months run from 01 to 12."),
        ({"country": "china", "period": "2031"}, "2031 is in the future; no figures exist for it yet."),
        ({"country": "china", "period": "2019-05"}, "No figure for China’s trade balance in May 2019; the latest is July 2026."),
        ({"country": "brazil"}, "The store has no figures reported by Brazil; it has figures from China, Japan, South Korea, United States."),
        ({"country": "japan"}, "The store has no figures for Japan’s trade balance."),  # Japan's figures are with China only
    ],
)
def test_known_errors_are_one_private_sentence(db_path, options, sentence):
    async def body(fake, client):
        interaction = await fake.slash("surplus", options)
        return reply_of(await fake.wait_response(interaction))

    reply = play(db_path, body)
    assert reply["flags"] & EPHEMERAL
    assert reply["content"].startswith(sentence)
    assert "\n" not in reply["content"] and "Traceback" not in reply["content"]
    assert not reply.get("embeds")


def test_user_text_with_mentions_is_never_sent_with_mentions_enabled(db_path):
    async def body(fake, client):
        sent = []
        for options in ({"country": "@everyone"}, {"country": "china", "period": "<@&123456> @here"},
                        {"country": "china", "partner": f"<@{fake.admin_id}>"}):
            interaction = await fake.slash("surplus", options)
            sent.append(reply_of(await fake.wait_response(interaction)))
        return sent

    for reply in play(db_path, body):
        assert reply["allowed_mentions"] == {"parse": []}
        assert "@everyone" not in reply["content"] and "@here" not in reply["content"]
        assert not re.search(r"<@[&!]?\d+>", reply["content"])


def test_about_lists_the_seeds_coverage(db_path):
    async def body(fake, client):
        interaction = await fake.slash("about")
        return reply_of(await fake.wait_response(interaction))

    embed = play(db_path, body)["embeds"][0]
    fields = [(field["name"], field["value"]) for field in embed["fields"]]
    assert ("China", "China Customs (GACC): 431 figures, to February 2026, last release 10 March 2026") in fields
    assert ("China", "China Customs (GACC) monthly bulletin: 69,976 figures, to July 2026, last release August 2026") in fields
    assert ("United States", "US Census Bureau: 1,160 figures, to April 2026, last release 17 June 2026") in fields
    assert ("Japan", "Japan Ministry of Finance: 456 figures, to December 2019, last release 23 May 2025") in fields
    assert "tradebot 0.1.0" in embed["footer"]["text"]
    polled = dict(fields)["Polled live"].splitlines()
    assert polled[0] == "IMF IMTS: daily at 06:15 UTC (the IMF has no release calendar)"
    assert polled[1].startswith("China Customs: every 30 minutes 01:00–09:30 UTC on the 7th–14th")
    assert polled[2] == "US Census API: off: it needs a key since May 2026 (CENSUS_API_KEY)"  # the tests run without a key


def test_calendar_says_when_the_next_release_is_due(db_path):
    async def body(fake, client):
        interaction = await fake.slash("calendar", {"country": "china"})
        return reply_of(await fake.wait_response(interaction))

    embed = play(db_path, body)["embeds"][0]
    assert embed["title"] == "Release calendar — China"
    assert embed["fields"][0]["value"] == (
        "latest July 2026 (China Customs (GACC) monthly bulletin, released August 2026 (month assumed; the source gives no date)); "
        "next August 2026, usually 15–30 September 2026 — due already but not in the store yet")
    # the preliminary release has its own window (issue 19: each source's next window)
    assert (embed["fields"][1]["name"], embed["fields"][1]["value"]) == (
        "China · China Customs (GACC)", "latest February 2026; next March 2026, usually 7–14 April 2026 — due already but not in the store yet")


def test_an_unexpected_failure_is_logged_with_its_options_and_the_user_still_gets_a_reply(db_path, caplog):
    async def body(fake, client):
        # a real fault under the bot: the table it reads disappears
        client.store.conn.execute("ALTER TABLE figures RENAME TO figures_gone")
        interaction = await fake.slash("exports", {"country": "china", "period": "2025-11"})
        return reply_of(await fake.wait_response(interaction))

    with caplog.at_level(logging.ERROR, logger="tradebot.commands"):
        reply = play(db_path, body)
    assert reply["flags"] & EPHEMERAL
    assert reply["content"].startswith("Something went wrong on our side")
    [record] = [r for r in caplog.records if r.name == "tradebot.commands"]
    assert "/exports failed with options" in record.getMessage() and "2025-11" in record.getMessage()
    assert isinstance(record.exc_info[1], sqlite3.OperationalError)


def test_a_broken_extension_does_not_stop_the_others(db_path, monkeypatch, caplog):
    from cogs.utils import client as client_module

    monkeypatch.setattr(client_module, "EXTENSIONS", ("cogs.does_not_exist", *client_module.EXTENSIONS))

    async def body(fake, client):
        return client.failed_extensions, {command["name"] for command in fake.commands}

    with caplog.at_level(logging.ERROR):
        failed, commands = play(db_path, body)
    assert failed == ["cogs.does_not_exist"]
    assert commands == EXPECTED_COMMANDS
    assert any("cogs.does_not_exist failed to load" in r.getMessage() for r in caplog.records)


def test_a_rejected_token_is_one_line_and_exit_two(db_path, capsys):
    async def main():
        async with FakeDiscord() as fake:
            return await entry.serve(Settings(db_path=db_path, discord_token=fake.token + "-wrong"))

    assert asyncio.run(main()) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Discord rejected DISCORD_TOKEN")


def test_the_token_never_appears_in_any_log_line(db_path, caplog):
    async def body(fake, client):
        interaction = await fake.slash("surplus", {"country": "china"})
        await fake.wait_response(interaction)
        return fake.token

    with caplog.at_level(logging.DEBUG):
        token = play(db_path, body)
    lines = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert len(caplog.records) > 20  # discord.py's debug logging ran
    assert not any(token in line for line in lines)
