"""Alerts end to end: /alerts through the real discord.py client and the fake Discord; a sync
that lands a month posts exactly once per subscribed channel, with a thread, across restarts
and crashes, on the real seed and the real IMF recording."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import bot as entry
from tradebot import alerts, conversations
from tradebot.config import Settings
from tradebot.delivery import Outbox, SendFailed, Sent, TargetGone
from tradebot.periods import Period
from tradebot.store import Store
from tradebot.sync import sync_file

from conftest import shared_data_dir
from fakediscord import FakeDiscord

EPHEMERAL = 64


class SimulatedCrash(BaseException):
    """Stands for the process dying between Discord's reply and the outbox update."""






def nicaragua_file() -> Path:
    return shared_data_dir("imf_imts") / "imf_imts_nic_g001.csv.gz"


def play(db_path, *bodies, **settings_changes):
    """Run each body against its own bot process-alike (a fresh client on the same database),
    one after the other, on one fake Discord: a restart between bodies."""

    async def main():
        results = []
        async with FakeDiscord() as fake:
            for body in bodies:
                settings = replace(Settings(db_path=db_path), discord_token=fake.token, delivery_seconds=3600, **settings_changes)
                client = entry.build_bot(settings, guild_ready_timeout=0.1)
                async with fake.run_bot(client):
                    results.append(await body(fake, client, client.outbox))
        return results

    return asyncio.run(main())


def crash_at(step: str, release: Path, more_channels: int = 0):
    """A first run: subscribe the channel (and `more_channels` new ones) to China, land `release`,
    and die right after `step` of the delivery (tradebot.delivery.STEPS). Returns the channels."""
    async def body(fake, client, outbox):
        channels = [fake.channel_id] + [await fake.add_channel(f"channel-{n}") for n in range(more_channels)]
        for channel in channels:
            await subscribe(fake, channel, country="china")
        sync_file(client.store, release)

        def crash(at, delivery):
            if at == step:
                raise SimulatedCrash

        outbox.checkpoint = crash
        with pytest.raises(SimulatedCrash):
            await outbox.deliver()
        return channels

    return body


def posts(fake, channel_id) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.ok]


def threads(fake, channel_id) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.startswith(f"/channels/{channel_id}/messages/")
            and r.path.endswith("/threads") and r.ok]


async def subscribe(fake, channel_id, **options):
    interaction = await fake.slash("alerts", options, subcommand="subscribe", user_id=fake.admin_id, channel_id=channel_id)
    return (await fake.wait_response(interaction)).json["data"]


def test_a_member_without_manage_server_is_refused_politely(before_november):
    async def body(fake, client, outbox):
        interaction = await fake.slash("alerts", {"country": "china"}, subcommand="subscribe", user_id=fake.member_id)
        return (await fake.wait_response(interaction)).json["data"]

    [reply] = play(before_november, body)
    assert reply["flags"] & EPHEMERAL
    assert reply["content"] == "You need the Manage Server permission for this command."


def test_subscribing_while_the_writer_is_busy_defers_and_then_confirms(before_november):
    """Issue 16: /alerts subscribe wrote before replying, and behind a long import the write (on the
    one writer thread) outlasted Discord's 3 s to answer: the command failed for the user and the
    subscription was stored anyway. Past two seconds the reply is deferred, then confirmed."""
    async def body(fake, client, outbox):
        release = threading.Event()
        busy = asyncio.ensure_future(client.writes(release.wait, 10))  # the writer is held, as by an import
        interaction = await fake.slash("alerts", {"country": "china"}, subcommand="subscribe", user_id=fake.admin_id)
        first = await fake.wait_response(interaction, timeout=5)
        release.set()
        await busy
        followup = await fake.wait_request(lambda r: r.method == "POST" and r.path.startswith(f"/webhooks/{fake.application_id}/"),
                                           timeout=5)
        return first.json, first.received - interaction.sent, followup.json

    [(first, seconds, followup)] = play(before_november, body)
    assert first["type"] == 5 and seconds < 3  # deferred ("thinking…"), in time
    assert followup["content"] == "This channel will get a summary whenever new figures for China land."


