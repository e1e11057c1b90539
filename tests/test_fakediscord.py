"""End-to-end checks of tests/fakediscord.py with a real discord.py bot over real sockets.

Every test is a plain sync function running one ``asyncio.run``; the bot is defined here.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable

import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from fakediscord import FakeDiscord, Request

ORIGINAL_BASE = discord.http.Route.BASE
ORIGINAL_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


class TinyBot(commands.AutoShardedBot):
    def __init__(self, *, sync_guild: int | None = None) -> None:
        # guild_ready_timeout: discord.py otherwise waits 2 s after GUILD_CREATE before on_ready.
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.sync_guild = sync_guild
        self.seen_messages: list[discord.Message] = []
        self.build_commands()

    def build_commands(self) -> None:
        tree = self.tree

        @tree.command(name="echo", description="Echo some text back")
        @app_commands.describe(text="What to echo")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(text)

        @echo.autocomplete("text")
        async def echo_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"{current} {n}", value=f"{current}{n}") for n in range(3)]

        @tree.command(name="slow", description="Defers, then answers privately")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.05)
            await interaction.followup.send("done thinking", ephemeral=True)

        @tree.command(name="card", description="Answers with an embed")
        @app_commands.describe(title="Embed title", count="A number")
        async def card(interaction: discord.Interaction, title: str, count: int = 1) -> None:
            embed = discord.Embed(title=title, description=f"count={count}", colour=0x3498DB)
            embed.add_field(name="who", value=interaction.user.name)
            await interaction.response.send_message(embed=embed)

        alerts = app_commands.Group(name="alerts", description="Manage alerts")

        @alerts.command(name="subscribe", description="Subscribe a role")
        @app_commands.describe(role="Role to ping")
        async def subscribe(interaction: discord.Interaction, role: discord.Role) -> None:
            if not interaction.permissions.manage_guild:
                await interaction.response.send_message("You need Manage Server.", ephemeral=True)
                return
            await interaction.response.send_message(f"subscribed {role.name} ({role.id})")

        tree.add_command(alerts)

    async def setup_hook(self) -> None:
        if self.sync_guild is None:
            await self.tree.sync()
        else:
            guild = discord.Object(self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)
        if message.author.bot:
            return
        if self.user in message.mentions and "ping" in message.content:
            await message.channel.send("pong")


Scenario = Callable[[FakeDiscord, TinyBot], Awaitable[None]]


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run(scenario: Scenario, *, timeout: float = 15, sync_guild: bool = False, allow_errors: bool = False, **fake_options) -> None:
    """Run ``scenario`` against a connected TinyBot; fail on any ERROR discord.py logged (swallowed exceptions)."""
    errors = _ErrorLog()
    logging.getLogger("discord").addHandler(errors)

    async def main() -> None:
        fake = FakeDiscord(heartbeat_interval_ms=600_000, **fake_options)
        await fake.start()
        try:
            bot = TinyBot(sync_guild=fake.guild_id if sync_guild else None)
            async with fake.run_bot(bot):
                await asyncio.wait_for(fake.ready.wait(), 5)
                await scenario(fake, bot)
        finally:
            await fake.close()

    try:
        asyncio.run(asyncio.wait_for(main(), timeout))
    finally:
        logging.getLogger("discord").removeHandler(errors)
    if not allow_errors:
        assert not errors.records, [r.getMessage() + (f" {r.exc_info[1]!r}" if r.exc_info else "") for r in errors.records]
    assert discord.http.Route.BASE == ORIGINAL_BASE
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == ORIGINAL_GATEWAY


def test_login_connect_and_sync() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        assert bot.user is not None and bot.user.id == fake.bot_user_id
        assert bot.application_id == fake.application_id
        guild = bot.get_guild(fake.guild_id)
        assert guild is not None and guild.member_count == 3
        # Without the members intent discord.py caches only the bot itself (MemberCacheFlags.from_intents).
        assert [m.id for m in guild.members] == [fake.bot_user_id]
        assert guild.get_channel(fake.channel_id).name == "general"
        assert guild.get_role(guild.id).name == "@everyone"
        admin_role = next(r for r in guild.roles if r.name == "Admin")
        assert admin_role.permissions.manage_guild and admin_role.permissions.administrator
        assert not guild.default_role.permissions.manage_guild

        assert fake.sync_calls == 1
        by_name = {c["name"]: c for c in fake.commands}
        assert set(by_name) == {"echo", "slow", "card", "alerts"}
        echo = by_name["echo"]
        assert echo["description"] == "Echo some text back"
        assert echo["options"] == [{"type": 3, "name": "text", "description": "What to echo", "required": True, "autocomplete": True}]
        assert by_name["card"]["options"][1]["name"] == "count" and by_name["card"]["options"][1]["type"] == 4
        sub = by_name["alerts"]["options"][0]
        assert (sub["type"], sub["name"], sub["options"][0]["type"]) == (1, "subscribe", 8)
        assert all(c["id"] and c["application_id"] == str(fake.application_id) for c in fake.commands)

        paths = [(r.method, r.path) for r in fake.requests]
        assert ("GET", "/users/@me") in paths
        assert ("GET", "/oauth2/applications/@me") in paths
        assert ("GET", "/gateway/bot") in paths
        assert ("PUT", f"/applications/{fake.application_id}/commands") in paths
        assert all(r.status < 400 for r in fake.requests), [(r.path, r.status) for r in fake.requests]
        assert fake.identify_count == 1
        assert fake.gateway_connections == [{"query": {"v": "10", "encoding": "json", "compress": "zlib-stream"}, "zlib": True}]
        identify = next(p for p in fake.gateway_received if p["op"] == 2)
        assert identify["d"]["token"] == fake.token and identify["d"]["shard"] == [0, 1]

    run(scenario)


def test_echo_replies_with_type_4() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        inter = await fake.slash("echo", {"text": "hello there"})
        req = await fake.wait_response(inter)
        assert req.json["type"] == 4
        assert req.json["data"]["content"] == "hello there"
        assert req.query == {"with_response": "1"}
        assert req.response["resource"]["message"]["content"] == "hello there"
        assert fake.messages_for(inter) == [req]
        # The non-ephemeral reply is echoed back to the bot as MESSAGE_CREATE.
        await asyncio.sleep(0.1)
        assert any(m.content == "hello there" and m.author.id == fake.bot_user_id for m in bot.seen_messages)

    run(scenario)


def test_autocomplete_gets_type_8_choices() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        inter = await fake.autocomplete("echo", {"text": "ab"}, focused="text")
        req = await fake.wait_response(inter)
        assert req.json == {
            "type": 8,
            "data": {"choices": [{"name": f"ab {n}", "value": f"ab{n}"} for n in range(3)]},
        }
        assert req.status == 204

    run(scenario)


def test_defer_then_ephemeral_followup() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        inter = await fake.slash("slow", user_id=fake.admin_id)
        defer = await fake.wait_response(inter)
        assert defer.json == {"type": 5, "data": {"flags": 64}}
        assert defer.response["interaction"]["response_message_loading"] is True
        assert defer.response["interaction"]["response_message_ephemeral"] is True

        follow = await fake.wait_request(lambda r: r.method == "POST" and r.path == f"/webhooks/{fake.application_id}/{inter.token}")
        assert follow.query["wait"] == "1"
        assert follow.json["content"] == "done thinking"
        assert follow.json["flags"] & 64
        # Like Discord, the first followup after a defer completes the loading message.
        assert follow.response["id"] == defer.response["interaction"]["response_message_id"]
        assert follow.response["flags"] == 64
        assert fake.messages_for(inter) == [defer, follow]

    run(scenario)


def test_embed_is_recorded() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        inter = await fake.slash("card", {"title": "Exports", "count": 7}, user_id=fake.admin_id)
        req = await fake.wait_response(inter)
        (embed,) = req.json["data"]["embeds"]
        assert embed["title"] == "Exports"
        assert embed["description"] == "count=7"
        assert embed["color"] == 0x3498DB
        assert embed["fields"] == [{"name": "who", "value": "admin", "inline": True}]
        option_types = {o["name"]: o["type"] for o in inter.payload["data"]["options"]}
        assert option_types == {"title": 3, "count": 4}

    run(scenario)


def test_subcommand_role_option_and_permissions() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        role_id = await fake.add_role("traders")
        await asyncio.sleep(0.05)
        assert bot.get_guild(fake.guild_id).get_role(role_id) is not None  # GUILD_ROLE_CREATE arrived

        inter = await fake.slash("alerts", {"role": "traders"}, subcommand="subscribe", user_id=fake.admin_id)
        option = inter.payload["data"]["options"][0]
        assert (option["type"], option["name"], option["options"][0]["type"]) == (1, "subscribe", 8)
        req = await fake.wait_response(inter)
        assert req.json["data"]["content"] == f"subscribed traders ({role_id})"

        denied = await fake.slash("alerts", {"role": role_id}, subcommand="subscribe")  # plain member
        req = await fake.wait_response(denied)
        assert req.json["data"] == {"content": "You need Manage Server.", "flags": 64, "tts": False}

    run(scenario)


def test_guild_sync_is_recorded() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        assert fake.global_commands == []
        assert {c["name"] for c in fake.synced_guild_commands[fake.guild_id]} == {"echo", "slow", "card", "alerts"}
        inter = await fake.slash("echo", {"text": "guild scoped"})
        assert inter.payload["data"]["guild_id"] == str(fake.guild_id)
        assert (await fake.wait_response(inter)).json["data"]["content"] == "guild scoped"

    run(scenario, sync_guild=True)


def test_wrong_token_raises_login_failure() -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            bot = TinyBot()
            try:
                with pytest.raises(discord.LoginFailure):
                    await bot.login("not-the-token")
            finally:
                await bot.close()
            assert [(r.method, r.path, r.status) for r in fake.requests] == [("GET", "/users/@me", 401)]

    asyncio.run(main())


def test_rate_limited_callback_is_retried() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        fake.fail_next("POST", "/interactions/", 429, retry_after=0.1)
        inter = await fake.slash("echo", {"text": "after a 429"})
        req = await fake.wait_response(inter)
        assert req.json["data"]["content"] == "after a 429"
        calls = [r for r in fake.requests if r.path == f"/interactions/{inter.id}/{inter.token}/callback"]
        assert [r.status for r in calls] == [429, 200]
        assert calls[0].response["retry_after"] == 0.1
        assert calls[0].json == calls[1].json

    run(scenario)


def test_server_error_on_followup_is_retried() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        fake.fail_next("POST", f"/webhooks/{fake.application_id}/", 502)
        inter = await fake.slash("slow")
        follow = await fake.wait_request(lambda r: r.path.startswith("/webhooks/") and r.ok, timeout=6)
        assert follow.json["content"] == "done thinking"
        assert [r.status for r in fake.requests if r.path.startswith("/webhooks/")] == [502, 200]
        assert inter.token in follow.path

    run(scenario)


def test_message_in_new_thread_and_reply() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        thread = await fake.create_thread("questions")
        # Without the message-content intent only a mention carries content.
        await fake.user_message("ping without mention", channel_id=int(thread["id"]))
        await fake.user_message(f"<@{fake.bot_user_id}> ping", channel_id=int(thread["id"]))
        req = await fake.wait_request(lambda r: r.method == "POST" and r.path == f"/channels/{thread['id']}/messages")
        assert req.json["content"] == "pong"
        first, second = [m for m in bot.seen_messages if m.author.id == fake.member_id]
        assert first.content == "" and second.content.endswith("ping")
        assert isinstance(second.channel, discord.Thread) and second.channel.parent_id == fake.channel_id
        assert [m["content"] for m in fake.channel_messages(int(thread["id"]))][-1] == "pong"

    run(scenario)


def test_gateway_drop_resumes_and_replays() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        await fake.drop_gateway()
        await asyncio.wait_for(fake.resumed.wait(), 5)
        assert fake.resume_count == 1 and fake.identify_count == 1
        resume = await fake.wait_gateway(lambda p: p["op"] == 6)
        assert resume["d"]["token"] == fake.token
        inter = await fake.slash("echo", {"text": "still here"})
        assert (await fake.wait_response(inter)).json["data"]["content"] == "still here"

    run(scenario)


def test_severed_gateway_resumes_and_replays_what_was_sent_meanwhile() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        await fake.sever_gateway()  # no close frame: the client sees an abnormal closure (1006)
        inter = await fake.slash("echo", {"text": "sent while cut off"})  # buffered, replayed on RESUME
        await asyncio.wait_for(fake.resumed.wait(), 10)
        assert (fake.resume_count, fake.identify_count, len(fake.gateway_connections)) == (1, 1, 2)
        assert (await fake.wait_response(inter)).json["data"]["content"] == "sent while cut off"
        assert len(fake.messages_for(inter)) == 1

    run(scenario)


def test_requests_and_interactions_carry_monotonic_times() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        before = time.monotonic()
        inter = await fake.slash("echo", {"text": "timed"})
        req = await fake.wait_response(inter)
        assert before <= inter.sent <= req.received <= time.monotonic()

    run(scenario)


def test_plain_text_gateway_frames() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        inter = await fake.slash("echo", {"text": "uncompressed"})
        assert (await fake.wait_response(inter)).json["data"]["content"] == "uncompressed"

    run(scenario, gateway_compression=False)


def test_button_click_updates_message() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        class Counter(discord.ui.View):
            def __init__(self) -> None:
                super().__init__(timeout=30)
                self.count = 0

            @discord.ui.button(label="+1", custom_id="counter:add")
            async def add(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
                self.count += 1
                await interaction.response.edit_message(content=f"count {self.count}", view=self)

        @bot.tree.command(name="counter", description="A button")
        async def counter(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("count 0", view=Counter())

        await bot.tree.sync()
        inter = await fake.slash("counter")
        sent = await fake.wait_response(inter)
        message = sent.response["resource"]["message"]
        assert message["components"][0]["components"][0]["custom_id"] == "counter:add"

        click = await fake.click(message, "counter:add", user_id=fake.admin_id)
        update = await fake.wait_response(click)
        assert update.json["type"] == 7 and update.json["data"]["content"] == "count 1"
        assert fake.messages[int(message["id"])]["content"] == "count 1"

    run(scenario)


def test_files_edits_and_threads_from_messages() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        downloaded: list[bytes] = []

        @bot.tree.command(name="report", description="Uploads a CSV, then edits the answer")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("working", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "data.csv"))
            original = await interaction.original_response()
            downloaded.append(await original.attachments[0].read())
            await interaction.edit_original_response(content="finished")

        @bot.tree.command(name="discuss", description="Opens a thread on its answer")
        async def discuss(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Topic")
            original = await interaction.original_response()
            thread = await original.create_thread(name="topic thread")
            await thread.send("first post")

        await bot.tree.sync()
        inter = await fake.slash("report")
        sent = await fake.wait_response(inter)
        assert sent.files == [("files[0]", "data.csv", b"a,b\n1,2\n")]
        assert sent.json["type"] == 4 and sent.json["data"]["attachments"] == [{"id": 0, "filename": "data.csv"}]
        edit = await fake.wait_request(lambda r: r.method == "PATCH" and inter.token in r.path)
        assert edit.path.endswith("/messages/@original") and edit.json["content"] == "finished"
        assert fake.messages_for(inter) == [sent, edit]
        assert downloaded == [b"a,b\n1,2\n"]
        assert edit.response["attachments"][0]["filename"] == "data.csv"  # kept across the edit

        inter = await fake.slash("discuss")
        topic = (await fake.wait_response(inter)).response["resource"]["message"]
        post = await fake.wait_request(lambda r: r.method == "POST" and r.path == f"/channels/{topic['id']}/messages")
        assert post.json["content"] == "first post"
        created = next(r for r in fake.requests if r.path == f"/channels/{fake.channel_id}/messages/{topic['id']}/threads")
        assert created.json["name"] == "topic thread" and created.status == 201
        assert fake.channels[int(topic["id"])]["parent_id"] == str(fake.channel_id)

    run(scenario)


def test_double_ack_and_validation_errors() -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            async with aiohttp_session() as session:
                base = f"{fake.base_url}/api/v10"
                async with session.get(f"{base}/users/@me", headers={"Authorization": f"Bot {fake.token}"}) as resp:
                    assert resp.headers["Content-Type"] == "application/json"
                    assert (await resp.json())["id"] == str(fake.bot_user_id)
                async with session.get(f"{base}/nope", headers={"Authorization": f"Bot {fake.token}"}) as resp:
                    assert resp.status == 404 and (await resp.json())["message"] == "404: Not Found"
                too_long = {"content": "x" * 2001}
                channel = f"{base}/channels/{fake.channel_id}/messages"
                async with session.post(channel, json=too_long, headers={"Authorization": f"Bot {fake.token}"}) as resp:
                    body = await resp.json()
                    assert resp.status == 400 and body["code"] == 50035 and "content" in body["errors"]
                async with session.post(channel, json={"content": ""}, headers={"Authorization": f"Bot {fake.token}"}) as resp:
                    assert resp.status == 400 and (await resp.json())["code"] == 50006
            assert [r.status for r in fake.requests] == [200, 404, 400, 400]

    asyncio.run(main())


def test_double_response_is_rejected() -> None:
    async def scenario(fake: FakeDiscord, bot: TinyBot) -> None:
        @bot.tree.command(name="twice", description="Responds twice (a bug)")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one")
            try:
                await interaction.client.http.request(  # bypass discord.py's own InteractionResponded check
                    discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token),
                    json={"type": 4, "data": {"content": "two"}},
                )
            except discord.HTTPException as exc:
                await interaction.followup.send(f"error {exc.status} {exc.code}")

        await bot.tree.sync()
        inter = await fake.slash("twice")
        follow = await fake.wait_request(lambda r: r.path.startswith(f"/webhooks/{fake.application_id}/{inter.token}"))
        assert follow.json["content"] == "error 400 40060"
        assert [r.json["data"]["content"] for r in fake.messages_for(inter)[:1]] == ["one"]

    run(scenario)


def aiohttp_session():
    import aiohttp

    return aiohttp.ClientSession()


def test_request_dataclass_shape() -> None:
    req = Request("GET", "/users/@me", {}, None)
    assert (req.method, req.path, req.query, req.json, req.files) == ("GET", "/users/@me", {}, None, [])
