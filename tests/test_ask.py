"""/ask, mentions and thread follow-ups end to end: the real discord.py client built by bot.py,
the fake Discord in tests/fakediscord.py, a real seeded store; nothing of ours is mocked.

Two kinds of follow-up appear here. A slash-style line (`/imports china period:2025-11`)
needs no context, so it tests the wiring: which messages get answered, where the reply goes,
which context is stored. A plain follow-up ("and imports?", "what about October?") can only
be answered with the thread's context, so it tests that the stored context reaches the parser
and that each answer's query becomes the next context."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import bot as entry
from cogs.utils.tree import UNEXPECTED
from tradebot import conversations
from tradebot.config import Settings
from tradebot.periods import LATEST, Period, PeriodSpec
from tradebot.query import Query
from tradebot.store import Store
from tradebot.sync import sync_file

from fakediscord import FakeDiscord

EPHEMERAL = 64
NO_PINGS = {"parse": []}  # the bot's AllowedMentions.none(): no one, not even the replied-to user (Discord: replied_user defaults to false)
SURPLUS_CHINA = "China — trade surplus, July 2026: CNY 766.0 bn (computed; +8.6% y/y, computed)"  # the bulletin's newest month
IMPORTS_NOVEMBER = "China — imports, November 2025: $218.6 bn (+1.9% y/y)"
IMPORTS_FOLLOW_UP = "/imports china period:2025-11"  # answerable without any context
JULY_2026 = PeriodSpec("fixed", Period.parse("2026-07"))
IMPORTS_JULY = "China — imports, July 2026: CNY 1.95 tn (+21.5% y/y, computed)"
NOVEMBER_2025 = PeriodSpec("fixed", Period.parse("2025-11"))


def play(db_path, *bodies, message_content: bool = False):
    """Run each body against its own bot (a fresh client on the same database, so a restart
    between bodies) on one fake Discord; return what each body returns."""

    async def main():
        results = []
        async with FakeDiscord() as fake:
            for body in bodies:
                settings = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600,
                                   message_content=message_content)
                client = entry.build_bot(settings, guild_ready_timeout=0.1)
                async with fake.run_bot(client):
                    results.append(await body(fake, client))
        return results

    return asyncio.run(main())


def context_of(db_path, thread_id) -> Query | None:
    store = Store(db_path)
    try:
        return conversations.load(store, int(thread_id))
    finally:
        store.close()


async def slash_ask(fake, question: str, channel_id: int | None = None) -> tuple[list, int | None]:
    """/ask; returns the REST calls it made and the id of the thread it opened (None: no thread)."""
    start = len(fake.requests)
    interaction = await fake.slash("ask", {"question": question}, channel_id=channel_id)
    callback = await fake.wait_response(interaction)
    if callback.json["data"].get("flags", 0) & EPHEMERAL:
        return fake.requests[start:], None
    thread = await fake.wait_request(lambda r: r.method == "POST" and r.path.endswith("/threads"), start=start)
    return fake.requests[start:], int(thread.response["id"])


async def say(fake, text: str, channel_id: int, *, mention: bool = False, user_id: int | None = None) -> dict:
    """A member posts in a channel or thread, optionally mentioning the bot first."""
    content = f"<@{fake.bot_user_id}> {text}" if mention else text
    return await fake.user_message(content, channel_id=channel_id, user_id=user_id)


async def reply_to(fake, message: dict):
    """The bot's reply to `message` (a POST in the same channel that references it)."""

    def is_reply(request) -> bool:
        payload = request.json if isinstance(request.json, dict) else {}
        reference = payload.get("message_reference") or {}
        return (request.method == "POST" and request.path == f"/channels/{message['channel_id']}/messages"
                and str(reference.get("message_id")) == message["id"])

    return await fake.wait_request(is_reply)


def posts_in(fake, channel_id) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"]


def title(request) -> str:
    return request.json["embeds"][0]["title"]


# --- /ask ---


def test_ask_has_one_required_option_named_question(db_path):
    async def body(fake, client):
        return next(command for command in fake.commands if command["name"] == "ask")

    [ask] = play(db_path, body)
    [option] = ask["options"]
    assert (option["name"], option["type"], option.get("required")) == ("question", 3, True)
    assert 1 <= len(option["description"]) <= 100 and 1 <= len(ask["description"]) <= 100