def test_a_new_month_posts_once_per_subscribed_channel_with_a_thread_and_never_again(before_november, november_release):
    nicaragua = nicaragua_file()
    channels = {}

    async def first_run(fake, client, outbox):
        channels["A"], channels["B"] = fake.channel_id, await fake.add_channel("everything")
        assert (await subscribe(fake, channels["A"], country="china"))["content"] == (
            "This channel will get a summary whenever new figures for China land.")
        await subscribe(fake, channels["B"])
        sync_file(client.store, november_release)
        assert await outbox.deliver() == 2
        assert await outbox.deliver() == 0  # nothing is due twice
        sync_file(client.store, nicaragua)
        assert await outbox.deliver() == 1
        return {name: (posts(fake, cid), threads(fake, cid)) for name, cid in channels.items()}

    async def after_restart(fake, client, outbox):
        before = len(fake.requests)
        assert await outbox.deliver() == 0
        return [r for r in fake.requests[before:] if r.method == "POST"]

    sent, resent = play(before_november, first_run, after_restart)
    (a_posts, a_threads), (b_posts, b_threads) = sent["A"], sent["B"]
    assert len(a_posts) == 1 and len(a_threads) == 1
    assert len(b_posts) == 2 and len(b_threads) == 2
    china = a_posts[0].json["embeds"][0]
    assert china["title"].startswith("China, November 2025")
    assert china["footer"]["text"].endswith("tradebot alert #1")
    assert a_posts[0].json["nonce"] == "tb-alert-1" and a_posts[0].json["enforce_nonce"] is True
    assert a_threads[0].json["name"] == "China, November 2025 — ask follow-ups here"
    assert b_posts[0].json["embeds"][0]["title"] == china["title"]
    assert b_posts[1].json["embeds"][0]["title"].startswith("Nicaragua, April 2026")
    assert resent == []
    store = Store(before_november)
    thread_ids = [row[0] for row in store.conn.execute("SELECT thread_id FROM conversations")]
    contexts = sorted((query.reporter, str(query.period)) for query in (conversations.load(store, thread) for thread in thread_ids))
    assert contexts == [("CHN", "2025-11"), ("CHN", "2025-11"), ("NIC", "2026-04")]


def test_a_crash_between_send_and_record_does_not_post_twice(before_november, november_release, monkeypatch):
    monkeypatch.setattr(alerts, "CLAIM_LEASE", timedelta(0))  # the restart need not wait out the dead process's lease

    async def restart(fake, client, outbox):
        assert await outbox.deliver() == 1  # recorded as sent: the message found in the channel
        alerts_in_channel = [m for m in fake.channel_messages(fake.channel_id)
                             if any("tradebot alert #" in e.get("footer", {}).get("text", "") for e in m.get("embeds", []))]
        return len(posts(fake, fake.channel_id)), len(alerts_in_channel)

    _, (posted, in_channel) = play(before_november, crash_at("sent", november_release), restart)
    assert (posted, in_channel) == (1, 1)
    row = Store(before_november).conn.execute("SELECT status, attempts, message_id FROM deliveries").fetchone()
    # two attempts: the post, and after the restart the check that found it
    assert (row["status"], row["attempts"]) == ("sent", 2) and row["message_id"]


