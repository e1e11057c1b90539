"""A small fake Discord (REST + gateway) for end-to-end tests of discord.py bots.

The real, unmodified discord.py client talks over real sockets to an aiohttp
server on 127.0.0.1.  ``FakeDiscord.start()`` points discord.py at it by
patching ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``; ``close()`` restores both.

Typical use (inside one ``asyncio.run``)::

    async with FakeDiscord() as fake:
        bot = make_bot()
        async with fake.run_bot(bot):            # login, connect, wait until ready
            inter = await fake.slash("echo", {"text": "hi"})
            req = await fake.wait_response(inter)
            assert req.json["data"]["content"] == "hi"

What is modelled (on purpose, because real Discord does it too):

* REST replies carry ``Content-Type: application/json`` exactly; 429s carry a
  ``Via`` header (without it discord.py assumes a Cloudflare ban and raises).
* Interaction callbacks must come at most once (second one: 400, code 40060);
  followups/edits before the first callback fail with 404 "Unknown Webhook".
* The first followup after a deferred (type 5) response edits the loading
  message instead of creating a new one; it keeps the defer's ephemeral flag.
* Message payloads are validated against Discord's limits (2000 chars of
  content, 10 embeds, embed field/title/description/total lengths, empty
  message) and get 400 / 50035 or 50006 like the real API.
* Without the message-content intent, MESSAGE_CREATEs made with
  ``user_message`` have empty content unless they mention the bot (DMs excepted).
* Messages the bot creates are echoed back as MESSAGE_CREATE / MESSAGE_UPDATE /
  MESSAGE_DELETE gateway events (not for ephemeral ones), if the intents ask for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import math
import re
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import web

__all__ = ["FakeDiscord", "Request", "Interaction", "Perm"]

API_PREFIX = "/api/v10"
DISCORD_EPOCH = 1420070400000
T = TypeVar("T")


class Perm:
    """Permission bits used by the fake (subset of Discord's)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = discord.Permissions.all().value

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    ADMIN_ROLE = ADMINISTRATOR | MANAGE_GUILD | MANAGE_ROLES | MANAGE_CHANNELS | MANAGE_MESSAGES | MANAGE_THREADS
    BOT_ROLE = EVERYONE_DEFAULT | MANAGE_ROLES | MANAGE_MESSAGES | MANAGE_THREADS | CREATE_PRIVATE_THREADS | MENTION_EVERYONE


# Gateway intents the fake looks at.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
_SETTABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2

# Application command option types
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

THREAD_TYPES = (10, 11, 12)


@dataclass
class Request:
    """One REST call the client made (recorded before it is answered)."""

    method: str
    path: str  # without /api/v10 and without the query string
    query: dict[str, str]
    json: Any | None  # JSON body, or the parsed payload_json of a multipart body
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (part name, filename, bytes)
    status: int | None = None  # what the fake answered (None while in flight)
    response: Any | None = None  # the JSON the fake answered with (None for 204)
    headers: dict[str, str] = field(default_factory=dict)
    received: float = field(default_factory=time.monotonic)  # time.monotonic() when the fake recorded it

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Interaction:
    id: int
    token: str
    payload: dict
    sent: float = 0.0  # time.monotonic() just before INTERACTION_CREATE was dispatched


class _HTTPError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _form_error(path: list[str], code: str, message: str) -> _HTTPError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {key: errors}
    return _HTTPError(400, 50035, "Invalid Form Body", errors)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class _Snowflakes:
    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH) << 22
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


@dataclass
class _InteractionState:
    id: int
    token: str
    type: int
    payload: dict
    channel_id: int
    user_id: int
    created: float
    acked: bool = False
    response_type: int | None = None
    original_message_id: int | None = None
    original_loading: bool = False  # deferred and not yet completed by an edit/followup