@pytest.mark.parametrize(
    ("question", "headline", "thread_name", "context"),
    [
        ("surplus china", SURPLUS_CHINA, "China, July 2026 — follow-ups", Query("balance", "CHN", "WLD", JULY_2026)),
        ("china exports to us nov 2025", "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)",
         "China–United States, November 2025 — follow-ups", Query("exports", "CHN", "USA", NOVEMBER_2025)),
        ("/exports china partner:us period:2025-11", "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)",
         "China–United States, November 2025 — follow-ups", Query("exports", "CHN", "USA", NOVEMBER_2025)),
    ],
)
def test_ask_answers_with_the_embed_then_opens_a_thread_holding_the_context(db_path, question, headline, thread_name, context):
    async def body(fake, client):
        calls, thread_id = await slash_ask(fake, question)
        return fake.channel_id, calls, thread_id

    [(channel_id, calls, thread_id)] = play(db_path, body)
    callback, original, thread = calls
    assert (callback.method, callback.json["type"]) == ("POST", 4)
    reply = callback.json["data"]
    assert reply["embeds"][0]["title"] == headline
    assert reply.get("flags", 0) & EPHEMERAL == 0
    assert reply["allowed_mentions"] == {"parse": []}
    assert (original.method, original.path.endswith("/messages/@original")) == ("GET", True)
    message_id = original.response["id"]
    assert (thread.method, thread.path, thread.status) == ("POST", f"/channels/{channel_id}/messages/{message_id}/threads", 201)
    assert thread.json["name"] == thread_name
    assert context_of(db_path, thread_id) == context


def test_a_question_that_cannot_be_answered_is_a_private_sentence_and_opens_no_thread(db_path):
    async def body(fake, client):
        answers = {}
        for question in ("surplus japan", "blah blah"):
            calls, thread_id = await slash_ask(fake, question)
            answers[question] = (calls, thread_id)
        return answers

    [answers] = play(db_path, body)
    for question, (calls, thread_id) in answers.items():
        [callback] = calls  # no GET @original, no thread
        reply = callback.json["data"]
        assert reply["flags"] & EPHEMERAL, question
        assert reply["content"] and "\n" not in reply["content"] and "Traceback" not in reply["content"]
        assert not reply.get("embeds") and thread_id is None
    assert "Japan" in answers["surplus japan"][0][0].json["data"]["content"]
    assert Store(db_path).conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0


# --- follow-ups in the bot's threads ---


def test_every_message_in_an_ask_thread_is_answered_there_when_the_intent_is_on(db_path):
    async def body(fake, client):
        _, thread_id = await slash_ask(fake, "surplus china")
        question = await say(fake, IMPORTS_FOLLOW_UP, thread_id)
        reply = await reply_to(fake, question)
        await asyncio.sleep(0.2)  # the reply's echo (a bot message) must not be answered
        return thread_id, question, reply, posts_in(fake, thread_id)

    [(thread_id, question, reply, posts)] = play(db_path, body, message_content=True)
    assert title(reply) == IMPORTS_NOVEMBER
    assert str(reply.json["message_reference"]["message_id"]) == question["id"]
    assert reply.json["allowed_mentions"] == NO_PINGS
    assert posts == [reply]
    assert context_of(db_path, thread_id) == Query("imports", "CHN", "WLD", NOVEMBER_2025)


def thread_with_follow_ups(db_path, question: str, *follow_ups: str) -> tuple[int, list]:
    """/ask `question`, then each follow-up posted in the thread it opened (every message answered):
    the thread's id and the bot's replies, in order."""
    async def body(fake, client):
        _, thread_id = await slash_ask(fake, question)
        return thread_id, [await reply_to(fake, await say(fake, text, thread_id)) for text in follow_ups]

    [result] = play(db_path, body, message_content=True)
    return result


def test_plain_follow_ups_in_an_ask_thread_inherit_the_thread_context(db_path):
    thread_id, (imports, october) = thread_with_follow_ups(db_path, "surplus china", "and imports?", "what about October?")
    assert title(imports) == IMPORTS_JULY
    # imports: the context the first follow-up left; October 2025 exists in dollars, which come first
    assert title(october) == "China — imports, October 2025: $215.3 bn (+1.0% y/y)"
    assert context_of(db_path, thread_id) == Query("imports", "CHN", "WLD", PeriodSpec("fixed", Period.parse("2025-10")))


def test_without_the_intent_only_thread_messages_that_mention_the_bot_are_answered(db_path):
    async def body(fake, client):
        _, thread_id = await slash_ask(fake, "surplus china")
        ignored = await say(fake, IMPORTS_FOLLOW_UP, thread_id)
        answered = await say(fake, IMPORTS_FOLLOW_UP, thread_id, mention=True)
        reply = await reply_to(fake, answered)
        return ignored, reply, posts_in(fake, thread_id)

    [(ignored, reply, posts)] = play(db_path, body)
    assert title(reply) == IMPORTS_NOVEMBER  # the mention was stripped from the question
    assert posts == [reply]  # nothing for the message without a mention (Discord sent it without content)
    assert str(reply.json["message_reference"]["message_id"]) != ignored["id"]