def test_a_rate_limited_post_is_retried_and_arrives_once(before_november, november_release):
    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        sync_file(client.store, november_release)
        fake.fail_next("POST", f"/channels/{fake.channel_id}/messages", 429)
        assert await outbox.deliver() == 1
        return [r.status for r in fake.requests if r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages"]

    [statuses] = play(before_november, body)
    assert statuses == [429, 200]


def test_a_lost_permission_marks_the_subscription_inactive(before_november, november_release):
    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        sync_file(client.store, november_release)
        fake.fail_next("POST", f"/channels/{fake.channel_id}/messages", 403)
        assert await outbox.deliver() == 0
        assert await outbox.deliver() == 0  # not a retry loop
        interaction = await fake.slash("alerts", {}, subcommand="list", user_id=fake.admin_id)
        return (await fake.wait_response(interaction)).json["data"]["content"]

    [listing] = play(before_november, body)
    assert "China — inactive (Discord answered 403" in listing
    row = Store(before_november).conn.execute("SELECT status FROM deliveries").fetchone()
    assert row["status"] == "failed"


def test_the_chosen_role_is_the_only_mention(before_november, november_release):
    async def body(fake, client, outbox):
        role_id = await fake.add_role("trade-watchers", mentionable=True)
        reply = await subscribe(fake, fake.channel_id, country="china", role=role_id)
        sync_file(client.store, november_release)
        await outbox.deliver()
        return role_id, reply, posts(fake, fake.channel_id)[0].json

    [(role_id, reply, post)] = play(before_november, body)
    assert reply["allowed_mentions"] == {"parse": []}  # the confirmation names the role without pinging
    assert post["content"] == f"<@&{role_id}>"
    assert post["allowed_mentions"] == {"parse": [], "roles": [role_id]}


def test_the_scheduler_runs_a_sync_job_and_the_delivery_job_that_never_overlap(before_november):
    async def body(fake, client, outbox):
        jobs = {job.id: job for job in client.scheduler.get_jobs()}
        return {job_id: (job.coalesce, job.max_instances, job.misfire_grace_time, str(job.trigger)) for job_id, job in jobs.items()}

    [jobs] = play(before_november, body)
    assert set(jobs) == {"sync-imf", "sync-gacc", "deliver-alerts"}  # no Census job: the tests have no key
    assert jobs["sync-imf"][:2] == (True, 1) and jobs["sync-imf"][2] > 0
    assert jobs["sync-imf"][3].startswith("cron[") and "hour='6'" in jobs["sync-imf"][3]
    # China Customs: every 30 minutes inside its release window, once a day outside it
    assert jobs["sync-gacc"][3] == ("or[cron[month='*', day='7-14', day_of_week='*', hour='1-9', minute='*/30'], "
                                    "cron[month='*', day='*', day_of_week='*', hour='6', minute='20']]")
    assert jobs["deliver-alerts"][:2] == (True, 1) and jobs["deliver-alerts"][2] > 0


def test_a_failing_job_is_logged_and_does_not_escape(caplog):
    from tradebot.errors import SourceUnreachable
    from tradebot.scheduler import guarded

    async def unreachable():
        raise SourceUnreachable("Could not reach api.imf.org: DNS lookup failed")

    async def broken():
        raise RuntimeError("bug")

    asyncio.run(guarded("sync imf", unreachable)())
    asyncio.run(guarded("alert delivery", broken)())
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "tradebot.scheduler"]
    assert messages == [("WARNING", "sync imf: Could not reach api.imf.org: DNS lookup failed"),
                        ("ERROR", "alert delivery failed; it will run again on schedule")]


def test_a_newly_imported_bulletin_month_is_an_alert_written_in_yuan(db_path):
    """The bulletin as it stood before July 2026, then the whole file again: July is new, and
    its summary is in the currency the bulletin is in."""
    from tradebot.config import SEED_DIR

    store = Store(db_path)
    with store.conn:
        store.conn.execute("DELETE FROM figures WHERE source = 'China Customs (GACC) monthly bulletin' AND period_end = '2026-07'")
        store.conn.execute("DELETE FROM events WHERE period_end = '2026-07'")
    store.close()

    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        report = sync_file(client.store, SEED_DIR / "china_customs_by_country_cny10k_2024-01_2026-07.csv")
        assert report.total.announced == [("China Customs (GACC) monthly bulletin", "CHN", Period.parse("2026-07"))]
        assert await outbox.deliver() == 1
        assert await outbox.deliver() == 0
        return posts(fake, fake.channel_id), threads(fake, fake.channel_id)

    [(sent, opened)] = play(db_path, body)
    [embed] = sent[0].json["embeds"]
    assert embed["title"] == "China, July 2026: trade surplus of CNY 766.0 bn (computed)"
    assert "above three trillion yuan" in embed["description"] and "$" not in embed["description"]
    assert len(opened) == 1


