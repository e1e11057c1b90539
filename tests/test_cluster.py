"""Several processes, each a slice of Discord's shards (tradebot.cluster): which settings say so,
and that their outboxes, sharing one database, deliver every channel's alert exactly once, each
by the process whose shards hold the channel's server."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tradebot import alerts
from tradebot.cluster import EVERY_SHARD, Shards, parse_role, parse_shards, shard_of
from tradebot.config import Settings
from tradebot.delivery import Outbox, Sent
from tradebot.errors import ConfigError
from tradebot.store import Store
from tradebot.sync import sync_file

# ten servers, as Discord numbers them: a snowflake's top bits are its time, which decides its shard
GUILDS = [(n << 22) | 4095 for n in range(100, 110)]
CHANNELS_PER_GUILD = 4


@pytest.mark.parametrize(("count", "ids", "expected"), [
    (None, None, EVERY_SHARD),
    ("4", None, Shards(4, (0, 1, 2, 3))),
    ("4", "0-1", Shards(4, (0, 1))),
    ("8", "6, 0-2,2", Shards(8, (0, 1, 2, 6))),
    (" 1 ", "0", Shards(1, (0,))),
])
def test_a_slice_of_the_shards_is_read_from_its_count_and_ids(count, ids, expected):
    assert parse_shards(count, ids) == expected


@pytest.mark.parametrize(("count", "ids", "message"), [
    ("0", None, "SHARD_COUNT must be a whole number of shards, at least 1, not “0”."),
    ("two", None, "SHARD_COUNT must be a whole number of shards, at least 1, not “two”."),
    (None, "0-3", "SHARD_IDS needs SHARD_COUNT: how many shards there are in all."),
    ("4", "4", "SHARD_IDS names shard 4, but shards are numbered 0 to 3 when SHARD_COUNT is 4."),
    ("4", "3-1", "SHARD_IDS lists shard numbers and ranges such as 0-3,6, not “3-1”."),
    ("4", "0;1", "SHARD_IDS lists shard numbers and ranges such as 0-3,6, not “0;1”."),
])
def test_a_wrong_slice_is_one_sentence_naming_the_setting(count, ids, message):
    with pytest.raises(ConfigError) as refused:
        parse_shards(count, ids)
    assert refused.value.message == message


def test_the_environment_names_the_slice_and_the_role():
    settings = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "2-3", "TRADEBOT_ROLE": "Gateway"})
    assert (settings.shards, settings.role) == (Shards(4, (2, 3)), "gateway")
    assert str(settings.shards) == "shards 2-3 of 4"
    assert (Settings.from_env({}).shards, Settings.from_env({}).role) == (EVERY_SHARD, "all")
    with pytest.raises(ConfigError, match="TRADEBOT_ROLE must be one of all, gateway, sync"):
        parse_role("leader")


def test_shards_split_servers_as_discord_does():
    assert [shard_of(guild, 2) for guild in GUILDS] == [0, 1] * 5
    halves = Shards(2, (0,)), Shards(2, (1,))
    assert all(sum(half.owns(guild) for half in halves) == 1 for guild in GUILDS)
    assert all(EVERY_SHARD.owns(guild) for guild in GUILDS)


class RecordingSender:
    """A Discord stand-in that remembers what it posted, so a resend can find it by marker; it can
    be told to die right after posting one (the process killed before recording it)."""

    ids = itertools.count(1)

    def __init__(self, process: str, posted: list, die_after_posting: int | None = None):
        self.process, self.posted, self.die_after_posting = process, posted, die_after_posting

    async def find(self, delivery):
        return next((Sent(message) for message, _, marker, _ in self.posted if marker == delivery.marker), None)

    async def send(self, delivery, alert):
        message = next(self.ids)
        self.posted.append((message, delivery.channel_id, delivery.marker, self.process))
        if self.die_after_posting == delivery.channel_id:
            raise SystemExit("killed")  # what a kill between the post and its record leaves: the post, no record
        return Sent(message)

    async def open_thread(self, delivery, sent, name):
        return None


def subscribe_servers(db_path) -> dict[int, int]:
    """Four channels in each of the ten servers subscribed to China, and a webhook: channel → server."""
    store = Store(db_path)
    servers = {}
    for guild in GUILDS:
        for n in range(CHANNELS_PER_GUILD):
            channel = guild + n + 1
            alerts.subscribe(store, guild, channel, "CHN", None, 7)
            servers[channel] = guild
    alerts.subscribe(store, 0, 999, "CHN", None, 7, target_kind="webhook")
    store.close()
    return servers


def test_two_processes_deliver_each_channel_once_by_the_shard_that_owns_it(before_november, november_release):
    servers = subscribe_servers(before_november)
    sync_file(Store(before_november), november_release)  # the sync process records the new month
    posted: list = []
    halves = {"shard 0": Shards(2, (0,)), "shard 1": Shards(2, (1,))}

    async def both() -> list[int]:
        stores = [Store(before_november) for _ in halves]
        outboxes = [Outbox(store, {"discord": RecordingSender(name, posted), "webhook": RecordingSender(name, posted)},
                           shards=shards) for store, (name, shards) in zip(stores, halves.items(), strict=True)]
        try:
            counts = await asyncio.gather(*(outbox.deliver() for outbox in outboxes))
            return [*counts, *await asyncio.gather(*(outbox.deliver() for outbox in outboxes))]
        finally:
            for store in stores:
                store.close()

    counts = asyncio.run(both())
    assert sorted(channel for _, channel, _, _ in posted) == sorted([*servers, 999])  # every channel once
    for _, channel, _, process in posted:
        expected = "shard 0" if channel == 999 else f"shard {shard_of(servers[channel], 2)}"
        assert process == expected, channel  # by the owner; the webhook by shard 0's process
    assert counts == [21, 20, 0, 0]  # and a second round sends nothing


def test_a_gateway_killed_mid_delivery_neither_loses_nor_repeats_on_restart(before_november, november_release):
    servers = subscribe_servers(before_november)
    sync_file(Store(before_november), november_release)
    posted: list = []
    mine = Shards(2, (1,))
    victim = next(channel for channel, guild in servers.items() if mine.owns(guild))

    async def deliver(die_after_posting=None) -> int:
        store = Store(before_november)
        try:
            return await Outbox(store, {"discord": RecordingSender("shard 1", posted, die_after_posting)}, shards=mine).deliver()
        finally:
            store.close()

    with pytest.raises(SystemExit):
        asyncio.run(deliver(die_after_posting=victim))
    store = Store(before_november)
    store.conn.execute("UPDATE deliveries SET next_attempt_at = NULL")  # the killed attempt's lease has run out
    store.conn.commit()
    store.close()
    asyncio.run(deliver())
    delivered = [channel for _, channel, _, _ in posted]
    owned = [channel for channel, guild in servers.items() if mine.owns(guild)]
    assert sorted(delivered) == sorted(owned)  # each of its 20 channels once: the killed one found, not resent


def test_a_gateway_runs_its_slice_of_the_shards_and_no_sync(before_november):
    """The real client against the fake Discord: the slice goes to discord.py (its IDENTIFY names
    the shard), the outbox delivers only that slice, and no source is polled."""
    from test_alerts import play

    async def body(fake, client, outbox):
        return {job.id for job in client.scheduler.get_jobs()}, client.shard_count, client.shard_ids, outbox.shards

    [(jobs, count, ids, shards)] = play(before_november, body, role="gateway", shards=Shards(1, (0,)))
    assert jobs == {"deliver-alerts"}
    assert (count, ids, shards) == (1, [0], Shards(1, (0,)))


def test_the_sync_process_polls_the_sources_without_discord(db_path):
    """`bot.py run --role sync` needs no token, schedules the source polls and no delivery, and
    stops cleanly on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import PROJECT_DIR

    env = {**os.environ, "TRADEBOT_DB": str(db_path), "DISCORD_TOKEN": "", "LOG_LEVEL": "INFO"}
    child = subprocess.Popen([sys.executable, "bot.py", "run", "--role", "sync"], cwd=PROJECT_DIR, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, seen = time.monotonic() + 60, ""
        while "sync process: polling" not in seen and time.monotonic() < deadline and child.poll() is None:
            seen += child.stdout.readline()
        child.send_signal(signal.SIGINT)
        rest, _ = child.communicate(timeout=30)
    finally:
        child.kill()
    assert "sync process: polling imf, gacc; alerts are the gateways' to deliver" in seen
    assert child.returncode == 0 and "Traceback" not in seen + rest