def test_a_thread_keeps_its_context_across_a_restart(db_path):
    thread = {}

    async def before(fake, client):
        _, thread["id"] = await slash_ask(fake, "surplus china")

    async def after_restart(fake, client):
        stored = conversations.load(client.store, thread["id"])
        reply = await reply_to(fake, await say(fake, IMPORTS_FOLLOW_UP, thread["id"], mention=True))
        return stored, reply

    _, (stored, reply) = play(db_path, before, after_restart)
    assert stored == Query("balance", "CHN", "WLD", JULY_2026)
    assert title(reply) == IMPORTS_NOVEMBER
    assert context_of(db_path, thread["id"]) == Query("imports", "CHN", "WLD", NOVEMBER_2025)


def test_and_imports_after_a_restart_inherits_the_context_stored_before_it(db_path):
    thread = {}

    async def before(fake, client):
        _, thread["id"] = await slash_ask(fake, "surplus china")

    async def after_restart(fake, client):
        return await reply_to(fake, await say(fake, "and imports?", thread["id"], mention=True))

    _, reply = play(db_path, before, after_restart)
    assert title(reply) == IMPORTS_JULY


def test_a_question_that_cannot_be_answered_gets_one_plain_sentence_in_the_thread(db_path):
    async def body(fake, client):
        _, thread_id = await slash_ask(fake, "surplus china")
        replies = [await reply_to(fake, await say(fake, text, thread_id)) for text in ("blah blah", "/surplus japan")]
        return thread_id, replies

    [(thread_id, replies)] = play(db_path, body, message_content=True)
    for reply in replies:
        content = reply.json["content"]
        assert content and "\n" not in content and "Traceback" not in content
        assert not reply.json.get("embeds")
        assert reply.json["allowed_mentions"] == NO_PINGS
    assert "Japan" in replies[1].json["content"]
    # "blah blah" changed nothing; "/surplus japan" had no data but still set the subject, as asked
    assert context_of(db_path, thread_id) == Query("balance", "JPN", "WLD", LATEST)


def test_an_unexpected_failure_in_a_thread_is_logged_and_the_user_still_gets_a_sentence(db_path, caplog):
    async def body(fake, client):
        _, thread_id = await slash_ask(fake, "surplus china")
        client.store.conn.execute("ALTER TABLE figures RENAME TO figures_gone")  # a real fault under the bot
        return await reply_to(fake, await say(fake, IMPORTS_FOLLOW_UP, thread_id, mention=True))

    with caplog.at_level(logging.ERROR, logger="tradebot.ask"):
        [reply] = play(db_path, body)
    assert reply.json["content"] == UNEXPECTED and not reply.json.get("embeds")
    [record] = [r for r in caplog.records if r.name == "tradebot.ask"]
    assert IMPORTS_FOLLOW_UP in record.getMessage() and isinstance(record.exc_info[1], sqlite3.OperationalError)


def test_threads_the_bot_does_not_own_and_other_bots_are_ignored(db_path):
    async def body(fake, client):
        _, ask_thread = await slash_ask(fake, "surplus china")
        users_thread = int((await fake.create_thread("chat about trade"))["id"])
        other_bot = await fake.add_member("otherbot", bot=True)
        await say(fake, "surplus china", users_thread)
        await say(fake, "surplus china", users_thread, mention=True)
        await say(fake, IMPORTS_FOLLOW_UP, ask_thread, user_id=other_bot)
        # a message that is answered, sent last: once its reply is out, the others were handled
        await reply_to(fake, await say(fake, IMPORTS_FOLLOW_UP, ask_thread))
        return users_thread, posts_in(fake, users_thread), posts_in(fake, ask_thread)

    [(users_thread, user_thread_posts, ask_thread_posts)] = play(db_path, body, message_content=True)
    assert user_thread_posts == []
    assert len(ask_thread_posts) == 1  # the member's question only; not the other bot's
    assert context_of(db_path, users_thread) is None


def test_an_alert_thread_answers_follow_ups_with_the_alerts_context(before_november, november_release):
    async def body(fake, client):
        thread_id = await deliver_an_alert(fake, client, november_release)
        stored = conversations.load(client.store, thread_id)
        reply = await reply_to(fake, await say(fake, IMPORTS_FOLLOW_UP, thread_id, mention=True))
        return stored, reply

    [(stored, reply)] = play(before_november, body)
    assert stored == Query("balance", "CHN", "WLD", NOVEMBER_2025)
    assert title(reply) == IMPORTS_NOVEMBER
    assert reply.json["allowed_mentions"] == NO_PINGS


def test_and_imports_in_an_alert_thread_inherits_the_alerts_month(before_november, november_release):
    async def body(fake, client):
        thread_id = await deliver_an_alert(fake, client, november_release)
        return await reply_to(fake, await say(fake, "and imports?", thread_id, mention=True))

    [reply] = play(before_november, body)
    assert title(reply) == IMPORTS_NOVEMBER