class _Conn:
    """One gateway websocket connection."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool, transport: asyncio.BaseTransport | None = None) -> None:
        self.ws = ws
        self.transport = transport
        self.compress = compress
        self._zlib = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()
        self.session: _Session | None = None

    async def send_text(self, text: str) -> None:
        async with self._lock:
            if self.ws.closed:
                return
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    async def send(self, payload: dict) -> None:
        await self.send_text(json.dumps(payload, separators=(",", ":")))


class _Session:
    def __init__(self, session_id: str, shard: list[int], intents: int) -> None:
        self.id = session_id
        self.shard = shard
        self.intents = intents
        self.seq = 0
        self.events: list[tuple[int, str]] = []  # (seq, payload text) for RESUME replays
        self.conn: _Conn | None = None


class FakeDiscord:
    """Fake Discord server.  See the module docstring."""

    def __init__(
        self,
        *,
        token: str | None = None,
        heartbeat_interval_ms: int = 45_000,
        gateway_compression: bool = True,
        echo_bot_messages: bool = True,
        enforce_message_content_intent: bool = True,
        interaction_ack_timeout: float | None = None,
        shard_count: int = 1,
        guild_name: str = "Fake Guild",
    ) -> None:
        self._snow = _Snowflakes()
        self.token: str = token or f"fake.{secrets.token_urlsafe(18)}"
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.gateway_compression = gateway_compression  # False: plain text frames even if zlib-stream is asked for
        self.echo_bot_messages = echo_bot_messages
        self.enforce_message_content_intent = enforce_message_content_intent
        self.interaction_ack_timeout = interaction_ack_timeout  # e.g. 3.0 like Discord; None: no limit
        self.shard_count = shard_count

        self.application_id: int = self._snow()
        self.bot_user_id: int = self._snow()
        self.guild_id: int = self._snow()
        self.channel_id: int = self._snow()
        self.admin_id: int = self._snow()
        self.member_id: int = self._snow()
        self.admin_role_id: int = self._snow()
        self.bot_role_id: int = self._snow()
        self.everyone_role_id: int = self.guild_id
        self.owner_id: int = self.admin_id  # guild owner and application owner

        self.guild_name = guild_name
        self.users: dict[int, dict] = {}
        self.members: dict[int, dict] = {}  # user id -> member object without "user"
        self.roles: dict[int, dict] = {}
        self.channels: dict[int, dict] = {}  # guild channels, threads and DM channels
        self.messages: dict[int, dict] = {}  # every message the fake knows, by id
        self.attachments: dict[int, tuple[str, bytes]] = {}

        self._add_user(self.bot_user_id, "FakeBot", bot=True)
        self._add_user(self.admin_id, "admin")
        self._add_user(self.member_id, "member")
        self._add_role(self.everyone_role_id, "@everyone", Perm.EVERYONE_DEFAULT, position=0)
        self._add_role(self.admin_role_id, "Admin", Perm.ADMIN_ROLE, position=1, hoist=True)
        self._add_role(self.bot_role_id, "FakeBot", Perm.BOT_ROLE, position=2, managed=True, tags={"bot_id": str(self.bot_user_id)})
        self._add_member(self.bot_user_id, [self.bot_role_id])
        self._add_member(self.admin_id, [self.admin_role_id])
        self._add_member(self.member_id, [])
        self._add_channel_obj(self._text_channel(self.channel_id, "general", position=0))

        self.requests: list[Request] = []
        self.commands: list[dict] = []  # last synced list (global or guild)
        self.global_commands: list[dict] = []
        self.synced_guild_commands: dict[int, list[dict]] = {}
        self.sync_calls: int = 0
        self._command_ids: dict[tuple, int] = {}

        self.interactions: dict[int, _InteractionState] = {}
        self._interactions_by_token: dict[str, _InteractionState] = {}
        self._failures: list[dict] = []

        self.gateway_received: list[dict] = []  # every payload the client sent on the gateway
        self.gateway_connections: list[dict] = []  # per websocket: {"query": ..., "zlib": bool}
        self.identify_count = 0
        self.resume_count = 0
        self.ready = asyncio.Event()  # GUILD_CREATE was sent to an identified client
        self.resumed = asyncio.Event()  # a RESUME completed (cleared by drop_gateway)
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._conns: set[_Conn] = set()
        self._changed = asyncio.Event()

        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._saved_base: str | None = None
        self._saved_gateway: yarl.URL | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._ws_handler)
        app.router.add_get("/attachments/{tail:.*}", self._cdn_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

        self._saved_base = discord.http.Route.BASE
        self._saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = f"{self.base_url}{API_PREFIX}"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{self.gateway_url}/")

    async def close(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 2)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._saved_base is not None:
            discord.http.Route.BASE = self._saved_base
            self._saved_base = None
        if self._saved_gateway is not None:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved_gateway
            self._saved_gateway = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def run_bot(self, bot: discord.Client, *, timeout: float = 10.0) -> AsyncIterator[discord.Client]:
        """Log ``bot`` in with the valid token, connect it, wait for on_ready; close it on exit.

        Pass ``guild_ready_timeout=0.1`` to the bot's constructor to avoid discord.py's
        default 2 s wait after GUILD_CREATE before on_ready.
        """
        await bot.login(self.token)
        task = asyncio.create_task(bot.connect(reconnect=True))
        try:
            waiter = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait({waiter, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if waiter not in done:
                waiter.cancel()
                if task in done:
                    task.result()  # re-raise the connection error
                raise TimeoutError(f"bot was not ready after {timeout}s")
            yield bot
        except BaseException as exc:
            error = await self._stop_bot(bot, task)
            if error is not None:
                exc.add_note(f"the bot's connect() task had failed with {error!r}")
            raise
        else:
            error = await self._stop_bot(bot, task)
            if error is not None:
                raise error  # e.g. discord.py choked on a gateway payload and terminated

    @staticmethod
    async def _stop_bot(bot: discord.Client, task: asyncio.Task) -> BaseException | None:
        failed_early = task.done() and not task.cancelled() and task.exception() is not None
        await bot.close()
        try:
            await asyncio.wait_for(task, 5)
        except asyncio.CancelledError:
            return None
        except Exception as exc:
            return exc if failed_early else None
        return None

    # ------------------------------------------------------------------ state helpers

    def _public_user(self, user_id: int) -> dict:
        u = self.users[user_id]
        keys = ("id", "username", "discriminator", "global_name", "avatar", "public_flags", "banner", "accent_color", "avatar_decoration_data", "bot")
        return {k: u[k] for k in keys if k in u}

    def _add_user(self, user_id: int, username: str, *, bot: bool = False) -> dict:
        user = {
            "id": str(user_id),
            "username": username,
            "discriminator": "0001" if bot else "0",
            "global_name": None if bot else username.title(),
            "avatar": None,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if bot:
            user["bot"] = True
        self.users[user_id] = user
        return user

    def _add_role(
        self,
        role_id: int,
        name: str,
        permissions: int,
        *,
        position: int,
        hoist: bool = False,
        managed: bool = False,
        tags: dict | None = None,
        mentionable: bool = False,
    ) -> dict:
        role = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": mentionable,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        self.roles[role_id] = role
        return role

    def _add_member(self, user_id: int, roles: Iterable[int]) -> dict:
        member = {
            "roles": [str(r) for r in roles],
            "joined_at": _now_iso(),
            "nick": None,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.members[user_id] = member
        return member

    def _text_channel(self, channel_id: int, name: str, *, position: int, type: int = 0, parent_id: int | None = None) -> dict:
        return {
            "id": str(channel_id),
            "type": type,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": str(parent_id) if parent_id else None,
            "default_auto_archive_duration": 1440,
            "default_thread_rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread_obj(
        self,
        thread_id: int,
        name: str,
        parent_id: int,
        owner_id: int,
        *,
        type: int = 11,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int | None = None,
        invitable: bool = True,
    ) -> dict:
        now = _now_iso()
        return {
            "id": str(thread_id),
            "type": type,
            "guild_id": str(self.guild_id),
            "parent_id": str(parent_id),
            "owner_id": str(owner_id),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": rate_limit_per_user or 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": auto_archive_duration,
                "archive_timestamp": now,
                "locked": False,
                "invitable": invitable,
                "create_timestamp": now,
            },
        }

    def _add_channel_obj(self, channel: dict) -> dict:
        self.channels[int(channel["id"])] = channel
        return channel

    def _is_guild_channel(self, channel_id: int) -> bool:
        ch = self.channels.get(channel_id)
        return ch is not None and "guild_id" in ch

    def member_object(self, user_id: int, *, with_user: bool = True, with_permissions: bool = False) -> dict:
        member = dict(self.members[user_id])
        if with_user:
            member["user"] = self._public_user(user_id)
        if with_permissions:
            member["permissions"] = str(self.permissions_for(user_id))
        return member

    def permissions_for(self, user_id: int) -> int:
        """Guild-level permissions of a member (the fake has no channel overwrites)."""
        if user_id == self.owner_id:
            return Perm.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = int(self.roles[self.everyone_role_id]["permissions"])
        for rid in member["roles"]:
            role = self.roles.get(int(rid))
            if role is not None:
                perms |= int(role["permissions"])
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def guild_object(self, *, full: bool = True) -> dict:
        guild: dict[str, Any] = {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "nsfw": False,
            "application_id": None,
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
            "widget_enabled": False,
        }
        if full:
            guild_channels = [c for c in self.channels.values() if c.get("guild_id") and c["type"] not in THREAD_TYPES]
            threads = [c for c in self.channels.values() if c.get("guild_id") and c["type"] in THREAD_TYPES]
            members = [self.member_object(uid) for uid in self.members]
            guild.update(
                {
                    "joined_at": self.members[self.bot_user_id]["joined_at"],
                    "large": False,
                    "unavailable": False,
                    "lazy": True,
                    "member_count": len(members),
                    "members": members,
                    "channels": guild_channels,
                    "threads": threads,
                    "voice_states": [],
                    "presences": [],
                    "stage_instances": [],
                    "guild_scheduled_events": [],
                    "soundboard_sounds": [],
                    "embedded_activities": [],
                    "activity_instances": [],
                    "application_command_counts": {},
                    "version": int(time.time() * 1000),
                }
            )
        return guild

    def app_info(self) -> dict:
        return {
            "id": str(self.application_id),
            "name": "FakeBot",
            "icon": None,
            "description": "A fake application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self._public_user(self.owner_id),
            "team": None,
            "flags": 0,
            "hook": True,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
            "bot": self._public_user(self.bot_user_id),
            "integration_types_config": {"0": {}},
        }

    def _me(self) -> dict:
        me = self._public_user(self.bot_user_id)
        me.update({"verified": True, "mfa_enabled": False, "email": None, "flags": 0, "locale": "en-US"})
        return me

    def _resolve_id(self, value: Any, kinds: Iterable[str]) -> tuple[str, int]:
        """Turn an option value (id, object with .id, name) into (kind, id)."""
        kinds = tuple(kinds)
        if hasattr(value, "id"):
            value = value.id
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int):
            for kind in kinds:
                table = {"user": self.users, "role": self.roles, "channel": self.channels}[kind]
                if value in table:
                    return kind, value
            return kinds[0], value
        if isinstance(value, str):
            for kind in kinds:
                if kind == "user":
                    for uid, u in self.users.items():
                        if value in (u["username"], u.get("global_name")):
                            return "user", uid
                elif kind == "role":
                    for rid, r in self.roles.items():
                        if r["name"] == value:
                            return "role", rid
                elif kind == "channel":
                    for cid, c in self.channels.items():
                        if c.get("name") == value:
                            return "channel", cid
        raise ValueError(f"cannot resolve {value!r} as {'/'.join(kinds)}")

    async def add_role(self, name: str, permissions: int = 0, *, mentionable: bool = False) -> int:
        """Create a guild role (GUILD_ROLE_CREATE is sent if a client is connected). Returns its id."""
        rid = self._snow()
        role = self._add_role(rid, name, permissions, position=len(self.roles), mentionable=mentionable)
        await self._emit("GUILD_ROLE_CREATE", {"guild_id": str(self.guild_id), "role": role}, INTENT_GUILDS)
        return rid

    async def add_member(self, username: str, *, roles: Iterable[int] = (), bot: bool = False) -> int:
        """Create a user and make it a guild member. Returns the user id."""
        uid = self._snow()
        self._add_user(uid, username, bot=bot)
        self._add_member(uid, roles)
        data = self.member_object(uid)
        data["guild_id"] = str(self.guild_id)
        await self._emit("GUILD_MEMBER_ADD", data, INTENT_GUILD_MEMBERS)
        return uid

    async def add_channel(self, name: str, *, type: int = 0) -> int:
        """Create a guild channel (CHANNEL_CREATE is sent if a client is connected). Returns its id."""
        cid = self._snow()
        channel = self._add_channel_obj(self._text_channel(cid, name, position=len(self.channels), type=type))
        await self._emit("CHANNEL_CREATE", channel, INTENT_GUILDS)
        return cid

    async def create_thread(
        self, name: str, *, parent_id: int | None = None, owner_id: int | None = None, type: int = 11, thread_id: int | None = None
    ) -> dict:
        """Create a thread (as a user would) and send THREAD_CREATE. Returns the thread object."""
        tid = thread_id or self._snow()
        thread = self._thread_obj(tid, name, parent_id or self.channel_id, owner_id or self.member_id, type=type)
        self._add_channel_obj(thread)
        await self._emit("THREAD_CREATE", dict(thread, newly_created=True), INTENT_GUILDS)
        return thread

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        async def inner() -> T:
            while True:
                result = check()
                if result is not None:
                    return result
                await self._changed.wait()

        try:
            return await asyncio.wait_for(inner(), timeout)
        except TimeoutError:
            recent = "\n  ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-15:])
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last requests:\n  {recent}") from None

    async def wait_request(self, predicate: Callable[[Request], bool], timeout: float = 5, *, start: int = 0) -> Request:
        """Wait for a completed REST request (any status) matching ``predicate``.

        Requests already recorded (from index ``start`` on) count too, so there is no race with
        calls that finished before this is awaited.
        """

        def check() -> Request | None:
            for req in self.requests[start:]:
                if req.status is not None and predicate(req):
                    return req
            return None

        return await self._wait_until(check, timeout, "a matching request")

    async def wait_response(self, interaction: Interaction, timeout: float = 5) -> Request:
        """Wait for the successful POST /interactions/{id}/{token}/callback of ``interaction``."""
        path = f"/interactions/{interaction.id}/{interaction.token}/callback"
        return await self.wait_request(lambda r: r.method == "POST" and r.path == path and r.ok, timeout)

    async def wait_gateway(self, predicate: Callable[[dict], bool], timeout: float = 5) -> dict:
        """Wait for a payload the client sent on the gateway (e.g. ``lambda p: p["op"] == 6``)."""

        def check() -> dict | None:
            return next((p for p in self.gateway_received if predicate(p)), None)

        return await self._wait_until(check, timeout, "a gateway payload")

    def messages_for(self, interaction: Interaction | str) -> list[Request]:
        """Successful callback, followups and edits for an interaction, in order."""
        token = interaction if isinstance(interaction, str) else interaction.token
        inter = self._interactions_by_token.get(token)
        callback = f"/interactions/{inter.id if inter else ''}/{token}/callback"
        hook = f"/webhooks/{self.application_id}/{token}"
        out = []
        for req in self.requests:
            if not req.ok:
                continue
            if req.method == "POST" and req.path in (callback, hook):
                out.append(req)
            elif req.method == "PATCH" and req.path.startswith(hook + "/messages/"):
                out.append(req)
        return out

    def channel_messages(self, channel_id: int | None = None) -> list[dict]:
        """Messages currently stored for a channel (default: the main text channel), oldest first."""
        cid = str(channel_id or self.channel_id)
        return [m for m in self.messages.values() if m["channel_id"] == cid]

    # ------------------------------------------------------------------ failure injection

    def fail_next(self, method: str, path_prefix: str, status: int, times: int = 1, retry_after: float = 0.05) -> None:
        """Answer the next ``times`` REST calls matching method ('*' = any) and path prefix with ``status``.

        429 gets Discord's rate-limit JSON body and headers (including ``Via``, without which
        discord.py treats a 429 as a Cloudflare ban). Note discord.py retries only 500, 502, 504
        and 524 (after sleeping 1 + 2*try seconds); other 5xx raise DiscordServerError.
        """
        self._failures.append({"method": method.upper(), "prefix": path_prefix, "status": status, "times": times, "retry_after": retry_after})

    def _take_failure(self, method: str, path: str) -> dict | None:
        for rule in self._failures:
            if rule["times"] > 0 and rule["method"] in ("*", method) and path.startswith(rule["prefix"]):
                rule["times"] -= 1
                if rule["times"] <= 0:
                    self._failures.remove(rule)
                return rule
        return None

    # ------------------------------------------------------------------ REST

    @staticmethod
    def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
        hdrs = dict(headers or {})
        if body is None:
            return web.Response(status=204 if status == 200 else status, headers=hdrs)
        hdrs["Content-Type"] = "application/json"  # exactly; discord.py compares the header verbatim
        return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)

    async def _rest_handler(self, raw: web.Request) -> web.StreamResponse:
        path = raw.path[len(API_PREFIX) :] or "/"
        rec = Request(method=raw.method, path=path, query=dict(raw.query), json=None, headers=dict(raw.headers))
        try:
            if raw.content_type.startswith("multipart/"):
                reader = await raw.multipart()
                async for part in reader:
                    if part is None:
                        break
                    if part.filename is None and part.name == "payload_json":
                        rec.json = json.loads(await part.text())
                    elif part.filename is not None:
                        rec.files.append((part.name or "", part.filename, bytes(await part.read(decode=False))))
                    else:
                        rec.files.append((part.name or "", "", bytes(await part.read(decode=False))))
            elif raw.can_read_body:
                body = await raw.read()
                if body:
                    try:
                        rec.json = json.loads(body)
                    except ValueError:
                        rec.json = body.decode(errors="replace")
        except Exception as exc:  # pragma: no cover - malformed request
            rec.json = {"_unparsable": repr(exc)}
        self.requests.append(rec)

        headers: dict[str, str] = {}
        try:
            failure = self._take_failure(raw.method, path)
            if failure is not None:
                status, body, headers = self._failure_response(failure)
            else:
                if not self._is_token_route(path) and raw.headers.get("Authorization") != f"Bot {self.token}":
                    raise _HTTPError(401, 0, "401: Unauthorized")
                status, body = await self._route(raw.method, path, rec)
        except _HTTPError as exc:
            status, body = exc.status, exc.body
        except Exception as exc:  # a bug in the fake: make it visible
            status, body = 500, {"message": f"fake discord crashed: {exc!r}", "code": 0}
            import traceback

            traceback.print_exc()
        rec.status = status if body is not None or status != 200 else 204
        rec.response = body
        self._notify()
        return self._json_response(status, body, headers)

    def _failure_response(self, rule: dict) -> tuple[int, Any, dict[str, str]]:
        status = rule["status"]
        headers = {"Via": "1.1 google"}
        if status == 429:
            retry_after = float(rule["retry_after"])
            headers.update(
                {
                    "Retry-After": str(max(1, math.ceil(retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake" + secrets.token_hex(8),
                    "X-RateLimit-Scope": "user",
                }
            )
            return 429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False, "code": 0}, headers
        return status, {"message": f"{status}: Injected failure", "code": 0}, headers

    @staticmethod
    def _is_token_route(path: str) -> bool:
        return path.startswith("/interactions/") or re.match(r"^/webhooks/\d+/[^/]+", path) is not None

    async def _route(self, method: str, path: str, rec: Request) -> tuple[int, Any]:
        for route_method, pattern, handler in self._routes():
            if route_method != method:
                continue
            m = re.fullmatch(pattern, path)
            if m:
                return await handler(rec, *m.groups())
        raise _HTTPError(404, 0, "404: Not Found")

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        D = r"(\d+)"
        return [
            ("GET", r"/users/@me", self._r_me),
            ("GET", rf"/users/{D}", self._r_user),
            ("POST", r"/users/@me/channels", self._r_create_dm),
            ("GET", r"/gateway", self._r_gateway),
            ("GET", r"/gateway/bot", self._r_gateway_bot),
            ("GET", r"/oauth2/applications/@me", self._r_app_info),
            ("GET", r"/applications/@me", self._r_app_info),
            ("GET", rf"/applications/{D}/commands", self._r_get_commands),
            ("PUT", rf"/applications/{D}/commands", self._r_put_commands),
            ("POST", rf"/applications/{D}/commands", self._r_post_command),
            ("GET", rf"/applications/{D}/commands/{D}", self._r_get_command),
            ("DELETE", rf"/applications/{D}/commands/{D}", self._r_delete_command),
            ("GET", rf"/applications/{D}/guilds/{D}/commands", self._r_get_commands),
            ("PUT", rf"/applications/{D}/guilds/{D}/commands", self._r_put_commands),
            ("POST", rf"/applications/{D}/guilds/{D}/commands", self._r_post_command),
            ("GET", rf"/applications/{D}/guilds/{D}/commands/{D}", self._r_get_command),
            ("DELETE", rf"/applications/{D}/guilds/{D}/commands/{D}", self._r_delete_command),
            ("POST", rf"/interactions/{D}/([^/]+)/callback", self._r_callback),
            ("POST", rf"/webhooks/{D}/([^/]+)", self._r_followup),
            ("GET", rf"/webhooks/{D}/([^/]+)/messages/(@original|\d+)", self._r_webhook_get),
            ("PATCH", rf"/webhooks/{D}/([^/]+)/messages/(@original|\d+)", self._r_webhook_edit),
            ("DELETE", rf"/webhooks/{D}/([^/]+)/messages/(@original|\d+)", self._r_webhook_delete),
            ("GET", rf"/channels/{D}", self._r_get_channel),
            ("GET", rf"/channels/{D}/messages", self._r_history),
            ("POST", rf"/channels/{D}/messages", self._r_send_message),
            ("GET", rf"/channels/{D}/messages/{D}", self._r_get_message),
            ("PATCH", rf"/channels/{D}/messages/{D}", self._r_edit_message),
            ("DELETE", rf"/channels/{D}/messages/{D}", self._r_delete_message),
            ("POST", rf"/channels/{D}/messages/{D}/threads", self._r_thread_from_message),
            ("POST", rf"/channels/{D}/threads", self._r_thread),
            ("POST", rf"/channels/{D}/typing", self._r_no_content),
            ("PUT", rf"/channels/{D}/messages/{D}/reactions/([^/]+)/@me", self._r_no_content),
            ("DELETE", rf"/channels/{D}/messages/{D}/reactions/([^/]+)/@me", self._r_no_content),
            ("GET", rf"/guilds/{D}", self._r_guild),
            ("GET", rf"/guilds/{D}/channels", self._r_guild_channels),
            ("GET", rf"/guilds/{D}/roles", self._r_guild_roles),
            ("POST", rf"/guilds/{D}/roles", self._r_create_role),
            ("GET", rf"/guilds/{D}/members", self._r_guild_members),
            ("GET", rf"/guilds/{D}/members/{D}", self._r_guild_member),
            ("PUT", rf"/guilds/{D}/members/{D}/roles/{D}", self._r_add_member_role),
            ("DELETE", rf"/guilds/{D}/members/{D}/roles/{D}", self._r_remove_member_role),
        ]

    # --- users / gateway / app

    async def _r_me(self, rec: Request) -> tuple[int, Any]:
        return 200, self._me()

    async def _r_user(self, rec: Request, uid: str) -> tuple[int, Any]:
        if int(uid) not in self.users:
            raise _HTTPError(404, 10013, "Unknown User")
        return 200, self._public_user(int(uid))

    async def _r_create_dm(self, rec: Request) -> tuple[int, Any]:
        uid = int((rec.json or {}).get("recipient_id", 0))
        if uid not in self.users:
            raise _HTTPError(400, 50007, "Cannot send messages to this user")
        for ch in self.channels.values():
            if ch["type"] == 1 and ch["recipients"][0]["id"] == str(uid):
                return 200, ch
        cid = self._snow()
        ch = {"id": str(cid), "type": 1, "last_message_id": None, "flags": 0, "recipients": [self._public_user(uid)]}
        self._add_channel_obj(ch)
        return 200, ch

    async def _r_gateway(self, rec: Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _r_gateway_bot(self, rec: Request) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
        }

    async def _r_app_info(self, rec: Request) -> tuple[int, Any]:
        return 200, self.app_info()

    # --- application commands

    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            raise _HTTPError(403, 50001, "Missing Access")

    def _check_guild(self, guild_id: str) -> None:
        if int(guild_id) != self.guild_id:
            raise _HTTPError(404, 10004, "Unknown Guild")

    def _command_list(self, guild_id: int | None) -> list[dict]:
        if guild_id is None:
            return self.global_commands
        return self.synced_guild_commands.setdefault(guild_id, [])

    def _validate_commands(self, payload: Any) -> None:
        if not isinstance(payload, list):
            raise _form_error([], "LIST_TYPE_CONVERT", "Must be an array.")
        if len(payload) > 100 + 5 + 5:
            raise _form_error([], "BASE_TYPE_MAX_LENGTH", "Must be 110 or fewer in length.")
        seen: set[tuple[int, str]] = set()
        for i, cmd in enumerate(payload):
            ctype = cmd.get("type", 1)
            name = cmd.get("name", "")
            if (ctype, name) in seen:
                raise _form_error([str(i), "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Application command names must be unique: {name}")
            seen.add((ctype, name))
            if ctype == 1:
                if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
                    raise _form_error([str(i), "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
                desc = cmd.get("description", "")
                if not 1 <= len(desc) <= 100:
                    raise _form_error([str(i), "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
                self._validate_options(cmd.get("options") or [], [str(i), "options"])

    def _validate_options(self, options: list[dict], path: list[str]) -> None:
        if len(options) > 25:
            raise _form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        seen_optional = False
        names: set[str] = set()
        for j, opt in enumerate(options):
            p = path + [str(j)]
            if opt.get("name") in names:
                raise _form_error(p + ["name"], "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "Option names must be unique")
            names.add(opt.get("name"))
            desc = opt.get("description", "")
            if not 1 <= len(desc) <= 100:
                raise _form_error(p + ["description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            if opt.get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
                self._validate_options(opt.get("options") or [], p + ["options"])
                continue
            if opt.get("required"):
                if seen_optional:
                    raise _form_error(
                        p + ["required"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            choices = opt.get("choices") or []
            if len(choices) > 25:
                raise _form_error(p + ["choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if choices and opt.get("autocomplete"):
                raise _form_error(
                    p + ["autocomplete"], "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES", "Autocomplete cannot be set with choices"
                )

    def _stored_command(self, cmd: dict, guild_id: int | None, version: str) -> dict:
        ctype = cmd.get("type", 1)
        key = (guild_id, ctype, cmd["name"])
        cid = self._command_ids.get(key) or self._snow()
        self._command_ids[key] = cid
        out = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": version,
            "type": ctype,
            "name": cmd["name"],
            "description": cmd.get("description", ""),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": cmd.get("nsfw", False),
        }
        for extra in ("options", "name_localizations", "description_localizations", "handler"):
            if extra in cmd and cmd[extra] is not None:
                out[extra] = cmd[extra]
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        return out

    async def _r_get_commands(self, rec: Request, app_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_app(app_id)
        if guild_id is not None:
            self._check_guild(guild_id)
        return 200, self._command_list(int(guild_id) if guild_id else None)

    async def _r_put_commands(self, rec: Request, app_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_app(app_id)
        if guild_id is not None:
            self._check_guild(guild_id)
        self._validate_commands(rec.json)
        gid = int(guild_id) if guild_id else None
        version = str(self._snow())
        stored = [self._stored_command(c, gid, version) for c in rec.json]
        if gid is None:
            self.global_commands = stored
        else:
            self.synced_guild_commands[gid] = stored
        self.commands = stored
        self.sync_calls += 1
        return 200, stored

    async def _r_post_command(self, rec: Request, app_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_app(app_id)
        if guild_id is not None:
            self._check_guild(guild_id)
        self._validate_commands([rec.json])
        gid = int(guild_id) if guild_id else None
        cmd = self._stored_command(rec.json, gid, str(self._snow()))
        lst = [c for c in self._command_list(gid) if (c["type"], c["name"]) != (cmd["type"], cmd["name"])] + [cmd]
        if gid is None:
            self.global_commands = lst
        else:
            self.synced_guild_commands[gid] = lst
        return 201, cmd

    def _find_command_by_id(self, gid: int | None, cid: str) -> dict:
        for c in self._command_list(gid):
            if c["id"] == cid:
                return c
        raise _HTTPError(404, 10063, "Unknown application command")

    async def _r_get_command(self, rec: Request, app_id: str, *ids: str) -> tuple[int, Any]:
        self._check_app(app_id)
        gid = int(ids[0]) if len(ids) == 2 else None
        return 200, self._find_command_by_id(gid, ids[-1])

    async def _r_delete_command(self, rec: Request, app_id: str, *ids: str) -> tuple[int, Any]:
        self._check_app(app_id)
        gid = int(ids[0]) if len(ids) == 2 else None
        cmd = self._find_command_by_id(gid, ids[-1])
        self._command_list(gid).remove(cmd)
        return 204, None

    # --- message building

    def _validate_message(self, payload: dict, files: list, *, path: list[str], final: dict | None = None) -> None:
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _form_error(path + ["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error(path + ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, e in enumerate(embeds):
            ep = path + ["embeds", str(i)]
            limits = [("title", 256), ("description", 4096)]
            for key, limit in limits:
                value = e.get(key)
                if value is not None:
                    if len(str(value)) > limit:
                        raise _form_error(ep + [key], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
                    total += len(str(value))
            fields = e.get("fields") or []
            if len(fields) > 25:
                raise _form_error(ep + ["fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, f in enumerate(fields):
                for key, limit in (("name", 256), ("value", 1024)):
                    value = str(f.get(key) or "")
                    if not value.strip():
                        raise _form_error(ep + ["fields", str(j), key], "BASE_TYPE_REQUIRED", "This field is required")
                    if len(value) > limit:
                        raise _form_error(ep + ["fields", str(j), key], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
                    total += len(value)
            for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
                if e.get(key):
                    value = str(e[key].get(sub) or "")
                    if len(value) > limit:
                        raise _form_error(ep + [key, sub], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
                    total += len(value)
        if total > 6000:
            raise _form_error(path + ["embeds"], "MESSAGE_EMBEDS_TOO_LONG", "Embed size exceeds maximum size of 6000")
        msg = final if final is not None else payload
        has_content = bool(msg.get("content")) or bool(msg.get("embeds")) or bool(msg.get("components"))
        has_content = has_content or bool(msg.get("attachments")) or bool(files) or bool(msg.get("poll")) or bool(msg.get("sticker_ids"))
        if not has_content:
            raise _HTTPError(400, 50006, "Cannot send an empty message")

    def _make_attachments(
        self, payload: dict, files: list[tuple[str, str, bytes]], channel_id: int, existing: list[dict] | None = None
    ) -> list[dict]:
        described = {str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)}
        out: list[dict] = []
        if existing is not None and "attachments" in payload:
            keep = {str(a.get("id")) for a in payload["attachments"] or []}
            out.extend(a for a in existing if a["id"] in keep)
        elif existing is not None:
            out.extend(existing)
        for index, (name, filename, data) in enumerate(files):
            m = re.fullmatch(r"files\[(\d+)\]", name)
            idx = m.group(1) if m else str(index)
            aid = self._snow()
            self.attachments[aid] = (filename, data)
            url = f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}"
            att = {
                "id": str(aid),
                "filename": filename,
                "size": len(data),
                "url": url,
                "proxy_url": url,
                "content_type": _guess_content_type(filename),
            }
            desc = described.get(idx, {}).get("description")
            if desc:
                att["description"] = desc
            out.append(att)
        return out

    def _mentions(self, content: str) -> tuple[list[dict], list[str]]:
        users = []
        for uid in dict.fromkeys(int(x) for x in re.findall(r"<@!?(\d+)>", content or "")):
            if uid in self.users:
                u = self._public_user(uid)
                if uid in self.members:
                    u["member"] = self.member_object(uid, with_user=False)
                users.append(u)
        roles = [r for r in dict.fromkeys(re.findall(r"<@&(\d+)>", content or "")) if int(r) in self.roles]
        return users, roles

    def _build_message(
        self,
        *,
        channel_id: int,
        payload: dict,
        files: list,
        author_id: int,
        webhook: bool = False,
        interaction: _InteractionState | None = None,
        type: int = 0,
        extra_flags: int = 0,
    ) -> dict:
        mid = self._snow()
        content = str(payload.get("content") or "")
        mentions, mention_roles = self._mentions(content)
        embeds = [dict({"type": "rich"}, **e) for e in payload.get("embeds") or []]
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": self._public_user(author_id),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": "@everyone" in content,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "mention_channels": [],
            "attachments": self._make_attachments(payload, files, channel_id),
            "embeds": embeds,
            "reactions": [],
            "pinned": False,
            "type": type,
            "flags": (int(payload.get("flags") or 0) & _SETTABLE_FLAGS) | extra_flags,
            "components": payload.get("components") or [],
            "sticker_items": [],
        }
        if self._is_guild_channel(channel_id):
            msg["guild_id"] = str(self.guild_id)
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self._public_user(interaction.user_id),
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            msg["type"] = 19 if type == 0 else type
            msg["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel_id),
                "guild_id": str(ref.get("guild_id") or self.guild_id),
            }
            referenced = self.messages.get(int(ref["message_id"]))
            if referenced is not None:
                msg["referenced_message"] = referenced
        self.messages[mid] = msg
        ch = self.channels.get(channel_id)
        if ch is not None and "last_message_id" in ch:
            ch["last_message_id"] = str(mid)
            if ch["type"] in THREAD_TYPES:
                ch["message_count"] += 1
                ch["total_message_sent"] += 1
        return msg

    def _apply_edit(self, msg: dict, payload: dict, files: list, path: list[str]) -> dict:
        new = dict(msg)
        if "content" in payload:
            new["content"] = str(payload["content"] or "")
            new["mentions"], new["mention_roles"] = self._mentions(new["content"])
        if "embeds" in payload:
            new["embeds"] = [dict({"type": "rich"}, **e) for e in payload["embeds"] or []]
        if "components" in payload:
            new["components"] = payload["components"] or []
        if "flags" in payload and payload["flags"] is not None:
            keep = msg["flags"] & ~FLAG_SUPPRESS_EMBEDS
            new["flags"] = keep | (int(payload["flags"]) & FLAG_SUPPRESS_EMBEDS)
        if "attachments" in payload or files:
            new["attachments"] = self._make_attachments(payload, files, int(msg["channel_id"]), existing=msg["attachments"])
        self._validate_message(payload, files, path=path, final=new)
        new["edited_timestamp"] = _now_iso()
        msg.clear()
        msg.update(new)
        return msg

    async def _echo(self, event: str, msg: dict) -> None:
        if not self.echo_bot_messages or msg["flags"] & FLAG_EPHEMERAL:
            return
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
        else:
            data = dict(msg)
            if "guild_id" in msg and int(msg["author"]["id"]) in self.members:
                data["member"] = self.member_object(int(msg["author"]["id"]), with_user=False)
        intent = INTENT_GUILD_MESSAGES if "guild_id" in msg else INTENT_DIRECT_MESSAGES
        await self._emit(event, data, intent)

    # --- interactions (callback / followups)

    def _interaction_for_token(self, app_id: str, token: str) -> _InteractionState:
        inter = self._interactions_by_token.get(token)
        if int(app_id) != self.application_id or inter is None or not inter.acked:
            raise _HTTPError(404, 10015, "Unknown Webhook")
        return inter

    _ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}

    async def _r_callback(self, rec: Request, iid: str, token: str) -> tuple[int, Any]:
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            raise _HTTPError(404, 10062, "Unknown interaction")
        if self.interaction_ack_timeout is not None and time.monotonic() - inter.created > self.interaction_ack_timeout:
            raise _HTTPError(404, 10062, "Unknown interaction")
        if inter.acked:
            raise _HTTPError(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json if isinstance(rec.json, dict) else {}
        rtype = body.get("type")
        if rtype not in self._ALLOWED_CALLBACKS.get(inter.type, set()):
            raise _form_error(["type"], "INTERACTION_CALLBACK_TYPE_INVALID", f"Invalid callback type {rtype} for interaction type {inter.type}")
        data = body.get("data") or {}
        message: dict | None = None

        if rtype == 8:
            choices = data.get("choices")
            if not isinstance(choices, list):
                raise _form_error(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
            if len(choices) > 25:
                raise _form_error(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for i, ch in enumerate(choices):
                if not 1 <= len(str(ch.get("name", ""))) <= 100:
                    raise _form_error(["data", "choices", str(i), "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
                if "value" not in ch:
                    raise _form_error(["data", "choices", str(i), "value"], "BASE_TYPE_REQUIRED", "This field is required")
                if isinstance(ch["value"], str) and len(ch["value"]) > 100:
                    raise _form_error(["data", "choices", str(i), "value"], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
            inter.acked, inter.response_type = True, rtype
            return 204, None

        if rtype == 4:
            self._validate_message(data, rec.files, path=["data"])
            message = self._build_message(
                channel_id=inter.channel_id,
                payload=data,
                files=rec.files,
                author_id=self.bot_user_id,
                webhook=True,
                interaction=inter,
                type=20 if inter.type == 2 else 0,
            )
            inter.original_message_id = int(message["id"])
        elif rtype == 5:
            message = self._build_message(
                channel_id=inter.channel_id,
                payload={"flags": data.get("flags", 0)},
                files=[],
                author_id=self.bot_user_id,
                webhook=True,
                interaction=inter,
                type=20 if inter.type == 2 else 0,
                extra_flags=FLAG_LOADING,
            )
            inter.original_message_id = int(message["id"])
            inter.original_loading = True
        elif rtype in (6, 7):
            target = inter.payload.get("message")
            if target is None or int(target["id"]) not in self.messages:
                raise _HTTPError(404, 10008, "Unknown Message")
            inter.original_message_id = int(target["id"])
            if rtype == 7:
                message = self._apply_edit(self.messages[int(target["id"])], data, rec.files, ["data"])
        elif rtype == 9:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise _form_error(["data", key], "BASE_TYPE_REQUIRED", "This field is required")

        inter.acked, inter.response_type = True, rtype
        response: dict[str, Any] = {"interaction": {"id": str(inter.id), "type": inter.type}}
        if inter.original_message_id is not None:
            orig = self.messages[inter.original_message_id]
            response["interaction"].update(
                {
                    "response_message_id": str(inter.original_message_id),
                    "response_message_loading": bool(orig["flags"] & FLAG_LOADING),
                    "response_message_ephemeral": bool(orig["flags"] & FLAG_EPHEMERAL),
                }
            )
        if message is not None:
            response["resource"] = {"type": rtype, "message": message}
            await self._echo("MESSAGE_UPDATE" if rtype == 7 else "MESSAGE_CREATE", message)
        if "with_response" in rec.query and rec.query["with_response"].lower() not in ("0", "false"):
            return 200, response
        return 204, None

    async def _r_followup(self, rec: Request, app_id: str, token: str) -> tuple[int, Any]:
        inter = self._interaction_for_token(app_id, token)
        payload = rec.json if isinstance(rec.json, dict) else {}
        wait = rec.query.get("wait", "false").lower() in ("1", "true")
        channel_id = int(rec.query.get("thread_id") or inter.channel_id)
        if inter.original_loading and inter.response_type == 5 and inter.original_message_id is not None:
            # Discord: the first followup after a deferred response edits the loading message and keeps
            # the ephemeral state chosen when deferring.
            msg = self.messages[inter.original_message_id]
            self._validate_message(payload, rec.files, path=[])
            edit = {k: v for k, v in payload.items() if k != "flags"}
            self._apply_edit(msg, edit, rec.files, [])
            msg["flags"] &= ~FLAG_LOADING
            msg["edited_timestamp"] = None
            inter.original_loading = False
            await self._echo("MESSAGE_UPDATE", msg)
        else:
            self._validate_message(payload, rec.files, path=[])
            msg = self._build_message(
                channel_id=channel_id, payload=payload, files=rec.files, author_id=self.bot_user_id, webhook=True, interaction=inter
            )
            await self._echo("MESSAGE_CREATE", msg)
        return (200, msg) if wait else (204, None)

    def _webhook_message(self, inter: _InteractionState, which: str) -> dict:
        if which == "@original":
            if inter.original_message_id is None:
                raise _HTTPError(404, 10008, "Unknown Message")
            mid = inter.original_message_id
        else:
            mid = int(which)
        msg = self.messages.get(mid)
        if msg is None:
            raise _HTTPError(404, 10008, "Unknown Message")
        return msg

    async def _r_webhook_get(self, rec: Request, app_id: str, token: str, which: str) -> tuple[int, Any]:
        inter = self._interaction_for_token(app_id, token)
        return 200, self._webhook_message(inter, which)

    async def _r_webhook_edit(self, rec: Request, app_id: str, token: str, which: str) -> tuple[int, Any]:
        inter = self._interaction_for_token(app_id, token)
        msg = self._webhook_message(inter, which)
        payload = rec.json if isinstance(rec.json, dict) else {}
        self._apply_edit(msg, payload, rec.files, [])
        if msg["flags"] & FLAG_LOADING:
            msg["flags"] &= ~FLAG_LOADING
            if inter.original_message_id == int(msg["id"]):
                inter.original_loading = False
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _r_webhook_delete(self, rec: Request, app_id: str, token: str, which: str) -> tuple[int, Any]:
        inter = self._interaction_for_token(app_id, token)
        msg = self._webhook_message(inter, which)
        del self.messages[int(msg["id"])]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None

    # --- channels / messages / threads

    def _channel(self, cid: str) -> dict:
        ch = self.channels.get(int(cid))
        if ch is None:
            raise _HTTPError(404, 10003, "Unknown Channel")
        return ch

    def _message(self, cid: str, mid: str) -> dict:
        msg = self.messages.get(int(mid))
        if msg is None or msg["channel_id"] != cid:
            raise _HTTPError(404, 10008, "Unknown Message")
        return msg

    async def _r_get_channel(self, rec: Request, cid: str) -> tuple[int, Any]:
        return 200, self._channel(cid)

    async def _r_history(self, rec: Request, cid: str) -> tuple[int, Any]:
        self._channel(cid)
        limit = int(rec.query.get("limit", 50))
        msgs = sorted(self.channel_messages(int(cid)), key=lambda m: int(m["id"]), reverse=True)
        if "before" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) < int(rec.query["before"])]
        if "after" in rec.query and "before" not in rec.query:
            # Discord: the `limit` messages right after the id (the oldest of them), newest first
            later = [m for m in msgs if int(m["id"]) > int(rec.query["after"])]
            return 200, later[-limit:]
        if "after" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) > int(rec.query["after"])]
        return 200, msgs[:limit]

    async def _r_send_message(self, rec: Request, cid: str) -> tuple[int, Any]:
        ch = self._channel(cid)
        payload = rec.json if isinstance(rec.json, dict) else {}
        if ch["type"] in THREAD_TYPES and ch["thread_metadata"].get("locked"):
            raise _HTTPError(400, 50083, "Thread is archived")
        self._validate_message(payload, rec.files, path=[])
        msg = self._build_message(channel_id=int(cid), payload=payload, files=rec.files, author_id=self.bot_user_id)
        await self._echo("MESSAGE_CREATE", msg)
        return 200, msg

    async def _r_get_message(self, rec: Request, cid: str, mid: str) -> tuple[int, Any]:
        return 200, self._message(cid, mid)

    async def _r_edit_message(self, rec: Request, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._message(cid, mid)
        if msg["author"]["id"] != str(self.bot_user_id):
            raise _HTTPError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(msg, rec.json if isinstance(rec.json, dict) else {}, rec.files, [])
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _r_delete_message(self, rec: Request, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._message(cid, mid)
        del self.messages[int(mid)]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None

    async def _new_thread(self, parent: dict, payload: dict, *, thread_id: int | None, type: int) -> dict:
        if parent.get("type") not in (0, 5, 15, 16):
            raise _HTTPError(400, 50024, "Cannot execute action on this channel type")
        name = str(payload.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise _form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        tid = thread_id or self._snow()
        if tid in self.channels:
            raise _HTTPError(400, 160004, "A thread has already been created for this message")
        thread = self._thread_obj(
            tid,
            name,
            int(parent["id"]),
            self.bot_user_id,
            type=type,
            auto_archive_duration=int(payload.get("auto_archive_duration") or 1440),
            rate_limit_per_user=payload.get("rate_limit_per_user"),
            invitable=payload.get("invitable", True),
        )
        self._add_channel_obj(thread)
        thread["member"] = {"id": str(tid), "user_id": str(self.bot_user_id), "join_timestamp": _now_iso(), "flags": 0}
        await self._emit("THREAD_CREATE", dict(thread, newly_created=True), INTENT_GUILDS)
        return thread

    async def _r_thread_from_message(self, rec: Request, cid: str, mid: str) -> tuple[int, Any]:
        parent = self._channel(cid)
        msg = self._message(cid, mid)
        if msg.get("thread"):
            raise _HTTPError(400, 160004, "A thread has already been created for this message")
        thread = await self._new_thread(parent, rec.json or {}, thread_id=int(mid), type=11)
        msg["thread"] = thread
        return 201, thread

    async def _r_thread(self, rec: Request, cid: str) -> tuple[int, Any]:
        parent = self._channel(cid)
        payload = rec.json if isinstance(rec.json, dict) else {}
        if parent["type"] in (15, 16):  # forum/media: a starter message is required
            starter = payload.get("message") or {}
            self._validate_message(starter, rec.files, path=["message"])
            thread = await self._new_thread(parent, payload, thread_id=None, type=11)
            msg = self._build_message(channel_id=int(thread["id"]), payload=starter, files=rec.files, author_id=self.bot_user_id)
            return 201, dict(thread, message=msg)
        thread = await self._new_thread(parent, payload, thread_id=None, type=int(payload.get("type") or 12))
        return 201, thread

    async def _r_no_content(self, rec: Request, cid: str, *rest: str) -> tuple[int, Any]:
        self._channel(cid)
        if rest:
            self._message(cid, rest[0])
        return 204, None

    # --- guild

    async def _r_guild(self, rec: Request, gid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        return 200, self.guild_object(full=False)

    async def _r_guild_channels(self, rec: Request, gid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        return 200, [c for c in self.channels.values() if c.get("guild_id") and c["type"] not in THREAD_TYPES]

    async def _r_guild_roles(self, rec: Request, gid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        return 200, list(self.roles.values())

    async def _r_create_role(self, rec: Request, gid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        payload = rec.json or {}
        rid = await self.add_role(
            payload.get("name") or "new role", int(payload.get("permissions") or 0), mentionable=bool(payload.get("mentionable"))
        )
        return 200, self.roles[rid]

    async def _r_guild_members(self, rec: Request, gid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        limit = int(rec.query.get("limit", 1))
        after = int(rec.query.get("after", 0))
        ids = sorted(uid for uid in self.members if uid > after)[:limit]
        return 200, [self.member_object(uid) for uid in ids]

    async def _r_guild_member(self, rec: Request, gid: str, uid: str) -> tuple[int, Any]:
        self._check_guild(gid)
        if int(uid) not in self.members:
            raise _HTTPError(404, 10007, "Unknown Member")
        return 200, self.member_object(int(uid))

    async def _member_role_change(self, gid: str, uid: str, rid: str, add: bool) -> tuple[int, Any]:
        self._check_guild(gid)
        member = self.members.get(int(uid))
        if member is None:
            raise _HTTPError(404, 10007, "Unknown Member")
        if int(rid) not in self.roles or int(rid) == self.everyone_role_id:
            raise _HTTPError(404, 10011, "Unknown Role")
        role = self.roles[int(rid)]
        if role["managed"]:
            raise _HTTPError(403, 50013, "Missing Permissions")
        if not self.permissions_for(self.bot_user_id) & Perm.MANAGE_ROLES:
            raise _HTTPError(403, 50013, "Missing Permissions")
        if role["position"] >= self.roles[self.bot_role_id]["position"]:
            raise _HTTPError(403, 50013, "Missing Permissions")
        roles = [r for r in member["roles"] if r != rid]
        if add:
            roles.append(rid)
        if roles != member["roles"]:
            member["roles"] = roles
            data = self.member_object(int(uid))
            data["guild_id"] = str(self.guild_id)
            await self._emit("GUILD_MEMBER_UPDATE", data, INTENT_GUILD_MEMBERS)
        return 204, None

    async def _r_add_member_role(self, rec: Request, gid: str, uid: str, rid: str) -> tuple[int, Any]:
        return await self._member_role_change(gid, uid, rid, True)

    async def _r_remove_member_role(self, rec: Request, gid: str, uid: str, rid: str) -> tuple[int, Any]:
        return await self._member_role_change(gid, uid, rid, False)

    async def _cdn_handler(self, raw: web.Request) -> web.StreamResponse:
        parts = raw.match_info["tail"].split("/")
        try:
            filename, data = self.attachments[int(parts[1])]
        except (IndexError, ValueError, KeyError):
            return web.Response(status=404)
        return web.Response(body=data, content_type=_guess_content_type(filename))

    # ------------------------------------------------------------------ gateway

    async def _ws_handler(self, raw: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(raw)
        compress = self.gateway_compression and raw.query.get("compress") == "zlib-stream"
        self.gateway_connections.append({"query": dict(raw.query), "zlib": compress})
        conn = _Conn(ws, compress, raw.transport)
        self._conns.add(conn)
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}, "s": None, "t": None})
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                self.gateway_received.append(payload)
                self._notify()
                await self._on_gateway(conn, payload)
        finally:
            self._conns.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
        return ws

    async def _on_gateway(self, conn: _Conn, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif op == 8:
            await self._request_members(conn, d or {})
        # op 3 (presence) and 4 (voice state) are only recorded

    def _token_ok(self, token: Any) -> bool:
        token = str(token or "")
        if token.startswith("Bot "):
            token = token[4:]
        return token == self.token

    async def _identify(self, conn: _Conn, d: dict) -> None:
        if not self._token_ok(d.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = list(d.get("shard") or [0, 1])
        session = _Session(secrets.token_hex(16), shard, int(d.get("intents") or 0))
        session.conn = conn
        conn.session = session
        self._sessions[session.id] = session
        self._session = session
        self.identify_count += 1
        ready = {
            "v": 10,
            "user": self._me(),
            "guilds": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": shard,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-gateway"],
        }
        mine = (self.guild_id >> 22) % max(shard[1], 1) == shard[0]
        if mine:
            ready["guilds"] = [{"id": str(self.guild_id), "unavailable": True}]
        await self._send_dispatch(session, "READY", ready)
        if mine:
            await self._send_dispatch(session, "GUILD_CREATE", self.guild_object())
            self.ready.set()

    async def _resume(self, conn: _Conn, d: dict) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or not self._token_ok(d.get("token")):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not conn:
            with contextlib.suppress(Exception):
                await session.conn.ws.close(code=4000)
        session.conn = conn
        conn.session = session
        seq = int(d.get("seq") or 0)
        for s, text in list(session.events):
            if s > seq:
                await conn.send_text(text)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})
        self.resume_count += 1
        self.resumed.set()

    async def _request_members(self, conn: _Conn, d: dict) -> None:
        if conn.session is None:
            return
        user_ids = d.get("user_ids")
        if isinstance(user_ids, (str, int)):
            user_ids = [user_ids]
        query = d.get("query")
        limit = int(d.get("limit") or 0)
        uids = list(self.members)
        if user_ids is not None:
            uids = [u for u in uids if str(u) in {str(x) for x in user_ids}]
        elif query:
            uids = [u for u in uids if self.users[u]["username"].lower().startswith(str(query).lower())]
        if limit:
            uids = uids[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": [self.member_object(u) for u in uids],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        if user_ids is not None:
            chunk["not_found"] = [x for x in user_ids if int(x) not in self.members]
        await self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(self, session: _Session, event: str, data: Any) -> int:
        session.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}, separators=(",", ":"))
        if event not in ("READY", "RESUMED"):
            session.events.append((session.seq, text))
        if session.conn is not None:
            await session.conn.send_text(text)
        return session.seq

    async def _emit(self, event: str, data: Any, intent: int) -> None:
        """Send an event caused by the fake's own state changes, if the session's intents ask for it."""
        session = self._session
        if session is None or not session.intents & intent:
            return
        await self._send_dispatch(session, event, data)

    async def dispatch(self, event: str, data: dict) -> int:
        """Send any gateway DISPATCH event to the bot (buffered for RESUME if the socket is down).

        State side effects: THREAD_CREATE / CHANNEL_CREATE register the channel,
        MESSAGE_CREATE stores the message. Returns the sequence number.
        """
        if self._session is None:
            raise RuntimeError("no identified gateway session yet")
        if event in ("THREAD_CREATE", "CHANNEL_CREATE", "THREAD_UPDATE", "CHANNEL_UPDATE"):
            ch = {k: v for k, v in data.items() if k != "newly_created"}
            self._add_channel_obj(ch)
        elif event in ("THREAD_DELETE", "CHANNEL_DELETE"):
            self.channels.pop(int(data["id"]), None)
        elif event == "MESSAGE_CREATE":
            self.messages[int(data["id"])] = {k: v for k, v in data.items() if k != "member"}
        return await self._send_dispatch(self._session, event, data)

    async def user_message(self, content: str, *, user_id: int | None = None, channel_id: int | None = None, **extra: Any) -> dict:
        """A user posts a message: sends MESSAGE_CREATE (full message object, with ``member``).

        Without the message-content intent the bot gets empty content/embeds/attachments/components
        unless the message mentions the bot or is a DM (like Discord). Returns the stored message.
        """
        uid = user_id or self.member_id
        cid = channel_id or self.channel_id
        if cid not in self.channels:
            raise ValueError(f"unknown channel {cid}; create it first (create_thread / add_channel / dispatch)")
        payload = dict(extra, content=content)
        msg = self._build_message(channel_id=cid, payload=payload, files=[], author_id=uid)
        for key, value in extra.items():
            if key not in ("content", "embeds", "components", "flags", "nonce", "tts", "message_reference"):
                msg[key] = value
        data = dict(msg)
        if "guild_id" in msg and uid in self.members:
            data["member"] = self.member_object(uid, with_user=False)
        session = self._session
        if session is None:
            raise RuntimeError("no identified gateway session yet")
        mentioned = any(m["id"] == str(self.bot_user_id) for m in msg["mentions"])
        if (
            self.enforce_message_content_intent
            and "guild_id" in msg
            and not mentioned
            and not session.intents & INTENT_MESSAGE_CONTENT
            and uid != self.bot_user_id
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        await self._send_dispatch(session, "MESSAGE_CREATE", data)
        return msg

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket mid-session; discord.py will RESUME on resume_gateway_url."""
        self.resumed.clear()
        session = self._session
        conns = [session.conn] if session is not None and session.conn is not None else list(self._conns)
        for conn in conns:
            await conn.ws.close(code=code)

    async def sever_gateway(self) -> None:
        """Cut the bot's gateway TCP connection without a close frame, as a network failure would
        (the client sees 1006, abnormal closure); events sent until it RESUMEs are buffered and replayed."""
        self.resumed.clear()
        session = self._session
        conns = [session.conn] if session is not None and session.conn is not None else list(self._conns)
        if session is not None:
            session.conn = None  # from now on events are only buffered, never written to the dead socket
        for conn in conns:
            if conn.transport is not None:
                conn.transport.abort()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT (the client closes and resumes)."""
        self.resumed.clear()
        if self._session is not None and self._session.conn is not None:
            await self._session.conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION."""
        if self._session is not None and self._session.conn is not None:
            await self._session.conn.send({"op": 9, "d": resumable, "s": None, "t": None})

    # ------------------------------------------------------------------ interactions (sending)

    def _find_command(self, name: str, guild_id: int | None, ctype: int = 1) -> tuple[dict, bool]:
        if guild_id is not None:
            for cmd in self.synced_guild_commands.get(guild_id, []):
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd, True
        for cmd in self.global_commands:
            if cmd["name"] == name and cmd.get("type", 1) == ctype:
                return cmd, False
        known = sorted({c["name"] for c in self.global_commands} | {c["name"] for cs in self.synced_guild_commands.values() for c in cs})
        raise ValueError(f"command {name!r} was not synced; synced commands: {known}")

    def _channel_partial(self, channel_id: int, user_id: int) -> dict:
        ch = dict(self.channels[channel_id])
        ch.pop("member", None)
        ch["permissions"] = str(self.permissions_for(user_id))
        return ch

    def _convert_options(self, defs: list[dict], values: dict[str, Any], resolved: dict, user_id: int, focused: str | None, path: str) -> list[dict]:
        by_name = {d["name"]: d for d in defs}
        out: list[dict] = []
        for name, value in values.items():
            d = by_name.get(name)
            if d is None:
                raise ValueError(f"/{path} has no option {name!r}; options: {sorted(by_name)}")
            otype = d["type"]
            opt: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                opt["value"] = "" if value is None else str(value)
                opt["focused"] = True
                out.append(opt)
                continue
            if otype == OPT_STRING:
                opt["value"] = str(value)
            elif otype == OPT_INTEGER:
                opt["value"] = int(value)
            elif otype == OPT_NUMBER:
                opt["value"] = float(value)
            elif otype == OPT_BOOLEAN:
                opt["value"] = bool(value)
            elif otype in (OPT_USER, OPT_ROLE, OPT_CHANNEL, OPT_MENTIONABLE):
                kinds = {OPT_USER: ["user"], OPT_ROLE: ["role"], OPT_CHANNEL: ["channel"], OPT_MENTIONABLE: ["user", "role"]}[otype]
                kind, oid = self._resolve_id(value, kinds)
                opt["value"] = str(oid)
                if kind == "user" and oid in self.users:
                    resolved.setdefault("users", {})[str(oid)] = self._public_user(oid)
                    if oid in self.members:
                        resolved.setdefault("members", {})[str(oid)] = self.member_object(oid, with_user=False, with_permissions=True)
                elif kind == "role" and oid in self.roles:
                    resolved.setdefault("roles", {})[str(oid)] = self.roles[oid]
                elif kind == "channel" and oid in self.channels:
                    resolved.setdefault("channels", {})[str(oid)] = self._channel_partial(oid, user_id)
            elif otype == OPT_ATTACHMENT:
                if isinstance(value, tuple):
                    filename, data = value
                else:
                    filename, data = value["filename"], value["data"]
                (att,) = self._make_attachments({}, [("files[0]", filename, data)], self.channel_id)
                opt["value"] = att["id"]
                resolved.setdefault("attachments", {})[att["id"]] = att
            else:
                opt["value"] = value
            out.append(opt)
        if focused is None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in values]
            if missing:
                raise ValueError(f"/{path} is missing required options {missing}")
        elif focused not in values:
            raise ValueError(f"focused option {focused!r} must be in options")
        return out

    def _command_data(self, name: str, options: dict[str, Any] | None, subcommand: str | None, user_id: int, focused: str | None) -> dict:
        cmd, is_guild = self._find_command(name, self.guild_id)
        resolved: dict[str, Any] = {}
        defs = cmd.get("options") or []
        path = name
        nest: list[dict] = []
        if subcommand:
            for part in subcommand.split():
                sub = next((o for o in defs if o["name"] == part and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)), None)
                if sub is None:
                    raise ValueError(f"/{path} has no subcommand {part!r}")
                nest.append({"name": part, "type": sub["type"]})
                defs = sub.get("options") or []
                path += " " + part
            if nest[-1]["type"] != OPT_SUB_COMMAND:
                raise ValueError(f"/{path} is a group; name a subcommand")
        elif any(o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in defs):
            raise ValueError(f"/{name} has subcommands; pass subcommand=")
        opts = self._convert_options(defs, dict(options or {}), resolved, user_id, focused, path)
        for level in reversed(nest):
            level["options"] = opts
            opts = [level]
        data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        if is_guild:
            data["guild_id"] = str(self.guild_id)
        return data

    async def _send_interaction(
        self, itype: int, data: dict, *, user_id: int | None, channel_id: int | None, message: dict | None = None
    ) -> Interaction:
        uid = user_id or self.member_id
        cid = channel_id or self.channel_id
        if uid not in self.members:
            raise ValueError(f"user {uid} is not a guild member")
        if cid not in self.channels:
            raise ValueError(f"unknown channel {cid}")
        if self._session is None:
            raise RuntimeError("no identified gateway session yet")
        iid = self._snow()
        token = "aW50ZXJhY3Rpb24." + secrets.token_urlsafe(32)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "guild_id": str(self.guild_id),
            "channel": self._channel_partial(cid, uid),
            "channel_id": str(cid),
            "member": self.member_object(uid, with_permissions=True),
            "token": token,
            "version": 1,
            "app_permissions": str(self.permissions_for(self.bot_user_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        state = _InteractionState(iid, token, itype, payload, cid, uid, time.monotonic())
        self.interactions[iid] = state
        self._interactions_by_token[token] = state
        await self._send_dispatch(self._session, "INTERACTION_CREATE", payload)
        return Interaction(iid, token, payload, state.created)

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> Interaction:
        """Invoke a synced chat-input command as ``user_id`` (default: the plain member).

        Option values: str/int/float/bool as is; user/role/channel/mentionable options take an id,
        an object with ``.id`` or a name (resolved data is included); attachment options take
        ``(filename, bytes)``. ``subcommand`` is ``"sub"`` or ``"group sub"``.
        """
        data = self._command_data(name, options, subcommand, user_id or self.member_id, None)
        return await self._send_interaction(2, data, user_id=user_id, channel_id=channel_id)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user_id: int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> Interaction:
        """Send an autocomplete interaction (type 4); ``options[focused]`` is what the user typed so far."""
        data = self._command_data(name, options, subcommand, user_id or self.member_id, focused)
        return await self._send_interaction(4, data, user_id=user_id, channel_id=channel_id)

    async def click(self, message: dict | int, custom_id: str, *, user_id: int | None = None, values: list[str] | None = None) -> Interaction:
        """Press a button / use a select (type 3 interaction) on a stored message."""
        msg = self.messages[int(message["id"] if isinstance(message, dict) else message)]
        ctype = _find_component_type(msg.get("components") or [], custom_id)
        if ctype is None:
            raise ValueError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if values is not None:
            data["values"] = values
        return await self._send_interaction(3, data, user_id=user_id, channel_id=int(msg["channel_id"]), message=msg)


def _find_component_type(components: list[dict], custom_id: str) -> int | None:
    for c in components:
        if c.get("custom_id") == custom_id:
            return c.get("type")
        for key in ("components", "accessory"):
            inner = c.get(key)
            if isinstance(inner, dict):
                inner = [inner]
            if inner:
                found = _find_component_type(inner, custom_id)
                if found is not None:
                    return found
    return None


def _guess_content_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
