"""Reliability (issue 9): load, faults and abuse, through the real discord.py client built by
bot.py against the fake Discord in tests/fakediscord.py, on a real seeded store; nothing of
ours is mocked. No timing is asserted beyond generous timeouts (shared machines are noisy):
the load test prints its slowest reply (`pytest -s`) and puts it in its assertion messages."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import secrets
import statistics
import time
from dataclasses import replace
from datetime import timedelta

import pytest

import bot as entry
from cogs.utils import cooldowns
from tradebot.config import Settings
from tradebot.delivery import STEPS
from tradebot.store import Store

from fakediscord import FakeDiscord, Perm

EPHEMERAL = 64
MANAGE_SERVER = "You need the Manage Server permission for this command."
UNEXPECTED = "Something went wrong on our side"
# one private sentence saying when to try again (cogs/utils/tree.py cooldown_sentence)
COOLDOWN = re.compile(r"Slow down a little: you can ask for this once every (\d+) seconds, so please try again in (\d+) seconds?\.")
CSV_HEADER = b"reporter,"


class Errors(logging.Handler):
    """ERROR records from discord.py and tradebot: an exception swallowed somewhere shows up here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" + (f" {r.exc_info[1]!r}" if r.exc_info else "") for r in self.records]


def play(db_path, body, *, settings: Settings | None = None, fake: FakeDiscord | None = None, timeout: float = 60):
    """Run `body(fake, client)` against a connected bot (on `fake`, not yet started, if given);
    return (what it returns, the ERROR records logged meanwhile)."""
    errors = Errors()
    watched = [logging.getLogger("discord"), logging.getLogger("tradebot")]
    for logger in watched:
        logger.addHandler(errors)

    async def main():
        async with fake or FakeDiscord() as server:
            chosen = settings or replace(Settings(db_path=db_path), delivery_seconds=3600)
            client = entry.build_bot(replace(chosen, discord_token=server.token), guild_ready_timeout=0.1)
            async with server.run_bot(client):
                return await body(server, client)

    try:
        return asyncio.run(asyncio.wait_for(main(), timeout)), errors.texts()
    finally:
        for logger in watched:
            logger.removeHandler(errors)


def data_of(request) -> dict:
    """The message data of an interaction callback as sent."""
    assert request.json["type"] == 4, request.json
    return request.json["data"]


def is_private_sentence(data: dict) -> bool:
    return bool(data.get("flags", 0) & EPHEMERAL) and "\n" not in data["content"] and not data.get("embeds")


def webhook_calls(fake, interaction) -> list:
    return [r for r in fake.requests if r.path.startswith(f"/webhooks/{fake.application_id}/{interaction.token}")]


def callback_calls(fake, interaction) -> list:
    return [r for r in fake.requests if r.path == f"/interactions/{interaction.id}/{interaction.token}/callback"]


async def followup_of(fake, interaction, timeout: float = 30):
    """The successful first followup (a chart's PNG) of a deferred interaction."""
    prefix = f"/webhooks/{fake.application_id}/{interaction.token}"
    return await fake.wait_request(lambda r: r.method in ("POST", "PATCH") and r.path.startswith(prefix) and r.ok, timeout)


# --- 1. load ---