class WebhookSender:
    """A second kind of alert target, all of it: the alert as JSON to a URL. A webhook cannot be
    read back, so a resend carries the same idempotency key and the receiver drops it."""

    def __init__(self, session, url: str):
        self.session, self.url = session, url

    async def find(self, delivery):
        return None

    async def send(self, delivery, alert):
        body = {"title": alert.title, "text": alert.text, "figures": [figure.as_json() for figure in alert.figures]}
        async with self.session.post(self.url, json=body, headers={"Idempotency-Key": delivery.nonce}) as response:
            if response.status >= 500:
                raise SendFailed(f"webhook answered {response.status}")
            if response.status >= 400:
                raise TargetGone(f"webhook answered {response.status}")
            return Sent((await response.json())["id"])

    async def open_thread(self, delivery, sent, name):
        return None


def test_a_webhook_target_is_one_small_sender_class(before_november, november_release):
    """The outbox's rules (once per target, retry, stop when refused) hold for a target kind that
    is not Discord; a Discord subscription with no Discord sender in this process waits."""
    import aiohttp
    from aiohttp import web

    from tradebot import alerts
    from tradebot.delivery import Outbox

    received, statuses = [], [503]  # the first post fails: retried later, not lost

    async def hook(request):
        if statuses:
            return web.Response(status=statuses.pop())
        received.append((request.headers["Idempotency-Key"], await request.json()))
        return web.json_response({"id": len(received)})

    async def main():
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        store = Store(before_november)
        try:
            alerts.subscribe(store, 1, 501, "CHN", None, 7, target_kind="webhook")
            alerts.subscribe(store, 1, 502, "CHN", None, 7)  # a Discord channel
            sync_file(store, november_release)
            async with aiohttp.ClientSession() as session:
                outbox = Outbox(store, {"webhook": WebhookSender(session, f"http://127.0.0.1:{port}/hook")})
                first = await outbox.deliver()
                store.conn.execute("UPDATE deliveries SET next_attempt_at = NULL")  # the retry is due now
                second, third = await outbox.deliver(), await outbox.deliver()
            rows = store.conn.execute("SELECT channel_id, status, attempts FROM deliveries ORDER BY channel_id").fetchall()
            return (first, second, third), [tuple(row) for row in rows]
        finally:
            store.close()
            await runner.cleanup()

    counts, rows = asyncio.run(main())
    assert counts == (0, 1, 0)
    assert rows == [(501, "sent", 2), (502, "pending", 0)]
    [(key, body)] = received
    assert key == "tb-alert-1" and body["title"].startswith("China, November 2025")
    assert body["text"].splitlines()[-1].endswith("tradebot alert #1") and body["figures"]


def test_an_alert_buried_under_sixty_messages_is_still_found_after_a_crash(before_november, november_release, monkeypatch):
    """Issue 16: the check looked at the channel's last 50 messages, so a crash after Discord took
    the alert, then a busy channel, posted it twice."""
    monkeypatch.setattr(alerts, "CLAIM_LEASE", timedelta(0))

    async def busy_channel_then_restart(fake, client, outbox):
        for number in range(60):
            await fake.user_message(f"chatter {number}")
        assert await outbox.deliver() == 1
        return posts(fake, fake.channel_id), threads(fake, fake.channel_id)

    _, (sent, opened) = play(before_november, crash_at("sent", november_release), busy_channel_then_restart)
    assert len(sent) == 1 and len(opened) == 1