# --- a mention in a channel ---


def test_a_mention_in_a_channel_is_answered_there_and_opens_a_thread(db_path):
    async def body(fake, client):
        question = await say(fake, "china exports to us nov 2025", fake.channel_id, mention=True)
        reply = await reply_to(fake, question)
        thread = await fake.wait_request(lambda r: r.method == "POST" and r.path.endswith("/threads"))
        follow_up = await reply_to(fake, await say(fake, IMPORTS_FOLLOW_UP, int(thread.response["id"]), mention=True))
        return fake.channel_id, reply, thread, follow_up

    [(channel_id, reply, thread, follow_up)] = play(db_path, body)
    assert title(reply) == "China — exports to United States, November 2025: $33.8 bn (−28.6% y/y)"
    assert reply.json["allowed_mentions"] == NO_PINGS
    assert reply.json["nonce"].startswith("r") and reply.json["enforce_nonce"] is True  # a retried post is not doubled
    assert thread.path == f"/channels/{channel_id}/messages/{reply.response['id']}/threads"
    assert thread.json["name"] == "China–United States, November 2025 — follow-ups"
    assert title(follow_up) == IMPORTS_NOVEMBER
    assert follow_up.path == f"/channels/{thread.response['id']}/messages"


def test_a_mention_that_cannot_be_answered_gets_a_sentence_and_no_thread(db_path):
    async def body(fake, client):
        start = len(fake.requests)
        reply = await reply_to(fake, await say(fake, "blah blah", fake.channel_id, mention=True))
        empty = await reply_to(fake, await say(fake, "", fake.channel_id, mention=True))
        return reply, empty, [r for r in fake.requests[start:] if r.path.endswith("/threads")]

    [(reply, empty, threads)] = play(db_path, body)
    for answer in (reply, empty):
        assert answer.json["content"] and "\n" not in answer.json["content"] and not answer.json.get("embeds")
    assert threads == []


def test_a_mention_gets_a_sentence_when_the_store_fails_under_it(db_path, caplog):
    async def body(fake, client):
        client.store.conn.close()  # every read of the thread table now raises
        return await reply_to(fake, await say(fake, "surplus china", fake.channel_id, mention=True))

    [reply] = play(db_path, body)
    assert "went wrong on our side" in reply.json["content"]
    assert any("handling message" in record.getMessage() for record in caplog.records)


def test_a_message_without_a_mention_in_a_channel_is_ignored_even_with_the_intent(db_path):
    async def body(fake, client):
        await say(fake, "surplus china", fake.channel_id)
        sentinel = await say(fake, "surplus china", fake.channel_id, mention=True)
        await reply_to(fake, sentinel)
        return posts_in(fake, fake.channel_id)

    [posts] = play(db_path, body, message_content=True)
    assert len(posts) == 1


# --- /about and settings ---


@pytest.mark.parametrize(("message_content", "mode"), [
    (False, "messages that mention the bot (message content intent off)"),
    (True, "every message (message content intent on)"),
])
def test_about_says_which_follow_up_mode_is_on(db_path, message_content, mode):
    async def body(fake, client):
        interaction = await fake.slash("about")
        return (await fake.wait_response(interaction)).json["data"]["embeds"][0], fake.gateway_received

    [(embed, sent)] = play(db_path, body, message_content=message_content)
    assert {"name": "Follow-ups in threads", "value": mode, "inline": False} in embed["fields"]
    [identify] = [payload for payload in sent if payload["op"] == 2]
    assert bool(identify["d"]["intents"] & (1 << 15)) is message_content


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("ON", True), ("1", True), ("yes", True),
                                                 ("false", False), ("0", False), ("off", False), ("", False)])
def test_message_content_intent_setting(value, expected):
    assert Settings.from_env({"MESSAGE_CONTENT_INTENT": value}).message_content is expected
    assert Settings.from_env({}).message_content is False


def test_a_bad_message_content_intent_setting_is_one_line():
    from tradebot.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"MESSAGE_CONTENT_INTENT": "maybe"})
    assert caught.value.message == "MESSAGE_CONTENT_INTENT must be true or false (also 1/0, yes/no, on/off), not “maybe”."


# --- an alert, as tests/test_alerts.py sends one ---






async def deliver_an_alert(fake, client, release: Path) -> int:
    """Subscribe the channel to China, land November 2025 and deliver: returns the alert's thread id."""
    interaction = await fake.slash("alerts", {"country": "china"}, subcommand="subscribe", user_id=fake.admin_id)
    await fake.wait_response(interaction)
    sync_file(client.store, release)
    assert await client.outbox.deliver() == 1
    thread = await fake.wait_request(lambda r: r.method == "POST" and r.path.endswith("/threads"))
    return int(thread.response["id"])