# (command, options, country named in the title, expected title, first field as "name: value" or None)
LOAD = [
    ("surplus", {"country": "china"}, "China", "China — trade surplus, July 2026: CNY 766.0 bn (computed; +8.6% y/y, computed)", None),
    ("surplus", {"country": "china", "period": "2025-11"}, "China",
     "China — trade surplus, November 2025: $111.7 bn (+14.6% y/y, computed)", None),
    ("surplus", {"country": "us"}, "United States", "United States — trade deficit, Jan–Nov 2025: $1.13 tn", None),
    ("surplus", {"country": "us", "partner": "china"}, "United States",
     "United States — trade deficit with China, April 2026: $10.4 bn (−39.7% y/y, computed)", None),
    ("surplus", {"country": "china", "partner": "japan"}, "China",
     "China — trade deficit with Japan, July 2026: CNY 34.7 bn (computed; +98.3% y/y, computed)", None),
    ("surplus", {"country": "prc", "partner": "asean"}, "China",
     "China — trade surplus with ASEAN, July 2026: CNY 224.0 bn (computed; +34.4% y/y, computed)", None),
    ("exports", {"country": "china"}, "China", "China — exports, July 2026: CNY 2.71 tn (+17.5% y/y, computed)", None),
    ("exports", {"country": "china", "partner": "us", "period": "2025-11"}, "China",
     "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)", None),
    ("exports", {"country": "us", "partner": "vietnam"}, "United States", "United States — exports to Vietnam, Jan–Nov 2025: $15.5 bn", None),
    ("exports", {"country": "united states", "partner": "germany"}, "United States",
     "United States — exports to Germany, April 2026: $8.1 bn (+11.2% y/y, computed)", None),
    ("exports", {"country": "chnia", "partner": "eu"}, "China",
     "China — exports to European Union, July 2026: CNY 396.0 bn (+10.7% y/y, computed)", None),
    ("imports", {"country": "china", "period": "2024-06"}, "China", "China — imports, June 2024: $208.8 bn (−2.3% y/y)", None),
    ("imports", {"country": "us", "partner": "japan"}, "United States",
     "United States — imports from Japan, April 2026: $12.9 bn (−4.5% y/y, computed)", None),
    ("imports", {"country": "china", "partner": "asean"}, "China",
     "China — imports from ASEAN, July 2026: CNY 291.1 bn (+29.2% y/y, computed)", None),
    ("imports", {"country": "us", "partner": "china"}, "United States",
     "United States — imports from China, April 2026: $19.8 bn (−21.9% y/y, computed)", None),
    ("imports", {"country": "china", "period": "2025"}, "China", "China — imports, 2025: $2.58 tn (−0.4% y/y, computed)", None),
    ("partners", {"country": "china", "indicator": "exports", "period": "2025-11"}, "China",
     "China — top partners by exports, November 2025", "1. United States: $33.8 bn (−28.6% y/y) · 10.2% of the total (computed)"),
    ("partners", {"country": "us"}, "United States", "United States — top partners by total trade, Jan–Nov 2025",
     "1. Mexico: $802.3 bn · 15.6% of the total (computed)"),
    ("partners", {"country": "china", "indicator": "imports"}, "China", "China — top partners by imports, July 2026",
     "1. South Korea: CNY 211.5 bn (+87.8% y/y, computed) · 10.9% of the total (computed)"),
    ("partners", {"country": "us", "indicator": "balance"}, "United States", "United States — top partners by trade balance, Jan–Nov 2025",
     "1. China: deficit $189.4 bn"),
]
LOAD_COUNT = 200
FIGURE = re.compile(r"(?:\$|CNY )\d[\d,.]* (?:bn|tn|mn)")


def test_200_commands_at_once_get_200_correct_replies_none_lost_or_duplicated(db_path, monkeypatch):
    # 200 commands from six people, rankings among them: this measures load, not the per-person
    # limit on rankings (tested below)
    monkeypatch.setattr(cooldowns, "LIMITS", cooldowns.Limits(survey_rate=LOAD_COUNT))

    async def body(fake, client):
        users = [fake.member_id, fake.admin_id] + [await fake.add_member(f"trader{n}") for n in range(4)]
        started = time.monotonic()
        sent = []
        for n in range(LOAD_COUNT):  # every INTERACTION_CREATE goes out before any reply is awaited
            case = LOAD[n % len(LOAD)]
            sent.append((case, await fake.slash(case[0], case[1], user_id=users[n % len(users)])))
        replies = await asyncio.wait_for(asyncio.gather(*(fake.wait_response(i, timeout=60) for _, i in sent)), 90)
        wall = time.monotonic() - started
        await asyncio.sleep(0.2)  # room for a duplicate reply to show up
        per_interaction = [len(fake.messages_for(i)) for _, i in sent]
        posted = [m for m in fake.channel_messages() if m["author"]["id"] == str(fake.bot_user_id)]
        return sent, replies, wall, [r for r in fake.requests if r.path.startswith("/interactions/")], per_interaction, len(posted)

    (sent, replies, wall, callbacks, per_interaction, posted), errors = play(db_path, body)
    latencies = [reply.received - interaction.sent for (_, interaction), reply in zip(sent, replies, strict=True)]
    slowest = max(range(LOAD_COUNT), key=latencies.__getitem__)
    summary = (f"{LOAD_COUNT} commands at once: slowest reply {latencies[slowest]:.3f} s (#{slowest}, /{sent[slowest][0][0]}), "
               f"median {statistics.median(latencies):.3f} s, all answered in {wall:.2f} s")
    print("\n" + summary)
    assert not errors, (summary, errors)
    # none lost, none duplicated: one successful callback per interaction, and no other callback at all
    assert len(callbacks) == LOAD_COUNT and all(r.ok for r in callbacks), (summary, [(r.path, r.status) for r in callbacks if not r.ok])
    assert len({r.path for r in callbacks}) == LOAD_COUNT, summary
    assert per_interaction == [1] * LOAD_COUNT and posted == LOAD_COUNT, summary  # no followup or edit on top
    for ((command, options, country, title, first_field), _), reply in zip(sent, replies, strict=True):
        data = data_of(reply)
        assert not data.get("flags", 0) & EPHEMERAL, (summary, command, options, data)
        [embed] = data["embeds"]
        assert embed["title"] == title, (summary, command, options)
        assert embed["title"].startswith(f"{country} — "), summary
        if first_field is None:
            assert FIGURE.search(embed["title"]), summary
        else:
            field = embed["fields"][0]
            assert f"{field['name']}: {field['value']}" == first_field, (summary, command, options)
            assert FIGURE.search(field["value"]), summary
        assert data["components"][0]["components"][0]["custom_id"].startswith("csv:"), summary  # the CSV button came along