def test_a_server_error_then_no_history_permission_does_not_lose_the_alert(before_november, november_release, monkeypatch):
    """Issue 16: a 5xx on the post, then a 403 on the history check (Read Message History
    revoked), deactivated the subscription and the alert was never posted."""
    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        sync_file(client.store, november_release)
        fake.fail_next("POST", f"/channels/{fake.channel_id}/messages", 500, times=5)  # discord.py retries 5xx itself
        assert await outbox.deliver() == 0
        with client.writer.conn:
            client.writer.conn.execute("UPDATE deliveries SET next_attempt_at = NULL")  # the retry is due now
        fake.fail_next("GET", f"/channels/{fake.channel_id}/messages", 403)
        assert await outbox.deliver() == 1
        return posts(fake, fake.channel_id)

    [sent] = play(before_november, body)
    assert len(sent) == 1
    [row] = Store(before_november).conn.execute("SELECT d.status, s.active FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id")
    assert tuple(row) == ("sent", 1)


def test_two_processes_on_one_database_send_each_alert_once(before_november, november_release):
    """Issue 16: reading the due list and recording the attempt was not one step, so two
    processes sharing the database could both post. A claim is one conditional update."""
    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        await subscribe(fake, await fake.add_channel("second"))
        sync_file(client.store, november_release)
        other = Outbox(Store(before_november), outbox.senders)  # a second process: its own connection
        try:
            counts = await asyncio.gather(outbox.deliver(), other.deliver())
        finally:
            other.store.close()
        return counts, [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages") and r.ok]

    [(counts, sent)] = play(before_november, body)
    assert sum(counts) == 2 and len(sent) == 2


def test_one_month_under_two_source_names_is_one_alert(before_november, november_release):
    """Issue 16: one month arriving under three source strings printed three identical summaries."""
    renamed = november_release.with_name("november_relabelled.csv")
    renamed.write_text(november_release.read_text(encoding="utf-8").replace("China Customs (GACC)", "China Customs"),
                       encoding="utf-8")

    async def body(fake, client, outbox):
        await subscribe(fake, fake.channel_id, country="china")
        sync_file(client.store, november_release)
        assert sync_file(client.store, renamed).total.announced  # the same month, announced again under another name
        assert await outbox.deliver() == 1
        assert await outbox.deliver() == 0
        return posts(fake, fake.channel_id)

    [sent] = play(before_november, body)
    assert len(sent) == 1


def test_polls_in_a_release_window_are_frequent_and_jittered_and_rare_outside_it(monkeypatch):
    from datetime import UTC, datetime, timedelta

    from tradebot import scheduler
    from tradebot.config import CENSUS_SYNC_CRON, GACC_SYNC_CRON

    def fires(crontabs: str, start: datetime, hours: int = 24) -> list[datetime]:
        schedule, out, now = scheduler.trigger(crontabs), [], start
        while (now := schedule.get_next_fire_time(out[-1] if out else None, now + timedelta(seconds=1))) < start + timedelta(hours=hours):
            out.append(now)
        return out

    in_window, outside = datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)  # China Customs' 7th, and the 20th
    jittered = fires(GACC_SYNC_CRON, in_window)
    monkeypatch.setattr(scheduler, "JITTER_SECONDS", None)
    planned = fires(GACC_SYNC_CRON, in_window)
    assert len(planned) == 19 and len(fires(GACC_SYNC_CRON, outside)) == 1  # 01:00-09:30 every 30 min, and 06:20
    assert len(jittered) == len(planned) and jittered != planned
    assert all(abs((fire - plan).total_seconds()) <= 120 for fire, plan in zip(jittered, planned, strict=True))
    assert len(fires(CENSUS_SYNC_CRON, datetime(2026, 12, 4, tzinfo=UTC))) == 11  # 12:40, every 20 min 13:00-15:40, 06:50
    assert len(fires(CENSUS_SYNC_CRON, outside)) == 1