# --- 2. faults ---


async def fresh_ready(fake, before: int) -> None:
    """Wait until the bot identified again (a new session after one that could not be resumed)."""
    await fake.wait_gateway(lambda p: p["op"] == 2 and sum(q["op"] == 2 for q in fake.gateway_received) > before, timeout=10)


@pytest.mark.parametrize(
    ("fault", "resumes"),
    [
        ("close 4000", True),  # Discord's "unknown error, reconnect"
        ("close 1000", True),  # a plain close from the server side
        ("cut without a close frame", True),  # the client sees 1006
        ("op 7 RECONNECT", True),
        ("op 9 INVALID_SESSION, not resumable", False),
    ],
)
def test_after_the_gateway_drops_mid_session_the_bot_comes_back_and_answers(db_path, fault, resumes):
    async def body(fake, client):
        first = await fake.slash("surplus", {"country": "china"})
        await fake.wait_response(first)
        identified = sum(p["op"] == 2 for p in fake.gateway_received)
        if fault == "close 4000":
            await fake.drop_gateway(4000)
        elif fault == "close 1000":
            await fake.drop_gateway(1000)
        elif fault == "cut without a close frame":
            await fake.sever_gateway()
        elif fault == "op 7 RECONNECT":
            await fake.request_reconnect()
        else:
            await fake.invalidate_session(resumable=False)
            await fresh_ready(fake, identified)
        # sent straight away, before the bot is back: the fake buffers it and replays it on RESUME
        during = await fake.slash("exports", {"country": "china", "partner": "us", "period": "2025-11"})
        during_reply = await fake.wait_response(during, timeout=15)
        if resumes:
            await asyncio.wait_for(fake.resumed.wait(), 10)
        after = await fake.slash("imports", {"country": "us", "partner": "japan"})
        after_reply = await fake.wait_response(after, timeout=15)
        await asyncio.sleep(0.2)  # room for a duplicate reply to show up
        counts = [len(fake.messages_for(i)) for i in (first, during, after)]
        return during_reply, after_reply, counts, fake.resume_count, fake.identify_count, len(fake.gateway_connections)

    (during, after, counts, resumed, identified, connections), errors = play(db_path, body)
    assert not errors
    assert data_of(during)["embeds"][0]["title"] == "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)"
    assert data_of(after)["embeds"][0]["title"] == "United States — imports from Japan, April 2026: $12.9 bn (−4.5% y/y, computed)"
    assert counts == [1, 1, 1]  # every command answered exactly once
    assert connections == 2
    assert (resumed, identified) == ((1, 1) if resumes else (0, 2))


def test_rate_limits_and_server_errors_on_the_reply_routes_are_retried_and_each_reply_arrives_once(db_path):
    """429 (with retry_after), then 500, then success, on each route a reply takes: the interaction
    callback, the followup webhook (a chart after its defer) and a channel message (a mention's answer).
    discord.py waits out the 429 and retries the 500 after 3 s (1 + 2 × try); the three run at once."""

    async def body(fake, client):
        # callback: a rule keyed to this interaction, registered before the bot can possibly answer
        # (the INTERACTION_CREATE was just written to the socket; the answer is many loop turns away)
        surplus = await fake.slash("surplus", {"country": "china", "period": "2025-11"})
        fake.fail_next("POST", f"/interactions/{surplus.id}/", 429, retry_after=0.2)
        fake.fail_next("POST", f"/interactions/{surplus.id}/", 500)
        chart = await fake.slash("chart", {"country": "china"}, user_id=fake.admin_id)
        fake.fail_next("POST", f"/webhooks/{fake.application_id}/{chart.token}", 429, retry_after=0.2)
        fake.fail_next("POST", f"/webhooks/{fake.application_id}/{chart.token}", 500)
        channel = await fake.add_channel("mentions")
        fake.fail_next("POST", f"/channels/{channel}/messages", 429, retry_after=0.2)
        fake.fail_next("POST", f"/channels/{channel}/messages", 500)
        mention = await fake.user_message(f"<@{fake.bot_user_id}> imports china nov 2025", channel_id=channel)

        await fake.wait_response(surplus, timeout=15)
        await followup_of(fake, chart)
        answer = await fake.wait_request(lambda r: r.method == "POST" and r.path == f"/channels/{channel}/messages" and r.ok, timeout=15)
        await fake.wait_request(lambda r: r.path == f"/channels/{channel}/messages/{answer.response['id']}/threads" and r.ok, timeout=5)
        await asyncio.sleep(0.3)  # room for a duplicate to show up
        bot_posts = [m for m in fake.channel_messages(channel) if m["author"]["id"] == str(fake.bot_user_id)]
        return {
            "callback": ([r.status for r in callback_calls(fake, surplus)], fake.messages_for(surplus)),
            "followup": ([r.status for r in webhook_calls(fake, chart)], fake.messages_for(chart)),
            "message": ([r.status for r in fake.requests if r.path == f"/channels/{channel}/messages"], bot_posts),
        }, mention

    (routes, mention), errors = play(db_path, body)
    assert not errors
    statuses, [reply] = routes["callback"]
    assert statuses == [429, 500, 200]
    assert data_of(reply)["embeds"][0]["title"] == "China — trade surplus, November 2025: $111.7 bn (+14.6% y/y, computed)"
    statuses, [deferred, followup] = routes["followup"]
    assert statuses == [429, 500, 200] and deferred.json["type"] == 5
    [(_part, filename, png)] = followup.files
    assert filename == "chart.png" and png.startswith(b"\x89PNG")
    statuses, [post] = routes["message"]
    assert statuses == [429, 500, 200]
    assert post["embeds"][0]["title"] == "China — imports, November 2025: $218.6 bn (+1.9% y/y)"
    assert post["message_reference"]["message_id"] == mention["id"]


# --- 3a. cooldowns on the expensive answers ---


def test_a_second_chart_within_the_window_is_refused_privately_and_other_users_are_not_limited(db_path):
    async def body(fake, client):
        other = await fake.add_member("other")
        typo = await fake.slash("chart", {"country": "narnia"})  # a mistake spends nothing
        typo_reply = data_of(await fake.wait_response(typo))
        first = await fake.slash("chart", {"country": "china"})
        first_defer = await fake.wait_response(first)
        second = await fake.slash("chart", {"country": "china", "indicator": "exports"})
        refused = data_of(await fake.wait_response(second))
        by_ask = await fake.slash("ask", {"question": "chart china imports"})  # the same bucket as /chart
        refused_ask = data_of(await fake.wait_response(by_ask))
        plain = await fake.slash("surplus", {"country": "china"})  # cheap answers are never limited
        plain_reply = data_of(await fake.wait_response(plain))
        theirs = await fake.slash("chart", {"country": "china"}, user_id=other)
        their_defer = await fake.wait_response(theirs)
        await followup_of(fake, first)
        their_png = await followup_of(fake, theirs)
        await asyncio.sleep(0.2)
        return (typo_reply, first_defer, refused, refused_ask, plain_reply, their_defer, their_png,
                [fake.messages_for(i) for i in (second, by_ask)])

    (typo, first_defer, refused, refused_ask, plain, their_defer, their_png, refusals), errors = play(db_path, body)
    assert not errors
    assert typo["content"].startswith("I don't know a country called “narnia”")
    assert first_defer.json["type"] == 5
    for sentence in (refused, refused_ask):
        assert is_private_sentence(sentence), sentence
        every, wait = map(int, COOLDOWN.fullmatch(sentence["content"]).groups())
        assert every == 10 and 1 <= wait <= 10
    assert all(len(messages) == 1 for messages in refusals)  # a sentence and nothing else: no defer, no PNG
    assert plain["embeds"][0]["title"].startswith("China — trade surplus")
    assert their_defer.json["type"] == 5 and their_png.files[0][1] == "chart.png"


def test_ask_is_limited_only_when_it_draws_a_chart(db_path):
    async def body(fake, client):
        async def ask(question, user_id=None):
            interaction = await fake.slash("ask", {"question": question}, user_id=user_id)
            return interaction, await fake.wait_response(interaction)

        other = await fake.add_member("other")
        drawn, drawn_defer = await ask("chart china exports")
        texts = [data_of((await ask(question))[1]) for question in ("china exports nov 2025", "us deficit with china")]
        _, refused = await ask("graph of china imports")
        theirs, their_defer = await ask("chart china imports", user_id=other)
        return drawn_defer, await followup_of(fake, drawn), texts, data_of(refused), their_defer, await followup_of(fake, theirs)

    (drawn_defer, drawn, texts, refused, their_defer, theirs), errors = play(db_path, body)
    assert not errors
    assert drawn_defer.json["type"] == 5 and drawn.files[0][1] == "chart.png"
    assert [data["embeds"][0]["title"].split(",")[0] for data in texts] == ["China — exports", "United States — trade deficit with China"]
    assert is_private_sentence(refused) and COOLDOWN.fullmatch(refused["content"])
    assert their_defer.json["type"] == 5 and theirs.files[0][1] == "chart.png"


def test_a_chart_asked_by_mention_shares_the_limit(db_path):
    async def body(fake, client):
        other = await fake.add_member("other")

        async def mention(text, user_id=None):
            message = await fake.user_message(f"<@{fake.bot_user_id}> {text}", user_id=user_id)
            return await fake.wait_request(
                lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"
                and str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"], timeout=30)

        slash = await fake.slash("chart", {"country": "china"})
        await fake.wait_response(slash)
        return await mention("chart china exports"), await mention("chart china exports", user_id=other)

    (refused, theirs), errors = play(db_path, body)
    assert not errors
    assert COOLDOWN.fullmatch(refused.json["content"]) and not refused.files
    assert theirs.files[0][1] == "chart.png"


def test_the_csv_button_is_limited_per_user_and_says_when_to_try_again(db_path, monkeypatch):
    monkeypatch.setattr(cooldowns, "LIMITS", cooldowns.Limits(rate=1, per=1.0))  # the one place it is set; short to test expiry

    async def body(fake, client):
        other = await fake.add_member("other")
        answers = []
        for options in ({"country": "china"}, {"country": "us"}):
            interaction = await fake.slash("surplus", options)
            answers.append((await fake.wait_response(interaction)).response["resource"]["message"])
        button = answers[0]["components"][0]["components"][0]["custom_id"]
        us_button = answers[1]["components"][0]["components"][0]["custom_id"]

        async def click(message, custom_id, user_id=None):
            interaction = await fake.click(message, custom_id, user_id=user_id)
            return await fake.wait_response(interaction)

        first = await click(answers[0], button)
        again = await click(answers[0], button)
        other_answer = await click(answers[1], us_button)  # the limit is per person, not per button
        theirs = await click(answers[0], button, user_id=other)
        await asyncio.sleep(1.05)  # the window, as the sentence says
        later = await click(answers[0], button)
        return first, again, other_answer, theirs, later

    (first, again, other_answer, theirs, later), errors = play(db_path, body)
    assert not errors
    for reply in (first, theirs, later):
        [(_part, filename, csv)] = reply.files
        assert data_of(reply)["flags"] & EPHEMERAL and filename.endswith(".csv") and csv.startswith(CSV_HEADER), reply.json
    for reply in (again, other_answer):
        data = data_of(reply)
        assert is_private_sentence(data) and not reply.files
        assert data["content"] == "Slow down a little: you can ask for this once every second, so please try again in 1 second."


# --- 3b. Manage Server ---


def subscriptions(db_path) -> list[tuple]:
    store = Store(db_path)
    try:
        return [tuple(row) for row in store.conn.execute("SELECT channel_id, reporter, created_by, active FROM subscriptions ORDER BY id")]
    finally:
        store.close()


def test_alert_settings_need_manage_server_and_a_refusal_changes_nothing(db_path):
    async def body(fake, client):
        role = await fake.add_role("Moderators", Perm.MANAGE_GUILD)  # Manage Server without Administrator
        moderator = await fake.add_member("moderator", roles=[role])

        async def alerts(subcommand, user_id, **options):
            interaction = await fake.slash("alerts", options, subcommand=subcommand, user_id=user_id)
            return interaction.payload["member"]["permissions"], data_of(await fake.wait_response(interaction))

        refused = [await alerts("subscribe", fake.member_id, country="china")]
        stored_after_refusal = subscriptions(db_path)
        allowed = [await alerts("subscribe", moderator, country="china")]
        refused += [await alerts("unsubscribe", fake.member_id), await alerts("list", fake.member_id)]
        allowed += [await alerts("list", moderator)]
        return refused, allowed, stored_after_refusal, moderator

    (refused, allowed, stored_after_refusal, moderator), errors = play(db_path, body)
    assert not errors
    for permissions, data in refused:
        assert not int(permissions) & Perm.MANAGE_GUILD  # what Discord told the bot about this member
        assert is_private_sentence(data) and data["content"] == MANAGE_SERVER
    assert stored_after_refusal == []
    (permissions, subscribed), (_, listed) = allowed
    assert int(permissions) & Perm.MANAGE_GUILD and not int(permissions) & Perm.ADMINISTRATOR
    assert subscribed["content"] == "This channel will get a summary whenever new figures for China land."
    assert listed["flags"] & EPHEMERAL and listed["content"].endswith(": China")
    [(channel_id, reporter, created_by, active)] = subscriptions(db_path)  # the refused unsubscribe changed nothing
    assert (reporter, created_by, active) == ("CHN", moderator, 1)


# --- 3c. secrets ---


def distinctive_token(bot_user_id: int) -> tuple[str, list[str]]:
    """A token shaped like Discord's: base64(bot id) . base64(timestamp) . HMAC; and its parts."""
    first = base64.b64encode(str(bot_user_id).encode()).decode().rstrip("=")
    second = base64.urlsafe_b64encode(secrets.token_bytes(6)).decode().rstrip("=")
    third = secrets.token_urlsafe(27)
    return f"{first}.{second}.{third}", [first, second, third]


def test_the_token_never_reaches_a_log_line_or_discord_even_when_things_fail(db_path, tmp_path, monkeypatch, caplog):
    fake = FakeDiscord()  # not started yet: its bot id shapes the token, which the settings must hold
    token, parts = distinctive_token(fake.bot_user_id)
    fake.token = token
    database = tmp_path / "secret-place" / "tradebot.db"
    database.parent.mkdir()
    database.write_bytes(db_path.read_bytes())
    environment = {
        "DISCORD_TOKEN": token, "TRADEBOT_DB": str(database), "LOG_LEVEL": "DEBUG", "TRADEBOT_DELIVERY_SECONDS": "3600",
        "MESSAGE_CONTENT_INTENT": "false", "TRADEBOT_IMF_REPORTERS": "CHN,USA",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()  # the process environment over .env, as `bot.py run` reads it
    assert settings.discord_token == token and settings.db_path == database and token not in repr(settings)

    async def body(fake, client):
        async def slash(name, options, statuses=()):
            interaction = await fake.slash(name, options)
            for status in statuses:  # keyed to this interaction, before the bot can answer it
                fake.fail_next("POST", f"/interactions/{interaction.id}/", status, retry_after=0.1)
            return await fake.wait_response(interaction, timeout=15)

        replies = [await slash("surplus", {"country": "narnia"})]  # a user's mistake
        replies.append(await slash("exports", {"country": "china"}, statuses=(404,)))  # not retried: the command fails
        replies.append(await slash("imports", {"country": "china"}, statuses=(429,)))  # waited out and retried
        message = replies[-1].response["resource"]["message"]
        button = message["components"][0]["components"][0]["custom_id"]
        await fake.drop_gateway(4000)  # the RESUME carries the token again
        await asyncio.wait_for(fake.resumed.wait(), 10)
        replies.append(await fake.wait_response(await fake.click(message, button)))  # a CSV file
        fake.fail_next("POST", f"/channels/{fake.channel_id}/messages", 403)  # a mention whose answer Discord refuses
        await fake.user_message(f"<@{fake.bot_user_id}> surplus china")
        await fake.wait_request(lambda r: r.path == f"/channels/{fake.channel_id}/messages" and r.status == 403)
        client.store.close()  # from now on every command meets an unexpected exception
        replies.append(await slash("surplus", {"country": "china"}))
        replies.append(await fake.wait_response(await fake.click(message, button, user_id=fake.admin_id)))
        return [data_of(reply) for reply in replies], replies[3].files, fake.requests, fake.gateway_received

    caplog.set_level(logging.DEBUG)  # every logger, discord.py's included: raw records, before any formatter
    (replies, csv_files, requests, gateway), _ = play(database, body, settings=settings, fake=fake)
    narnia, failed_send, retried, csv, closed_store, closed_store_button = replies
    assert narnia["content"].startswith("I don't know a country called “narnia”")
    assert retried["embeds"][0]["title"].startswith("China — imports")
    assert csv_files[0][2].startswith(CSV_HEADER)
    for reply in (failed_send, closed_store, closed_store_button):
        assert reply["content"].startswith(UNEXPECTED) and reply["flags"] & EPHEMERAL

    # the checks can see: the token was used, and the failures were logged with their tracebacks
    assert requests[0].path == "/users/@me" and requests[0].headers["Authorization"] == f"Bot {token}"
    assert [p["d"]["token"] for p in gateway if p["op"] in (2, 6)] == [token, token]
    assert len(caplog.records) > 50 and {"discord.http", "discord.gateway", "discord.client"} <= {r.name for r in caplog.records}
    logged = caplog.text + "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {record.stack_info or ''}" for record in caplog.records)
    for failure in ("/exports failed with options", "/surplus failed with options", "button csv:", "Traceback", "is rate limited",
                    "403 Forbidden", "Cannot operate on a closed database"):
        assert failure in logged, failure

    sent = [json.dumps(request.json) + request.path + json.dumps(request.query) + "".join(
        data.decode("utf-8", "replace") for _, _, data in request.files) for request in requests]
    sent += [json.dumps({key: value for key, value in request.headers.items() if key.lower() != "authorization"}) for request in requests]
    sent += [json.dumps({**p, "d": {k: v for k, v in p["d"].items() if k != "token"}}) if p["op"] in (2, 6) else json.dumps(p)
             for p in gateway]
    for secret in (token, *parts):
        assert secret not in logged, secret
        assert not any(secret in text for text in sent), secret
    assert not any(str(database.parent) in text for text in sent)  # nor does a server path reach Discord


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_of_delivery_gives_exactly_one_alert_and_one_thread(before_november, november_release,
                                                                                  monkeypatch, step):
    """Kill the bot right after each step of a delivery (claimed, sent, recorded, threaded), restart
    it on the same database: every (release, channel) ends with one alert and one thread, and the
    thread takes follow-ups."""
    from test_alerts import crash_at, play, posts, threads

    from tradebot import alerts, conversations

    monkeypatch.setattr(alerts, "CLAIM_LEASE", timedelta(0))  # the restart need not wait out the dead process's lease
    channels = []

    async def restart(fake, client, outbox):
        await outbox.deliver()
        await outbox.deliver()
        return {channel: (len(posts(fake, channel)), len(threads(fake, channel))) for channel in channels}

    async def first_run(fake, client, outbox):
        channels.extend(await crash_at(step, november_release, more_channels=1)(fake, client, outbox))

    _, counts = play(before_november, first_run, restart)
    assert counts == {channel: (1, 1) for channel in channels}
    store = Store(before_november)
    try:
        rows = store.conn.execute("SELECT status, thread_id, thread_pending FROM deliveries").fetchall()
        assert [(row["status"], row["thread_pending"]) for row in rows] == [("sent", 0), ("sent", 0)]
        assert all(conversations.load(store, row["thread_id"]) is not None for row in rows)
    finally:
        store.close()


def test_rankings_are_limited_per_person_and_a_decade_is_the_longest_period(db_path):
    """Issue 16: `/partners china period:1948-01..2026-04` cost 184 ms on the seed store, was not
    limited, and eight at once froze the loop for 6.3 s. A period over ten years is refused in one
    private sentence, and a fourth ranking within ten seconds waits."""
    async def body(fake, client):
        other = await fake.add_member("other")
        long = await fake.slash("partners", {"country": "china", "period": "1948-01..2026-04"})
        replies = [data_of(await fake.wait_response(long))]
        for _ in range(3):
            interaction = await fake.slash("partners", {"country": "china"})
            replies.append(data_of(await fake.wait_response(interaction)))
        theirs = await fake.slash("partners", {"country": "china"}, user_id=other)
        replies.append(data_of(await fake.wait_response(theirs)))
        return replies

    (too_long, first, second, refused, theirs), errors = play(db_path, body)
    assert not errors
    assert is_private_sentence(too_long) and too_long["content"].startswith("Jan 1948–Apr 2026 is 940 months; one answer")
    assert first["embeds"][0]["title"].startswith("China — top partners") and second["embeds"]
    assert is_private_sentence(refused)
    assert refused["content"].startswith("Slow down a little: you can ask for this 3 times every 10 seconds")
    assert theirs["embeds"][0]["title"].startswith("China — top partners")


def test_rankings_asked_in_words_share_the_per_person_limit(db_path):
    """Issue 16: `/partners` was limited, but the same ranking asked through /ask or a mention was
    not, so the limit on the store's most expensive answers had two open doors. Now any ranking
    or comparison, however worded, spends from one bucket before the work starts; answers in
    text and other people are not limited."""
    async def body(fake, client):
        other = await fake.add_member("other")

        async def ask(question, user_id=None):
            return data_of(await fake.wait_response(await fake.slash("ask", {"question": question}, user_id=user_id)))

        async def mention(text):
            message = await fake.user_message(f"<@{fake.bot_user_id}> {text}")
            return (await fake.wait_request(
                lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"
                and str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"], timeout=30)).json

        slash = data_of(await fake.wait_response(await fake.slash("partners", {"country": "china"})))
        worded = await ask("china's top export markets")
        compared = await ask("compare china and the us")
        refused = await ask("rank china's partners by imports")
        plain = await ask("us deficit with china")  # not a survey: never limited
        by_mention = await mention("top partners of china")
        before = len(fake.requests)
        theirs = await ask("china's top export markets", user_id=other)
        # the answer opens a thread after replying: let it, before the fake Discord closes
        await fake.wait_request(lambda r: r.method == "POST" and r.path.endswith("/threads"), start=before)
        return slash, worded, compared, refused, plain, by_mention, theirs

    (slash, worded, compared, refused, plain, by_mention, theirs), errors = play(db_path, body)
    assert not errors
    assert slash["embeds"][0]["title"].startswith("China — top partners")
    assert worded["embeds"][0]["title"].startswith("China — top partners by exports")
    assert compared["embeds"][0]["title"].startswith("China and United States — trade balance")
    assert is_private_sentence(refused) and refused["content"].startswith("Slow down a little: you can ask for this 3 times")
    assert plain["embeds"][0]["title"].startswith("United States — trade deficit with China")
    assert by_mention["content"].startswith("Slow down a little: you can ask for this 3 times") and not by_mention.get("embeds")
    assert theirs["embeds"][0]["title"].startswith("China — top partners by exports")


def test_ten_mention_charts_in_a_row_get_one_slow_down_not_ten(db_path):
    """Issue 16: each refused mention-chart got its own public "slow down" reply."""
    async def body(fake, client):
        before = len(fake.requests)
        for _ in range(10):
            await fake.user_message(f"<@{fake.bot_user_id}> chart china exports")
        await fake.wait_request(lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages" and r.files,
                                timeout=30)
        await asyncio.sleep(1.0)
        return [r for r in fake.requests[before:] if r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"]

    replies, errors = play(db_path, body)
    assert not errors
    charts = [r for r in replies if r.files]
    slow_downs = [r for r in replies if COOLDOWN.fullmatch((r.json or {}).get("content") or "")]
    assert len(charts) == 1 and len(slow_downs) == 1 and len(replies) == 2


def test_option_values_discord_would_not_send_get_a_sentence_not_a_traceback(db_path):
    """Issue 16, found by the fuzz run (bench/fuzz.py): a choice outside the offered ones raised
    TransformerError into the log as a failure, and a role id Discord could not resolve (deleted
    as the command was sent) stored the subscription, then crashed on `role.mention`."""
    async def body(fake, client):
        choice = await fake.slash("partners", {"country": "china", "indicator": "**balance** @everyone"})
        replies = [data_of(await fake.wait_response(choice))]
        gone = await fake.slash("alerts", {"country": "china", "role": "0"}, subcommand="subscribe", user_id=fake.admin_id)
        replies.append(data_of(await fake.wait_response(gone)))
        return replies

    (choice, gone), errors = play(db_path, body)
    assert not errors
    assert is_private_sentence(choice) and choice["content"] == "“\\*\\*balance\\*\\* @\u200beveryone” is not one of the choices."
    assert is_private_sentence(gone) and gone["content"].startswith("That role is not one this server has")
    assert subscriptions(db_path) == []


def test_user_markdown_quoted_in_a_public_reply_is_escaped(db_path):
    """Issue 16: a reply in a thread repeated the user's masked link and markup as markup."""
    async def body(fake, client):
        message = await fake.user_message(f"<@{fake.bot_user_id}> /surplus china partner:[x](https://evil.example) **now**")
        return await fake.wait_request(
            lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"
            and str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"], timeout=30)

    reply, errors = play(db_path, body)
    assert not errors
    content = reply.json["content"]
    assert content.startswith("I don't know a country called “\\[x](https://evil.example) \\*\\*now\\*\\*”")  # quoted back…
    assert "“[x](https://" not in content and " **now**" not in content  # …never as a link or bold
